"""Notifying staff: recorded first, shown in the web UI's bell, e-mailed when SMTP is set."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.models import HumanTask, Notification, User
from engine.organization import get_actor
from engine.timeutil import as_utc, utcnow


def notify(session: Session, user: User, kind: str, message: str, task: HumanTask | None = None) -> Notification:
    note = Notification(user_id=user.id, kind=kind, message=message,
                        task_id=task.id if task else None, instance_id=task.instance_id if task else None)
    session.add(note)
    return note


def unread_count(session: Session, user_id: int) -> int:
    query = select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))
    return session.scalar(query) or 0


def recent(session: Session, user_id: int, limit: int = 50) -> list[Notification]:
    query = (select(Notification).where(Notification.user_id == user_id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return list(session.scalars(query))


def mark_all_read(session: Session, user_id: int, now: datetime | None = None) -> None:
    session.execute(update(Notification)
                    .where(Notification.user_id == user_id, Notification.read_at.is_(None))
                    .values(read_at=now or utcnow()))


# -- the bell page -------------------------------------------------------------------------------
KIND_LABELS = {"overdue": "Tugas terlambat", "escalation": "Eskalasi", "digest": "Ringkasan harian"}


@dataclass(frozen=True)
class NotificationView:
    """One notification as its recipient sees it; ``task_id`` only while they may still open the task."""

    id: int
    kind: str
    label: str
    message: str
    created_at: datetime
    read_at: datetime | None
    task_id: int | None


def notifications_for(session: Session, username: str, limit: int = 50) -> list[NotificationView]:
    """The user's recent notifications, linking a task only when it stands in one of their lanes in their unit."""
    actor = get_actor(session, username)
    rows = session.execute(
        select(Notification, HumanTask.unit_id, HumanTask.lane)
        .outerjoin(HumanTask, HumanTask.id == Notification.task_id)
        .where(Notification.user_id == actor.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return [NotificationView(note.id, note.kind, KIND_LABELS.get(note.kind, "Pemberitahuan"), note.message,
                             as_utc(note.created_at), as_utc(note.read_at),
                             note.task_id if note.task_id and actor.serves(unit_id, lane) else None)
            for note, unit_id, lane in rows]


# -- e-mail --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PendingEmail:
    notification_id: int
    to: str
    full_name: str
    kind: str
    message: str
    task_id: int | None


def pending_emails(session: Session, limit: int = 200) -> list[PendingEmail]:
    """Unread notifications not yet e-mailed nor refused by the mail server, of active users with an e-mail."""
    rows = session.execute(
        select(Notification.id, User.email, User.full_name, Notification.kind, Notification.message,
               Notification.task_id)
        .join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), Notification.email_failed_at.is_(None),
               Notification.read_at.is_(None), User.active.is_(True), User.email.is_not(None), User.email != "")
        .order_by(Notification.id).limit(limit))
    return [PendingEmail(*row) for row in rows]


def claim_for_email(session: Session, notification_id: int, now: datetime | None = None) -> bool:
    """Mark one notification as e-mailed before sending it: of two senders, only one wins the row."""
    result = session.execute(update(Notification)
                             .where(Notification.id == notification_id, Notification.emailed_at.is_(None),
                                    Notification.email_failed_at.is_(None))
                             .values(emailed_at=now or utcnow()))
    return result.rowcount == 1


def release_email_claim(session: Session, notification_id: int) -> None:
    """Sending failed: the notification is due for e-mail again on the next run."""
    session.execute(update(Notification).where(Notification.id == notification_id).values(emailed_at=None))


def record_email_failure(session: Session, notification_id: int, now: datetime, reason: str) -> None:
    """The mail server refused the e-mail for good: not sent, and not tried again."""
    session.execute(update(Notification).where(Notification.id == notification_id)
                    .values(emailed_at=None, email_failed_at=now, email_failure=reason))
