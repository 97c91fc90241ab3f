"""Task attachments (issue 3) kept in the archive: upload on the task page, listed on every step of
the case and on its timeline, downloadable by who may see the case, refused when bad; plus a real
Chromium uploading two files with the progress UI."""
from __future__ import annotations

import io
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from engine.db import Base, Database
from storage.access import Viewer
from storage.models import Document
from tests.engine.helpers import PASSWORD
from tests.web.archive_support import (  # noqa: F401  (fixtures)
    ARCHIVIST, archive_app, build_app, service, sha, shared_moto_server,
    stored_state,
)
from tests.web.conftest import Browser
from tests.web.test_archive_ui import BAD_FILES
from tests.web.test_inbox import FULL_CHECKLIST, complete_form, ready_task, start_case


def staff(app, username: str) -> Browser:
    return Browser(app).login(username, PASSWORD)


def attach(browser: Browser, task_id: int, *files: tuple[str, bytes], json: bool = True):
    token = browser.csrf(f"/tugas/{task_id}")
    headers = {"X-CSRFToken": token, **({"Accept": "application/json"} if json else {})}
    data = {"berkas": [(io.BytesIO(content), name) for name, content in files]}
    return browser.client.post(f"/tugas/{task_id}/lampiran", data=data, headers=headers,
                               content_type="multipart/form-data")


def test_attachments_round_trip_through_the_steps_of_a_case(archive_app):
    case = start_case(archive_app)
    first = ready_task(archive_app, case)
    staf = staff(archive_app, "staf")
    content = b"Konsep surat keputusan, draf pertama"
    response = attach(staf, first.id, ("konsep.txt", content), ("daftar.txt", b"daftar hadir"))
    assert response.status_code == 201, response.get_data(as_text=True)
    ids = [item["id"] for item in response.json["items"]]

    archive = service(archive_app)
    document = archive.get(Viewer.system(), ids[0])
    assert document.klasifikasi is None and document.current.bucket == "originals"
    assert (document.source_case_id, document.source_task_id, document.unit.code) == (case, first.id, "A")
    page = staf.get(f"/tugas/{first.id}").get_data(as_text=True)
    assert 'data-testid="attachment-list"' in page and "konsep.txt" in page and "daftar.txt" in page
    assert staf.client.get(f"/arsip/{ids[0]}/unduh").data == content
    timeline = staf.get(f"/kasus/{case}").get_data(as_text=True)
    assert timeline.count("Melampirkan berkas") == 2 and "Lampiran: konsep.txt" in timeline

    # the next step (Kepala) sees them; Kepala returns the case; the returned-to step still sees them
    assert complete_form(staf, first.id, **FULL_CHECKLIST).status_code == 303
    review = ready_task(archive_app, case)
    kepala = staff(archive_app, "kepala")
    assert "konsep.txt" in kepala.get(f"/tugas/{review.id}").get_data(as_text=True)
    assert complete_form(kepala, review.id, keputusan="tidak", alasan="Lengkapi lampiran",
                         kelengkapan=["Konsep"]).status_code == 303
    returned = ready_task(archive_app, case)
    page = staf.get(f"/tugas/{returned.id}").get_data(as_text=True)
    assert "Lengkapi lampiran" in page and "konsep.txt" in page and "daftar.txt" in page
    assert attach(staf, returned.id, ("perbaikan.txt", b"draf kedua")).status_code == 201
    assert "perbaikan.txt" in kepala.get(f"/kasus/{case}").get_data(as_text=True)

    # a completed task lists the attachments but takes no more
    old = staf.get(f"/tugas/{first.id}").get_data(as_text=True)
    assert "konsep.txt" in old and "Unggah lampiran" not in old
    response = attach(staf, first.id, ("telat.txt", b"x"))
    assert response.status_code == 409 and "sedang dikerjakan" in response.json["error"]["message"]


