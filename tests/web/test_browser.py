"""Whole cases of the seed SOPs in a real Chromium, each officer logging in on their own.

The app runs in a werkzeug server thread on 127.0.0.1 with a SQLite database in tmp_path;
Playwright drives Debian's /usr/bin/chromium (no `playwright install`).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from engine.db import Base, Database
from engine.demo import DEMO_PASSWORD
from tests.browser_fixtures import live_server
from tests.conftest import BPMN_DIR
from tests.web.conftest import make_app, seed_web_data

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SOP_000 = "sop_000_permohonan_informasi_publik"
SOP_002 = "sop_002_maklumat_pelayanan_informasi"


@pytest.fixture
def server(tmp_path):
    assert (BPMN_DIR / f"{SOP_000}.bpmn").exists() and (BPMN_DIR / f"{SOP_002}.bpmn").exists()
    db = Database(f"sqlite:///{tmp_path / 'alur.db'}")
    Base.metadata.create_all(db.engine)
    seed_web_data(db)
    with live_server(make_app(db, tmp_path)) as base:
        yield base
    db.dispose()


@pytest.fixture
def chromium(browser):
    return browser


class Officer:
    """One user in a browser context of their own."""

    def __init__(self, chromium, base: str, username: str):
        self.base, self.username = base, username
        self.context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(f"{base}/masuk")
        self.page.fill("#username", username)
        self.page.fill("#password", DEMO_PASSWORD)
        self.page.click("button:has-text('Masuk')")
        expect(self.page.locator("h1")).to_have_text("Kotak tugas")

    def start(self, key: str) -> int:
        self.page.goto(f"{self.base}/mulai")
        self.page.click(f"tr[data-process='{key}'] button:has-text('Mulai')")
        expect(self.page.locator("[data-testid=case-status]")).to_contain_text("Berjalan")
        return int(re.search(r"/kasus/(\d+)$", self.page.url).group(1))

    def open_task(self, case_id: int, step: str) -> None:
        self.page.goto(f"{self.base}/tugas")
        row = self.page.locator("tr[data-task-id]", has=self.page.locator(f"a[href='/kasus/{case_id}']"))
        expect(row).to_have_count(1)
        expect(row.locator("td").nth(2)).to_have_text(step)
        row.locator("td").nth(3).locator("a").click()
        expect(self.page.locator("h1")).to_contain_text(f"Langkah {step}:")

    def tick_all(self) -> None:
        boxes = self.page.locator("input[name=kelengkapan]")
        assert boxes.count() >= 1
        for i in range(boxes.count()):
            boxes.nth(i).check()

    def complete(self, case_id: int, step: str, button: str = "Selesaikan langkah", reason: str = "") -> None:
        self.open_task(case_id, step)
        self.tick_all()
        if reason:
            self.page.fill("#alasan", reason)
        self.page.click(f"button:has-text('{button}')")
        expect(self.page.locator(".flash.success")).to_contain_text(f"Langkah {step}")

    def logout(self) -> None:
        self.page.click("button:has-text('Keluar')")
        expect(self.page.locator(".flash")).to_contain_text("Anda telah keluar.")
        assert not self.errors, self.errors
        self.context.close()


def test_a_whole_case_of_sop_000_through_three_lanes(server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    jfu = Officer(chromium, server, "bkd.jfu")
    case_id = jfu.start(SOP_000)
    jfu.page.goto(f"{server}/tugas")
    jfu.page.screenshot(path=str(ARTIFACTS / "inbox.png"), full_page=True)
    jfu.open_task(case_id, "1")
    jfu.page.screenshot(path=str(ARTIFACTS / "task.png"), full_page=True)
    # the server refuses an incomplete checklist even when the browser sends it
    jfu.page.click("button:has-text('Selesaikan langkah')")
    expect(jfu.page.locator("p.error")).to_contain_text("Kelengkapan belum dicentang")
    jfu.tick_all()
    jfu.page.fill("#catatan", "Bahan dari tiap bidang sudah terkumpul")
    jfu.page.click("button:has-text('Selesaikan langkah')")
    expect(jfu.page.locator(".flash.success")).to_contain_text("Langkah 1")
    jfu.logout()

    for username, step in (("bkd.kepala-bidang", "2"), ("bkd.kepala-badan", "3"), ("bkd.kepala-bidang", "4")):
        officer = Officer(chromium, server, username)
        officer.complete(case_id, step)
        officer.logout()

    jfu = Officer(chromium, server, "bkd.jfu")
    jfu.complete(case_id, "5")
    expect(jfu.page.locator(".flash.success")).to_contain_text("Kasus selesai")
    jfu.page.goto(f"{server}/kasus/{case_id}")
    expect(jfu.page.locator("[data-testid=case-status]")).to_contain_text("Selesai")
    expect(jfu.page.locator("#diagram[data-ready=true]")).to_have_count(1)
    expect(jfu.page.locator(".djs-element.alur-done")).to_have_count(5)
    timeline = jfu.page.locator("[data-testid=timeline]")
    expect(timeline).to_contain_text("Bahan dari tiap bidang sudah terkumpul")
    for username in ("bkd.jfu", "bkd.kepala-bidang", "bkd.kepala-badan"):
        expect(timeline).to_contain_text(username)
    jfu.logout()


def test_sop_002_returned_with_a_reason_then_approved(server, chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    ppid = Officer(chromium, server, "bpod.ppid-pelaksana")
    case_id = ppid.start(SOP_002)
    ppid.complete(case_id, "1")
    ppid.logout()

    atasan = Officer(chromium, server, "bpod.atasan-ppid")
    atasan.open_task(case_id, "2")
    atasan.tick_all()
    atasan.page.click("button:has-text('Tidak, kembalikan untuk perbaikan')")
    expect(atasan.page.locator("p.error")).to_contain_text("Alasan wajib diisi")
    atasan.tick_all()
    atasan.page.fill("#alasan", "Cantumkan jam layanan dan biaya salinan")
    atasan.page.click("button:has-text('Tidak, kembalikan untuk perbaikan')")
    expect(atasan.page.locator(".flash.success")).to_contain_text("Langkah 2")
    atasan.logout()

    ppid = Officer(chromium, server, "bpod.ppid-pelaksana")
    expect(ppid.page.locator("tr[data-task-id]")).to_contain_text("Dikembalikan")
    ppid.open_task(case_id, "1")
    expect(ppid.page.locator("[data-testid=return-note]")).to_contain_text("Cantumkan jam layanan dan biaya salinan")
    ppid.tick_all()
    ppid.page.click("button:has-text('Selesaikan langkah')")
    ppid.logout()

    atasan = Officer(chromium, server, "bpod.atasan-ppid")
    atasan.complete(case_id, "2", button="Ya")
    atasan.logout()

    ppid = Officer(chromium, server, "bpod.ppid-pelaksana")
    ppid.page.goto(f"{server}/kasus/{case_id}")
    expect(ppid.page.locator("#diagram[data-ready=true]")).to_have_count(1)
    expect(ppid.page.locator(".djs-element.alur-current")).to_have_count(1)
    ppid.complete(case_id, "3")
    expect(ppid.page.locator(".flash.success")).to_contain_text("Kasus selesai")
    ppid.page.goto(f"{server}/kasus/{case_id}")
    expect(ppid.page.locator("#diagram[data-ready=true]")).to_have_count(1)
    timeline = ppid.page.locator("[data-testid=timeline]")
    expect(timeline).to_contain_text("Cantumkan jam layanan dan biaya salinan")
    expect(timeline).to_contain_text("keputusan Tidak")
    expect(timeline).to_contain_text("keputusan Ya")
    ppid.page.screenshot(path=str(ARTIFACTS / "case.png"), full_page=True)
    ppid.logout()
