"""Due times from the Mutu Baku, overdue notices to the lane and escalation to its Atasan, once each."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.calendar import WorkingCalendar
from engine.deadlines import check_deadlines
from engine.digest import send_daily_digest
from engine.models import Notification, Role, User
from engine.runtime import ProcessService
from engine.timeutil import as_utc
from tests.engine.helpers import setup_review_loop

WIB = ZoneInfo("Asia/Jakarta")
MONDAY_8 = datetime(2025, 3, 3, 8, 0, tzinfo=WIB)


def notifications(db) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.execute(select(User.username, Notification.kind).join(User, User.id == Notification.user_id)
                               .order_by(Notification.id))
        return [tuple(row) for row in rows]


def test_due_times_come_from_the_mutu_baku_in_office_time_and_working_days(db):
    setup_review_loop(db)
    clock = [MONDAY_8]
    service = ProcessService(db, calendar=WorkingCalendar(), clock=lambda: clock[0])
    service.start("uji_tinjauan", "staf")
    [first] = service.ready_tasks("staf")
    assert as_utc(first.due_at) == MONDAY_8 + timedelta(hours=1)  # "1 Jam"
    clock[0] = datetime(2025, 3, 7, 15, 0, tzinfo=WIB)  # Friday afternoon
    service.complete(first.id, "staf")
    [review] = service.ready_tasks("kepala")
    assert as_utc(review.due_at) == datetime(2025, 3, 11, 16, 0, tzinfo=WIB)  # "2 hari kerja": Tue, office close


def test_an_overdue_task_notifies_its_lane_once_then_escalates_once(db):
    setup_review_loop(db)
    with db.session() as session:
        kepala = session.scalar(select(Role).where(Role.name == "Kepala"))
        kepala.supervises = ["Staf"]
    service = ProcessService(db, calendar=WorkingCalendar(), clock=lambda: MONDAY_8)
    service.start("uji_tinjauan", "staf")
    delay = timedelta(hours=2)

    def run(at: datetime):
        with db.session() as session:
            return check_deadlines(session, at, delay)

    assert run(MONDAY_8 + timedelta(minutes=59)).notified == 0
    assert run(MONDAY_8 + timedelta(hours=1, minutes=1)).notified == 1
    assert sorted(notifications(db)) == [("staf", "overdue"), ("staf2", "overdue")]
    again = run(MONDAY_8 + timedelta(hours=1, minutes=2))
    assert (again.notified, again.escalated) == (0, 0)

    assert run(MONDAY_8 + timedelta(hours=3, minutes=1)).escalated == 1
    assert run(MONDAY_8 + timedelta(hours=4)).escalated == 0
    assert notifications(db)[-1] == ("kepala", "escalation")
    assert len(notifications(db)) == 3


def test_the_daily_digest_counts_open_and_late_work(db):
    setup_review_loop(db)
    service = ProcessService(db, calendar=WorkingCalendar(), clock=lambda: MONDAY_8)
    service.start("uji_tinjauan", "staf")
    with db.session() as session:
        assert send_daily_digest(session, MONDAY_8 + timedelta(hours=2)) == 2
        messages = set(session.scalars(select(Notification.message)))
    assert messages == {"Ringkasan harian: 1 tugas terbuka, 1 terlambat."}