def test_attachments_are_404_outside_the_case_unit(archive_app):
    case = start_case(archive_app)
    task = ready_task(archive_app, case)
    response = attach(staff(archive_app, "staf"), task.id, ("konsep.txt", b"isi konsep"))
    document_id = response.json["items"][0]["id"]
    other = staff(archive_app, "staf.b")
    assert other.client.get(f"/tugas/{task.id}").status_code == 404
    assert attach(other, task.id, ("masuk.txt", b"x")).status_code == 404
    for path in ("", "/unduh"):
        assert other.client.get(f"/arsip/{document_id}{path}").status_code == 404
    assert other.get("/arsip?q=konsep").get_data(as_text=True).count("konsep.txt") == 0
    with service(archive_app).db.session() as session:
        assert session.scalar(select(Document.id).where(Document.title == "masuk.txt")) is None


@pytest.mark.parametrize("case", ["oversized", "disallowed type", "fake pdf", "path-like name"])
def test_a_bad_attachment_is_refused_in_indonesian_and_nothing_is_stored(sqlite_db, tmp_path, case):
    app = build_app(sqlite_db, tmp_path, (tmp_path / "archive").as_uri())
    filename, content, code, words = BAD_FILES[case]
    task = ready_task(app, start_case(app))
    staf = staff(app, "staf")
    before = stored_state(app)
    response = attach(staf, task.id, (filename, content))
    assert response.status_code == 422 and response.json["error"]["code"] == code
    assert words in response.json["error"]["message"]
    response = attach(staf, task.id, (filename, content), json=False)
    assert response.status_code == 303
    page = staf.get(f"/tugas/{task.id}").get_data(as_text=True)
    assert words in page and "Belum ada lampiran." in page
    assert stored_state(app) == before


@pytest.fixture
def live_server(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'alur.db'}")
    Base.metadata.create_all(db.engine)
    app = build_app(db, tmp_path, (tmp_path / "archive").as_uri())
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)
    db.dispose()


def test_a_browser_uploads_two_attachments_with_progress_bars(browser, live_server, tmp_path):
    app, base = live_server
    task = ready_task(app, start_case(app))
    context = browser.new_context(locale="id-ID")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/masuk")
    page.fill("#username", "staf")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Masuk')")
    page.goto(f"{base}/tugas/{task.id}")
    expect(page.get_by_test_id("attachment-list")).to_contain_text("Belum ada lampiran.")
    big = b"baris lampiran\n" * 12000  # ~180 KB, so the progress events have something to report
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.set_input_files("#lampiran", [
        {"name": "konsep-surat.txt", "mimeType": "text/plain", "buffer": big},
        {"name": "daftar-hadir.txt", "mimeType": "text/plain", "buffer": b"daftar hadir rapat"},
    ])
    with page.expect_navigation():  # the form reloads the page once both files are stored
        page.click("button:has-text('Unggah lampiran')")
    listed = page.get_by_test_id("attachment-list")
    expect(listed).to_contain_text("konsep-surat.txt")
    expect(listed).to_contain_text("daftar-hadir.txt")
    assert [url.endswith("/lampiran") for url in posts] == [True, True]  # attachments: one file per request
    page.screenshot(path=str(_artifact("attachments.png")), full_page=True)

    # the archive's own upload page: progress rows turn into links to the stored documents
    page.goto(f"{base}/masuk")
    context.clear_cookies()
    page.goto(f"{base}/masuk")
    page.fill("#username", ARCHIVIST)
    from engine.demo import DEMO_PASSWORD
    page.fill("#password", DEMO_PASSWORD)
    page.click("button:has-text('Masuk')")
    page.goto(f"{base}/arsip/unggah")
    page.select_option("#klasifikasi", "dikecualikan")
    expect(page.locator("#konsekuensi_dibuka")).to_be_visible()
    page.select_option("#klasifikasi", "berkala")
    expect(page.locator("#konsekuensi_dibuka")).to_be_hidden()
    page.set_input_files("#berkas", [
        {"name": "laporan-satu.txt", "mimeType": "text/plain", "buffer": big},
        {"name": "palsu.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\nbukan PDF\n%%EOF\n"},
        {"name": "laporan-dua.txt", "mimeType": "text/plain", "buffer": b"laporan kedua"},
    ])
    posts.clear()
    page.click("form[data-upload] button[type=submit]")
    expect(page.locator("form[data-upload]")).to_have_attribute("data-upload-done", "partial")
    assert len(posts) == 1  # the three files fit in one request: filed through one pipeline
    rows = page.locator("[data-upload-list] li")
    expect(rows.nth(0)).to_have_class("done")
    expect(rows.nth(1)).to_have_class("failed")
    expect(rows.nth(1)).to_contain_text("rusak atau bukan PDF")
    expect(rows.nth(2)).to_have_class("done")
    for row in (0, 2):
        assert rows.nth(row).locator("progress").evaluate("p => p.value === p.max")
    page.screenshot(path=str(_artifact("archive-upload.png")), full_page=True)
    rows.nth(0).locator("a").click()
    expect(page.get_by_test_id("document-title")).to_have_text("laporan-satu")

    # files that do not fit in one request together go in several (here a budget of 100 KB: the
    # 180 KB file alone, then the two small ones together)
    page.goto(f"{base}/arsip/unggah")
    page.locator("form[data-upload]").evaluate("f => f.setAttribute('data-upload-batch', '100000')")
    posts.clear()
    page.set_input_files("#berkas", [
        {"name": "besar.txt", "mimeType": "text/plain", "buffer": big + b"lagi"},
        {"name": "kecil-1.txt", "mimeType": "text/plain", "buffer": b"kecil satu"},
        {"name": "kecil-2.txt", "mimeType": "text/plain", "buffer": b"kecil dua"},
    ])
    page.click("form[data-upload] button[type=submit]")
    expect(page.locator("form[data-upload]")).to_have_attribute("data-upload-done", "ok")
    expect(page.locator("[data-upload-list] li.done")).to_have_count(3)
    assert len(posts) == 2
    assert errors == []
    context.close()
    assert sha(big) in {v.sha256 for d in service(app).list(Viewer.system()).hits
                        for v in service(app).get(Viewer.system(), d.document.id).versions}


