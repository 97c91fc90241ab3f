"""Bad input is refused clearly (code + Indonesian message), and nothing is stored or catalogued."""
from __future__ import annotations

import hashlib
import io

import pytest

from storage.archive import ArchiveService
from storage.catalog import InvalidDocument
from storage.validation import UploadRejected, max_upload_bytes, validate_upload
from tests.storage.archive.conftest import exemption, metadata
from tests.storage.archive.files import docx, image_bytes, plain_zip, scanned_page, text_pdf
from tests.storage.archive.test_faults import counts, stored_objects

PNG = image_bytes(scanned_page("contoh"), "PNG")

CASES = [
    ("empty.pdf", b"", "empty_file", "Berkas kosong."),
    ("foto.pdf", PNG, "type_mismatch", "diharapkan PDF, terdeteksi PNG"),
    ("laporan.png", text_pdf("isi"), "type_mismatch", "diharapkan PNG, terdeteksi PDF"),
    ("surat.docx", plain_zip(), "type_mismatch", "diharapkan DOCX, terdeteksi ZIP"),
    ("tabel.xlsx", docx("bukan tabel"), "type_mismatch", "diharapkan XLSX, terdeteksi DOCX"),
    ("catatan.txt", b"\xff\xfe\x00b\x00u\x00k\x00a\x00n", "type_mismatch", "bukan teks UTF-8"),
    ("palsu.pdf", b"%PDF-1.7\nini bukan PDF sungguhan\n%%EOF\n", "pdf_unreadable", "rusak atau bukan PDF"),
    ("../../x.pdf", text_pdf("isi"), "unsafe_filename", "tidak boleh berisi path"),
    ("..\\..\\x.pdf", text_pdf("isi"), "unsafe_filename", "tidak boleh berisi path"),
    ("x\x00.pdf", text_pdf("isi"), "unsafe_filename", "karakter kendali"),
    ("/etc/passwd.txt", b"root", "unsafe_filename", "tidak boleh berisi path"),
    ("program.exe", b"MZ\x90\x00", "unsupported_type", "Jenis berkas .exe tidak diterima"),
    ("tanpa-ekstensi", b"isi", "unsupported_type", "(tanpa ekstensi)"),
]


@pytest.mark.parametrize("filename, content, code, message", CASES, ids=[c[2] + ":" + c[0] for c in CASES])
def test_refusals(filename, content, code, message):
    with pytest.raises(UploadRejected) as refused:
        validate_upload(io.BytesIO(content), filename)
    assert refused.value.code == code and message in refused.value.message
    assert str(refused.value).endswith(f"({code})")


def test_oversized_file_is_refused_while_reading(monkeypatch):
    monkeypatch.setenv("ALUR_MAX_UPLOAD_MB", "1")
    assert max_upload_bytes() == 1024 * 1024
    with pytest.raises(UploadRejected) as refused:
        validate_upload(io.BytesIO(b"a" * (1024 * 1024 + 1)), "besar.txt")
    assert refused.value.code == "too_large" and "batasnya 1 MB" in refused.value.message
    monkeypatch.setenv("ALUR_MAX_UPLOAD_MB", "lima puluh")
    with pytest.raises(ValueError, match="ALUR_MAX_UPLOAD_MB"):
        max_upload_bytes()


def test_accepted_types_by_content():
    for name, content, kind in [("a.pdf", text_pdf("isi"), "pdf"), ("a.png", PNG, "png"),
                                ("a.jpg", image_bytes(scanned_page("x"), "JPEG"), "jpeg"),
                                ("a.tiff", image_bytes(scanned_page("x"), "TIFF"), "tiff"),
                                ("a.docx", docx("isi"), "docx"), ("a.txt", "teks ✓".encode(), "text"),
                                ("A.PDF", text_pdf("isi"), "pdf")]:
        with validate_upload(io.BytesIO(content), name) as upload:
            assert upload.kind == kind and upload.size == len(content)
            assert upload.sha256 == hashlib.sha256(content).hexdigest()  # of the bytes as received


def test_refused_uploads_store_nothing(archive_db, store, viewers):
    archive = ArchiveService(archive_db, store, max_upload_bytes=64 * 1024)
    for filename, content, _code, _message in CASES + [("besar.txt", b"a" * (64 * 1024 + 1), "", "")]:
        with pytest.raises(UploadRejected):
            archive.add(viewers["staff_bkd"], io.BytesIO(content), filename, metadata("Ditolak"))
    assert counts(archive_db) == (0, 0) and stored_objects(store) == []
    assert archive.check().ok


@pytest.mark.parametrize("changes, field", [
    ({"klasifikasi": "rahasia"}, "klasifikasi"),
    ({"klasifikasi": "dikecualikan", "exemption": None}, "exemption"),
    ({"klasifikasi": "dikecualikan", "exemption": exemption(pasal17="z")}, "pasal17"),
    ({"klasifikasi": "dikecualikan", "exemption": exemption(konsekuensi_dibuka=" ")}, "konsekuensi_dibuka"),
    ({"klasifikasi": "dikecualikan", "exemption": exemption(jangka_waktu_sampai=None)}, "jangka_waktu"),
    ({"klasifikasi": "berkala", "exemption": exemption()}, "exemption"),
    ({"title": " "}, "title"),
    ({"klasifikasi": "dikecualikan", "exemption": exemption(), "published": True}, "published"),
])
def test_incomplete_catalog_form_stores_nothing(archive, viewers, archive_db, changes, field):
    changes = dict(changes)
    form = metadata("Dokumen", klasifikasi=changes.pop("klasifikasi", "berkala"))
    for name, value in changes.items():
        setattr(form, name, value)
    with pytest.raises(InvalidDocument) as refused:
        archive.add(viewers["ppid"], io.BytesIO(b"isi"), "a.txt", form)
    assert field in refused.value.fields
    assert counts(archive_db) == (0, 0) and stored_objects(archive.store) == []


def test_unknown_unit_and_foreign_unit(archive, viewers):
    from engine.errors import NotFound, PermissionDenied
    with pytest.raises(NotFound, match="unit 'NOPE'"):
        archive.add(viewers["ppid"], io.BytesIO(b"isi"), "a.txt", metadata("X", unit="NOPE"))
    with pytest.raises(PermissionDenied):
        archive.add(viewers["staff_org"], io.BytesIO(b"isi"), "a.txt", metadata("X", unit="BKD"))


def test_an_unauthorised_upload_is_refused_before_its_pdf_is_read(archive, viewers, archive_db):
    """The right to file for a unit is checked before the upload is parsed or its text read: both take
    the process-wide PDFium lock. The lock is held here (for real) while a caller of another unit
    uploads a PDF: the refusal must come without waiting for it."""
    import threading

    from engine.errors import PermissionDenied
    from storage.validation import PDFIUM_LOCK
    outcome = []

    def upload():
        try:
            archive.add(viewers["staff_org"], io.BytesIO(text_pdf("isi")), "laporan.pdf", metadata("X", unit="BKD"))
        except Exception as error:
            outcome.append(error)

    worker = threading.Thread(target=upload)
    with PDFIUM_LOCK:
        worker.start()
        worker.join(timeout=10)
        refused_while_locked = not worker.is_alive()
    worker.join(timeout=30)
    assert refused_while_locked, "the upload waited for the PDFium lock before the permission check"
    assert len(outcome) == 1 and isinstance(outcome[0], PermissionDenied)
    assert counts(archive_db) == (0, 0) and stored_objects(archive.store) == []
