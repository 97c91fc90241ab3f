"""The request or objection behind a PPID case, on the task and case pages: officers decide on what the
applicant wrote, escaped; a user who may not open the page learns nothing; other SOPs show no panel."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engine.models import Unit
from engine.organization import create_user
from engine.ppid.case_record import case_record
from engine.ppid.models import PASAL35, InformationRequest, Objection
from tests.engine.helpers import PASSWORD as STAF_PASSWORD
from tests.ppid.conftest import GOOD_REQUEST, ppid_app, ppid_service
from tests.ppid.test_requests import ATASAN, PASSWORD, PETUGAS, PPID, db_of, do, file_request, step
from tests.web.conftest import Browser
from tests.web.test_inbox import ready_task

URAIAN = "Informasi itu bukan rahasia pribadi:\nlaporan kegiatan dibiayai APBD dan wajib terbuka."


@pytest.fixture
def sqlite_app(sqlite_db, tmp_path):
    return ppid_app(sqlite_db, tmp_path)


def refused_then_objected(app) -> tuple[InformationRequest, Objection]:
    """A request refused under Pasal 17, and the objection to it, waiting for the PPID's first step."""
    row = file_request(app)
    do(app, row.instance_id, "Langkah_1", PETUGAS)
    do(app, row.instance_id, "Langkah_2", PPID, keputusan="ya")
    do(app, row.instance_id, "Langkah_3", PPID, keputusan="tidak", catatan="Dikecualikan: Pasal 17 huruf h")
    service = ppid_service(app)
    submitted = service.submit_objection(row.nomor, row.email, ["a", "e"], URAIAN, service.new_form_token())
    with db_of(app).session() as session:
        return session.get(InformationRequest, row.id), session.get(Objection, submitted.id)


def test_the_request_task_and_case_pages_show_what_the_applicant_asked(sqlite_app):
    app = sqlite_app
    row = file_request(app)
    petugas = Browser(app).login(PETUGAS, PASSWORD)
    for url in (f"/tugas/{step(app, row.instance_id, 'Langkah_1').id}", f"/kasus/{row.instance_id}"):
        page = petugas.get(url).get_data(as_text=True)
        assert 'data-testid="ppid-request"' in page and "<h2>Permohonan informasi</h2>" in page, url
        assert f'data-testid="ppid-nomor-pendaftaran">{row.nomor}<' in page
        assert f'data-testid="ppid-nama">{GOOD_REQUEST["nama"]}<' in page
        assert f'data-testid="ppid-nik">{GOOD_REQUEST["nik"]}<' in page
        assert GOOD_REQUEST["rincian"] in page and GOOD_REQUEST["tujuan"] in page
        assert GOOD_REQUEST["email"] in page and GOOD_REQUEST["telepon"] in page
        assert "Mendapatkan salinan (softcopy)" in page and "E-mail" in page  # labels, not the stored codes
        assert "Dalam proses" in page and " WIB" in page  # received and due, written as the UI writes dates
        assert 'data-testid="ppid-objection"' not in page
        link = f"/ppid/register/permohonan?q={row.nomor}"
        assert f'href="{link}"' in page
    register = petugas.get(link).get_data(as_text=True)  # the link leads to this request's row
    assert f'data-nomor="{row.nomor}"' in register and 'data-testid="register-total">1 permohonan' in register


def test_the_atasan_sees_the_objection_its_grounds_and_the_request_it_objects_to(sqlite_app):
    app = sqlite_app
    request, objection = refused_then_objected(app)
    do(app, objection.instance_id, "Langkah_1", PPID)
    atasan = Browser(app).login(ATASAN, PASSWORD)
    page = atasan.get(f"/tugas/{step(app, objection.instance_id, 'Langkah_2').id}").get_data(as_text=True)
    assert f'data-testid="ppid-nomor-keberatan">{objection.nomor}<' in page
    assert f'data-testid="ppid-uraian">{URAIAN}<' in page
    assert PASAL35["a"] in page and PASAL35["e"] in page and PASAL35["c"] not in page
    assert "Permohonan informasi yang diajukan keberatan" in page
    assert request.nomor in page and GOOD_REQUEST["rincian"] in page and GOOD_REQUEST["nama"] in page
    assert "Permohonan ditolak" in page and "Dikecualikan: Pasal 17 huruf h" in page  # what is objected to
    case_page = atasan.get(f"/kasus/{objection.instance_id}").get_data(as_text=True)
    assert URAIAN in case_page and objection.nomor in case_page and PASAL35["e"] in case_page


