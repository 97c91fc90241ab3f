"""The archivist's pages: upload, search with facets and snippets, the document page, preview,
download, legal hold and classification; over the local store and moto's S3, SQLite and PostgreSQL."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from engine.models import AuditEvent
from storage.errors import ChecksumMismatch
from storage.objectstore import Bucket
from tests.storage.archive.conftest import refuse_versions
from tests.storage.archive.files import docx, image_bytes, scanned_page
from tests.web.archive_support import (  # noqa: F401  (fixtures)
    ARCHIVIST, BKD_STAFF, EXEMPT_FIELDS, MAX_UPLOAD, OUTSIDER, archive_app, build_app, local_app, login, report_pdf,
    service, sha, shared_moto_server, stored_state,
)


def upload(browser, filename: str, content: bytes, **fields):
    """What archive-upload.js sends: one file per request, the form's fields, CSRF in a header."""
    token = browser.csrf("/arsip/unggah")
    data = {"unit": "BKD", "bentuk": "softcopy", **fields, "berkas": (io.BytesIO(content), filename)}
    return browser.client.post("/arsip/unggah", data=data, content_type="multipart/form-data",
                               headers={"X-CSRFToken": token, "Accept": "application/json"})


def uploaded(browser, filename: str, content: bytes, **fields) -> int:
    response = upload(browser, filename, content, **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["id"]


def test_upload_search_document_page_preview_and_download(archive_app):
    archivist = login(archive_app, ARCHIVIST)
    content = report_pdf("tahun anggaran 2024")
    document_id = uploaded(archivist, "lra-2024.pdf", content, title="LRA BKD 2024", klasifikasi="berkala",
                           ringkasan="Realisasi anggaran BKD", penanggung_jawab="Sekretaris BKD",
                           dibuat_pada="2025-01-15", tempat_pembuatan="Palangka Raya", retention_class="KU.01")
    uploaded(archivist, "catatan.txt", b"notulen rapat penetapan DIP", klasifikasi="setiap_saat")

    page = archivist.get("/arsip?q=realisasi+kepegawaian").get_data(as_text=True)
    assert "LRA BKD 2024" in page and "<mark>realisasi</mark>" in page.lower()
    assert 'data-testid="total">1 dokumen' in page
    assert 'href="/arsip?q=realisasi+kepegawaian&amp;klasifikasi=berkala">Berkala</a> <span class="count">1</span>' in page

    everything = archivist.get("/arsip").get_data(as_text=True)
    assert 'data-testid="total">2 dokumen' in everything
    filtered = archivist.get("/arsip?klasifikasi=setiap_saat").get_data(as_text=True)
    assert 'data-testid="total">1 dokumen' in filtered and "catatan" in filtered and "LRA BKD 2024" not in filtered

    page = archivist.get(f"/arsip/{document_id}").get_data(as_text=True)
    for shown in ("Ringkasan isi informasi", "Realisasi anggaran BKD", "Sekretaris BKD", "15 Januari 2025, Palangka Raya",
                  "Laporan keuangan", "Berkala", sha(content), "lra-2024.pdf", "<iframe"):
        assert shown in page, shown

    download = archivist.client.get(f"/arsip/{document_id}/unduh")
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Checksum-SHA256"] == sha(content) and download.headers["Content-Type"] == "application/pdf"

    preview = archivist.client.get(f"/arsip/{document_id}/pratinjau")
    assert preview.data == content and preview.headers["Content-Disposition"].startswith("inline;")
    assert "script-src 'none'" in preview.headers["Content-Security-Policy"]
    with service(archive_app).db.session() as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "document")))
    assert {"document.created", "document.viewed", "document.downloaded"} <= actions