def test_a_batch_refused_as_too_large_is_sent_again_file_by_file(browser, live_server):
    """A request limit smaller than the page was told (a proxy in front, or a lowered limit): the
    batch is refused before any file is read, so each file goes again alone and gets its own answer."""
    app, base = live_server
    context = browser.new_context(locale="id-ID")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    from engine.demo import DEMO_PASSWORD
    page.goto(f"{base}/masuk")
    page.fill("#username", ARCHIVIST)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button:has-text('Masuk')")
    page.goto(f"{base}/arsip/unggah")  # told the configured limit (50 MB)
    app.config["MAX_CONTENT_LENGTH"] = 150_000
    big = b"baris laporan\n" * 12000  # ~170 KB: over the lowered limit on its own
    posts: list[int] = []
    page.on("requestfinished", lambda r: posts.append(r.response().status) if r.method == "POST" else None)
    page.set_input_files("#berkas", [
        {"name": "kecil-1.txt", "mimeType": "text/plain", "buffer": b"laporan kecil satu"},
        {"name": "besar.txt", "mimeType": "text/plain", "buffer": big},
        {"name": "kecil-2.txt", "mimeType": "text/plain", "buffer": b"laporan kecil dua"},
    ])
    page.click("form[data-upload] button[type=submit]")
    expect(page.locator("form[data-upload]")).to_have_attribute("data-upload-done", "partial")
    rows = page.locator("[data-upload-list] li")
    expect(rows.nth(0)).to_have_class("done")
    expect(rows.nth(1)).to_have_class("failed")
    expect(rows.nth(1)).to_contain_text("Berkas terlalu besar")
    expect(rows.nth(2)).to_have_class("done")
    assert posts == [413, 201, 413, 201]  # the three together, then each alone
    titles = {hit.document.title for hit in service(app).list(Viewer.system()).hits}
    assert {"kecil-1", "kecil-2"} <= titles and "besar" not in titles
    assert errors == []
    context.close()


def _artifact(name: str):
    from tests.web.test_browser import ARTIFACTS
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
