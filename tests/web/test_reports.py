"""The SLA page through HTTP: who may open it, what it shows, links to overdue work."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.demo import DEMO_PASSWORD
from engine.models import HumanTask, Role, Unit
from engine.timeutil import utcnow
from tests.web.conftest import Browser
from tests.web.test_inbox import FULL_CHECKLIST, complete_form, ready_task, start_case


@pytest.fixture
def walked(app, login):
    """Kepala of unit A supervises lane Staf; one case has its first step done late and its review overdue."""
    db = app.extensions["alur"].db
    with db.session() as session:
        unit_a = session.scalar(select(Unit.id).where(Unit.code == "A"))
        session.scalar(select(Role).where(Role.unit_id == unit_a, Role.name == "Kepala")).supervises = ["Staf"]
    case = start_case(app)
    first = ready_task(app, case)
    with db.session() as session:
        session.execute(update(HumanTask).where(HumanTask.id == first.id)
                        .values(due_at=utcnow() - timedelta(minutes=5)))
    assert complete_form(login("staf"), first.id, **FULL_CHECKLIST).status_code == 303
    review = ready_task(app, case)
    with db.session() as session:
        session.execute(update(HumanTask).where(HumanTask.id == review.id)
                        .values(due_at=utcnow() - timedelta(days=3)))
    return review


def test_only_admins_and_supervisors_open_the_report(app, login, walked):
    assert Browser(app).get("/laporan/sla").status_code == 302
    staf = login("staf")
    assert staf.get("/laporan/sla").status_code == 404
    assert "Laporan SLA" not in staf.get("/tugas").get_data(as_text=True)
    for username, password in (("kepala", None), ("admin", DEMO_PASSWORD)):
        browser = login(username, password) if password else login(username)
        assert ">Laporan SLA</a>" in browser.get("/tugas").get_data(as_text=True), username
        assert browser.get("/laporan/sla").status_code == 200, username


def test_the_report_shows_lanes_steps_and_overdue_tasks_with_links(app, login, walked):
    kepala = login("kepala")
    page = kepala.get("/laporan/sla").get_data(as_text=True)
    lane_row = page.split('data-lane="Staf"')[1].split("</tr>")[0]
    assert '<td class="num">0</td><td class="num">1</td><td class="num">0,0 %</td>' in lane_row  # done late
    assert 'data-testid="sla-steps"' in page and "Susun konsep" in page
    overdue = page.split('data-testid="sla-overdue"')[1]
    assert f'data-task-id="{walked.id}"' in overdue and f'href="/tugas/{walked.id}"' in overdue  # kepala serves it
    assert '<span class="tag late">terlambat' in overdue  # "terlambat N hari kerja", counted on the calendar
    assert 'name="unit"' not in page  # a supervisor sees their unit only
    admin_page = login("admin", DEMO_PASSWORD).get("/laporan/sla").get_data(as_text=True)
    assert 'name="unit"' in admin_page and f'href="/kasus/{walked.instance_id}"' in admin_page
    assert f'href="/tugas/{walked.id}"' not in admin_page  # admins open the case, not another lane's task form


def test_filters_by_period_and_unit(app, login, walked):
    admin = login("admin", DEMO_PASSWORD)
    with app.extensions["alur"].db.session() as session:
        unit_b = session.scalar(select(Unit.id).where(Unit.code == "B"))
    page = admin.get(f"/laporan/sla?unit={unit_b}").get_data(as_text=True)
    assert "Tidak ada langkah yang diselesaikan dalam periode ini." in page and "Tidak ada tugas yang terlambat." in page
    page = admin.get("/laporan/sla?dari=2000-01-01&sampai=2000-01-31").get_data(as_text=True)
    assert "Tidak ada langkah yang diselesaikan" in page and "1 Januari 2000" in page
    page = admin.get("/laporan/sla?dari=kemarin").get_data(as_text=True)
    assert "Tanggal \u201ckemarin\u201d tidak valid; gunakan format TTTT-BB-HH." in page
    page = admin.get("/laporan/sla?dari=2030-01-02&sampai=2030-01-01").get_data(as_text=True)
    assert "keduanya ditukar" in page
    page = login("kepala").get(f"/laporan/sla?unit={unit_b}").get_data(as_text=True)
    assert 'data-lane="Staf"' in page  # the unit parameter does not move a supervisor out of their unit
