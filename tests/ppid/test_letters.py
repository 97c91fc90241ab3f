"""Letters to applicants: queued with each change of their request or objection, mailed once each."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from engine.calendar_format import format_tanggal
from engine.ppid.letters import mask_email, send_letters
from engine.ppid.models import ApplicantEmail, Objection
from engine.ppid.service import InvalidForm, RequestForm
from tests.ppid.conftest import GOOD_REQUEST, Citizen
from tests.ppid.test_requests import ATASAN, PETUGAS, PPID, db_of, do, file_request, ppid_service
from tests.services import free_port
from tests.smtp_fixtures import config, smtp_server, subject  # noqa: F401  (smtp_server: a fixture)


def letters(app) -> list[ApplicantEmail]:
    with db_of(app).session() as session:
        return list(session.scalars(select(ApplicantEmail).order_by(ApplicantEmail.id)))


def refused_with_objection_answered(app):
    row = file_request(app)
    do(app, row.instance_id, "Langkah_1", PETUGAS)
    do(app, row.instance_id, "Langkah_2", PPID, keputusan="tidak", catatan="Informasi tersebar di tiga bidang")
    do(app, row.instance_id, "Langkah_2a", PPID)
    do(app, row.instance_id, "Langkah_3", PPID, keputusan="tidak", catatan="Dikecualikan: Pasal 17 huruf h")
    service = ppid_service(app)
    submitted = service.submit_objection(row.nomor, row.email, ["a"], "Bukan rahasia pribadi.", service.new_form_token())
    with db_of(app).session() as session:
        objection = session.get(Objection, submitted.id)
    do(app, objection.instance_id, "Langkah_1", PPID)
    do(app, objection.instance_id, "Langkah_2", ATASAN, keputusan="ya", catatan="Informasi diberikan")
    return row, objection


def test_each_change_queues_one_letter_and_each_letter_is_mailed_once(app, smtp_server):
    row, objection = refused_with_objection_answered(app)
    queued = letters(app)
    assert [letter.kind for letter in queued] == ["permohonan_diterima", "permohonan_diperpanjang",
                                                  "pemberitahuan_tertulis", "keberatan_diterima",
                                                  "keberatan_ditanggapi"]
    assert {letter.to for letter in queued} == {row.email}
    refusal = queued[2]
    assert row.nomor in refusal.subject and "ditolak" in refusal.subject
    assert "Pasal 17 huruf h" in refusal.body and "keberatan" in refusal.body and "30 hari kerja" in refusal.body
    assert objection.nomor in queued[4].subject and "Komisi Informasi" in queued[4].body
    mailbox, port = smtp_server()
    assert send_letters(db_of(app), config(port)) == 5
    assert [subject(message) for _, _, message in mailbox.messages] == [letter.subject for letter in queued]
    assert all(recipients == [row.email] for _, recipients, _ in mailbox.messages)
    assert "https://alur.kalteng.go.id/publik/status" in mailbox.messages[0][2].get_payload(decode=True).decode()
    assert send_letters(db_of(app), config(port)) == 0 and len(mailbox.messages) == 5


def test_a_mail_server_down_keeps_the_letters_due(app, smtp_server):
    file_request(app)
    try:
        send_letters(db_of(app), config(free_port()))
    except OSError:
        pass
    else:
        raise AssertionError("sending to a closed port must fail")
    assert [letter.emailed_at for letter in letters(app)] == [None]
    mailbox, port = smtp_server()
    assert send_letters(db_of(app), config(port)) == 1 and len(mailbox.messages) == 1


def test_a_name_with_a_line_break_is_refused_at_the_form(app):
    service = ppid_service(app)
    with pytest.raises(InvalidForm) as refused:
        service.submit_request(RequestForm(**{**GOOD_REQUEST, "nama": "Siti\r\nBcc: semua@contoh.id"}),
                               service.new_form_token())
    assert "baris baru" in refused.value.fields["nama"]
    multi_line = RequestForm(**{**GOOD_REQUEST, "alamat": "Jl. Tjilik Riwut km 5\r\nPalangka Raya"})
    assert service.submit_request(multi_line, service.new_form_token()).nomor  # CRLF of a textarea is fine


def test_a_letter_that_cannot_be_written_does_not_hold_up_the_others(app, smtp_server):
    broken, fine = file_request(app), file_request(app)
    with db_of(app).session() as session:  # rows written before the form refused line breaks
        first, second = session.scalars(select(ApplicantEmail).order_by(ApplicantEmail.id)).all()
        first.to = "siti@contoh.id\nBcc: semua@contoh.id"
        second.full_name = "Budi\r\nSantoso"
    mailbox, port = smtp_server()
    assert send_letters(db_of(app), config(port)) == 1
    [(_, recipients, message)] = mailbox.messages
    assert recipients == [fine.email] and message["To"] == f"Budi Santoso <{fine.email}>"
    assert send_letters(db_of(app), config(port)) == 0  # the unwritable one is not retried every minute
    assert broken.nomor


def status_page(citizen, row) -> str:
    response = citizen.post("/publik/status", {"nomor": row.nomor, "email": row.email})
    assert response.status_code == 303
    return citizen.get(response.headers["Location"]).get_data(as_text=True)


def test_the_status_page_lists_the_letters_of_that_request_only_with_the_address_masked(app, smtp_server):
    siti = file_request(app)
    mailbox, port = smtp_server()
    assert send_letters(db_of(app), config(port)) == 1
    do(app, siti.instance_id, "Langkah_1", PETUGAS)
    do(app, siti.instance_id, "Langkah_2", PPID, keputusan="tidak", catatan="Informasi tersebar di tiga bidang")
    budi = file_request(app, nama="Budi Santoso", email="budi@contoh.go.id")
    citizen = Citizen(app)
    budi_page = status_page(citizen, budi)  # the same visitor may check several requests in one session
    assert budi.nomor in budi_page and "b***@contoh.go.id" in budi_page and budi.email not in budi_page
    page = status_page(citizen, siti)
    shown = re.findall(r'<tr data-testid="letter" data-state="(\w+)">(.*?)</tr>', page, re.S)
    registered, extended = [letter for letter in letters(app) if letter.request_id == siti.id]
    assert [state for state, _ in shown] == ["terkirim", "menunggu"]
    assert "Permohonan terdaftar" in shown[0][1] and html.escape(registered.subject) in shown[0][1]
    assert format_tanggal(registered.created_at) in shown[0][1]
    assert f"Terkirim {format_tanggal(registered.emailed_at)}" in shown[0][1]
    assert "diperpanjang" in shown[1][1] and html.escape(extended.subject) in shown[1][1]
    assert "Menunggu dikirim" in shown[1][1]
    assert all("s***@contoh.id" in cells for _, cells in shown)
    assert siti.email not in page.casefold()
    # Budi's letter is never on Siti's page, nor reachable without Budi's e-mail
    assert budi.nomor not in page and "b***@" not in page
    stranger = Citizen(app, "198.51.100.9")
    assert status_page(stranger, siti).count('data-testid="letter"') == 2
    other = stranger.get(f"/publik/status?permohonan={budi.id}").get_data(as_text=True)
    assert budi.nomor not in other and 'data-testid="letter"' not in other


def test_addresses_are_masked_to_their_first_letter_and_domain():
    assert mask_email("budi@contoh.go.id") == "b***@contoh.go.id"
    assert mask_email(" a@b.id ") == "a***@b.id"
    assert mask_email("tanpa-at") == "***" and mask_email("@contoh.id") == "***"
