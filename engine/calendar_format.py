"""Dates and deadlines as Indonesian staff and requesters read them ("9 April 2025 16.00 WIB")."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from engine.calendar import WorkingCalendar, in_zone

WIB = ZoneInfo("Asia/Jakarta")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
         "Agustus", "September", "Oktober", "November", "Desember")
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def format_tanggal(value: date | datetime, hari: bool = False) -> str:
    """ "9 April 2025", or "Rabu, 9 April 2025" with hari; a datetime adds the WIB clock time
    written with a dot, as Indonesian does ("16.00 WIB"), whatever zone it carries."""
    if isinstance(value, datetime):
        moment = in_zone(value, WIB)
        return f"{format_tanggal(moment.date(), hari)} {moment:%H.%M} WIB"
    text = f"{value.day} {BULAN[value.month - 1]} {value.year}"
    return f"{HARI[value.weekday()]}, {text}" if hari else text


def _day_of(value: date | datetime, calendar: WorkingCalendar) -> date:
    return calendar.local(value).date() if isinstance(value, datetime) else value


def _is_past(due: date | datetime, now: date | datetime, calendar: WorkingCalendar) -> bool:
    """Past the due moment when both carry a clock time, otherwise past the due day."""
    if isinstance(due, datetime) and isinstance(now, datetime):
        return calendar.local(now) > calendar.local(due)
    return _day_of(now, calendar) > _day_of(due, calendar)


def describe_due(due: date | datetime, now: date | datetime, calendar: WorkingCalendar) -> str:
    """How a deadline stands now, counted in working days, for task lists and reminders."""
    due_day, today = _day_of(due, calendar), _day_of(now, calendar)
    if _is_past(due, now, calendar):
        late = calendar.working_days_between(due_day, today)
        return f"terlambat {late} hari kerja" if late > 0 else f"terlambat (jatuh tempo {format_tanggal(due)})"
    if due_day == today:
        return "jatuh tempo hari ini"
    left = calendar.working_days_between(today, due_day)
    return f"jatuh tempo {format_tanggal(due_day)}, {left} hari kerja lagi"
