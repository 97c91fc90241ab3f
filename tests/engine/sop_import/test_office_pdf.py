"""SOPs drawn in LibreOffice (its flowchart shapes and routed connectors) and printed to PDF by it.

The importer was not shaped around LibreOffice's drawing: fills and strokes drawn apart, marker
arrowheads, elbow connectors with jogs, curved connectors, a page background. soffice must be
installed (TEST_DEBS in the Makefile): without it these tests fail.
"""
from __future__ import annotations

import pytest

from tests.engine.sop_import.checks import (assert_bpmn_matches, assert_parses_and_simulates, assert_steps_match,
                                            import_each)
from tests.engine.sop_import.office_doc import soffice_pdf, write_fodg

DOCUMENTS = {
    "3-lanes-one-page-curved-tidak-loops": dict(lanes=3),
    # step 4's Tidak loop goes back to step 3 on page 1 through off-page connectors B
    "4-lanes-two-pages-loop-across-the-page-break": dict(lanes=4, rows_per_page=3),
    "5-lanes-two-pages-pendukung-ket": dict(lanes=5, rows_per_page=4, mutu_label="Pendukung", ket_label="Ket"),
}


@pytest.fixture(scope="module")
def office_imports(tmp_path_factory):
    return import_each(DOCUMENTS, lambda name, sop: soffice_pdf(write_fodg(tmp_path_factory.mktemp(name) / "sop.fodg",
                                                                          sop)))


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_office_made_pdf_keeps_lanes_steps_decisions_and_loops(office_imports, name):
    sop, definition, report, xml = office_imports[name]
    assert report.pages == (2 if DOCUMENTS[name].get("rows_per_page") else 1)
    assert_steps_match(sop, definition, report)
    assert_bpmn_matches(sop, xml)
    assert_parses_and_simulates(sop, definition, xml)


def test_office_loop_across_pages_joins_connectors_by_letter(office_imports):
    _, _, report, _ = office_imports["4-lanes-two-pages-loop-across-the-page-break"]
    joins = {i.value for i in report.inferences if i.subject == "connector" and i.confidence == "high"}
    assert joins == {"page 1 -> page 2", "page 2 -> page 1"}
