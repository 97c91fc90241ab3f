"""Imported drafts open in bpmn-js (viewer and modeler) without import warnings.

The drafts come from each way a PDF is made here: the reportlab factory in both drawing styles, and a Writer
document printed by LibreOffice (shared with its own tests, so soffice runs once). One browser serves the module.
"""
from __future__ import annotations

import pytest

from engine.sop_import import draft_bpmn, import_sop
from tests.engine.sop_import.drawing import OFFICE
from tests.engine.sop_import.pdf_factory import F4, sample_sop, write_sop_pdf
from tests.engine.sop_import.writer_doc import WRITER_DOCUMENTS
from tests.engine.test_bpmn_js_import import IMPORT_JS, bpmn_page  # noqa: F401  (fixture)

pytest_plugins = ["tests.browser_fixtures"]

CASES = {
    "a4-3-lanes": dict(lanes=3),
    "f4-landscape-5-lanes-2-pages": dict(lanes=5, page=F4, landscape=True, rows_per_page=4),
    "a4-2-lanes-no-decisions": dict(lanes=2, decisions=False),
    # the second drawing style: symbols of separate strokes, open V heads, rounded elbows, curved loops
    "office-style-a4-landscape-4-lanes-2-pages": dict(lanes=4, landscape=True, rows_per_page=3, style=OFFICE),
}


def assert_opens(page, definition) -> None:
    result = page.evaluate(IMPORT_JS, draft_bpmn(definition))
    assert result["error"] is None, result
    assert result["warnings"] == []
    assert {f"Langkah_{s.number}" for s in definition.steps} <= set(result["ids"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_draft_opens_in_bpmn_js(bpmn_page, tmp_path, name):
    definition, _ = import_sop(write_sop_pdf(tmp_path / f"{name}.pdf", sample_sop(**CASES[name])))
    assert_opens(bpmn_page, definition)


@pytest.mark.parametrize("name", sorted(WRITER_DOCUMENTS))
def test_draft_of_a_writer_pdf_opens_in_bpmn_js(bpmn_page, writer_imports, name):
    _, definition, _, _ = writer_imports[name]
    assert_opens(bpmn_page, definition)
