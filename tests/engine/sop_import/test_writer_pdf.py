"""SOPs written as most are: a Writer document (tables with merged header cells, the header repeated on
the second page, flowchart shapes anchored in the cells) printed to PDF by LibreOffice.

soffice and its Writer module must be installed (TEST_DEBS in the Makefile): without them these tests fail.
"""
from __future__ import annotations

import pytest

from tests.engine.sop_import.checks import assert_bpmn_matches, assert_parses_and_simulates, assert_steps_match
from tests.engine.sop_import.writer_doc import DATE_FIELDS, WRITER_DOCUMENTS


@pytest.mark.parametrize("name", sorted(WRITER_DOCUMENTS))
def test_writer_pdf_keeps_lanes_steps_decisions_loops_and_mutu_baku(writer_imports, name):
    sop, definition, report, xml = writer_imports[name]
    assert report.pages == 2
    assert_steps_match(sop, definition, report)
    assert_bpmn_matches(sop, xml)
    assert_parses_and_simulates(sop, definition, xml)


@pytest.mark.parametrize("name", sorted(WRITER_DOCUMENTS))
def test_writer_pdf_tidak_loop_back_across_the_page_break_joins_lettered_connectors(writer_imports, name):
    _, _, report, _ = writer_imports[name]
    joins = {i.value for i in report.inferences if i.subject == "connector" and i.confidence == "high"}
    assert joins == {"page 1 -> page 2", "page 2 -> page 1"}


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
