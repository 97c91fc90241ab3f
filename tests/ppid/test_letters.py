"""Letters to applicants: queued with each change of their request or objection, mailed once each."""
from __future__ import annotations

import html
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.calendar_format import format_tanggal
from engine.ppid.letters import mask_email, send_letters
from engine.ppid.models import ApplicantEmail, InformationRequest, Objection
from engine.ppid.service import InvalidForm, RequestForm
from engine.timeutil import utcnow
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
    unwritable = letters(app)[0]
    assert broken.nomor and unwritable.emailed_at is None and unwritable.failed_at is not None
    assert unwritable.failure.startswith("not sent: ")


def test_a_refused_address_fails_that_letter_only_and_a_deferred_one_is_sent_on_a_later_run(app, smtp_server, caplog):
    siti = file_request(app)  # a mistyped address: refused for good
    budi = file_request(app, nama="Budi Santoso", email="budi@contoh.go.id")  # greylisted: refused for now
    ani = file_request(app, nama="Ani Lestari", email="ani@contoh.id")
    mailbox, port = smtp_server(refuse=siti.email, defer=budi.email)
    first, later = utcnow(), utcnow() + timedelta(minutes=1)
    with caplog.at_level(logging.WARNING, logger="engine.mailer"):
        assert send_letters(db_of(app), config(port), first) == 1
    assert [recipients for _, recipients, _ in mailbox.messages] == [[ani.email]]
    refused, deferred, accepted = letters(app)
    assert (refused.emailed_at, refused.failed_at, refused.failure) == (None, first, "550 5.1.1 mailbox unavailable")
    assert (deferred.emailed_at, deferred.failed_at, deferred.failure) == (None, None, None)
    assert accepted.emailed_at == first and accepted.failed_at is None
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("550 5.1.1 mailbox unavailable" in line for line in warnings)
    assert any("451 4.7.1" in line for line in warnings)
    mailbox.defer = ""  # the greylisting server accepts it now
    assert send_letters(db_of(app), config(port), later) == 1
    assert [recipients for _, recipients, _ in mailbox.messages] == [[ani.email], [budi.email]]
    assert send_letters(db_of(app), config(port), later) == 0
    refused, deferred, _ = letters(app)
    assert refused.failed_at == first and refused.emailed_at is None  # not tried again
    assert deferred.emailed_at == later and deferred.failed_at is None


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


def test_the_status_page_shows_a_refused_letter_as_not_sent_without_the_servers_reply(app, smtp_server):
    siti = file_request(app, email="siti@contoh-keliru.id")
    mailbox, port = smtp_server(refuse=siti.email)
    assert send_letters(db_of(app), config(port)) == 0
    do(app, siti.instance_id, "Langkah_1", PETUGAS)
    do(app, siti.instance_id, "Langkah_2", PPID, keputusan="tidak", catatan="Informasi tersebar di tiga bidang")
    page = status_page(Citizen(app), siti)
    shown = re.findall(r'<tr data-testid="letter" data-state="(\w+)">(.*?)</tr>', page, re.S)
    [refused] = letters(app)[:1]
    assert [state for state, _ in shown] == ["gagal", "menunggu"]
    assert f"Gagal dikirim</strong> {format_tanggal(refused.failed_at)}" in shown[0][1]
    assert "Terkirim" not in page and "Menunggu dikirim" in shown[1][1]
    [explanation] = re.findall(r'<p data-testid="letter-failed">(.*?)</p>', page, re.S)
    assert "ditolak" in explanation and "meja layanan informasi PPID" in explanation
    assert "550" not in page and "mailbox" not in page and "not sent" not in page


def test_the_objection_link_appears_once_a_ground_can_have_arisen(app):
    """Not while the request is inside its time; once its due date passes unanswered (Pasal 35 huruf c),
    and after a decision (whichever it was: grounds d to g concern what was given)."""
    row = file_request(app)
    citizen = Citizen(app)
    page = status_page(citizen, row)
    assert 'data-testid="objection-link"' not in page
    assert 'data-testid="email-off"' in page and "dikirim otomatis" not in page  # e-mail is off in this app
    with db_of(app).session() as session:
        session.get(InformationRequest, row.id).due_at = utcnow() - timedelta(hours=1)
    page = status_page(citizen, row)
    assert 'data-testid="objection-link"' in page and "belum ditanggapi dalam jangka waktunya" in page
    answered = file_request(app, nik="6271010101900003")
    do(app, answered.instance_id, "Langkah_1", PETUGAS)
    do(app, answered.instance_id, "Langkah_2", PPID, keputusan="ya")
    do(app, answered.instance_id, "Langkah_3", PPID, keputusan="ya")
    page = status_page(Citizen(app), answered)
    assert 'data-testid="objection-link"' in page and "belum ditanggapi" not in page
