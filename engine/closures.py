"""One-off office closures the admin records: regional holidays, a governor's decree, a flood.

The holidays package knows only national holidays and cuti bersama (domain.md, "Working days");
days the Pemprov Kalteng offices are shut for any other reason stop the deadline clock too.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from sqlalchemy import Date, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.calendar import CalendarSettings, WorkingCalendar
from engine.db import Base, UtcDateTime
from engine.errors import EngineError, NotFound
from engine.timeutil import utcnow


class ClosureExists(EngineError):
    """The day is already recorded as closed; remove it first to change the reason."""


class OfficeClosure(Base):
    """A day the office is closed although the national calendar says it works."""

    __tablename__ = "office_closures"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    reason: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def _find(session: Session, day: date) -> OfficeClosure | None:
    return session.scalar(select(OfficeClosure).where(OfficeClosure.day == day))


def add_closure(session: Session, day: date, reason: str, by: str | None) -> OfficeClosure:
    if _find(session, day) is not None:
        raise ClosureExists(f"{day.isoformat()} is already recorded as an office closure.")
    closure = OfficeClosure(day=day, reason=reason, created_by=by)
    session.add(closure)
    session.flush()
    return closure


def remove_closure(session: Session, day: date) -> None:
    closure = _find(session, day)
    if closure is None:
        raise NotFound(f"{day.isoformat()} is not recorded as an office closure.")
    session.delete(closure)
    session.flush()


def list_closures(session: Session, year: int | None = None) -> list[OfficeClosure]:
    query = select(OfficeClosure).order_by(OfficeClosure.day)
    if year is not None:
        query = query.where(OfficeClosure.day.between(date(year, 1, 1), date(year, 12, 31)))
    return list(session.scalars(query))


def calendar_from_db(session: Session, settings: CalendarSettings | None = None) -> WorkingCalendar:
    """The calendar deadlines are counted on: the settings plus every recorded closure."""
    days = session.scalars(select(OfficeClosure.day))
    return WorkingCalendar(settings or CalendarSettings.from_env(), days)


class LiveCalendar:
    """Due times on the current calendar: closures an admin adds count from the next minute on.

    Long-running processes (web, workers) hold one of these instead of a WorkingCalendar built at
    start-up, which would ignore every closure added after it.
    """

    def __init__(self, db, settings: CalendarSettings | None = None, refresh: timedelta = timedelta(minutes=1)):
        self._db, self._settings, self._refresh = db, settings or CalendarSettings.from_env(), refresh
        self._calendar: WorkingCalendar | None = None
        self._loaded_at = 0.0

    def current(self) -> WorkingCalendar:
        if self._calendar is None or time.monotonic() - self._loaded_at > self._refresh.total_seconds():
            with self._db.session() as session:
                self._calendar = calendar_from_db(session, self._settings)
            self._loaded_at = time.monotonic()
        return self._calendar

    def due_at(self, start: datetime, duration: str | None, basis: str) -> datetime | None:
        return self.current().due_at(start, duration, basis)
