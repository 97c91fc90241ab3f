"""Notifying staff: recorded first, shown in the web UI's bell, e-mailed when SMTP is set."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.models import HumanTask, Notification, User
from engine.timeutil import utcnow


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
