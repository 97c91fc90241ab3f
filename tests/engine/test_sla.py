"""The SLA report on tasks with hand-chosen timestamps; every expected number is worked out by hand.

Week of 5 May 2025: Monday 5 to Friday 9 are working days; Monday 12 May is Waisak (national
holiday); Tuesday 13 May is cuti bersama, a working day by default. Office hours 07:30-16:00 WIB.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.calendar import WorkingCalendar
from engine.models import HumanTask, ProcessInstance, ProcessModel, Unit
from engine.organization import create_user, get_or_create_role
from engine.sla import SlaFilter, office_time_between, sla_report, sla_viewer, step_duration
from engine.spec_cache import SpecCache
from tests.engine.helpers import PASSWORD, setup_review_loop

WIB = ZoneInfo("Asia/Jakarta")
CALENDAR = WorkingCalendar()
NOW = datetime(2025, 5, 20, 10, 0, tzinfo=WIB)
MAY = SlaFilter(date(2025, 5, 1), date(2025, 5, 31))
HOURS = {"waktu": "1 Jam", "durasi": "PT1H", "basis": "hours"}
DAYS = {"waktu": "2 hari kerja", "durasi": "P2D", "basis": "working_days"}


def wib(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=WIB)


def test_office_time_counts_only_office_hours_on_working_days():
    assert office_time_between(CALENDAR, wib(5, 15, 30), wib(6, 9)) == timedelta(hours=2)
    assert office_time_between(CALENDAR, wib(9, 15), wib(13, 8, 30)) == timedelta(hours=2)  # weekend, Waisak
    assert office_time_between(CALENDAR, wib(5, 6), wib(5, 7, 30)) == timedelta(0)  # before opening
    assert office_time_between(CALENDAR, wib(6, 9), wib(5, 9)) == timedelta(0)
    assert step_duration(CALENDAR, wib(5, 8), wib(5, 8, 30), "minutes") == 30
    assert step_duration(CALENDAR, wib(8, 10), wib(14, 9), "working_days") == 3  # 9, 13, 14 May


@pytest.fixture
def tasks(db):
    """Unit A: five completed steps in May, one without a due time, one completed in April, one overdue
    and one open task not yet due; unit B: one completed step and one overdue task."""
    setup_review_loop(db)
    with db.session() as session:
        model_id = session.scalar(select(ProcessModel.id))
        units = {unit.code: unit for unit in session.scalars(select(Unit))}
        create_user(session, "root", PASSWORD, is_admin=True)
        atasan = get_or_create_role(session, units["A"], "Atasan", [])
        atasan.supervises = ["Staf"]
        create_user(session, "atasan", PASSWORD, units["A"], [atasan])
        instances = {}
        for code in ("A", "B"):
            instance = ProcessInstance(process_model_id=model_id, unit_id=units[code].id, title=f"Kasus {code}",
                                       status="running", state="{}", started_by="staf")
            session.add(instance)
            session.flush()
            instances[code] = instance.id
        rows = [
            # unit, lane, step, mutu, created, due, completed
            ("A", "Staf", "1", HOURS, wib(5, 8), wib(5, 9), wib(5, 8, 30)),  # on time, 0.5 h
            ("A", "Staf", "1", HOURS, wib(5, 15, 30), wib(6, 8), wib(6, 9)),  # late, 2 h
            ("A", "Staf", "1", HOURS, wib(9, 15), wib(9, 16), wib(13, 8, 30)),  # late, 2 h
            ("A", "Kepala", "2", DAYS, wib(5, 10), wib(7, 16), wib(7, 15)),  # on time, 2 days
            ("A", "Kepala", "2", DAYS, wib(8, 10), wib(13, 16), wib(14, 9)),  # late, 3 days
            ("A", "Staf", "3", {}, wib(14, 9), None, wib(14, 10)),  # no due time
            ("A", "Staf", "1", HOURS, wib(1, 8, month=4), wib(1, 9, month=4), wib(1, 10, month=4)),  # April
            ("B", "Staf", "1", HOURS, wib(6, 8), wib(6, 9), wib(6, 8, 15)),  # unit B, on time, 0.25 h
        ]
        for i, (code, lane, step, mutu, created, due, completed) in enumerate(rows):
            session.add(HumanTask(instance_id=instances[code], unit_id=units[code].id, spiff_task_id=f"done-{i}",
                                  bpmn_id=f"Langkah_{step}", name=f"Langkah {step}", lane=lane, step=step,
                                  mutu_baku=mutu, state="completed", created_at=created, due_at=due,
                                  completed_by="staf", completed_at=completed))
        for i, (code, lane, due) in enumerate([("A", "Kepala", wib(6, 9)), ("B", "Staf", wib(7, 9)),
                                               ("A", "Staf", wib(21, 9))]):
            session.add(HumanTask(instance_id=instances[code], unit_id=units[code].id, spiff_task_id=f"open-{i}",
                                  bpmn_id="Langkah_2", name="Periksa", lane=lane, step="2", mutu_baku=DAYS,
                                  state="ready", created_at=due - timedelta(days=2), due_at=due))
    return {code: unit.id for code, unit in units.items()}


def lanes(report) -> dict:
    return {(sop.key, lane.lane): (lane.on_time, lane.late, lane.no_due) for sop in report.sops for lane in sop.lanes}


def test_who_may_read_the_report(db, tasks):
    with db.session() as session:
        assert sla_viewer(session, "root").is_admin
        viewer = sla_viewer(session, "atasan")
        assert not viewer.is_admin and viewer.unit_id == tasks["A"]
        assert sla_viewer(session, "staf") is None and sla_viewer(session, "tidak-ada") is None


def test_a_supervisor_sees_their_unit_on_time_late_and_durations(db, tasks):
    with db.session() as session:
        viewer = sla_viewer(session, "atasan")
        report = sla_report(session, viewer, SlaFilter(MAY.start, MAY.end, unit_id=tasks["B"]), CALENDAR, NOW,
                            SpecCache())
    assert report.filters.unit_id == tasks["A"]  # a supervisor cannot choose another unit
    assert lanes(report) == {("uji_tinjauan", "Kepala"): (1, 1, 0), ("uji_tinjauan", "Staf"): (1, 2, 1)}
    [sop] = report.sops
    assert (sop.name, sop.total.on_time, sop.total.late, sop.total.no_due) == ("Uji Tinjauan", 2, 3, 1)
    assert sop.lanes[1].on_time_percent == pytest.approx(100 / 3)
    steps = {row.step: row for row in report.steps}
    assert list(steps) == ["1", "2"]
    assert (steps["1"].count, steps["1"].average, steps["1"].allowed, steps["1"].late) == (3, 1.5, 1.0, 2)
    assert steps["1"].unit_label == "jam kerja" and steps["1"].over and steps["1"].waktu == "1 Jam"
    assert (steps["2"].count, steps["2"].average, steps["2"].allowed, steps["2"].late) == (2, 2.5, 2.0, 1)
    assert steps["2"].unit_label == "hari kerja"
    assert report.overdue_total == 1 and report.units == []
    [late] = report.overdue
    assert (late.lane, late.standing, late.link) == ("Kepala", "terlambat 9 hari kerja", None)


def test_an_admin_sees_every_unit_or_the_one_chosen(db, tasks):
    with db.session() as session:
        viewer = sla_viewer(session, "root")
        everything = sla_report(session, viewer, MAY, CALENDAR, NOW, SpecCache())
        only_b = sla_report(session, viewer, SlaFilter(MAY.start, MAY.end, tasks["B"]), CALENDAR, NOW, SpecCache())
        april = sla_report(session, viewer, SlaFilter(date(2025, 4, 1), date(2025, 4, 1)), CALENDAR, NOW)
    assert lanes(everything)[("uji_tinjauan", "Staf")] == (2, 2, 1)
    assert {row.step: row.average for row in everything.steps}["1"] == pytest.approx((0.5 + 2 + 2 + 0.25) / 4)
    assert everything.overdue_total == 2 and [t.link for t in everything.overdue] == ["case", "case"]
    assert [t.due_at for t in everything.overdue] == sorted(t.due_at for t in everything.overdue)
    assert lanes(only_b) == {("uji_tinjauan", "Staf"): (1, 0, 0)} and only_b.overdue_total == 1
    assert {code for _, code in everything.units} >= {"A \u2013 Unit A", "B \u2013 Unit B"}
    assert lanes(april) == {("uji_tinjauan", "Staf"): (0, 1, 0)}


def test_the_period_bounds_are_whole_days_in_wib(db, tasks):
    with db.session() as session:
        viewer = sla_viewer(session, "root")
        day = sla_report(session, viewer, SlaFilter(date(2025, 5, 14), date(2025, 5, 14), tasks["A"]), CALENDAR, NOW)
    assert lanes(day) == {("uji_tinjauan", "Kepala"): (0, 1, 0), ("uji_tinjauan", "Staf"): (0, 0, 1)}
