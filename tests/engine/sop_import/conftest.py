"""Fixtures shared by the SOP import tests: documents LibreOffice prints are made once per session."""
from __future__ import annotations

import pytest

from tests.engine.sop_import.checks import import_each
from tests.engine.sop_import.office_doc import soffice_pdf
from tests.engine.sop_import.pdf_factory import sample_sop
from tests.engine.sop_import.writer_doc import WRITER_DOCUMENTS, write_fodt, writer_sop_layouts


@pytest.fixture(scope="session")
def writer_pdfs(tmp_path_factory):
    """name -> the PDF LibreOffice printed of each Writer document."""
    return {name: soffice_pdf(write_fodt(tmp_path_factory.mktemp(name) / "sop.fodt", sample_sop(**layout),
                                         WRITER_DOCUMENTS[name][1]))
            for name, layout in writer_sop_layouts().items()}


@pytest.fixture(scope="session")
def writer_imports(writer_pdfs):
    """name -> (source SOP, definition, report, BPMN) of each Writer document printed by LibreOffice."""
    return import_each(writer_sop_layouts(), lambda name, sop: writer_pdfs[name])
