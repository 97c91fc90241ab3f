"""Text for search: from a PDF's text layer (pdfplumber), from plain and office files, or by OCR.

Scans have no text layer: images and image-only PDFs are OCR'd with Tesseract (language ``ind``,
``ALUR_OCR_LANG``), calling the Debian ``tesseract`` binary directly rather than through a Python
wrapper, so nothing beyond the system package is needed.

Ingest stays cheap: plain text and office files are read at once (:func:`ingest_text`); a PDF's text
layer and OCR (:func:`full_text`) run after the catalog commit, in-process or in a Celery task (see
``storage.archive``). A PDF's text layer is read by PDFium (C, about a millisecond a page);
pdfplumber only renders the pages of an image-only PDF for Tesseract.
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
_TAG = re.compile(rb"<[^>]+>")
_XML_TEXT = {"docx": ("word/document.xml",), "odt": ("content.xml",), "xlsx": ("xl/sharedStrings.xml",)}


class OcrFailed(RuntimeError):
    """Tesseract is missing, failed or timed out; the message says which."""


@dataclass(frozen=True)
class QuickText:
    text: str
    source: str  # pdf_text | plain | none
    needs_ocr: bool


def quick_text(spool: BinaryIO, kind: str) -> QuickText:
    """The text available without OCR, and whether OCR should follow."""
    spool.seek(0)
    if kind == "pdf":
        text = pdf_text(spool)
        if len(re.findall(r"\w", text)) >= MIN_TEXT_CHARS:
            return QuickText(text, "pdf_text", False)
        return QuickText("", "none", True)
    if kind in IMAGE_KINDS:
        return QuickText("", "none", True)
    if kind == "text":
        return QuickText(spool.read().decode("utf-8-sig"), "plain", False)
    if kind in _XML_TEXT:
        return QuickText(office_text(spool, kind), "plain", False)
    return QuickText("", "none", False)


def deferred(kind: str) -> bool:
    """Whether the text of this kind is extracted after the catalog commit (PDF text layer, OCR)."""
    return kind == "pdf" or kind in IMAGE_KINDS


def ingest_text(spool: BinaryIO, kind: str) -> QuickText:
    """What ingest records synchronously: the text of cheap kinds, or 'pending' (``needs_ocr``) for
    the kinds :func:`full_text` handles after the commit."""
    if deferred(kind):
        return QuickText("", "none", True)
    return quick_text(spool, kind)


def full_text(spool: BinaryIO, kind: str) -> tuple[str, str]:
    """The text of a version and its source (``pdf_text``, ``ocr``, ...): the PDF's text layer if it
    has one, else OCR (which raises :class:`OcrFailed`)."""
    found = quick_text(spool, kind)
    if not found.needs_ocr:
        return found.text, found.source
    return ocr(spool, kind), "ocr"


_PDFIUM_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def pdf_text(stream: BinaryIO) -> str:
    stream.seek(0)
    pages = []
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(stream)
        try:
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
