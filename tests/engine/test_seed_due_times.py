"""Every step of the five seed SOPs gets the due time its Waktu gives, counted on the office calendar.

All steps open at the same (frozen) moment, Thursday 10 April 2025 15.30 WIB, half an hour before
the office closes, so minute and hour deadlines cross the end of the day and working days are
counted from the Friday. Expected times are worked out by hand from the Waktu as written.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sqlalchemy import select

from engine.demo import seed_demo_organization
from engine.deployment import deploy, latest_model
from engine.models import User
from engine.runtime import ProcessService
from tests.conftest import BPMN_DIR

WIB = ZoneInfo("Asia/Jakarta")
OPENED = datetime(2025, 4, 10, 15, 30, tzinfo=WIB)
THU = lambda h, m: datetime(2025, 4, 10, h, m, tzinfo=WIB)  # noqa: E731
FRI_0800 = datetime(2025, 4, 11, 8, 0, tzinfo=WIB)    # 30 office minutes on Thursday, 30 on Friday
FRI_1600 = datetime(2025, 4, 11, 16, 0, tzinfo=WIB)   # 1 working day: Friday, at closing time
MON_1600 = datetime(2025, 4, 14, 16, 0, tzinfo=WIB)   # 2 working days: Friday, Monday
THU_1600 = datetime(2025, 4, 17, 16, 0, tzinfo=WIB)   # 5 working days: Fri 11 .. Thu 17 April

EXPECTED = {
    "sop_000": {"1": FRI_0800, "2": FRI_0800, "3": FRI_0800, "4": FRI_0800, "5": FRI_0800},  # 1 Jam
    "sop_001": {"1": None, "1a": None, "2": None, "3": MON_1600},  # Setiap saat, -, Pada hari jam kerja, 2 hari
    "sop_002": {"1": None, "2": None, "3": None},  # Tentatif, Tentatif, -
    "sop_003": {"1": THU(15, 35), "2": THU(15, 45), "3": THU(15, 35), "4": THU_1600, "5": FRI_1600,
                "6": FRI_0800, "6a": None, "7": THU(16, 0), "8": THU(15, 45)},
    "sop_004": {"1": None, "2": None, "3": None, "4": FRI_1600, "5": FRI_0800, "6": FRI_0800},
}


SEED_SOPS = sorted(BPMN_DIR.glob("sop_*.bpmn"))


def test_the_five_seed_sops_are_there():
    assert [path.stem[:7] for path in SEED_SOPS] == sorted(EXPECTED)


@pytest.mark.parametrize("path", SEED_SOPS, ids=lambda path: path.stem[:7])
def test_each_step_is_due_as_its_waktu_says(sqlite_db, path):
    with sqlite_db.session() as session:
        key = deploy(session, path.read_bytes(), path.name).model.key
        seed_demo_organization(session)
        officers = {lane: user.username for user in session.scalars(select(User))
                    for lane in user.lanes_in(user.unit_id)}
    service = ProcessService(sqlite_db, clock=lambda: OPENED)
    with sqlite_db.session() as session:
        first_lane = service.specs.get(latest_model(session, key)).lanes[0]
    service.start(key, officers[first_lane])
    seen = {}
    while ready := service.ready_tasks():
        task = ready[0]
        seen[task.step] = task.due_at.astimezone(WIB) if task.due_at else None
        service.complete(task.id, officers[task.lane], {"keputusan": "ya"} if task.is_decision else {})
    assert seen == EXPECTED[path.stem[:7]]
