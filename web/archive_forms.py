"""What the archive's web pages and its REST API share: the catalog form, the viewer, streaming.

* :func:`parse_metadata` / :func:`parse_class` read the classification form (the same field names
  in the HTML form and in the API's multipart body) and check it on the server, in Bahasa
  Indonesia: when the class is ``dikecualikan`` the DIK fields are required, whatever the browser
  did with them.
* :func:`content_response` streams a version's bytes through the app. The service verifies the
  SHA-256 as the bytes are read; files up to ``ALUR_ARCHIVE_VERIFY_FIRST_BYTES`` (default 16 MB) are
  read and verified into a spool (memory up to 1 MB, then a temporary file) before the first byte
  is sent, so a mismatch becomes a clean error answer instead of a truncated download. Larger files
  pass straight through; a mismatch then aborts the transfer (the declared Content-Length is not
  reached, so clients see a failed download), and it is audited and alerted either way.
"""
from __future__ import annotations

import shutil
import tempfile
from datetime import date
from urllib.parse import quote

from flask import Response, current_app, stream_with_context
from sqlalchemy import select

from engine.errors import EngineError
from engine.models import Unit
from storage.access import Viewer, load_viewer
from storage.archive import STREAM_CHUNK, ArchiveService, Content
from storage.catalog import DocumentMetadata, Exemption
from storage.models import BENTUK, CLASSES, EXEMPT_CLASS, PASAL17_GROUNDS, RetentionClass
from web.app import services

VERIFY_FIRST_BYTES = 16 * 1024 * 1024
SPOOL_MEMORY = 1024 * 1024

CLASS_LABELS = {"berkala": "Berkala", "serta_merta": "Serta merta", "setiap_saat": "Setiap saat",
                "dikecualikan": "Dikecualikan", "belum": "Belum diklasifikasi"}
BENTUK_LABELS = {"softcopy": "Softcopy", "hardcopy": "Hardcopy", "both": "Softcopy dan hardcopy"}
PASAL17_LABELS = {
    "a": "a. menghambat proses penegakan hukum", "b": "b. mengganggu HKI dan persaingan usaha tidak sehat",
    "c": "c. membahayakan pertahanan dan keamanan negara", "d": "d. mengungkap kekayaan alam Indonesia",
    "e": "e. merugikan ketahanan ekonomi nasional", "f": "f. merugikan kepentingan hubungan luar negeri",
    "g": "g. mengungkap isi akta otentik pribadi dan wasiat", "h": "h. mengungkap rahasia pribadi",
    "i": "i. memorandum atau surat antar/intra badan publik yang dirahasiakan",
    "j": "j. tidak boleh diungkap berdasarkan undang-undang",
}
# Fields of DocumentMetadata / Exemption as the form and the API name them.
TEXT_FIELDS = ("title", "ringkasan", "penanggung_jawab", "tempat_pembuatan", "retensi")
DIK_TEXT_FIELDS = ("dasar_hukum_sektoral", "konsekuensi_dibuka", "pertimbangan_ditutup",
                   "jangka_waktu_keterangan", "penetap", "ditetapkan_di", "nomor_sk")
_TRUE = {"1", "true", "ya", "on", "yes"}


