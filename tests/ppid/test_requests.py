"""Information requests and objections through the public forms: the number at once, the legal
clocks in working days, the notice PDF, the status without an account, the objection the Atasan
PPID answers; the registers and the annual report against cases with known outcomes; bad input."""
from __future__ import annotations

import io
import re
import threading
from datetime import datetime, timedelta, timezone

import pdfplumber
import pytest
from sqlalchemy import func, select

from engine.calendar_format import format_tanggal
from engine.db import Base, Database
from engine.models import HumanTask, ProcessInstance
from engine.ppid.models import FormSubmission, InformationRequest, Objection
from engine.ppid.registers import annual_report
from engine.ppid.service import WIB, InvalidForm, PpidService, RequestForm, format_number, refusal_ground
from tests.ppid.conftest import GOOD_REQUEST, Citizen, ppid_app, ppid_service
from tests.web.conftest import Browser

PETUGAS, PPID, ATASAN = "adpim.petugas-pelayanan-informasi", "adpim.ppid", "adpim.atasan-ppid"
PASSWORD = "alur-demo-2026"
WIB_TZ = timezone.utc


@pytest.fixture
def sqlite_app(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'ppid.db'}")
    Base.metadata.create_all(db.engine)
    yield ppid_app(db, tmp_path)
    db.dispose()


def db_of(app):
    return app.extensions["alur"].db


def step(app, case_id: int, bpmn_id: str) -> HumanTask:
    with db_of(app).session() as session:
        return session.scalar(select(HumanTask).where(HumanTask.instance_id == case_id, HumanTask.bpmn_id == bpmn_id,
                                                      HumanTask.state == "ready"))


def do(app, case_id: int, bpmn_id: str, user: str, **data):
    task = step(app, case_id, bpmn_id)
    assert task is not None, f"{bpmn_id} is not ready in case {case_id}"
    return app.extensions["alur"].processes.complete(task.id, user, data)


def file_request(app, clock=None, **changes) -> InformationRequest:
    service: PpidService = ppid_service(app)
    if clock is not None:
        service = PpidService(service.db, service.processes, service.settings, clock=clock)
    form = RequestForm(**{**GOOD_REQUEST, **changes})
    submitted = service.submit_request(form, service.new_form_token())
    with db_of(app).session() as session:
        return session.get(InformationRequest, submitted.id)


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_a_request_gets_its_number_at_once_and_runs_on_the_legal_clock(app):
    citizen = Citizen(app)
    response = citizen.post("/publik/permohonan", GOOD_REQUEST)
    assert response.status_code == 303
    page = citizen.get(response.headers["Location"]).get_data(as_text=True)
    nomor = re.search(r'data-testid="nomor-pendaftaran">([^<]+)<', page).group(1)
    assert re.fullmatch(r"001/PPID-ADPIM/[IVX]+/\d{4}", nomor)
    with db_of(app).session() as session:
        row = session.scalar(select(InformationRequest).where(InformationRequest.nomor == nomor))
        case = session.get(ProcessInstance, row.instance_id)
        assert case.process_model.key == "ppid_permohonan_informasi" and case.unit.code if hasattr(case, "unit") else True
    # registration, then the PPID's check: its due time is the 10-working-day clock from receipt
    do(app, row.instance_id, "Langkah_1", PETUGAS)
    check = step(app, row.instance_id, "Langkah_2")
    assert check.due_at == row.due_at
    # an extension with written reasons moves the clock to 17 working days
    do(app, row.instance_id, "Langkah_2", PPID, keputusan="tidak", catatan="Informasi tersebar di tiga bidang")
    with db_of(app).session() as session:
        extended = session.get(InformationRequest, row.id)
    assert extended.diperpanjang and extended.alasan_perpanjangan == "Informasi tersebar di tiga bidang"
    assert extended.due_at > row.due_at
    assert step(app, row.instance_id, "Langkah_2a").due_at == extended.due_at
    status = citizen.post("/publik/status", {"nomor": nomor, "email": "SITI@contoh.id"})
    assert status.status_code == 303
    assert 'data-status="diperpanjang"' in citizen.get(status.headers["Location"]).get_data(as_text=True)
    do(app, row.instance_id, "Langkah_2a", PPID)
    do(app, row.instance_id, "Langkah_3", PPID, keputusan="ya", catatan="Informasi tersedia")
    page = citizen.get(status.headers["Location"]).get_data(as_text=True)
    assert 'data-status="diterima"' in page
    notice = citizen.get(f"/publik/status/{row.id}/pemberitahuan.pdf")
    text = pdf_text(notice.get_data())
    assert nomor in text and "PEMBERITAHUAN TERTULIS" in text and "DITERIMA" in text
    do(app, row.instance_id, "Langkah_4", PETUGAS)
    assert 'data-status="selesai"' in citizen.get(status.headers["Location"]).get_data(as_text=True)
    # a stranger without the e-mail learns nothing, not even that the number exists
    stranger = Citizen(app, "198.51.100.9")
    assert stranger.post("/publik/status", {"nomor": nomor, "email": "lain@contoh.id"}).status_code == 404
    assert stranger.get(f"/publik/status/{row.id}/pemberitahuan.pdf").status_code == 404


