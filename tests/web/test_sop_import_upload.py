"""A process designer uploads an SOP document and reviews the draft it became."""
from __future__ import annotations

import io
from sqlalchemy import select

from engine.demo import DEMO_PASSWORD
from engine.models.draft import ProcessDraft
from tests.conftest import SEED_TEXTS

SEED_002 = next(path for path in SEED_TEXTS if path.name.startswith("002_"))


def upload(browser, name: str, data: bytes):
    return browser.post("/modeler/impor-sop", {"berkas": (io.BytesIO(data), name)},
                        token_from="/modeler/impor-sop", content_type="multipart/form-data")


def drafts(app) -> list[str]:
    with app.extensions["alur"].db.session() as session:
        return list(session.scalars(select(ProcessDraft.key)))


def test_a_designer_imports_an_sop_text_into_a_draft_with_its_report(app, login):
    designer = login("perancang", DEMO_PASSWORD)
    response = upload(designer, SEED_002.name, SEED_002.read_bytes())
    assert response.status_code == 200, designer.last_page
    page = designer.last_page
    assert "Draf dibuat: Maklumat Pelayanan Informasi Publik" in page
    assert "PPID Pelaksana, Atasan PPID" in page
    assert 'data-code="missing-nomor"' in page  # seed 002 has no Nomor SOP: the report says so
    [key] = drafts(app)
    assert f"/modeler/{key}" in page
    assert designer.get(f"/modeler/{key}").status_code == 200


def test_a_file_that_is_not_an_sop_is_refused_and_nothing_is_kept(app, login):
    designer = login("perancang", DEMO_PASSWORD)
    for name, data in (("kosong.pdf", b""), ("gambar.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
                       ("surat.txt", "Yth. Bapak/Ibu, dengan hormat kami sampaikan undangan rapat.".encode())):
        response = upload(designer, name, data)
        assert response.status_code == 422, name
        assert "SOP tidak dapat diimpor" in designer.last_page and "Tidak ada draf yang disimpan" in designer.last_page
    assert drafts(app) == []


def test_only_designers_may_import(app, login):
    officer = login("bpod.ppid-pelaksana", DEMO_PASSWORD)
    assert officer.get("/modeler/impor-sop").status_code == 404
    response = officer.client.post("/modeler/impor-sop", data={"berkas": (io.BytesIO(SEED_002.read_bytes()), "a.txt")},
                                   content_type="multipart/form-data")
    assert response.status_code in (400, 404)  # no CSRF token, and no page for this user anyway
    assert drafts(app) == []
