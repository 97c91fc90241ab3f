"""The working-day calendar, checked against dates counted by hand on the 2025/2026 calendars.

Holiday facts relied on (printed from the holidays package, and pinned in the first test):
2025: Sat 29 Mar Nyepi, Mon 31 Mar + Tue 1 Apr Idul Fitri (public); Fri 28 Mar and
Wed 2 - Mon 7 Apr cuti bersama (government). 2026: Mon 17 Aug Independence Day, and no
cuti bersama on 18 Aug 2026 (unlike Mon 18 Aug 2025).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from engine.calendar import CalendarSettings, WorkingCalendar, parse_duration
from engine.calendar_cli import calendar as calendar_cli
from engine.calendar_format import describe_due, format_tanggal
from engine.closures import OfficeClosure, add_closure, calendar_from_db, list_closures
from engine.db import Base, Database

WIB = ZoneInfo("Asia/Jakarta")
NATIONAL = WorkingCalendar()
WITH_CUTI_BERSAMA = WorkingCalendar(CalendarSettings(skip_cuti_bersama=True))


def wib(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WIB)


def test_the_holiday_facts_these_tests_rely_on():
    assert {date(2025, 3, 29), date(2025, 3, 31), date(2025, 4, 1), date(2026, 8, 17)} <= (
        NATIONAL.holidays_in(2025) | NATIONAL.holidays_in(2026))
    cuti_bersama_2025 = WITH_CUTI_BERSAMA.holidays_in(2025) - NATIONAL.holidays_in(2025)
    assert {date(2025, 3, 28), date(2025, 4, 2), date(2025, 4, 3), date(2025, 4, 4),
            date(2025, 4, 7), date(2025, 8, 18)} <= cuti_bersama_2025
    assert date(2026, 8, 18) not in WITH_CUTI_BERSAMA.holidays_in(2026)


# -- working days -----------------------------------------------------------------------------
def test_ten_working_days_from_24_march_2025_skip_idul_fitri():
    # 25,26,27,28 Mar; 31 Mar + 1 Apr Idul Fitri; 2,3,4,7,8,9 Apr.
    assert NATIONAL.working_days_after(date(2025, 3, 24), 10) == date(2025, 4, 9)


def test_skipping_cuti_bersama_moves_the_same_deadline_to_16_april():
    # 25,26,27 Mar; 28 Mar and 2-7 Apr are cuti bersama; 8,9,10,11,14,15,16 Apr.
    assert WITH_CUTI_BERSAMA.working_days_after(date(2025, 3, 24), 10) == date(2025, 4, 16)


def test_independence_day_is_skipped():
    assert NATIONAL.working_days_after(date(2026, 8, 14), 1) == date(2026, 8, 18)


def test_cuti_bersama_is_a_working_day_by_default_only():
    assert NATIONAL.is_working_day(date(2025, 3, 28))
    assert not WITH_CUTI_BERSAMA.is_working_day(date(2025, 3, 28))
    assert not NATIONAL.is_working_day(date(2025, 3, 29))  # Saturday and Nyepi
    assert not NATIONAL.is_working_day(date(2025, 3, 30))  # Sunday


def test_zero_days_is_the_start_and_negative_counts_back():
    assert NATIONAL.working_days_after(date(2025, 3, 29), 0) == date(2025, 3, 29)
    assert NATIONAL.working_days_after(date(2025, 4, 9), -10) == date(2025, 3, 24)


def test_an_extra_closure_shifts_the_due_date():
    closed = WorkingCalendar(closures=[date(2025, 3, 27)])
    assert not closed.is_working_day(date(2025, 3, 27))
    assert closed.working_days_after(date(2025, 3, 24), 10) == date(2025, 4, 10)


def test_working_days_between_counts_after_start_up_to_end():
    assert NATIONAL.working_days_between(date(2025, 3, 24), date(2025, 4, 9)) == 10
    assert NATIONAL.working_days_between(date(2025, 4, 9), date(2025, 3, 24)) == -10
    assert NATIONAL.working_days_between(date(2025, 4, 9), date(2025, 4, 9)) == 0
    assert NATIONAL.working_days_between(date(2025, 3, 28), date(2025, 4, 1)) == 0


def test_holiday_years_are_computed_once():
    calendar = WorkingCalendar()
    assert calendar.holidays_in(2025) is calendar.holidays_in(2025)


# -- office time ------------------------------------------------------------------------------
@pytest.mark.parametrize("start, delta, expected", [
    (wib(2025, 3, 7, 15, 30), timedelta(hours=1), wib(2025, 3, 10, 8, 0)),     # Fri close, weekend
    (wib(2025, 3, 6, 15, 50), timedelta(minutes=20), wib(2025, 3, 7, 7, 40)),  # past close overnight
    (wib(2025, 3, 10, 6, 0), timedelta(minutes=30), wib(2025, 3, 10, 8, 0)),   # before opening
    (wib(2025, 3, 8, 10, 0), timedelta(hours=1), wib(2025, 3, 10, 8, 30)),     # on a Saturday
    (wib(2025, 3, 10, 17, 0), timedelta(minutes=5), wib(2025, 3, 11, 7, 35)),  # after close
    (wib(2025, 3, 10, 15, 30), timedelta(minutes=30), wib(2025, 3, 10, 16, 0)),  # ends at close
    (wib(2025, 3, 10, 7, 30), timedelta(hours=10), wib(2025, 3, 11, 9, 0)),    # longer than a day
    (wib(2025, 3, 28, 15, 0), timedelta(hours=2), wib(2025, 4, 2, 8, 30)),     # weekend + Idul Fitri
])
def test_office_time_counts_only_office_hours_on_working_days(start, delta, expected):
    assert NATIONAL.add_office_time(start, delta) == expected


def test_office_time_takes_utc_in_and_gives_wib_out():
    due = NATIONAL.add_office_time(datetime(2025, 3, 7, 8, 30, tzinfo=timezone.utc), timedelta(hours=1))
    assert due == wib(2025, 3, 10, 8, 0) and due.tzinfo == WIB
    assert NATIONAL.add_office_time(datetime(2025, 3, 7, 15, 30), timedelta(hours=1)) == due


def test_office_hours_come_from_the_settings():
    short_day = WorkingCalendar(CalendarSettings(office_open=time(8), office_close=time(15)))
    assert short_day.add_office_time(wib(2025, 3, 7, 14, 30), timedelta(hours=1)) == wib(2025, 3, 10, 8, 30)


# -- due_at -----------------------------------------------------------------------------------
def test_working_day_deadlines_end_when_the_office_closes():
    due = NATIONAL.due_at(wib(2025, 3, 24, 9, 0), "P5D", "working_days")
    assert due == wib(2025, 4, 2, 16, 0) and due.tzinfo == WIB


def test_working_days_are_counted_from_the_wib_date_of_receipt():
    # 20:00 UTC on 24 March is 03:00 WIB on the 25th: day 1 is the 26th, day 5 is 3 April.
    assert NATIONAL.due_at(datetime(2025, 3, 24, 20, tzinfo=timezone.utc), "P5D", "working_days") == (
        wib(2025, 4, 3, 16, 0))
    assert NATIONAL.due_at(datetime(2025, 3, 24, 23, 0), "P5D", "working_days") == wib(2025, 4, 2, 16, 0)


def test_minute_and_hour_deadlines_count_office_time():
    assert NATIONAL.due_at(wib(2025, 3, 7, 15, 30), "PT1H", "hours") == wib(2025, 3, 10, 8, 0)
    assert NATIONAL.due_at(wib(2025, 3, 7, 15, 58), "PT5M", "minutes") == wib(2025, 3, 10, 7, 33)
    assert NATIONAL.due_at(wib(2025, 3, 10, 15, 0), "PT1H30M", "hours") == wib(2025, 3, 11, 8, 0)


def test_no_deadline_without_a_duration_or_with_basis_none():
    assert NATIONAL.due_at(wib(2025, 3, 10, 9, 0), None, "hours") is None
    assert NATIONAL.due_at(wib(2025, 3, 10, 9, 0), "PT1H", "none") is None


def test_durations_are_read_from_iso_8601():
    assert parse_duration("P10D") == (10, timedelta(0))
    assert parse_duration("PT1H30M") == (0, timedelta(minutes=90))
    assert parse_duration("PT45M") == (0, timedelta(minutes=45))


@pytest.mark.parametrize("duration", ["5D", "P", "PT", "P1W", "P1DT2H", "PT1.5H", "PT30S", "P-1D", "", "pt1h"])
def test_unreadable_durations_are_refused(duration):
    with pytest.raises(ValueError, match="duration"):
        NATIONAL.due_at(wib(2025, 3, 10, 9, 0), duration, "hours")


@pytest.mark.parametrize("duration, basis", [("PT1H", "working_days"), ("P1D", "hours"), ("PT1H", "days")])
def test_a_duration_that_does_not_fit_its_basis_is_refused(duration, basis):
    with pytest.raises(ValueError, match="basis"):
        NATIONAL.due_at(wib(2025, 3, 10, 9, 0), duration, basis)


def test_settings_from_the_environment():
    settings = CalendarSettings.from_env({"ALUR_SKIP_CUTI_BERSAMA": "true", "ALUR_OFFICE_HOURS": "08:00-15:30"})
    assert settings == CalendarSettings(True, time(8), time(15, 30))
    assert CalendarSettings.from_env({}) == CalendarSettings()
    with pytest.raises(ValueError, match="ALUR_OFFICE_HOURS"):
        CalendarSettings.from_env({"ALUR_OFFICE_HOURS": "16:00-07:30"})
    with pytest.raises(ValueError, match="ALUR_OFFICE_HOURS"):
        CalendarSettings.from_env({"ALUR_OFFICE_HOURS": "pagi"})


# -- Indonesian wording -----------------------------------------------------------------------
def test_dates_in_indonesian():
    assert format_tanggal(date(2025, 4, 9)) == "9 April 2025"
    assert format_tanggal(date(2025, 4, 9), hari=True) == "Rabu, 9 April 2025"
    assert format_tanggal(datetime(2025, 4, 9, 9, 0, tzinfo=timezone.utc)) == "9 April 2025 16.00 WIB"
    assert format_tanggal(datetime(2025, 8, 17, 7, 5)) == "17 Agustus 2025 07.05 WIB"


@pytest.mark.parametrize("now, expected", [
    (date(2025, 4, 4), "jatuh tempo 9 April 2025, 3 hari kerja lagi"),
    (date(2025, 4, 9), "jatuh tempo hari ini"),
    (wib(2025, 4, 9, 15, 59), "jatuh tempo hari ini"),
    (date(2025, 4, 11), "terlambat 2 hari kerja"),
    (wib(2025, 4, 9, 16, 30), "terlambat (jatuh tempo 9 April 2025 16.00 WIB)"),
    (date(2025, 4, 12), "terlambat 2 hari kerja"),  # a Saturday adds nothing
])
def test_describe_due(now, expected):
    assert describe_due(wib(2025, 4, 9, 16, 0), now, NATIONAL) == expected


# -- CLI and closures table -------------------------------------------------------------------
@pytest.fixture(autouse=True)
def national_calendar_settings(monkeypatch):
    """The CLI reads its settings from the environment; the dates above assume the defaults."""
    monkeypatch.delenv("ALUR_SKIP_CUTI_BERSAMA", raising=False)
    monkeypatch.delenv("ALUR_OFFICE_HOURS", raising=False)


@pytest.fixture
def closures_db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/t.db")
    Base.metadata.create_all(database.engine, tables=[OfficeClosure.__table__])
    yield database
    database.dispose()


def cli(*args: str, db: Database | None = None, ok: bool = True):
    result = CliRunner().invoke(calendar_cli, list(args), obj={"db": db} if db else None)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def last_line(result) -> str:
    return result.output.strip().splitlines()[-1]


def test_cli_due_prints_the_date_last(monkeypatch):
    result = cli("due", "2025-03-24", "10")
    assert result.output.splitlines() == [
        "Jatuh tempo: Rabu, 9 April 2025 (10 hari kerja setelah 24 Maret 2025)", "2025-04-09"]
    assert last_line(cli("due", "2025-03-24", "10", "--skip-cuti-bersama")) == "2025-04-16"
    monkeypatch.setenv("ALUR_SKIP_CUTI_BERSAMA", "1")
    assert last_line(cli("due", "2025-03-24", "10")) == "2025-04-16"


def test_cli_refuses_bad_input():
    bad_date = cli("due", "24-03-2025", "10", ok=False)
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    assert cli("due", "2025-03-24", "-1", ok=False).exit_code == 2
    no_db = cli("closures", "list", ok=False)
    assert no_db.exit_code == 1 and "database" in no_db.output


def test_cli_closures_shift_due_dates(closures_db):
    assert last_line(cli("due", "2025-03-24", "10", db=closures_db)) == "2025-04-09"
    cli("closures", "add", "2025-03-27", "Banjir Palangka Raya", "--by", "admin", db=closures_db)
    listing = cli("closures", "list", db=closures_db).output
    assert "2025-03-27" in listing and "Kamis, 27 Maret 2025" in listing and "Banjir" in listing
    assert last_line(cli("due", "2025-03-24", "10", db=closures_db)) == "2025-04-10"

    again = cli("closures", "add", "2025-03-27", "lagi", db=closures_db, ok=False)
    assert again.exit_code == 1 and "already" in again.output
    cli("closures", "remove", "2025-03-27", db=closures_db)
    assert "no office closures" in cli("closures", "list", db=closures_db).output
    gone = cli("closures", "remove", "2025-03-27", db=closures_db, ok=False)
    assert gone.exit_code == 1 and "not recorded" in gone.output


def test_closures_service_filters_by_year_and_builds_the_calendar(closures_db):
    with closures_db.session() as session:
        add_closure(session, date(2025, 12, 31), "Libur daerah", None)
        add_closure(session, date(2026, 1, 2), "Keputusan Gubernur", "admin")
    with closures_db.session() as session:
        assert [c.day for c in list_closures(session, 2026)] == [date(2026, 1, 2)]
        assert len(list_closures(session)) == 2
        calendar = calendar_from_db(session, CalendarSettings())
    assert not calendar.is_working_day(date(2025, 12, 31))
    assert calendar.working_days_after(date(2025, 12, 30), 1) == date(2026, 1, 5)