def test_numbers_are_distinct_under_concurrency_and_restart_each_year(sqlite_app):
    service = ppid_service(sqlite_app)
    numbers, errors = [], []

    def submit(i):
        try:
            numbers.append(service.submit_request(RequestForm(**{**GOOD_REQUEST, "nama": f"Pemohon {i}"}),
                                                  service.new_form_token()).nomor)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    assert sorted(int(n.split("/")[0]) for n in numbers) == [1, 2, 3, 4, 5, 6]
    next_year = file_request(sqlite_app, clock=lambda: datetime(2031, 1, 6, 2, tzinfo=timezone.utc))
    assert next_year.nomor == "001/PPID-ADPIM/I/2031"
    assert format_number("{tahun}-{bulan}-{seq:05d}-{unit}", 7, "BKD", datetime(2025, 4, 1, 3, tzinfo=timezone.utc)) \
        == "2025-IV-00007-BKD"


def test_a_refused_request_leads_to_an_objection_the_atasan_answers(sqlite_app):
    app = sqlite_app
    row = file_request(app)
    do(app, row.instance_id, "Langkah_1", PETUGAS)
    do(app, row.instance_id, "Langkah_2", PPID, keputusan="ya")
    do(app, row.instance_id, "Langkah_3", PPID, keputusan="tidak",
       catatan="Dikecualikan berdasarkan UU 14/2008 Pasal 17 huruf h (rahasia pribadi)")
    do(app, row.instance_id, "Langkah_5", PETUGAS)
    with db_of(app).session() as session:
        refused = session.get(InformationRequest, row.id)
    assert refused.keputusan == "ditolak" and refused.dasar_penolakan == "pasal17_h"
    citizen = Citizen(app)
    response = citizen.post("/publik/keberatan", {"nomor": row.nomor, "email": row.email, "alasan": ["a", "e"],
                                                  "uraian": "Informasi itu bukan rahasia pribadi."})
    assert response.status_code == 200, response.get_data(as_text=True)
    nomor = re.search(r'data-testid="nomor-keberatan">([^<]+)<', response.get_data(as_text=True)).group(1)
    with db_of(app).session() as session:
        objection = session.scalar(select(Objection).where(Objection.nomor == nomor))
    assert objection.alasan == "a,e"
    do(app, objection.instance_id, "Langkah_1", PPID)
    answer = step(app, objection.instance_id, "Langkah_2")
    assert answer.lane == "Atasan PPID" and answer.due_at == objection.due_at
    do(app, objection.instance_id, "Langkah_2", ATASAN, keputusan="ya", catatan="Keberatan diterima; informasi diberikan")
    with db_of(app).session() as session:
        answered = session.get(Objection, objection.id)
    assert answered.keputusan == "diterima" and answered.atasan_jabatan == "Atasan PPID"
    assert answered.atasan_nama == "Atasan PPID (ADPIM)"
    staff = Browser(app).login(PPID, PASSWORD)
    register = staff.get("/ppid/register/keberatan").get_data(as_text=True)
    assert nomor in register and row.nomor in register and "Atasan PPID (ADPIM), Atasan PPID" in register
    csv = staff.get("/ppid/register/keberatan?format=csv").get_data(as_text=True)
    assert nomor in csv and "diterima" in csv
    # a second objection with a wrong e-mail is refused with a clear message
    wrong = citizen.post("/publik/keberatan", {"nomor": row.nomor, "email": "x@contoh.id", "alasan": ["c"]})
    assert wrong.status_code == 422 and "tidak cocok" in wrong.get_data(as_text=True)


