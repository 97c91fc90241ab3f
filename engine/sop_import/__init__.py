"""Importing Permenpan-RB 35/2012 SOP documents (PDF with a vector drawing, text exports, scans) as BPMN drafts.

``import_sop(path) -> (SopDefinition, ImportReport)``; ``draft_bpmn(definition)`` writes and validates the
BPMN. See importer.py for the PDF pipeline and text_export.py for text without a drawing.
"""
from engine.sop_import.importer import draft_bpmn, import_sop
from engine.sop_import.report import ImportReport, SopImportError

__all__ = ["ImportReport", "SopImportError", "draft_bpmn", "import_sop"]
