"""Text for search: from a PDF's text layer (pdfplumber), from plain and office files, or by OCR.

Scans have no text layer: images and image-only PDFs are OCR'd with Tesseract (language ``ind``,
``ALUR_OCR_LANG``), calling the Debian ``tesseract`` binary directly rather than through a Python
wrapper, so nothing beyond the system package is needed.

Ingest stays cheap (:func:`ingest_text`): plain text, office files and the text layer of a PDF of at
most :data:`INLINE_PDF_PAGES` pages are read before the catalog write and stored in the same
transaction as the catalog rows, so the document is searchable by its body when ``add`` returns. A
PDF's text layer is read by PDFium (C, about 0.2 ms a page), cheaper than the second transaction that
saving it after the commit would cost. Longer PDFs and scans (OCR, seconds a page) are left
``pending`` and run after the commit (:func:`full_text`), in-process or in a Celery task (see
``storage.archive``); pdfplumber only renders the pages of an image-only PDF for Tesseract.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pdfplumber
import pypdfium2 as pdfium

from storage.validation import IMAGE_KINDS, PDFIUM_LOCK

OCR_LANG_VARIABLE = "ALUR_OCR_LANG"
OCR_TIMEOUT_SECONDS = 120  # per page
RENDER_DPI = 200
MIN_TEXT_CHARS = 16  # fewer letters than this on a PDF means a scan with at most a stray stamp
INLINE_PDF_PAGES = 50  # a longer PDF's text layer is read after the commit, so ingest time stays bounded
_TAG = re.compile(rb"<[^>]+>")
_XML_TEXT = {"docx": ("word/document.xml",), "odt": ("content.xml",), "xlsx": ("xl/sharedStrings.xml",)}


class OcrFailed(RuntimeError):
    """Tesseract is missing, failed or timed out; the message says which."""


@dataclass(frozen=True)
class QuickText:
    text: str
    source: str  # pdf_text | plain | none
    needs_ocr: bool


def quick_text(spool: BinaryIO, kind: str, max_pdf_pages: int | None = None) -> QuickText:
    """The text available without OCR, and whether OCR (or, for a PDF of more than
    ``max_pdf_pages`` pages, the text layer) should follow."""
    spool.seek(0)
    if kind == "pdf":
        text = pdf_text(spool, max_pdf_pages)
        if text is not None and len(re.findall(r"\w", text)) >= MIN_TEXT_CHARS:
            return QuickText(text, "pdf_text", False)
        return QuickText("", "none", True)
    if kind in IMAGE_KINDS:
        return QuickText("", "none", True)
    if kind == "text":
        return QuickText(spool.read().decode("utf-8-sig"), "plain", False)
    if kind in _XML_TEXT:
        return QuickText(office_text(spool, kind), "plain", False)
    return QuickText("", "none", False)


def ingest_text(spool: BinaryIO, kind: str) -> QuickText:
    """What ingest records in the catalog transaction: the text of plain, office and short PDF files,
    or 'pending' (``needs_ocr``) for scans and long PDFs, which :func:`full_text` handles after the
    commit."""
    if kind in IMAGE_KINDS:
        return QuickText("", "none", True)
    return quick_text(spool, kind, max_pdf_pages=INLINE_PDF_PAGES)


def full_text(spool: BinaryIO, kind: str) -> tuple[str, str]:
    """The text of a version and its source (``pdf_text``, ``ocr``, ...): the PDF's text layer if it
    has one, else OCR (which raises :class:`OcrFailed`)."""
    found = quick_text(spool, kind)
    if not found.needs_ocr:
        return found.text, found.source
    return ocr(spool, kind), "ocr"


_PDFIUM_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def pdf_text(stream: BinaryIO, max_pages: int | None = None) -> str | None:
    """The PDF's text layer, page by page; None if it has more than ``max_pages`` pages."""
    stream.seek(0)
    pages = []
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(stream)
        try:
            if max_pages is not None and len(document) > max_pages:
                return None
            for page in document:
                textpage = page.get_textpage()
                try:
                    pages.append(textpage.get_text_bounded() or "")
                finally:
                    textpage.close()
                    page.close()
        finally:
            document.close()
    text = "\n\n".join(p.replace("\r\n", "\n").replace("\r", "\n") for p in pages)
    return _PDFIUM_JUNK.sub("", text).strip()


def office_text(stream: BinaryIO, kind: str) -> str:
    """Words of a DOCX/ODT/XLSX for the index: the XML with its tags dropped (layout is not needed)."""
    parts = []
    with zipfile.ZipFile(stream) as archive:
        for name in _XML_TEXT[kind]:
            if name in archive.namelist():
                xml = archive.read(name)
                parts.append(_TAG.sub(b" ", xml).decode("utf-8", "replace"))
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def ocr_language() -> str:
    return os.environ.get(OCR_LANG_VARIABLE, "ind")


def ocr(stream: BinaryIO, kind: str, language: str | None = None) -> str:
    """OCR an image (PNG, JPEG, multi-page TIFF) or each rendered page of an image-only PDF."""
    language = language or ocr_language()
    binary = shutil.which("tesseract")
    if binary is None:
        raise OcrFailed("the tesseract program is not installed (Debian: tesseract-ocr tesseract-ocr-ind)")
    with tempfile.TemporaryDirectory(prefix="alur-ocr-") as work:
        pages = _page_images(stream, kind, Path(work))
        return "\n\n".join(_tesseract(binary, page, language) for page in pages).strip()


def _page_images(stream: BinaryIO, kind: str, work: Path) -> list[Path]:
    stream.seek(0)
    if kind != "pdf":
        path = work / f"scan.{kind}"
        with open(path, "wb") as out:
            shutil.copyfileobj(stream, out)
        return [path]
    paths = []
    with pdfplumber.open(stream) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            path = work / f"page-{number:04d}.png"
            page.to_image(resolution=RENDER_DPI).original.save(path)
            paths.append(path)
    return paths


def _tesseract(binary: str, image: Path, language: str) -> str:
    try:
        done = subprocess.run([binary, str(image), "stdout", "-l", language], capture_output=True,
                              timeout=OCR_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise OcrFailed(f"tesseract took longer than {OCR_TIMEOUT_SECONDS} s on {image.name}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise OcrFailed(f"tesseract failed on {image.name} (language {language}): {detail[0]}")
    return done.stdout.decode("utf-8", "replace").strip()