def test_the_applicants_text_is_escaped(sqlite_app):
    """The portal refuses markup, but a row written otherwise (an import, an old version) must stay text."""
    app = sqlite_app
    request, objection = refused_then_objected(app)
    with db_of(app).session() as session:
        session.execute(update(Objection).where(Objection.id == objection.id)
                        .values(uraian='<script>alert("x")</script> & <b>tebal</b>'))
        session.execute(update(InformationRequest).where(InformationRequest.id == request.id)
                        .values(nama="<img src=x onerror=alert(1)>"))
    page = Browser(app).login(PPID, PASSWORD).get(f"/tugas/{step(app, objection.instance_id, 'Langkah_1').id}")
    text = page.get_data(as_text=True)
    assert "<script>alert" not in text and "<img src=x" not in text and "<b>tebal" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;tebal&lt;/b&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_who_may_not_open_the_task_or_case_gets_404_and_nothing_of_the_request(sqlite_app):
    app = sqlite_app
    request, objection = refused_then_objected(app)
    answer_step = step(app, objection.instance_id, "Langkah_1")  # the PPID's step
    with db_of(app).session() as session:  # an ADPIM officer outside the PPID lanes
        create_user(session, "adpim.tamu", PASSWORD, session.scalar(select(Unit).where(Unit.code == "ADPIM")), [])
    outsiders = [("adpim.tamu", PASSWORD), ("bpod.ppid", PASSWORD), ("bkd.jfu", PASSWORD), ("staf.b", STAF_PASSWORD)]
    for username, password in outsiders:
        browser = Browser(app).login(username, password)
        for url in (f"/tugas/{answer_step.id}", f"/kasus/{objection.instance_id}", f"/kasus/{request.instance_id}"):
            response = browser.get(url)
            text = response.get_data(as_text=True)
            assert response.status_code == 404, (username, url)
            for secret in (GOOD_REQUEST["nik"], GOOD_REQUEST["nama"], "bukan rahasia pribadi", objection.nomor):
                assert secret not in text, (username, url, secret)
    # the Petugas serves the request's case but not the objection's PPID step
    petugas = Browser(app).login(PETUGAS, PASSWORD)
    response = petugas.get(f"/tugas/{answer_step.id}")
    assert response.status_code == 404 and "bukan rahasia pribadi" not in response.get_data(as_text=True)


def test_a_task_of_another_sop_has_no_panel(sqlite_app):
    app = sqlite_app
    file_request(app)  # a PPID case exists beside it
    case = app.extensions["alur"].processes.start("uji_tinjauan", "staf")
    staf = Browser(app).login("staf", STAF_PASSWORD)
    for url in (f"/tugas/{ready_task(app, case.id).id}", f"/kasus/{case.id}"):
        response = staf.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Uji Tinjauan" in page
        assert "ppid-request" not in page and "ppid-objection" not in page and GOOD_REQUEST["nik"] not in page


def test_case_record_finds_the_request_or_objection_of_a_case(sqlite_app):
    app = sqlite_app
    request, objection = refused_then_objected(app)
    with db_of(app).session() as session:
        found = case_record(session, request.instance_id)  # the process key looked up
        assert found.objection is None and found.request.nomor == request.nomor
        assert found.request.keputusan == "ditolak" and found.request.cara_menyampaikan == "E-mail"
        against = case_record(session, objection.instance_id, "ppid_keberatan_informasi")
        assert against.objection.nomor == objection.nomor and against.request.id == request.id
        assert [letter for letter, _ in against.objection.alasan] == ["a", "e"]
        case = app.extensions["alur"].processes.start("uji_tinjauan", "staf")
        assert case_record(session, case.id) is None
        assert case_record(session, request.instance_id, "uji_tinjauan") is None  # other SOPs skip the tables
        assert case_record(session, 999_999) is None
