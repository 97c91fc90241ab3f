"""Template filters: dates as Indonesians write them, in WIB."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask

WIB = ZoneInfo("Asia/Jakarta")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember")


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = _wib(value).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return "-"
    local = _wib(value)
    return f"{format_date(local)} {local:%H.%M} WIB"


def _wib(value: datetime) -> datetime:
    return (value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value).astimezone(WIB)


def register(app: Flask) -> None:
    app.add_template_filter(format_date, "tanggal")
    app.add_template_filter(format_datetime, "waktu")
