"""The morning digest: each officer with open work gets one notification summing it up."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.models import HumanTask, User
from engine.notifications import notify
from engine.timeutil import as_utc, utcnow


def send_daily_digest(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    open_tasks = list(session.execute(select(HumanTask.unit_id, HumanTask.lane, HumanTask.due_at)
                                      .where(HumanTask.state == "ready")))
    sent = 0
    for user in session.scalars(select(User).options(selectinload(User.roles)).where(User.active.is_(True))):
        lanes = user.lanes_in(user.unit_id)
        mine = [due for unit_id, lane, due in open_tasks if unit_id == user.unit_id and lane in lanes]
        if not mine:
            continue
        late = sum(1 for due in mine if due is not None and as_utc(due) < now)
        notify(session, user, "digest", f"Ringkasan harian: {len(mine)} tugas terbuka, {late} terlambat.")
        sent += 1
    return sent
