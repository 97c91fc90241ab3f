"""Publishing from the SOPs: completing seed 003 through step 7 publishes the case's public
documents on the portal at once; an exempt (or unclassified) document on the same case is refused,
audited, and appears nowhere on the public side."""
from __future__ import annotations

import io
import json

from openpyxl import load_workbook
import pdfplumber
from sqlalchemy import select

from engine.models import AuditEvent, HumanTask
from storage.models import Document
from tests.ppid.conftest import Citizen, attach
from web.public import public_urls

SOP_003 = "sop_003_pendokumentasian_informasi_publik"
PETUGAS, PPID = "adpim.petugas-pelayanan-informasi", "adpim.ppid"
PUBLIC_TITLE, PUBLIC_BYTES = "Laporan Kegiatan Pimpinan Triwulan I", b"Isi laporan kegiatan pimpinan yang terbuka."
EXEMPT_TITLE, EXEMPT_BYTES = "Data Kesehatan Pegawai Rahasia", b"RAHASIA-PRIBADI-7731 catatan medis pegawai."
LOOSE_TITLE = "Lampiran Belum Diklasifikasikan"


def complete_until(app, case_id: int, last_step: str) -> None:
    processes = app.extensions["alur"].processes
    while True:
        with app.extensions["alur"].db.session() as session:
            task = session.scalar(select(HumanTask).where(HumanTask.instance_id == case_id,
                                                          HumanTask.state == "ready"))
        assert task is not None, f"case {case_id} has no ready step before {last_step}"
        user = PPID if task.lane == "PPID" else PETUGAS
        data = {"keputusan": "ya"} if task.is_decision else {}
        processes.complete(task.id, user, data)
        if task.step == last_step:
            return


def everything_public(app, citizen: Citizen) -> dict[str, bytes]:
    """Every GET page and API of the portal, each DIP export, every SOP page, every download link."""
    pages = {}
    for url in public_urls(app):
        pages[url] = citizen.get(url).get_data()
    for fmt in ("pdf", "xlsx", "csv"):
        pages[f"/publik/dip.{fmt}"] = citizen.get(f"/publik/dip.{fmt}").get_data()
    for query in ("?q=Rahasia", "?q=Kesehatan", "?unit=ADPIM", "?q=RAHASIA-PRIBADI-7731"):
        pages["/publik/dip" + query] = citizen.get("/publik/dip" + query).get_data()
        pages["/publik/api/dip" + query] = citizen.get("/publik/api/dip" + query).get_data()
    with app.extensions["alur"].db.session() as session:
        keys = sorted({row[0] for row in session.execute(select(Document.sop_key))} - {None})
        ids = list(session.scalars(select(Document.id)))
    for key in keys:
        pages[f"/publik/sop/{key}"] = citizen.get(f"/publik/sop/{key}").get_data()
    for document_id in ids:
        pages[f"/publik/dokumen/{document_id}"] = citizen.get(f"/publik/dokumen/{document_id}").get_data()
    return pages


def text_of(url: str, body: bytes) -> str:
    if url.endswith(".pdf") and body.startswith(b"%PDF"):
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    if url.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(body))
        return "\n".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row)
    return body.decode("utf-8", "replace")


