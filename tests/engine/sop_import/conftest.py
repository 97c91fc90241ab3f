"""Fixtures shared by the SOP import tests: documents LibreOffice prints are made once per session."""
from __future__ import annotations

import pytest

from tests.engine.sop_import.checks import import_each
from tests.engine.sop_import.office_doc import soffice_pdf
from tests.engine.sop_import.writer_doc import DATE_FIELDS, WRITER_DOCUMENTS, indonesian, write_fodt


@pytest.fixture(scope="session")
def writer_imports(tmp_path_factory):
    """name -> (source SOP, definition, report, BPMN) of each Writer document printed by LibreOffice."""
    def make_pdf(name, sop):
        return soffice_pdf(write_fodt(tmp_path_factory.mktemp(name) / "sop.fodt", sop, **WRITER_DOCUMENTS[name][1]))
    layouts = {name: {**layout, **{f: indonesian(d) for f, d in zip(DATE_FIELDS, dates)}}
               for name, (layout, _, dates) in WRITER_DOCUMENTS.items()}
    return import_each(layouts, make_pdf)
