"""An uploaded SOP document becomes a modeler draft, with its import report, or nothing at all.

The upload is written to a private temporary file only because pdfplumber and Tesseract read
files; it is removed whatever happens.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from engine.sop_import.importer import draft_bpmn, import_sop
from engine.sop_import.report import ImportReport, SopImportError

MAX_SOP_BYTES = 20 * 1024 * 1024
_SUFFIXES = {b"%PDF-": ".pdf"}


@dataclass(frozen=True)
class ImportedDraft:
    key: str
    name: str
    lanes: list[str]
    steps: int
    report: ImportReport


def import_as_draft(session: Session, data: bytes, username: str) -> ImportedDraft:
    """Import a PDF or text export and keep the BPMN as the draft of its process key."""
    from engine.modeling import save_draft
    suffix = _suffix(data)
    with tempfile.TemporaryDirectory(prefix="alur-sop-") as workdir:
        path = Path(workdir) / f"sop{suffix}"
        path.write_bytes(data)
        definition, report = import_sop(path)
    save_draft(session, definition.key, draft_bpmn(definition), username, source="import")
    return ImportedDraft(definition.key, definition.name, list(definition.lanes), len(definition.steps), report)


def _suffix(data: bytes) -> str:
    if not data:
        raise SopImportError("Berkas kosong.")
    if len(data) > MAX_SOP_BYTES:
        raise SopImportError(f"Berkas lebih besar dari {MAX_SOP_BYTES // (1024 * 1024)} MB.")
    for magic, suffix in _SUFFIXES.items():
        if data.startswith(magic):
            return suffix
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise SopImportError("Berkas bukan PDF dan bukan teks UTF-8: unggah SOP dalam PDF atau ekspor teksnya.") from None
    return ".txt"