class FormInvalid(EngineError):
    """The catalog form has fields at fault; ``fields`` maps each to an Indonesian message."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("Isian belum lengkap atau tidak valid: " + "; ".join(fields.values()))


def archive() -> ArchiveService:
    return current_app.extensions["alur_archive"]


def viewer_for(username: str) -> Viewer:
    with services().db.session() as session:
        return load_viewer(session, username)


def unit_code(unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    with services().db.session() as session:
        return session.scalar(select(Unit.code).where(Unit.id == unit_id))


def _text(form, name: str, limit: int = 2000) -> str:
    return (form.get(name) or "").strip()[:limit]


def _date(form, name: str, label: str, problems: dict) -> date | None:
    raw = _text(form, name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems[name] = f"{label} tidak valid; tulis sebagai TTTT-BB-HH."
        return None


def _int(form, name: str, label: str, problems: dict) -> int | None:
    raw = _text(form, name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        problems[name] = f"{label} harus berupa angka."
        return None


def parse_class(form, problems: dict) -> tuple[str | None, Exemption | None]:
    """The class and, for ``dikecualikan``, the DIK row (UU 14/2008 Pasal 17, 19, 20; PP 61/2010)."""
    klasifikasi = _text(form, "klasifikasi") or None
    if klasifikasi in ("belum",):
        klasifikasi = None
    if klasifikasi is not None and klasifikasi not in CLASSES:
        problems["klasifikasi"] = "Klasifikasi harus salah satu dari: berkala, serta merta, setiap saat, dikecualikan."
        return None, None
    if klasifikasi != EXEMPT_CLASS:
        return klasifikasi, None
    pasal17 = _text(form, "pasal17").lower()
    if pasal17 not in PASAL17_GROUNDS:
        problems["pasal17"] = "Pilih dasar pengecualian: UU 14/2008 Pasal 17 huruf a sampai j."
    for name, label in (("konsekuensi_dibuka", "Konsekuensi bila dibuka"),
                        ("pertimbangan_ditutup", "Pertimbangan bila ditutup"),
                        ("penetap", "Pejabat yang menetapkan")):
        if not _text(form, name):
            problems[name] = f"{label} wajib diisi untuk informasi yang dikecualikan."
    until = _date(form, "jangka_waktu_sampai", "Jangka waktu pengecualian", problems)
    if until is None and not _text(form, "jangka_waktu_keterangan") and "jangka_waktu_sampai" not in problems:
        problems["jangka_waktu_sampai"] = ("Jangka waktu pengecualian wajib diisi: tanggal, \u201csampai ...\u201d "
                                           "atau \u201ctidak terbatas\u201d.")
    decided = _date(form, "ditetapkan_pada", "Tanggal penetapan", problems)
    exemption = Exemption(pasal17=pasal17, konsekuensi_dibuka=_text(form, "konsekuensi_dibuka"),
                          pertimbangan_ditutup=_text(form, "pertimbangan_ditutup"), jangka_waktu_sampai=until,
                          jangka_waktu_keterangan="" if until else _text(form, "jangka_waktu_keterangan", 300),
                          dasar_hukum_sektoral=_text(form, "dasar_hukum_sektoral"), penetap=_text(form, "penetap", 300),
                          ditetapkan_pada=decided, ditetapkan_di=_text(form, "ditetapkan_di", 200),
                          nomor_sk=_text(form, "nomor_sk", 200))
    return klasifikasi, exemption


def parse_metadata(form, default_title: str = "", default_unit: str | None = None,
                   require_title: bool = True) -> DocumentMetadata:
    """The catalog form as :class:`DocumentMetadata`, or :class:`FormInvalid` naming every field at fault.
    ``require_title=False``: the caller titles each of several files itself when the form gives no title."""
    problems: dict[str, str] = {}
    title = _text(form, "title", 500) or default_title
    if not title and require_title:
        problems["title"] = "Judul wajib diisi."
    unit = _text(form, "unit", 40) or default_unit
    bentuk = _text(form, "bentuk") or "softcopy"
    if bentuk not in BENTUK:
        problems["bentuk"] = "Bentuk informasi harus softcopy, hardcopy atau keduanya."
    retention = _text(form, "retention_class", 40) or None
    _check_references(unit, retention, problems)
    klasifikasi, exemption = parse_class(form, problems)
    published = _text(form, "published").lower() in _TRUE
    if published and klasifikasi == EXEMPT_CLASS:
        problems["published"] = "Dokumen yang dikecualikan tidak dapat diterbitkan di portal publik."
    made = _date(form, "dibuat_pada", "Tanggal pembuatan", problems)
    case_id = _int(form, "source_case_id", "Nomor kasus", problems)
    task_id = _int(form, "source_task_id", "Nomor tugas", problems)
    if problems:
        raise FormInvalid(problems)
    return DocumentMetadata(
        title=title, unit_code=unit, klasifikasi=klasifikasi, ringkasan=_text(form, "ringkasan", 5000),
        penanggung_jawab=_text(form, "penanggung_jawab", 300), dibuat_pada=made,
        tempat_pembuatan=_text(form, "tempat_pembuatan", 200), bentuk=bentuk, retensi=_text(form, "retensi", 300),
        retention_class=retention, published=published,
        source_case_id=case_id, source_task_id=task_id, exemption=exemption)


def _check_references(unit: str | None, retention: str | None, problems: dict) -> None:
    if not unit:
        problems["unit"] = "Pilih unit yang menguasai informasi."
    with services().db.session() as session:
        if unit and session.scalar(select(Unit.id).where(Unit.code == unit)) is None:
            problems["unit"] = f"Unit \u201c{unit}\u201d tidak dikenal."
        if retention and session.scalar(select(RetentionClass.id).where(RetentionClass.code == retention)) is None:
            problems["retention_class"] = f"Kelas retensi \u201c{retention}\u201d tidak ada dalam JRA."


def form_choices(viewer: Viewer) -> dict:
    """Units the viewer may file for (their own; every unit for the PPID roles) and the JRA classes."""
    with services().db.session() as session:
        units = session.execute(select(Unit.code, Unit.name, Unit.id).order_by(Unit.code)).all()
        retention = session.execute(select(RetentionClass.code, RetentionClass.name).order_by(RetentionClass.code)).all()
    mine = [(code, name) for code, name, unit_id in units if viewer.sees_exempt or unit_id == viewer.unit_id]
    own = next((code for code, _name, unit_id in units if unit_id == viewer.unit_id), None)
    return {"units": mine, "own_unit": own, "retention_classes": retention, "class_labels": CLASS_LABELS,
            "bentuk_labels": BENTUK_LABELS, "pasal17_labels": PASAL17_LABELS}


# -- streaming ----------------------------------------------------------------------------------------

def content_response(content: Content, inline: bool = False) -> Response:
    """The version's bytes as a streamed response; see the module docstring for when a mismatch is caught."""
    version = content.version
    limit = current_app.config.get("ALUR_ARCHIVE_VERIFY_FIRST_BYTES", VERIFY_FIRST_BYTES)
    source = _verified_spool(content) if version.size <= limit else content.stream

    def chunks():
        try:
            while chunk := source.read(STREAM_CHUNK):
                yield chunk
        finally:
            source.close()

    response = Response(stream_with_context(chunks()), mimetype=version.content_type, direct_passthrough=True)
    response.content_length = version.size
    response.headers["Content-Disposition"] = disposition(version.original_filename, inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Checksum-SHA256"] = version.sha256
    response.headers["X-Document-Version"] = str(version.number)
    return response


def _verified_spool(content: Content):
    """Read (and so verify) the whole version into a spool; ChecksumMismatch propagates, audited."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
    try:
        with content:
            shutil.copyfileobj(content, spool, STREAM_CHUNK)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def disposition(filename: str, inline: bool) -> str:
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
