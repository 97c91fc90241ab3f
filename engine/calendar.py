"""The working-day calendar: when a legal deadline or an SOP step falls due.

UU 14/2008 and Perki 1/2021 count deadlines in working days (hari kerja), and the SOPs' mutu baku
give step durations in minutes or hours of office time. Both are counted here, in WIB, so that a
due date means the same thing on the web page, in a reminder and in the annual report.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable, NamedTuple
from zoneinfo import ZoneInfo

import holidays

# Perpres 21/2023: government offices work Monday (0) to Friday (4).
LAST_WORKDAY_OF_WEEK = 4
# National holidays are "public" in the holidays package; cuti bersama (SKB 3 Menteri, set each
# year) are its "government" category. Whether cuti bersama stop the clock is a setting.
NATIONAL_HOLIDAYS = ("public",)
CUTI_BERSAMA = ("government",)
DEADLINE_BASES = ("minutes", "hours", "working_days", "none")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "ya")


def _office_hours(value: str) -> tuple[time, time]:
    """Reads "07:30-16:00"; an office day that ends before it starts is a typo, not a setting."""
    try:
        opening, closing = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ValueError(f"ALUR_OFFICE_HOURS must look like 07:30-16:00, got {value!r}") from None
    if opening >= closing:
        raise ValueError(f"ALUR_OFFICE_HOURS must open before it closes, got {value!r}")
    return opening, closing


@dataclass(frozen=True)
class CalendarSettings:
    """How this office counts time; the defaults are those of the Pemprov Kalteng offices."""

    skip_cuti_bersama: bool = False
    office_open: time = time(7, 30)
    office_close: time = time(16, 0)
    timezone: str = "Asia/Jakarta"  # WIB: Palangka Raya and Jakarta share it

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "CalendarSettings":
        env = os.environ if env is None else env
        opening, closing = _office_hours(env.get("ALUR_OFFICE_HOURS") or "07:30-16:00")
        return cls(_flag(env.get("ALUR_SKIP_CUTI_BERSAMA")), opening, closing)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """The moment on the office's clock; a naive datetime is taken to be office time already."""
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


class Duration(NamedTuple):
    """An SOP duration, kept as written: a day count and an office-time count never mix."""

    days: int
    office_time: timedelta


_DURATION = re.compile(r"^P(?:(?P<days>\d+)D|T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)$")


def parse_duration(text: str) -> Duration:
    """Reads the ISO-8601 forms the mutu baku use: P5D, PT2H, PT30M, PT1H30M."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"duration {text!r} is not one of P<n>D, PT<n>H, PT<n>M, PT<h>H<m>M")
    parts = {name: int(value or 0) for name, value in match.groupdict().items()}
    return Duration(parts["days"], timedelta(hours=parts["hours"], minutes=parts["minutes"]))


def check_deadline(duration: str | None, basis: str) -> Duration | None:
    """The parsed duration of a mutu baku, or None when it sets no deadline; ValueError if malformed.

    Deploy-time validation calls this too, so a model never fails later when a task opens.
    """
    if basis not in DEADLINE_BASES:
        raise ValueError(f"deadline basis must be one of {', '.join(DEADLINE_BASES)}, got {basis!r}")
    if basis == "none" or duration is None:
        return None
    length = parse_duration(duration)
    if basis == "working_days" and length.office_time:
        raise ValueError(f"basis working_days needs a duration in days (P<n>D), got {duration!r}")
    if basis != "working_days" and length.days:
        raise ValueError(f"basis {basis} needs a duration in hours or minutes (PT...), got {duration!r}")
    return length


class WorkingCalendar:
    """Working days and office hours: weekends, holidays and the admin's closures excluded."""

    def __init__(self, settings: CalendarSettings | None = None, closures: Iterable[date] = ()):
        self.settings = settings or CalendarSettings()
        self.closures = frozenset(closures)
        self._holidays_by_year: dict[int, frozenset[date]] = {}

    # -- days -----------------------------------------------------------------------------
    def holidays_in(self, year: int) -> frozenset[date]:
        """The year's holidays that stop the clock, built once per year (the lookup is slow)."""
        if year not in self._holidays_by_year:
            categories = NATIONAL_HOLIDAYS + (CUTI_BERSAMA if self.settings.skip_cuti_bersama else ())
            found = holidays.country_holidays("ID", categories=categories, years=year)
            self._holidays_by_year[year] = frozenset(found)
        return self._holidays_by_year[year]

    def is_working_day(self, day: date) -> bool:
        return (day.weekday() <= LAST_WORKDAY_OF_WEEK and day not in self.closures
                and day not in self.holidays_in(day.year))

    def working_days_after(self, start: date, n: int) -> date:
        """The n-th working day after start (day 1 is the first working day after receipt,
        domain.md); a negative n counts back, n = 0 is start itself."""
        step = timedelta(days=1 if n >= 0 else -1)
        day, left = start, abs(n)
        while left:
            day += step
            left -= self.is_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after start up to and including end; negative when end is earlier.

        So "how many working days are left" for a due date is working_days_between(today, due).
        """
        if end < start:
            return -self.working_days_between(end, start)
        return sum(self.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))

    # -- office hours ---------------------------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        return in_zone(moment, self.settings.zone)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.settings.zone)

    def _next_office_moment(self, moment: datetime) -> datetime:
        """Work cannot start while the office is shut: move to the next opening."""
        opening, closing = self.settings.office_open, self.settings.office_close
        if self.is_working_day(moment.date()) and moment.time() < closing:
            return max(moment, self._at(moment.date(), opening))
        return self._at(self.working_days_after(moment.date(), 1), opening)

    def add_office_time(self, start: datetime, delta: timedelta) -> datetime:
        """start + delta counting only office hours on working days; the result is in WIB."""
        if delta < timedelta(0):
            raise ValueError(f"office time cannot be negative, got {delta}")
        moment, left = self._next_office_moment(self.local(start)), delta
        while True:
            closing = self._at(moment.date(), self.settings.office_close)
            if moment + left <= closing:
                return moment + left
            left -= closing - moment
            moment = self._at(self.working_days_after(moment.date(), 1), self.settings.office_open)

    # -- SOP deadlines --------------------------------------------------------------------
    def due_at(self, start: datetime, duration: str | None, basis: str) -> datetime | None:
        """When a step started at `start` is due, from its mutu baku durasi and basis.

        A working-day deadline ends when the office closes on the last day, not at midnight.
        """
        length = check_deadline(duration, basis)
        if length is None:
            return None
        if basis == "working_days":
            day = self.working_days_after(self.local(start).date(), length.days)
            return self._at(day, self.settings.office_close)
        return self.add_office_time(start, length.office_time)
