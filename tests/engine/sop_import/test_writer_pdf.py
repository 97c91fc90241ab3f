"""SOPs written as most are: a Writer document (tables with merged header cells, the header repeated on
the next page, flowchart shapes anchored in the cells or to the page, connectors glued or elbows drawn
by hand) printed to PDF by LibreOffice.

soffice and its Writer module must be installed (TEST_DEBS in the Makefile): without them these tests fail.
"""
from __future__ import annotations

import pdfplumber
import pytest

from tests.engine.sop_import.checks import assert_bpmn_matches, assert_parses_and_simulates, assert_steps_match
from tests.engine.sop_import.writer_doc import DATE_FIELDS, WRITER_DOCUMENTS, plan

SPLITTING = sorted(name for name, (_, layout, _) in WRITER_DOCUMENTS.items() if layout.split_row is not None)


@pytest.mark.parametrize("name", sorted(WRITER_DOCUMENTS))
def test_writer_pdf_keeps_lanes_steps_decisions_loops_and_mutu_baku(writer_imports, name):
    sop, definition, report, xml = writer_imports[name]
    assert report.pages == plan(sop, WRITER_DOCUMENTS[name][1]).grid.first_page + 1
    assert_steps_match(sop, definition, report)
    assert_bpmn_matches(sop, xml)
    assert_parses_and_simulates(sop, definition, xml)


@pytest.mark.parametrize("name", sorted(WRITER_DOCUMENTS))
def test_writer_pdf_connectors_join_by_their_letter_or_number(writer_imports, name):
    """The page break's connectors, Tidak loops to another page (lettered) or on one page (numbered circles)."""
    sop, _, report, _ = writer_imports[name]
    joins = {i.value for i in report.inferences if i.subject == "connector" and i.confidence == "high"}
    assert joins == {f"page {a} -> page {b}" for a, b in plan(sop, WRITER_DOCUMENTS[name][1]).joins}


@pytest.mark.parametrize("name", SPLITTING)
def test_writer_pdf_row_breaking_across_the_page_is_one_step(writer_pdfs, writer_imports, name):
    sop, definition, _, _ = writer_imports[name]
    split = WRITER_DOCUMENTS[name][1].split_row
    with pdfplumber.open(writer_pdfs[name]) as pdf:
        continued = " ".join(w["text"] for w in pdf.pages[1].extract_words())
    assert sop.steps[split].kegiatan.split()[-1] in continued  # the row did break: its end is on page 2
    assert len(definition.steps) == len(sop.steps)
    assert definition.steps[split].documentation == sop.steps[split].kegiatan


@pytest.mark.parametrize("name", sorted(WRITER_DOCUMENTS))
def test_writer_pdf_identity_table_is_read(writer_imports, name):
    sop, definition, report, _ = writer_imports[name]
    identity = definition.identity
    assert (identity.nomor, definition.name) == (sop.nomor, sop.nama)
    for field, day in zip(DATE_FIELDS, WRITER_DOCUMENTS[name][2]):
        assert report.identity[field]["date"] == day.isoformat()
    title, name_, nip = sop.signer
    assert report.identity["disahkan_oleh"] == {"title": title, "name": name_, "nip": nip.removeprefix("NIP. "),
                                                "pangkat": "", "electronic": False}
    assert identity.dasar_hukum == list(sop.dasar_hukum)
    assert identity.kualifikasi == list(sop.kualifikasi)
    assert identity.keterkaitan == list(sop.keterkaitan)
    assert identity.peralatan == list(sop.peralatan)
    assert (identity.peringatan, identity.pencatatan) == (sop.peringatan, sop.pencatatan)
    assert identity.unit.upper() == sop.unit