def test_images_are_previewed_and_other_types_only_downloaded(local_app):
    archivist = login(local_app, ARCHIVIST)
    png = image_bytes(scanned_page("Pengumuman"), "PNG")
    image = uploaded(archivist, "pengumuman.png", png, klasifikasi="berkala")
    assert '<img class="preview"' in archivist.get(f"/arsip/{image}").get_data(as_text=True)
    assert archivist.client.get(f"/arsip/{image}/pratinjau").data == png
    maklumat = docx("Maklumat pelayanan")
    word = uploaded(archivist, "maklumat.docx", maklumat, klasifikasi="berkala")
    assert "Pratinjau" not in archivist.get(f"/arsip/{word}").get_data(as_text=True)
    assert archivist.get(f"/arsip/{word}/pratinjau").status_code == 404
    assert archivist.client.get(f"/arsip/{word}/unduh").data == maklumat


def test_several_files_in_one_form_without_javascript(local_app):
    archivist = login(local_app, ARCHIVIST)
    response = archivist.post("/arsip/unggah", {
        "unit": "BKD", "klasifikasi": "setiap_saat",
        "berkas": [(io.BytesIO(b"isi pertama"), "satu.txt"), (io.BytesIO(b"isi kedua"), "dua.txt")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert "Tersimpan: satu (satu.txt)" in archivist.last_page and "Tersimpan: dua (dua.txt)" in archivist.last_page
    assert stored_state(local_app)[:2] == (2, 2)


def test_several_files_one_refused_one_failing_the_others_stored_and_each_named(local_app):
    """A refused file (empty) and a file the catalog fails (a trigger refuses its row) do not stop
    the others; the page names each, and a script asking for JSON gets every outcome (207)."""
    archivist = login(local_app, ARCHIVIST)
    refuse_versions(service(local_app).db, when="NEW.original_filename = 'gagal.txt'")
    token = archivist.csrf("/arsip/unggah")
    files = [(b"isi pertama", "satu.txt"), (b"", "kosong.txt"), (b"isi gagal", "gagal.txt"), (b"isi ketiga", "tiga.txt")]
    page = archivist.post("/arsip/unggah", {"unit": "BKD", "klasifikasi": "setiap_saat", "csrf_token": token,
                                            "berkas": [(io.BytesIO(data), name) for data, name in files]},
                          content_type="multipart/form-data")
    assert page.status_code == 422
    text = archivist.last_page
    assert "Tersimpan: satu (satu.txt)" in text and "Tersimpan: tiga (tiga.txt)" in text
    assert "kosong.txt: Berkas kosong." in text
    assert "gagal.txt: Terjadi kesalahan sistem; berkas ini tidak tersimpan." in text
    assert stored_state(local_app) == (2, 2, 0, 2)

    response = archivist.client.post("/arsip/unggah", data={
        "unit": "BKD", "klasifikasi": "setiap_saat", "berkas": [(io.BytesIO(data), name) for data, name in files]},
        content_type="multipart/form-data", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 207
    assert [item["filename"] for item in response.json["items"]] == ["satu.txt", "tiga.txt"]
    assert [(r["filename"], r["error"]["code"]) for r in response.json["refused"]] == [
        ("kosong.txt", "empty_file"), ("gagal.txt", "internal_error")]
    # each file's outcome in the order sent, for the page's script to set each file's row
    assert [(f["filename"], f.get("error", {}).get("code"), "url" in f) for f in response.json["files"]] == [
        ("satu.txt", None, True), ("kosong.txt", "empty_file", False), ("gagal.txt", "internal_error", False),
        ("tiga.txt", None, True)]
    assert stored_state(local_app) == (4, 4, 0, 4)

    refused_all = archivist.client.post("/arsip/unggah", data={
        "unit": "BKD", "berkas": [(io.BytesIO(b""), "a.txt"), (io.BytesIO(b"x"), "b.exe")]},
        content_type="multipart/form-data", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert refused_all.status_code == 422 and refused_all.json["error"]["code"] == "empty_file"
    assert [f["error"]["code"] for f in refused_all.json["files"]] == ["empty_file", "unsupported_type"]
    assert stored_state(local_app) == (4, 4, 0, 4)


def test_a_file_without_a_name_for_its_title_is_refused_alone(local_app):
    """With no title in the form each file is titled by its name; a file whose name gives none
    (``.txt``) is refused on its own, and the other file of the request is stored."""
    archivist = login(local_app, ARCHIVIST)
    token = archivist.csrf("/arsip/unggah")
    response = archivist.client.post("/arsip/unggah", data={
        "unit": "BKD", "berkas": [(io.BytesIO(b"isi laporan"), "laporan.txt"), (io.BytesIO(b"isi"), ".txt")]},
        content_type="multipart/form-data", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 207
    stored, refused = response.json["files"]
    assert stored["title"] == "laporan" and "url" in stored
    assert refused["filename"] == ".txt" and refused["error"]["code"] == "invalid_data"
    assert "Judul wajib diisi" in refused["error"]["message"]
    assert stored_state(local_app)[0] == 1


def test_exempt_documents_never_reach_a_user_not_entitled(archive_app):
    archivist = login(archive_app, ARCHIVIST)
    secret = uploaded(archivist, "sk-pegawai.pdf", report_pdf("rahasiapegawai hukuman disiplin"),
                      title="Berkas disiplin pegawai", **EXEMPT_FIELDS)
    public = uploaded(archivist, "umum.pdf", report_pdf("hukuman disiplin umum"), title="Pedoman disiplin",
                      klasifikasi="setiap_saat")

    outsider = login(archive_app, OUTSIDER)
    page = outsider.get("/arsip?q=disiplin").get_data(as_text=True)
    assert "Pedoman disiplin" in page and "Berkas disiplin pegawai" not in page and "rahasiapegawai" not in page
    assert 'data-testid="total">1 dokumen' in page and "Dikecualikan</a>" not in page
    assert 'data-testid="total">0 dokumen' in outsider.get("/arsip?q=rahasiapegawai").get_data(as_text=True)
    assert 'data-testid="total">0 dokumen' in outsider.get("/arsip?klasifikasi=dikecualikan").get_data(as_text=True)
    for path in ("", "/unduh", "/pratinjau", "/klasifikasi"):
        assert outsider.client.get(f"/arsip/{secret}{path}").status_code == 404, path
    assert outsider.get(f"/arsip/{public}").status_code == 200

    holder = login(archive_app, BKD_STAFF)  # staff of the holding unit: entitled by the access rule
    assert holder.get(f"/arsip/{secret}").status_code == 200
    page = archivist.get(f"/arsip/{secret}").get_data(as_text=True)
    assert 'data-testid="dik"' in page and "Melindungi data pribadi pegawai." in page and "800/12/BKD/2025" in page
    assert "1 Januari 2040" in page


def test_an_unknown_source_case_is_refused_in_indonesian_not_as_a_system_error(local_app):
    archivist = login(local_app, ARCHIVIST)
    before = stored_state(local_app)
    response = upload(archivist, "a.txt", b"isi", klasifikasi="berkala", source_case_id="999999")
    assert response.status_code == 404, response.get_data(as_text=True)
    assert "tidak ditemukan" in response.json["error"]["message"]
    assert "kesalahan sistem" not in response.get_data(as_text=True)
    assert stored_state(local_app) == before


def test_dik_fields_are_required_on_the_server_when_exempt(local_app):
    archivist = login(local_app, ARCHIVIST)
    before = stored_state(local_app)
    response = upload(archivist, "a.txt", b"isi", klasifikasi="dikecualikan", pasal17="z", published="on")
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert set(fields) == {"pasal17", "konsekuensi_dibuka", "pertimbangan_ditutup", "penetap", "jangka_waktu_sampai",
                           "published"}
    assert "tidak dapat diterbitkan" in fields["published"]
    assert "Pasal 17" in fields["pasal17"] and "wajib diisi" in fields["konsekuensi_dibuka"]
    page = archivist.post("/arsip/unggah", {"unit": "BKD", "klasifikasi": "dikecualikan", "published": "1",
                                            "berkas": (io.BytesIO(b"isi"), "a.txt")},
                          content_type="multipart/form-data")
    assert page.status_code == 422
    assert 'data-testid="error-konsekuensi_dibuka"' in archivist.last_page and "wajib diisi" in archivist.last_page
    assert 'data-testid="error-published"' in archivist.last_page
    assert stored_state(local_app) == before


BAD_FILES = {
    "empty": ("kosong.pdf", b"", "empty_file", "Berkas kosong"),
    "wrong type": ("foto.png", b"%PDF-1.4 bukan png", "type_mismatch", "tidak sesuai ekstensinya"),
    "oversized": ("besar.txt", b"a" * (MAX_UPLOAD + 1), "too_large", "terlalu besar"),
    "path-like name": ("../../x.txt", b"isi", "unsafe_filename", "tidak boleh berisi path"),
    "fake pdf": ("palsu.pdf", b"%PDF-1.7\n" + b"bukan isi pdf\n" * 20, "pdf_unreadable", "bukan PDF"),
    "disallowed type": ("skrip.exe", b"MZ\x90\x00", "unsupported_type", "tidak diterima"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_uploads_are_refused_in_indonesian_and_store_nothing(local_app, case):
    filename, content, code, words = BAD_FILES[case]
    archivist = login(local_app, ARCHIVIST)
    before = stored_state(local_app)
    response = upload(archivist, filename, content, klasifikasi="berkala")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["code"] == code and words in response.json["error"]["message"]
    archivist.post("/arsip/unggah", {"unit": "BKD", "berkas": (io.BytesIO(content), filename)},
                   content_type="multipart/form-data")
    assert words in archivist.last_page
    assert stored_state(local_app) == before


def test_a_body_over_the_request_limit_is_refused_in_indonesian(sqlite_db, tmp_path):
    app = build_app(sqlite_db, tmp_path, (tmp_path / "archive").as_uri(), MAX_CONTENT_LENGTH=64 * 1024)
    archivist = login(app, ARCHIVIST)
    response = upload(archivist, "besar.txt", b"a" * (128 * 1024))
    assert response.status_code == 413 and "terlalu besar" in response.json["error"]["message"]
    response = archivist.client.post("/arsip/unggah", data={"berkas": (io.BytesIO(b"a" * (128 * 1024)), "b.txt")},
                                     content_type="multipart/form-data")
    assert response.status_code == 413 and "Berkas terlalu besar" in response.get_data(as_text=True)
    assert stored_state(app) == (0, 0, 0, 0)


def _corrupt_local(app, document_id: int) -> None:
    """Overwrite the stored bytes of the document's current version on disk (same length, other bytes)."""
    archive = service(app)
    current = archive.get(archive_viewer(app), document_id).current
    path = archive.store._versions_dir(Bucket(current.bucket), current.key) / f"{current.store_version_id}.data"
    path.write_bytes(bytes(b ^ 0xFF for b in path.read_bytes()))


def archive_viewer(app):
    from storage.access import Viewer
    return Viewer.system()


def _mismatches(app, document_id: int) -> list[dict]:
    with service(app).db.session() as session:
        return [event.detail for event in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "document.checksum_mismatch", AuditEvent.object_id == str(document_id)))]


def test_a_damaged_file_is_never_sent_and_the_mismatch_is_audited(local_app):
    archivist = login(local_app, ARCHIVIST)
    document_id = uploaded(archivist, "lra.pdf", report_pdf("rusak"), klasifikasi="berkala")
    _corrupt_local(local_app, document_id)
    for path in ("unduh", "pratinjau"):
        response = archivist.get(f"/arsip/{document_id}/{path}")
        assert response.status_code == 500
        page = response.get_data(as_text=True)
        assert 'data-testid="archive-error"' in page and "tidak cocok dengan checksum SHA-256" in page
    events = _mismatches(local_app, document_id)
    assert len(events) == 2 and events[0]["version"] == 1 and events[0]["expected"] != events[0]["actual"]


def test_a_large_file_streams_through_and_a_mismatch_aborts_it(sqlite_db, tmp_path):
    app = build_app(sqlite_db, tmp_path, (tmp_path / "archive").as_uri(), ALUR_ARCHIVE_VERIFY_FIRST_BYTES=0)
    archivist = login(app, ARCHIVIST)
    content = b"baris arsip\n" * 20000
    document_id = uploaded(archivist, "besar.txt", content, klasifikasi="berkala")
    response = archivist.client.get(f"/arsip/{document_id}/unduh", buffered=False)
    assert response.is_streamed and b"".join(response.response) == content
    _corrupt_local(app, document_id)
    response = archivist.client.get(f"/arsip/{document_id}/unduh", buffered=False)
    with pytest.raises(ChecksumMismatch):
        b"".join(response.response)
    assert len(_mismatches(app, document_id)) == 1


def test_legal_hold_and_reclassification_by_the_ppid_only(archive_app):
    archivist = login(archive_app, ARCHIVIST)
    document_id = uploaded(archivist, "sk.pdf", report_pdf("keputusan"), klasifikasi="setiap_saat")
    staff = login(archive_app, BKD_STAFF)
    assert "Pasang legal hold" not in staff.get(f"/arsip/{document_id}").get_data(as_text=True)
    assert staff.post(f"/arsip/{document_id}/tahan", {"tahan": "1"}, token_from=f"/arsip/{document_id}").status_code == 404
    assert staff.get(f"/arsip/{document_id}/klasifikasi").status_code == 404

    response = archivist.post(f"/arsip/{document_id}/tahan", {"tahan": "1", "alasan": "sengketa"},
                              follow_redirects=True, token_from=f"/arsip/{document_id}")
    assert response.status_code == 200 and 'data-testid="legal-hold"' in archivist.last_page
    assert service(archive_app).get(archive_viewer(archive_app), document_id).legal_hold

    response = archivist.post(f"/arsip/{document_id}/klasifikasi", {"klasifikasi": "dikecualikan"})
    assert response.status_code == 422 and "wajib diisi" in archivist.last_page
    response = archivist.post(f"/arsip/{document_id}/klasifikasi", EXEMPT_FIELDS, follow_redirects=True)
    assert response.status_code == 200 and "Klasifikasi diubah menjadi Dikecualikan" in archivist.last_page
    document = service(archive_app).get(archive_viewer(archive_app), document_id)
    assert document.klasifikasi == "dikecualikan" and len(document.versions) == 2
    assert document.current.bucket == "exempt"
    assert login(archive_app, OUTSIDER).get(f"/arsip/{document_id}").status_code == 404


def test_search_pages_and_orders_by_date(local_app):
    archivist = login(local_app, ARCHIVIST)
    for n in range(23):
        uploaded(archivist, f"laporan-{n}.txt", f"laporan bulanan nomor {n}".encode(), klasifikasi="berkala",
                 title=f"Laporan {n:02d}")
    first = archivist.get("/arsip?q=laporan&urut=tanggal").get_data(as_text=True)
    assert 'data-testid="total">23 dokumen' in first and "Halaman 1 dari 2" in first
    assert first.index("Laporan 22") < first.index("Laporan 21")
    second = archivist.get("/arsip?q=laporan&urut=tanggal&hal=2").get_data(as_text=True)
    assert "Laporan 02" in second and "Laporan 00" in second and "Laporan 22" not in second
    assert "Tahun harus berupa angka" in archivist.get("/arsip?tahun=abc").get_data(as_text=True)


def test_the_archive_is_in_the_menu_and_needs_a_login(local_app):
    assert local_app.test_client().get("/arsip").status_code == 302
    assert 'href="/arsip">Arsip</a>' in login(local_app, BKD_STAFF).get("/arsip").get_data(as_text=True)
