"""Imported drafts open in bpmn-js (viewer and modeler) without import warnings."""
from __future__ import annotations

import pytest

from engine.sop_import import draft_bpmn, import_sop
from tests.engine.sop_import.pdf_factory import F4, sample_sop, write_sop_pdf
from tests.engine.test_bpmn_js_import import IMPORT_JS, bpmn_page  # noqa: F401  (fixture)

pytest_plugins = ["tests.browser_fixtures"]

CASES = {
    "a4-3-lanes": dict(lanes=3),
    "f4-landscape-5-lanes-2-pages": dict(lanes=5, page=F4, landscape=True, rows_per_page=4),
    "a4-2-lanes-no-decisions": dict(lanes=2, decisions=False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_draft_opens_in_bpmn_js(bpmn_page, tmp_path, name):
    definition, _ = import_sop(write_sop_pdf(tmp_path / f"{name}.pdf", sample_sop(**CASES[name])))
    result = bpmn_page.evaluate(IMPORT_JS, draft_bpmn(definition))
    assert result["error"] is None, result
    assert result["warnings"] == []
    assert {f"Langkah_{s.number}" for s in definition.steps} <= set(result["ids"])