def test_step_7_publishes_public_documents_and_never_the_exempt_one(app):
    processes = app.extensions["alur"].processes
    case = processes.start(SOP_003, PETUGAS, title="Dokumentasi kegiatan pimpinan")
    public = attach(app, case.id, PUBLIC_TITLE, PUBLIC_BYTES, "berkala")
    exempt = attach(app, case.id, EXEMPT_TITLE, EXEMPT_BYTES, "dikecualikan")
    loose = attach(app, case.id, LOOSE_TITLE, b"lampiran tanpa kelas", None)
    citizen = Citizen(app)

    before = citizen.get("/publik/dip").get_data(as_text=True)
    assert PUBLIC_TITLE not in before  # filed, not yet published
    complete_until(app, case.id, "6a")
    assert PUBLIC_TITLE not in citizen.get("/publik/dip").get_data(as_text=True)
    complete_until(app, case.id, "7")

    dip = citizen.get("/publik/dip").get_data(as_text=True)
    assert PUBLIC_TITLE in dip  # at once, no other step
    assert "3 Maret 2025, Palangka Raya" in dip  # waktu dan tempat pembuatan, dated as the portal dates
    download = citizen.get(f"/publik/dokumen/{public.id}")
    assert download.status_code == 200 and download.get_data() == PUBLIC_BYTES
    assert download.headers["X-Checksum-SHA256"] == public.current.sha256
    api = json.loads(citizen.get("/publik/api/dip").get_data())
    assert [row["judul"] for row in api] == [PUBLIC_TITLE]
    pdf = text_of("/publik/dip.pdf", citizen.get("/publik/dip.pdf").get_data())
    assert "Triwulan I" in pdf and "Daftar Informasi Publik" in pdf
    assert PUBLIC_TITLE in text_of("/publik/dip.xlsx", citizen.get("/publik/dip.xlsx").get_data())

    pages = everything_public(app, citizen)
    assert len(pages) > 15
    for url, body in pages.items():
        assert EXEMPT_BYTES not in body, url
        if "RAHASIA-PRIBADI" not in url:  # the search box shows back what was searched for
            assert b"RAHASIA-PRIBADI-7731" not in body, url
        else:
            assert b'data-testid="dip-total">0<' in body or body.strip() == b"[]", url
        text = text_of(url, body)
        assert EXEMPT_TITLE not in text and LOOSE_TITLE not in text, url
        if url.endswith((".pdf", ".xlsx", ".csv")):  # cells wrap: look for the words one by one
            assert "Kesehatan" not in text and "Diklasifikasikan" not in text, url
    assert citizen.get(f"/publik/dokumen/{exempt.id}").status_code == 404
    assert citizen.get(f"/publik/dokumen/{loose.id}").status_code == 404

    with app.extensions["alur"].db.session() as session:
        rows = {d.id: d.published for d in session.scalars(select(Document))}
        events = {(e.action, e.object_id): e.detail for e in session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == case.id, AuditEvent.action.like("document.%")))}
    assert rows == {public.id: True, exempt.id: False, loose.id: False}
    assert events[("document.published", str(public.id))]["channel"] == "website"
    assert "Pasal 17" in events[("document.publication_refused", str(exempt.id))]["reason"]
    assert events[("document.publication_refused", str(loose.id))]["reason"] == "belum diklasifikasikan"


def test_the_sop_pages_show_the_diagram_source_and_the_steps(app):
    citizen = Citizen(app)
    page = citizen.get(f"/publik/sop/{SOP_003}").get_data(as_text=True)
    assert "Publikasikan melalui website" in page and "Petugas Pelayanan Informasi" in page
    assert 'data-src="/publik/sop/sop_003_pendokumentasian_informasi_publik.bpmn"' in page
    xml = citizen.get(f"/publik/sop/{SOP_003}.bpmn")
    assert xml.status_code == 200 and b'publish="website"' in xml.get_data()
    listing = citizen.get("/publik/sop").get_data(as_text=True)
    assert "Pelayanan Permohonan Informasi Publik" in listing
    assert citizen.get("/publik/sop/tidak_ada").status_code == 404


def test_a_published_file_with_a_non_ascii_name_downloads(app):
    """The header carries an ASCII fallback and the UTF-8 name (RFC 6266); it used to fail to encode."""
    from datetime import date

    from storage.access import Viewer
    from storage.catalog import DocumentMetadata
    from tests.ppid.conftest import archive_of
    name = "Laporan – Triwulan ✓ 报告.txt"
    metadata = DocumentMetadata(title="Laporan triwulan", unit_code="ADPIM", klasifikasi="berkala", published=True,
                                dibuat_pada=date(2025, 3, 3))
    document = archive_of(app).add(Viewer.system(), io.BytesIO(b"isi laporan"), name, metadata)
    response = Citizen(app).get(f"/publik/dokumen/{document.id}")
    assert response.status_code == 200 and response.get_data() == b"isi laporan"
    header = response.headers["Content-Disposition"]
    assert header.startswith("attachment;") and "filename*=UTF-8''Laporan%20%E2%80%93" in header
    assert header.encode("latin-1")  # what the server must be able to send
