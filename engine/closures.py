"""One-off office closures the admin records: regional holidays, a governor's decree, a flood.

The holidays package knows only national holidays and cuti bersama (domain.md, "Working days");
days the Pemprov Kalteng offices are shut for any other reason stop the deadline clock too.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.calendar import CalendarSettings, WorkingCalendar
from engine.db import Base
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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