KNOWN = [  # (received UTC, decision, reason, extension, working days to the notice)
    (datetime(2025, 3, 3, 2, tzinfo=timezone.utc), "ya", "", False, datetime(2025, 3, 5, 3, tzinfo=timezone.utc)),
    (datetime(2025, 3, 24, 2, tzinfo=timezone.utc), "tidak", "Pasal 17 huruf h: rahasia pribadi", False,
     datetime(2025, 4, 9, 3, tzinfo=timezone.utc)),
    (datetime(2025, 5, 5, 2, tzinfo=timezone.utc), "tidak", "Informasi tidak dikuasai Biro", True,
     datetime(2025, 5, 9, 3, tzinfo=timezone.utc)),
    (datetime(2025, 6, 2, 2, tzinfo=timezone.utc), "tidak", "Dikecualikan Pasal 17 huruf h", False,
     datetime(2025, 6, 3, 3, tzinfo=timezone.utc)),
    (datetime(2025, 7, 1, 2, tzinfo=timezone.utc), None, "", False, None),
]


def test_register_and_annual_report_numbers_match_known_outcomes(sqlite_app):
    app = sqlite_app
    processes = app.extensions["alur"].processes
    rows = []
    for received, decision, reason, extend, noticed in KNOWN:
        row = file_request(app, clock=lambda received=received: received)
        do(app, row.instance_id, "Langkah_1", PETUGAS)
        if decision is not None:
            processes.clock = lambda noticed=noticed: noticed
            try:
                do(app, row.instance_id, "Langkah_2", PPID, **({"keputusan": "tidak", "catatan": "Perlu koordinasi"}
                                                               if extend else {"keputusan": "ya"}))
                if extend:
                    do(app, row.instance_id, "Langkah_2a", PPID)
                do(app, row.instance_id, "Langkah_3", PPID, keputusan=decision, catatan=reason)
            finally:
                processes.clock = __import__("engine.timeutil", fromlist=["utcnow"]).utcnow
        rows.append(row)
    other_year = file_request(app, clock=lambda: datetime(2024, 12, 30, 2, tzinfo=timezone.utc))
    service = ppid_service(app)  # an objection three working days after the refusal of 9 April
    objecting = PpidService(service.db, service.processes, service.settings,
                            clock=lambda: datetime(2025, 4, 14, 2, tzinfo=timezone.utc))
    objecting.submit_objection(rows[1].nomor, rows[1].email, ["a"], "", objecting.new_form_token())
    with db_of(app).session() as session:
        report = annual_report(session, 2025)
    assert (report.received, report.granted, report.refused, report.pending, report.extended) == (5, 1, 3, 1, 1)
    assert report.refused_by_ground == {"pasal17_h": 2, "tidak_dikuasai": 1}
    # 3 Mar -> 5 Mar: 2; 24 Mar -> 9 Apr: 10 (Nyepi, Idul Fitri and cuti bersama? only national holidays
    # by default: 29 Mar Nyepi (Sat), 31 Mar - 1 Apr Idul Fitri); 5 May -> 9 May: 4; 2 Jun -> 3 Jun: 1
    assert report.maximum_days == 10 and report.average_days == round((2 + 10 + 4 + 1) / 4, 1)
    assert report.objections == 1 and report.objections_by_ground == {"a": 1}
    staff = Browser(app).login(PPID, PASSWORD)
    page = staff.get("/ppid/laporan-tahunan?tahun=2025").get_data(as_text=True)
    assert 'data-testid="received">5<' in page and 'data-testid="refused">3<' in page
    assert 'data-testid="maximum">10<' in page
    register = staff.get("/ppid/register/permohonan?tahun=2025&keputusan=ditolak").get_data(as_text=True)
    assert 'data-testid="register-total">3 permohonan' in register and other_year.nomor not in register
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(staff.client.get("/ppid/register/permohonan?tahun=2025&format=xlsx").get_data()))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][0] == "Nomor pendaftaran" and len(values) == 6
    assert staff.get("/ppid/register/permohonan?tahun=2024").get_data(as_text=True).count("data-nomor=") == 1
    # not a PPID role: the registers do not exist for them
    outsider = Browser(app).login("bkd.jfu", PASSWORD)
    assert outsider.get("/ppid/register/permohonan").status_code == 404


def test_refusal_grounds_are_read_from_the_reason():
    assert refusal_ground("Dikecualikan Pasal 17 huruf b UU 14/2008") == "pasal17_b"
    assert refusal_ground("pasal 17 (j) undang-undang lain") == "pasal17_j"
    assert refusal_ground("Informasi tidak dikuasai") == "tidak_dikuasai"
    assert refusal_ground("dikuasai badan publik lain: BPS") == "badan_lain"
    assert refusal_ground("alasan lain") == "lainnya"


