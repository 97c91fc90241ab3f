"""`alur calendar`: due dates from the command line, and the admin's office closures.

The root `alur` group puts a Database in ctx.obj["db"]; `due` works without one (national
calendar only), the closures commands need it.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import click

from engine.calendar import CalendarSettings, WorkingCalendar
from engine.calendar_format import format_tanggal
from engine.closures import ClosureExists, add_closure, calendar_from_db, list_closures, remove_closure
from engine.errors import NotFound


def _parse_day(_ctx, _param, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-03-24") from None


def _database(required: bool):
    db = (click.get_current_context().obj or {}).get("db")
    if db is None and required:
        raise click.ClickException("office closures need the database; run this as `alur calendar closures ...`")
    return db


def _settings(skip_cuti_bersama: bool) -> CalendarSettings:
    try:
        settings = CalendarSettings.from_env()
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    return replace(settings, skip_cuti_bersama=True) if skip_cuti_bersama else settings


def _working_calendar(settings: CalendarSettings) -> WorkingCalendar:
    """With a database the admin's closures count too; without one, the national calendar."""
    db = _database(required=False)
    if db is None:
        return WorkingCalendar(settings)
    with db.session() as session:
        return calendar_from_db(session, settings)


@click.group("calendar")
def calendar() -> None:
    """Kalender hari kerja: jatuh tempo dan hari libur kantor."""


@calendar.command("due")
@click.argument("received", metavar="DATE", callback=_parse_day)
@click.argument("n", type=click.IntRange(min=0))
@click.option("--skip-cuti-bersama", is_flag=True, help="Cuti bersama stop the clock too (else ALUR_SKIP_CUTI_BERSAMA).")
def due(received: date, n: int, skip_cuti_bersama: bool) -> None:
    """The date N working days after DATE; the last line is the date in ISO format."""
    day = _working_calendar(_settings(skip_cuti_bersama)).working_days_after(received, n)
    click.echo(f"Jatuh tempo: {format_tanggal(day, hari=True)} ({n} hari kerja setelah {format_tanggal(received)})")
    click.echo(day.isoformat())


@calendar.group("closures")
def closures() -> None:
    """Hari kantor tutup di luar libur nasional (libur daerah, keputusan gubernur, bencana)."""


@closures.command("add")
@click.argument("day", metavar="DATE", callback=_parse_day)
@click.argument("reason")
@click.option("--by", default="system", help="Who records the closure.")
def closures_add(day: date, reason: str, by: str) -> None:
    try:
        with _database(required=True).session() as session:
            add_closure(session, day, reason, by)
    except ClosureExists as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"closure added: {day.isoformat()} ({format_tanggal(day, hari=True)}): {reason}")


@closures.command("remove")
@click.argument("day", metavar="DATE", callback=_parse_day)
def closures_remove(day: date) -> None:
    try:
        with _database(required=True).session() as session:
            remove_closure(session, day)
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"closure removed: {day.isoformat()}")


@closures.command("list")
@click.option("--year", type=int, help="Only closures in this year.")
def closures_list(year: int | None) -> None:
    with _database(required=True).session() as session:
        rows = list_closures(session, year)
    if not rows:
        click.echo("no office closures recorded")
    for row in rows:
        click.echo(f"{row.day.isoformat()}  {format_tanggal(row.day, hari=True):<28} {row.reason}"
                   f"  (oleh {row.created_by or '-'})")
