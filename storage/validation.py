"""Uploads are judged by their content, not their name: type by magic bytes, size by counting.

A file is spooled once (memory, then disk) while it is counted, and refused as soon as it passes
the size limit, so an oversized upload never fills memory and nothing of it is stored. It is not
hashed here: the object store computes the SHA-256 over exactly the bytes it writes (one pass, see
``ObjectStore.put``), and that digest is what the catalog records.
Each refusal carries an English ``code`` for programs and a ``message`` in Bahasa Indonesia for
the archivist.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

import pypdfium2 as pdfium

from engine.errors import EngineError

MAX_UPLOAD_VARIABLE = "ALUR_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 50
CHUNK = 1024 * 1024
SPOOL_MEMORY = 4 * 1024 * 1024
MAX_NAME_BYTES = 255
_ZIP_MEMBER_LIMIT = 1024 * 1024  # [Content_Types].xml or mimetype larger than this is not an office file
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# PDFium is not thread-safe: every use of it in the process (here and in storage.text) holds this lock.
PDFIUM_LOCK = threading.Lock()

# extension -> (kind, content type)
TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "tif": ("tiff", "image/tiff"),
    "tiff": ("tiff", "image/tiff"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "odt": ("odt", "application/vnd.oasis.opendocument.text"),
    "txt": ("text", "text/plain; charset=utf-8"),
}
IMAGE_KINDS = ("png", "jpeg", "tiff")
# The kind of a stored version, from the content type it was catalogued with.
KIND_OF_CONTENT_TYPE = {content_type: kind for kind, content_type in TYPES.values()}
_OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_LABELS = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG", "tiff": "TIFF", "docx": "DOCX", "xlsx": "XLSX",
           "odt": "ODT", "text": "teks", "zip": "ZIP", None: "tidak dikenal"}


class UploadRejected(EngineError):
    """A file the archive refuses; ``code`` is stable English, ``message`` is for the archivist."""

    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message
        super().__init__(f"{message} ({code})")


@dataclass
class ValidatedUpload:
    """A checked file, spooled and rewound; close it (or use ``with``) to free the spool."""

    filename: str
    kind: str
    content_type: str
    size: int
    sha256: str  # of the bytes as received (hashed while spooled); for a copy, the catalog's verified sum
    spool: BinaryIO = field(repr=False)

    def __enter__(self) -> "ValidatedUpload":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.spool.close()

    def rewind(self) -> BinaryIO:
        self.spool.seek(0)
        return self.spool


def max_upload_bytes(env: dict[str, str] | None = None) -> int:
    raw = (os.environ if env is None else env).get(MAX_UPLOAD_VARIABLE, "")
    try:
        megabytes = float(raw) if raw.strip() else DEFAULT_MAX_UPLOAD_MB
    except ValueError:
        raise ValueError(f"{MAX_UPLOAD_VARIABLE} must be a number of megabytes, got {raw!r}") from None
    if megabytes <= 0:
        raise ValueError(f"{MAX_UPLOAD_VARIABLE} must be positive, got {raw!r}")
    return int(megabytes * 1024 * 1024)


def safe_filename(name: str) -> str:
    """The name as given, if it is a plain base name; path-like names are refused, not repaired,
    so a name like ``../../x`` is noticed instead of silently becoming ``x``."""
    if not isinstance(name, str) or not name.strip():
        raise UploadRejected("missing_filename", "Nama berkas kosong.")
    if _CONTROL.search(name) or "/" in name or "\\" in name or name.strip() in (".", ".."):
        raise UploadRejected("unsafe_filename", "Nama berkas tidak boleh berisi path (/, \\, ..) atau "
                                                "karakter kendali; kirim nama berkasnya saja.")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise UploadRejected("filename_too_long", f"Nama berkas terlalu panjang (maksimal {MAX_NAME_BYTES} byte).")
    return name.strip()


def validate_upload(stream: BinaryIO, filename: str, max_bytes: int | None = None) -> ValidatedUpload:
    """Spool and check ``stream``; raise :class:`UploadRejected` or return the checked file."""
    name = safe_filename(filename)
    kind, content_type = _expected_type(name)
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    spool, size, sha256 = _spool(stream, limit)
    try:
        if size == 0:
            raise UploadRejected("empty_file", "Berkas kosong.")
        _check_content(spool, kind, name)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return ValidatedUpload(name, kind, content_type, size, sha256, spool)


def _expected_type(name: str) -> tuple[str, str]:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in TYPES:
        accepted = ", ".join(sorted({f".{e}" for e in TYPES}))
        shown = f".{extension}" if extension else "(tanpa ekstensi)"
        raise UploadRejected("unsupported_type", f"Jenis berkas {shown} tidak diterima. Yang diterima: {accepted}.")
    return TYPES[extension]


def _spool(stream: BinaryIO, limit: int) -> tuple[BinaryIO, int, str]:
    """The upload in a spool, its size, and its SHA-256: hashed in this one pass over the bytes as
    received, which the store is given instead of hashing them again (see ``ObjectStore.put``)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
    size, digest = 0, hashlib.sha256()
    try:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadRejected("too_large", f"Berkas terlalu besar: batasnya {limit / 1048576:g} MB.")
            spool.write(chunk)
            digest.update(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, size, digest.hexdigest()


def sniff(spool: BinaryIO) -> str | None:
    """The kind the first bytes announce, or None (text is decided by :func:`_is_utf8_text`)."""
    spool.seek(0)
    head = spool.read(1024)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(spool)
    if b"%PDF-" in head:  # readers accept up to 1 KB of junk before the header
        return "pdf"
    return None


def _zip_kind(spool: BinaryIO) -> str:
    spool.seek(0)
    try:
        with zipfile.ZipFile(spool) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                if _member(archive, "mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                    return "odt"
            if "[Content_Types].xml" in names:
                types = _member(archive, "[Content_Types].xml")
                for kind, main in _OOXML_MAIN.items():
                    if main.encode() in types:
                        return kind
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        pass
    return "zip"


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > _ZIP_MEMBER_LIMIT:
        return b""
    with archive.open(info) as member:
        return member.read(_ZIP_MEMBER_LIMIT)


def _is_utf8_text(spool: BinaryIO) -> bool:
    spool.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := spool.read(CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _check_content(spool: BinaryIO, kind: str, name: str) -> None:
    found = sniff(spool)
    if kind == "text":
        if found is not None or not _is_utf8_text(spool):
            raise UploadRejected("type_mismatch", f"Isi berkas {name} bukan teks UTF-8"
                                 + (f" (terdeteksi: {_LABELS[found]})." if found else "."))
        return
    if found != kind:
        raise UploadRejected("type_mismatch", f"Isi berkas {name} tidak sesuai ekstensinya: diharapkan "
                                              f"{_LABELS[kind]}, terdeteksi {_LABELS[found]}.")
    if kind == "pdf":
        _check_pdf_opens(spool, name)


def _check_pdf_opens(spool: BinaryIO, name: str) -> None:
    """A header alone proves nothing: the PDF must parse and have at least one page.

    A structural check by PDFium (C, about a millisecond): it reads the trailer, the cross-reference
    table and the page tree; no page is parsed here (the text layer is read by
    ``storage.text.ingest_text``).
    """
    spool.seek(0)
    try:
        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(spool)
            try:
                pages = len(document)
            finally:
                document.close()
    except Exception:  # PdfiumError, or anything a damaged file provokes
        pages = 0
    if pages == 0:
        raise UploadRejected("pdf_unreadable", f"Berkas {name} rusak atau bukan PDF: tidak dapat dibuka.")
