"""Late work must not go unnoticed: overdue tasks notify their lane, then escalate to its Atasan.

Each happens once per task: the flag is set in the same transaction as the notifications, and a
notification is unique per (user, kind, task), so a retried or duplicated job changes nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine import audit
from engine.models import HumanTask, User
from engine.notifications import notify
from engine.organization import users_serving

DEFAULT_ESCALATION_DELAY = timedelta(hours=24)


def escalation_delay_from_env() -> timedelta:
    """How long after its due time an overdue task escalates (ALUR_ESCALATE_AFTER_HOURS)."""
    return timedelta(hours=float(os.environ.get("ALUR_ESCALATE_AFTER_HOURS", "24")))


@dataclass(frozen=True)
class DeadlineRun:
    notified: int
    escalated: int


def check_deadlines(session: Session, now: datetime, escalate_after: timedelta = DEFAULT_ESCALATION_DELAY) -> DeadlineRun:
    notified = sum(1 for _ in _notify_overdue(session, now))
    escalated = sum(1 for _ in _escalate(session, now - escalate_after, now))
    return DeadlineRun(notified, escalated)


def _open_tasks_due_before(session: Session, moment: datetime, flag):
    query = (select(HumanTask)
             .where(HumanTask.state == "ready", HumanTask.due_at < moment, flag.is_(None))
             .order_by(HumanTask.due_at)
             .with_for_update(skip_locked=True))
    return list(session.scalars(query))


def _notify_overdue(session: Session, now: datetime):
    for task in _open_tasks_due_before(session, now, HumanTask.overdue_notified_at):
        message = f"Tugas '{task.name}' (kasus {task.instance_id}, langkah {task.step or '-'}) melewati batas waktu."
        for user in users_serving(session, task.unit_id, task.lane):
            notify(session, user, "overdue", message, task)
        task.overdue_notified_at = now
        audit.record(session, "system", "task.overdue", "task", task.id, task.instance_id, lane=task.lane)
        yield task


def _escalate(session: Session, overdue_since: datetime, now: datetime):
    for task in _open_tasks_due_before(session, overdue_since, HumanTask.escalated_at):
        supervisors = supervisors_of(session, task.unit_id, task.lane)
        message = (f"Eskalasi: tugas '{task.name}' (kasus {task.instance_id}) di lajur {task.lane} "
                   f"terlambat dan belum diselesaikan.")
        for user in supervisors:
            notify(session, user, "escalation", message, task)
        task.escalated_at = now
        audit.record(session, "system", "task.escalated", "task", task.id, task.instance_id,
                     to=[user.username for user in supervisors])
        yield task


def supervisors_of(session: Session, unit_id: int | None, lane: str | None) -> list[User]:
    """Users of the unit holding a role that supervises the lane (the Atasan of that lane)."""
    users = session.scalars(select(User).options(selectinload(User.roles))
                            .where(User.unit_id == unit_id, User.active.is_(True)))
    return [user for user in users
            if any(lane in (role.supervises or []) for role in user.roles if role.unit_id in (None, unit_id))]
