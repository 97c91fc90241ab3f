"""The notification bell through HTTP: count on every page, the list with task links, mark all read."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from engine.deadlines import check_deadlines
from engine.models import HumanTask, Notification, User
from engine.notifications import notify
from engine.timeutil import utcnow
from tests.web.conftest import Browser
from tests.web.test_inbox import ready_task, start_case

BELL = re.compile(r'data-testid="unread-count">.*?</svg> (\d+)</a>', re.S)


def bell(page: str) -> int:
    match = BELL.search(page)
    assert match, "no bell on the page"
    return int(match.group(1))


def overdue_case(app) -> HumanTask:
    """A case whose first task (lane Staf, unit A) is overdue, run through the real deadline check."""
    task = ready_task(app, start_case(app))
    db = app.extensions["alur"].db
    with db.session() as session:
        session.execute(update(HumanTask).where(HumanTask.id == task.id).values(due_at=utcnow() - timedelta(hours=2)))
    with db.session() as session:
        check_deadlines(session, utcnow())
    return task


def test_the_bell_counts_unread_notifications_on_every_page(app, login):
    task = overdue_case(app)
    staf = login("staf")
    for url in ("/tugas", f"/tugas/{task.id}", "/mulai", "/notifikasi"):
        assert bell(staf.get(url).get_data(as_text=True)) == 1, url
    assert bell(login("staf.b").get("/tugas").get_data(as_text=True)) == 0
    assert "unread-count" not in Browser(app).get("/masuk").get_data(as_text=True)


def test_the_list_links_tasks_the_user_may_still_see(app, login):
    task = overdue_case(app)
    db = app.extensions["alur"].db
    with db.session() as session:
        staf = session.scalar(select(User).where(User.username == "staf"))
        kepala_task = HumanTask(instance_id=task.instance_id, unit_id=task.unit_id, spiff_task_id="x-kepala",
                                bpmn_id="Langkah_2", name="Periksa konsep", lane="Kepala", state="ready")
        session.add(kepala_task)
        session.flush()
        notify(session, staf, "escalation", "Eskalasi: tugas lajur Kepala terlambat.", kepala_task)
        notify(session, staf, "digest", "Ringkasan harian: 1 tugas terbuka, 1 terlambat.")
    page = login("staf").get("/notifikasi").get_data(as_text=True)
    assert bell(page) == 3
    assert "Tugas terlambat" in page and "melewati batas waktu" in page and "Ringkasan harian" in page
    assert f'href="/tugas/{task.id}"' in page
    assert f'href="/tugas/{kepala_task.id}"' not in page and "Eskalasi: tugas lajur Kepala terlambat." in page
    assert "WIB" in page  # dates through the waktu filter
    staf2 = login("staf2").get("/notifikasi").get_data(as_text=True)  # serves the lane: their own notice only
    assert bell(staf2) == 1 and "melewati batas waktu" in staf2 and "Ringkasan harian" not in staf2
    other = login("staf.b").get("/notifikasi").get_data(as_text=True)
    assert "Belum ada pemberitahuan." in other and "Ringkasan harian" not in other


def test_mark_all_read_needs_a_post_with_csrf(app, login):
    overdue_case(app)
    staf = login("staf")
    response = staf.client.post("/notifikasi/dibaca")
    assert response.status_code == 400 and bell(staf.get("/tugas").get_data(as_text=True)) == 1
    assert staf.get("/notifikasi/dibaca").status_code == 405
    response = staf.post("/notifikasi/dibaca", token_from="/notifikasi")
    assert response.status_code == 303
    page = staf.get("/notifikasi").get_data(as_text=True)
    assert bell(page) == 0 and "Semua pemberitahuan ditandai sudah dibaca." in page and "Baru</span>" not in page
    assert bell(login("staf2").get("/tugas").get_data(as_text=True)) == 1  # staf2's own notice stays unread
    with app.extensions["alur"].db.session() as session:
        assert session.scalar(select(Notification.read_at).join(User).where(User.username == "staf")) is not None


def test_notifications_need_a_login(app):
    response = Browser(app).get("/notifikasi")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
