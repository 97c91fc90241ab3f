"""The staff inbox through HTTP: real app, real database, forms sent as a browser sends them."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engine.models import HumanTask
from engine.timeutil import utcnow
from tests.engine.helpers import PASSWORD
from tests.web.conftest import Browser


def start_case(app, username: str = "staf") -> int:
    return app.extensions["alur"].processes.start("uji_tinjauan", username).id


def ready_task(app, instance_id: int) -> HumanTask:
    with app.extensions["alur"].db.session() as session:
        return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                       HumanTask.state == "ready")).one()


def complete_form(browser: Browser, task_id: int, **fields):
    data = browser.task_form(task_id)
    data.update(fields)
    return browser.client.post(f"/tugas/{task_id}", data=data)


FULL_CHECKLIST = {"kelengkapan": ["Bahan kerja", "Data"]}


def test_the_inbox_lists_only_my_lanes_in_my_unit(app, login):
    case = start_case(app)
    task = ready_task(app, case)
    staf = login("staf")
    page = staf.get("/tugas").get_data(as_text=True)
    assert f'data-task-id="{task.id}"' in page and "Susun konsep" in page and "Uji Tinjauan" in page
    assert 'data-testid="open-count">1 tugas' in page
    for outsider in ("kepala", "staf.b"):
        other = login(outsider).get("/tugas").get_data(as_text=True)
        assert f'data-task-id="{task.id}"' not in other and "0 tugas" in other


def test_a_task_of_another_unit_is_404_on_get_and_post(app, login):
    task = ready_task(app, start_case(app))
    outsider = login("staf.b")
    assert outsider.get(f"/tugas/{task.id}").status_code == 404
    assert "Tidak ditemukan" in outsider.last_page
    token = outsider.csrf("/tugas")
    response = outsider.client.post(f"/tugas/{task.id}", data={"csrf_token": token, "form_token": "x", **FULL_CHECKLIST})
    assert response.status_code == 404
    assert outsider.post(f"/tugas/{task.id}/ambil", token_from="/tugas").status_code == 404
    assert outsider.get(f"/kasus/{task.instance_id}").status_code == 404
    assert ready_task(app, task.instance_id).id == task.id  # nothing changed


def test_a_post_without_the_csrf_token_is_refused(app, login):
    task = ready_task(app, start_case(app))
    staf = login("staf")
    form = staf.task_form(task.id)
    response = staf.client.post(f"/tugas/{task.id}", data={"form_token": form["form_token"], **FULL_CHECKLIST})
    assert response.status_code == 400 and "Formulir ditolak" in response.get_data(as_text=True)
    assert ready_task(app, task.instance_id).id == task.id


def test_every_checklist_item_must_be_ticked_checked_on_the_server(app, login):
    task = ready_task(app, start_case(app))
    staf = login("staf")
    page = staf.get(f"/tugas/{task.id}").get_data(as_text=True)
    assert 'value="Bahan kerja"' in page and 'value="Data"' in page and "Menyusun konsep dokumen." in page
    response = complete_form(staf, task.id, kelengkapan=["Bahan kerja"])
    assert response.status_code == 422
    assert "Kelengkapan belum dicentang: Data." in response.get_data(as_text=True)
    assert ready_task(app, task.instance_id).id == task.id
    response = complete_form(staf, task.id, catatan="konsep v1", **FULL_CHECKLIST)
    assert response.status_code == 303
    assert "Langkah 1" in staf.get("/tugas").get_data(as_text=True)  # flash
    with app.extensions["alur"].db.session() as session:
        done = session.get(HumanTask, task.id)
        assert done.state == "completed" and done.form_data["catatan"] == "konsep v1"
        assert done.form_data["kelengkapan"] == ["Bahan kerja", "Data"]


def _to_review(app, login) -> tuple[int, HumanTask]:
    case = start_case(app)
    staf = login("staf")
    assert complete_form(staf, ready_task(app, case).id, **FULL_CHECKLIST).status_code == 303
    return case, ready_task(app, case)


def test_tidak_needs_a_reason_and_the_reason_is_shown_on_the_returned_task(app, login):
    case, review = _to_review(app, login)
    kepala = login("kepala")
    page = kepala.get(f"/tugas/{review.id}").get_data(as_text=True)
    assert "Tidak, kembalikan untuk perbaikan" in page and ">Ya<" in page
    response = complete_form(kepala, review.id, keputusan="tidak", alasan="  ", kelengkapan=["Konsep"])
    assert response.status_code == 422
    assert "Alasan wajib diisi" in response.get_data(as_text=True)
    assert ready_task(app, case).id == review.id

    response = complete_form(kepala, review.id, keputusan="tidak", alasan="Lampiran belum ada", kelengkapan=["Konsep"])
    assert response.status_code == 303
    again = ready_task(app, case)
    assert again.step == "1"
    staf_page = login("staf").get(f"/tugas/{again.id}").get_data(as_text=True)
    assert 'data-testid="return-note"' in staf_page and "Lampiran belum ada" in staf_page
    assert "Dikembalikan" in login("staf").get("/tugas").get_data(as_text=True)


def test_a_double_submit_changes_nothing_and_says_so(app, login):
    case = start_case(app)
    task = ready_task(app, case)
    staf = login("staf")
    data = staf.task_form(task.id) | FULL_CHECKLIST
    assert staf.client.post(f"/tugas/{task.id}", data=data).status_code == 303
    second = staf.client.post(f"/tugas/{task.id}", data=data, follow_redirects=True)
    body = second.get_data(as_text=True)
    assert "Formulir ini sudah dikirim sebelumnya" in body
    assert "Tugas ini sudah diselesaikan oleh staf" in body
    with app.extensions["alur"].db.session() as session:
        rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == case)).all()
    assert [(r.step, r.state) for r in rows] == [("1", "completed"), ("2", "ready")]


def test_a_completed_task_opened_again_names_who_completed_it(app, login):
    case = start_case(app)
    task = ready_task(app, case)
    staf, late = login("staf"), login("staf2")
    form = late.task_form(task.id)  # staf2 opens the form first ...
    assert complete_form(staf, task.id, **FULL_CHECKLIST).status_code == 303  # ... staf completes it
    page = late.get(f"/tugas/{task.id}").get_data(as_text=True)
    assert "Tugas ini sudah diselesaikan oleh staf" in page and 'name="form_token"' not in page
    response = late.client.post(f"/tugas/{task.id}", data=form)  # the stale form, even unticked
    assert response.status_code == 409
    assert "Tugas ini sudah diselesaikan oleh staf" in response.get_data(as_text=True)


def test_a_task_claimed_by_someone_else_cannot_be_completed(app, login):
    task = ready_task(app, start_case(app))
    staf2 = login("staf2")
    form = staf2.task_form(task.id)
    staf = login("staf")
    response = staf.post(f"/tugas/{task.id}/ambil", {"next": f"/tugas/{task.id}"}, token_from=f"/tugas/{task.id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/tugas/{task.id}"
    assert "Anda sedang memegang tugas ini." in staf.get(f"/tugas/{task.id}").get_data(as_text=True)
    mine = staf.get("/tugas?status=mine").get_data(as_text=True)
    assert f'data-task-id="{task.id}"' in mine and "Lepaskan" in mine
    response = staf2.client.post(f"/tugas/{task.id}", data=form | FULL_CHECKLIST)
    assert response.status_code == 409
    assert "Tugas ini sedang diambil oleh staf" in response.get_data(as_text=True)
    assert staf2.post(f"/tugas/{task.id}/lepaskan", token_from="/tugas").status_code == 302
    assert "sedang diambil oleh staf" in staf2.get("/tugas").get_data(as_text=True)
    assert staf.post(f"/tugas/{task.id}/lepaskan", token_from="/tugas").status_code == 302
    assert ready_task(app, task.instance_id).claimed_by is None


def test_starting_a_case_leads_to_its_page(app, login):
    staf = login("staf")
    page = staf.get("/mulai").get_data(as_text=True)
    assert 'value="uji_tinjauan"' in page and "000/UJI/2025" in page
    assert "uji_tinjauan" not in login("kepala").get("/mulai").get_data(as_text=True)
    assert login("kepala").post("/mulai", {"proses": "uji_tinjauan"}).status_code == 404
    response = staf.post("/mulai", {"proses": "uji_tinjauan", "judul": "Konsep maklumat 2025"})
    assert response.status_code == 303
    case_id = int(re.search(r"/kasus/(\d+)$", response.headers["Location"]).group(1))
    page = staf.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "Konsep maklumat 2025" in page and "Memulai kasus" in page
    assert ready_task(app, case_id).lane == "Staf"


def test_the_case_page_shows_the_timeline_with_decisions_and_comments(app, login):
    case, review = _to_review(app, login)
    kepala = login("kepala")
    complete_form(kepala, review.id, keputusan="tidak", alasan="Tambahkan data 2024", kelengkapan=["Konsep"])
    page = kepala.get(f"/kasus/{case}").get_data(as_text=True)
    timeline = page.split('data-testid="timeline"')[1].split("</ol>")[0]
    assert "Memulai kasus" in timeline and "Menyelesaikan langkah" in timeline
    assert "keputusan <strong>Tidak</strong>" in timeline and "Tambahkan data 2024" in timeline
    assert "kepala" in timeline and " WIB" in timeline
    assert 'id="case-diagram"' in page and "bpmn-navigated-viewer.production.min.js" in page
    assert "onclick" not in page and "https://" not in page.split("<main")[1]


def test_inbox_filters_and_overdue_marking(app, login, db):
    for _ in range(3):
        start_case(app)
    with db.session() as session:
        tasks = session.scalars(select(HumanTask).order_by(HumanTask.id)).all()
        tasks[0].due_at = utcnow() - timedelta(hours=2)
        tasks[1].due_at = utcnow() + timedelta(days=30)
        tasks[2].due_at = None
        overdue_id, later_id, undated_id = (t.id for t in tasks)
    staf = login("staf")
    page = staf.get("/tugas").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'data-task-id="(\d+)"', page)]
    assert order == [overdue_id, later_id, undated_id]  # by due date, undated last
    assert page.count("Terlambat</span>") == 1
    only_late = staf.get("/tugas?terlambat=1").get_data(as_text=True)
    assert re.findall(r'data-task-id="(\d+)"', only_late) == [str(overdue_id)]
    soon = staf.get("/tugas?sampai=2000-01-01").get_data(as_text=True)
    assert "Tidak ada tugas yang sesuai" in soon
    assert "3 tugas" in staf.get("/tugas?proses=uji_tinjauan").get_data(as_text=True)
    assert "0 tugas" in staf.get("/tugas?proses=lain").get_data(as_text=True)


def test_login_is_locked_after_five_failures(app):
    browser = Browser(app)
    for _ in range(4):
        response = browser.post("/masuk", {"username": "staf", "password": "salah-sekali"})
        assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    response = browser.post("/masuk", {"username": "staf", "password": "salah-sekali"})
    assert "Akun dikunci karena terlalu banyak percobaan gagal" in response.get_data(as_text=True)
    response = browser.post("/masuk", {"username": "staf", "password": PASSWORD})
    assert response.status_code == 401 and "Akun dikunci" in response.get_data(as_text=True)


def test_logout_ends_the_session(app, login):
    staf = login("staf")
    assert staf.get("/tugas").status_code == 200
    response = staf.logout()
    assert response.status_code == 302
    assert "Anda telah keluar." in staf.get("/masuk").get_data(as_text=True)
    response = staf.get("/tugas")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