# -- bad input -------------------------------------------------------------------------------------

def count_requests(app) -> int:
    with db_of(app).session() as session:
        return session.scalar(select(func.count(InformationRequest.id)))


def test_bad_input_gets_a_clear_message_and_stores_nothing(sqlite_app):
    app = sqlite_app
    citizen = Citizen(app)
    cases = [
        ({"nik": ""}, "nik", "NIK wajib diisi"),
        ({"nik": "62710101019000"}, "nik", "tepat 16 digit"),
        ({"email": "bukan-email"}, "email", "e-mail tidak valid"),
        ({"nama": "<script>alert(1)</script>"}, "nama", "tag HTML"),
        ({"rincian": '<img src=x onerror="alert(1)">'}, "rincian", "tag HTML"),
        ({"cara_memperoleh": "teleportasi"}, "cara_memperoleh", "Pilih cara memperoleh"),
    ]
    for change, field, message in cases:
        response = citizen.post("/publik/permohonan", {**GOOD_REQUEST, **change})
        page = response.get_data(as_text=True)
        assert response.status_code == 422, change
        assert f'data-field="{field}"' in page and message in page, change
        assert "<script>alert(1)</script>" not in page and 'onerror="alert(1)"' not in page
    assert count_requests(app) == 0
    # a quote and an ampersand are ordinary text: stored and shown escaped
    ok = citizen.post("/publik/permohonan", {**GOOD_REQUEST, "tujuan": 'Riset "A & B"'})
    assert ok.status_code == 303
    assert count_requests(app) == 1
    # so is a "<" that opens no tag
    also = Citizen(app).post("/publik/permohonan", {**GOOD_REQUEST, "nik": "6271010101900002",
                                                    "tujuan": "Anggaran < Rp 5 juta dan nilai 3<5"})
    assert also.status_code == 303, also.get_data(as_text=True)
    assert count_requests(app) == 2


def test_a_double_submit_stores_once(sqlite_app):
    citizen = Citizen(sqlite_app)
    hidden = citizen.hidden("/publik/permohonan")
    first = citizen.post("/publik/permohonan", GOOD_REQUEST, hidden=hidden)
    second = citizen.post("/publik/permohonan", GOOD_REQUEST, hidden=hidden)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count_requests(sqlite_app) == 1
    with db_of(sqlite_app).session() as session:
        assert session.scalar(select(func.count(ProcessInstance.id))) == 1
        assert session.scalar(select(func.count(FormSubmission.id))) == 1


def test_spam_guards_honeypot_fill_time_and_flood(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'flood.db'}")
    Base.metadata.create_all(db.engine)
    app = ppid_app(db, tmp_path, ALUR_PUBLIC_RATE_LIMIT=(5, 600), ALUR_PUBLIC_MIN_FILL_SECONDS=60)
    citizen = Citizen(app, "192.0.2.50")
    too_fast = citizen.post("/publik/permohonan", GOOD_REQUEST)
    assert too_fast.status_code == 400 and "terlalu cepat" in too_fast.get_data(as_text=True)
    bot = citizen.post("/publik/permohonan", {**GOOD_REQUEST, "situs_web": "http://spam.example"})
    assert bot.status_code == 400 and "program otomatis" in bot.get_data(as_text=True)
    forged = citizen.post("/publik/permohonan", {**GOOD_REQUEST, "dimulai": "1700000000"})
    assert forged.status_code == 400 and "Muat ulang" in forged.get_data(as_text=True)
    statuses = [citizen.post("/publik/permohonan", GOOD_REQUEST).status_code for _ in range(5)]
    assert statuses[-1] == 429 and 429 in statuses
    assert "Terlalu banyak pengiriman" in citizen.post("/publik/permohonan", GOOD_REQUEST).get_data(as_text=True)
    assert count_requests(app) == 0
    # another address is not affected by this one's flood
    other = Citizen(app, "192.0.2.51").post("/publik/permohonan", GOOD_REQUEST)
    assert other.status_code == 400 and "terlalu cepat" in other.get_data(as_text=True)
    db.dispose()


