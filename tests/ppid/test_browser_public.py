"""The public side in a real Chromium: a citizen files a request and gets the number, the PPID
handles it in the inbox, the notice PDF names the number, the citizen sees the status change, the
refusal leads to an objection the Atasan PPID answers; a lapsing deadline shows in the inbox and
on the SLA page."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pdfplumber
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.closures import calendar_from_db
from engine.db import Base, Database
from engine.models import HumanTask
from engine.ppid.service import PpidService, RequestForm
from tests.browser_fixtures import live_server
from tests.ppid.conftest import GOOD_REQUEST, ppid_app
from tests.web.test_browser import ARTIFACTS, Officer

PETUGAS, PPID, ATASAN = "adpim.petugas-pelayanan-informasi", "adpim.ppid", "adpim.atasan-ppid"


@pytest.fixture
def site(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'alur.db'}")
    Base.metadata.create_all(db.engine)
    app = ppid_app(db, tmp_path, ALUR_PUBLIC_MIN_FILL_SECONDS=1)
    with live_server(app) as base:
        yield base, app
    db.dispose()


def fill_request(page, base: str) -> str:
    page.goto(f"{base}/publik/permohonan")
    page.select_option("#f-unit", "ADPIM")
    for name in ("nama", "alamat", "nik", "email", "telepon", "pekerjaan", "rincian", "tujuan"):
        page.fill(f"#f-{name}", GOOD_REQUEST[name])
    page.check("input[name=cara_memperoleh][value=salinan_softcopy]")
    page.check("input[name=cara_menyampaikan][value=email]")
    page.wait_for_timeout(1100)  # a person takes longer than the minimum fill time
    page.click("button:has-text('Kirim permohonan')")
    number = page.locator("[data-testid=nomor-pendaftaran]")
    expect(number).to_have_text(re.compile(r"^\d{3}/PPID-ADPIM/[IVX]+/\d{4}$"))
    return number.inner_text()


def test_request_refused_objection_answered(site, browser):
    base, _app = site
    ARTIFACTS.mkdir(exist_ok=True)
    citizen = browser.new_context(locale="id-ID")
    page = citizen.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # keyboard only: the skip link and the first field are reachable with Tab
    page.goto(f"{base}/publik/permohonan")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    nomor = fill_request(page, base)
    page.screenshot(path=str(ARTIFACTS / "publik-bukti.png"), full_page=True)

    petugas = Officer(browser, base, PETUGAS)
    petugas.page.goto(f"{base}/tugas")
    row = petugas.page.locator("tr[data-task-id]", has_text=nomor)
    expect(row).to_have_count(1)
    case_id = int(re.search(r"/kasus/(\d+)", row.locator("a").first.get_attribute("href")).group(1))
    petugas.complete(case_id, "1")
    petugas.logout()

    ppid = Officer(browser, base, PPID)
    ppid.complete(case_id, "2", button="Ya")
    ppid.complete(case_id, "3", button="Tidak",
                  reason="Dikecualikan berdasarkan UU 14/2008 Pasal 17 huruf h: memuat rahasia pribadi")
    ppid.logout()

    page.goto(f"{base}/publik/status")
    page.fill("#f-nomor", nomor)
    page.fill("#f-email", GOOD_REQUEST["email"])
    page.click("button:has-text('Lihat status')")
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "ditolak")
    expect(page.locator("[data-testid=alasan]")).to_contain_text("Pasal 17 huruf h")
    with page.expect_response(lambda r: r.url.endswith("pemberitahuan.pdf")) as pdf_response:
        page.evaluate("href => fetch(href)", page.locator("[data-testid=notice-link]").get_attribute("href"))
    with pdfplumber.open(io.BytesIO(pdf_response.value.body())) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert nomor in text and "DITOLAK" in text and "Pasal 17 huruf h" in text

    page.click("a:has-text('Ajukan keberatan kepada Atasan PPID')")
    expect(page.locator("#f-nomor")).to_have_value(nomor)
    page.fill("#f-email", GOOD_REQUEST["email"])
    page.check("input[name=alasan][value=a]")
    page.fill("#f-uraian", "Informasi yang saya minta tidak memuat data pribadi.")
    page.wait_for_timeout(1100)
    page.click("button:has-text('Kirim keberatan')")
    objection = page.locator("[data-testid=nomor-keberatan]").inner_text()
    assert re.fullmatch(r"\d{3}/KEB-ADPIM/[IVX]+/\d{4}", objection)

    ppid = Officer(browser, base, PPID)
    ppid.page.goto(f"{base}/tugas")
    row = ppid.page.locator("tr[data-task-id]", has_text=objection)
    objection_case = int(re.search(r"/kasus/(\d+)", row.locator("a").first.get_attribute("href")).group(1))
    ppid.complete(objection_case, "1")
    ppid.logout()
    atasan = Officer(browser, base, ATASAN)
    atasan.open_task(objection_case, "2")
    expect(atasan.page.locator("dl.mutu")).to_contain_text("jatuh tempo")
    atasan.tick_all()
    atasan.page.fill("#catatan", "Keberatan diterima: informasi diberikan dengan data pribadi dihitamkan")
    atasan.page.click("button:has-text('Ya')")
    expect(atasan.page.locator(".flash.success")).to_contain_text("Langkah 2")
    atasan.logout()

    page.goto(f"{base}/publik/status")
    page.fill("#f-nomor", nomor)
    page.fill("#f-email", GOOD_REQUEST["email"])
    page.click("button:has-text('Lihat status')")
    expect(page.locator("[data-testid=objection]")).to_contain_text("Keberatan diterima")
    page.screenshot(path=str(ARTIFACTS / "publik-status.png"), full_page=True)

    staff = Officer(browser, base, PPID)
    staff.page.goto(f"{base}/ppid/register/keberatan")
    expect(staff.page.locator(f"tr[data-nomor='{objection}']")).to_contain_text("diterima")
    staff.page.goto(f"{base}/ppid/register/permohonan")
    expect(staff.page.locator(f"tr[data-nomor='{nomor}']")).to_contain_text("ditolak")
    staff.logout()
    assert not errors, errors
    citizen.close()


def test_a_lapsing_deadline_shows_in_the_inbox_and_on_the_sla_page(site, browser):
    base, app = site
    db, processes = app.extensions["alur"].db, app.extensions["alur"].processes
    with db.session() as session:
        calendar = calendar_from_db(session)
    today = datetime.now(timezone.utc)
    received_soon = datetime.combine(calendar.working_days_after(today.date(), -9), datetime.min.time(),
                                     timezone.utc) + timedelta(hours=2)
    received_late = datetime.combine(calendar.working_days_after(today.date(), -14), datetime.min.time(),
                                     timezone.utc) + timedelta(hours=2)
    numbers, cases = {}, {}
    for label, received in (("soon", received_soon), ("late", received_late)):
        service = PpidService(db, processes, clock=lambda received=received: received)
        submitted = service.submit_request(RequestForm(**GOOD_REQUEST), service.new_form_token())
        numbers[label] = submitted.nomor
        with db.session() as session:
            task = session.scalar(select(HumanTask).join(HumanTask.instance).where(
                HumanTask.state == "ready", HumanTask.instance.has(title=f"Permohonan informasi {submitted.nomor}")))
        processes.complete(task.id, PETUGAS)
        cases[label] = task.instance_id

    ppid = Officer(browser, base, PPID)
    ppid.page.goto(f"{base}/tugas")
    soon = ppid.page.locator("tr[data-task-id]", has_text=numbers["soon"])
    late = ppid.page.locator("tr[data-task-id]", has_text=numbers["late"])
    expect(soon).to_have_count(1)
    expect(soon.locator(".tag.late")).to_have_count(0)
    due_soon = calendar.working_days_after(received_soon.date(), 10)
    from web.filters import format_date
    expect(soon).to_contain_text(format_date(due_soon))
    expect(late.locator(".tag.late")).to_have_text("Terlambat")
    ppid.page.goto(f"{base}/tugas?sampai={due_soon.isoformat()}")
    expect(ppid.page.locator("tr[data-task-id]", has_text=numbers["soon"])).to_have_count(1)
    ppid.page.screenshot(path=str(ARTIFACTS / "publik-inbox-deadline.png"), full_page=True)
    ppid.logout()

    admin = Officer(browser, base, "admin")
    admin.page.goto(f"{base}/laporan/sla")
    overdue = admin.page.locator("[data-testid=sla-overdue] tr[data-task-id]")
    expect(overdue.filter(has_text=f"#{cases['late']}")).to_contain_text("Periksa penguasaan dan pengecualian")
    expect(overdue.filter(has_text=f"#{cases['soon']}")).to_have_count(0)
    admin.logout()