def test_the_ppid_decision_says_tidak_not_return_for_correction(app):
    """Refusing a request or extending its clock sends nothing back: the button must not say so."""
    row = file_request(app)
    do(app, row.instance_id, "Langkah_1", PETUGAS)
    ppid = Browser(app).login(PPID, PASSWORD)
    page = ppid.get(f"/tugas/{step(app, row.instance_id, 'Langkah_2').id}").get_data(as_text=True)
    assert 'value="tidak" class="danger">Tidak</button>' in page
    assert "kembalikan untuk perbaikan" not in page and "wajib bila memilih Tidak" in page
    task_id = step(app, row.instance_id, "Langkah_2").id
    refused = ppid.client.post(f"/tugas/{task_id}", data={**ppid.task_form(task_id), "keputusan": "tidak", "alasan": ""})
    assert "Alasan wajib diisi bila memilih Tidak." in refused.get_data(as_text=True)
    # the extension that a Tidak leads to is a step forward, not a task returned for correction
    do(app, row.instance_id, "Langkah_2", PPID, keputusan="tidak", catatan="Informasi sedang dihimpun dari bidang")
    extension = step(app, row.instance_id, "Langkah_2a")
    assert extension.return_note is None
    assert "Dikembalikan" not in ppid.get("/tugas").get_data(as_text=True)
    assert "Dikembalikan" not in ppid.get(f"/tugas/{extension.id}").get_data(as_text=True)


def test_an_objection_after_thirty_working_days_from_the_notice_is_refused(sqlite_app):
    """Pasal 36 ayat 1: the applicant has 30 working days from the written notice to object."""
    app = sqlite_app
    row = file_request(app)
    do(app, row.instance_id, "Langkah_1", PETUGAS)
    do(app, row.instance_id, "Langkah_2", PPID, keputusan="ya")
    do(app, row.instance_id, "Langkah_3", PPID, keputusan="tidak", catatan="Dikecualikan: Pasal 17 huruf h")
    with db_of(app).session() as session:
        notice_at = session.get(InformationRequest, row.id).notice_at
    assert notice_at is not None
    service = ppid_service(app)
    deadline = service.objection_deadline(service.get_request(row.id), notice_at, ["a"])
    assert 42 <= (deadline - notice_at).days <= 60  # 30 working days: six weeks plus holidays
    late = PpidService(service.db, service.processes, service.settings, clock=lambda: deadline + timedelta(days=1))
    with pytest.raises(InvalidForm) as refused:
        late.submit_objection(row.nomor, row.email, ["a"], "Informasi itu bukan rahasia pribadi.", late.new_form_token())
    assert "Pasal 36 ayat 1" in refused.value.fields["nomor"] and \
        format_tanggal(deadline.astimezone(WIB).date()) in refused.value.fields["nomor"]
    with db_of(app).session() as session:
        assert session.scalar(select(func.count(Objection.id))) == 0
    in_time = PpidService(service.db, service.processes, service.settings, clock=lambda: deadline - timedelta(hours=1))
    assert in_time.submit_objection(row.nomor, row.email, ["a"], "Informasi itu bukan rahasia pribadi.",
                                    in_time.new_form_token()).nomor


def test_an_objection_is_open_while_the_request_is_still_being_served(sqlite_app):
    """Before any notice and before its due date, grounds such as a fee can arise: no deadline yet."""
    row = file_request(sqlite_app)
    service = ppid_service(sqlite_app)
    request = service.get_request(row.id)
    assert all(service.objection_deadline(request, row.received_at, [ground]) is None for ground in "abcdefg")


def test_the_objection_clock_starts_when_its_own_ground_became_known(sqlite_app):
    """An accepted request not yet delivered can still go unfulfilled or late: no limit on those grounds
    until the information is delivered; then 30 working days from the delivery."""
    app = sqlite_app
    row = file_request(app)
    do(app, row.instance_id, "Langkah_1", PETUGAS)
    do(app, row.instance_id, "Langkah_2", PPID, keputusan="ya")
    do(app, row.instance_id, "Langkah_3", PPID, keputusan="ya", catatan="Informasi tersedia")
    service = ppid_service(app)
    accepted = service.get_request(row.id)
    months_later = accepted.notice_at + timedelta(days=120)
    assert service.objection_deadline(accepted, months_later, ["e"]) is None
    assert service.objection_deadline(accepted, months_later, ["g"]) is None
    do(app, row.instance_id, "Langkah_4", PETUGAS)
    delivered = service.get_request(row.id)
    deadline = service.objection_deadline(delivered, months_later, ["g"])
    assert deadline is not None and 42 <= (deadline - delivered.delivered_at).days <= 60
    assert service.objection_deadline(delivered, months_later, ["b", "g"]) is None  # b is a continuing failure
