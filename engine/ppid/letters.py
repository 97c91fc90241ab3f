"""E-mail to applicants: what happened to their request or objection, in Bahasa Indonesia.

A letter is queued (``queue_letter``) inside the transaction that makes the change it reports, so a
rolled-back change sends nothing and a committed one is never forgotten. The mail job of the worker
sends the queue with the same claim-then-send loop as the staff notifications (``send_letters``).
A letter carries the register number, the status and the staff's stated reasons (for a refusal, an
extension, an answer to an objection): the requested information itself is never mailed, and the
status page still asks for the number and e-mail before it shows anything, and lists there the
letters of that one request (``letters_of``) with the address masked. A letter the mail server
refuses for good (a mistyped address) is recorded as failed with the server's reply and shown as
such, never as sent; a temporary refusal leaves it queued for the next run.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.calendar_format import WIB, format_tanggal
from engine.db import Database
from engine.mailer import Outbox, SmtpConfig, send_claimed
from engine.ppid.models import ApplicantEmail, InformationRequest, Objection
from engine.timeutil import utcnow

SIGNATURE = "PPID Pemerintah Provinsi Kalimantan Tengah"
# What each kind of letter is about, as the status page names it.
KIND_LABELS = {"permohonan_diterima": "Permohonan terdaftar",
               "permohonan_diperpanjang": "Jangka waktu permohonan diperpanjang",
               "pemberitahuan_tertulis": "Pemberitahuan tertulis",
               "keberatan_diterima": "Keberatan terdaftar",
               "keberatan_ditanggapi": "Tanggapan atas keberatan"}


def _date(moment: datetime | None) -> str:
    return format_tanggal(moment.astimezone(WIB).date()) if moment else "-"


def _request_letter(kind: str, row: InformationRequest) -> tuple[str, list[str]]:
    if kind == "permohonan_diterima":
        return (f"Permohonan informasi {row.nomor} telah kami terima",
                [f"Permohonan informasi Anda telah terdaftar dengan nomor {row.nomor}.",
                 f"Pemberitahuan tertulis paling lambat {_date(row.due_at)} (10 hari kerja, UU 14/2008 Pasal 22)."])
    if kind == "permohonan_diperpanjang":
        return (f"Jangka waktu permohonan {row.nomor} diperpanjang",
                [f"Jangka waktu permohonan {row.nomor} diperpanjang 7 hari kerja (UU 14/2008 Pasal 22 ayat 8).",
                 f"Alasan: {row.alasan_perpanjangan or '-'}",
                 f"Pemberitahuan tertulis paling lambat {_date(row.due_at)}."])
    if row.keputusan == "ditolak":
        return (f"Pemberitahuan tertulis permohonan {row.nomor}: ditolak",
                [f"Permohonan informasi {row.nomor} ditolak. Alasan: {row.alasan_penolakan or '-'}",
                 "Anda dapat mengajukan keberatan kepada Atasan PPID paling lambat 30 hari kerja sejak "
                 "pemberitahuan ini (UU 14/2008 Pasal 35-36) melalui halaman Keberatan di portal."])
    return (f"Pemberitahuan tertulis permohonan {row.nomor}: diterima",
            [f"Permohonan informasi {row.nomor} diterima. Informasi sedang disiapkan untuk diserahkan."])


def _objection_letter(kind: str, objection: Objection) -> tuple[str, list[str]]:
    if kind == "keberatan_diterima":
        return (f"Keberatan {objection.nomor} telah kami terima",
                [f"Keberatan Anda telah terdaftar dengan nomor {objection.nomor}.",
                 f"Tanggapan Atasan PPID paling lambat {_date(objection.due_at)} (30 hari kerja, UU 14/2008 Pasal 36 ayat 2)."])
    result = "diterima" if objection.keputusan == "diterima" else "ditolak"
    return (f"Tanggapan atas keberatan {objection.nomor}: {result}",
            [f"Atasan PPID telah menanggapi keberatan {objection.nomor}: keberatan {result}.",
             f"Tanggapan: {objection.tanggapan or '-'}",
             "Bila tidak puas, Anda dapat mengajukan sengketa informasi ke Komisi Informasi Provinsi "
             "paling lambat 14 hari kerja setelah menerima tanggapan ini (UU 14/2008 Pasal 37)."])


def queue_letter(session: Session, kind: str, request: InformationRequest, objection: Objection | None = None) -> None:
    """Queue one letter in the caller's transaction."""
    subject, lines = _objection_letter(kind, objection) if objection is not None else _request_letter(kind, request)
    body = "\n".join([f"Yth. {request.nama},", "", *lines])
    session.add(ApplicantEmail(request_id=request.id, kind=kind, to=request.email, full_name=request.nama,
                               subject=subject, body=body))


@dataclass(frozen=True)
class LetterShown:
    """One letter as its applicant sees it on the status page: never the body, the address masked."""

    perihal: str
    subject: str
    to: str
    queued: str
    sent: str | None  # None while it waits for the mail job (or SMTP is off), or when it failed
    failed: str | None = None  # the date the mail server refused it for good; its reply is not shown

    @property
    def state(self) -> str:
        return "gagal" if self.failed else "terkirim" if self.sent else "menunggu"


def mask_email(address: str) -> str:
    """``budi@contoh.go.id`` -> ``b***@contoh.go.id``: enough to recognise, not to harvest."""
    local, at, domain = address.strip().rpartition("@")
    return f"{local[:1]}***@{domain}" if at and local else "***"


def letters_of(db: Database, request_id: int) -> list[LetterShown]:
    """The letters queued for this one request (its objections' letters included), oldest first.
    A letter is marked sent when the mail job claims it; a failed connection or a temporary refusal puts
    it back in the queue, so "menunggu" also covers one that will be retried; one the mail server refused
    for good is "gagal"."""
    with db.session() as session:
        rows = session.scalars(select(ApplicantEmail).where(ApplicantEmail.request_id == request_id)
                               .order_by(ApplicantEmail.id))
        return [LetterShown(perihal=KIND_LABELS.get(row.kind, "Pemberitahuan"), subject=row.subject,
                            to=mask_email(row.to), queued=format_tanggal(row.created_at),
                            sent=format_tanggal(row.emailed_at) if row.emailed_at else None,
                            failed=format_tanggal(row.failed_at) if row.failed_at else None) for row in rows]


def compose_letter(letter: ApplicantEmail, config: SmtpConfig) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((SIGNATURE, config.sender))
    message["To"] = formataddr((" ".join(letter.full_name.split()), letter.to))  # no line breaks in a header
    message["Subject"] = letter.subject
    message.set_content("\n".join([
        letter.body, "", f"Status permohonan: {config.base_url}/publik/status (masukkan nomor pendaftaran dan e-mail "
        "Anda).", "", "Hormat kami,", SIGNATURE, "", "Pesan ini dikirim otomatis; mohon tidak dibalas."]))
    return message


def _claim(session: Session, letter_id: int, now: datetime) -> bool:
    result = session.execute(update(ApplicantEmail)
                             .where(ApplicantEmail.id == letter_id, ApplicantEmail.emailed_at.is_(None),
                                    ApplicantEmail.failed_at.is_(None))
                             .values(emailed_at=now))
    return result.rowcount == 1


def _release(session: Session, letter_id: int) -> None:
    session.execute(update(ApplicantEmail).where(ApplicantEmail.id == letter_id).values(emailed_at=None))


def _fail(session: Session, letter_id: int, now: datetime, reason: str) -> None:
    session.execute(update(ApplicantEmail).where(ApplicantEmail.id == letter_id)
                    .values(emailed_at=None, failed_at=now, failure=reason))


LETTERS = Outbox(_claim, _release, _fail, compose_letter, lambda letter: letter.id)


def send_letters(db: Database, config: SmtpConfig, now: datetime | None = None, limit: int = 200) -> int:
    """Send the queued letters; returns how many were sent. Nothing when SMTP is off."""
    if not config.enabled:
        return 0
    with db.session() as session:
        pending = list(session.scalars(select(ApplicantEmail)
                                       .where(ApplicantEmail.emailed_at.is_(None), ApplicantEmail.failed_at.is_(None))
                                       .order_by(ApplicantEmail.id).limit(limit)))
        session.expunge_all()
    return send_claimed(db, config, LETTERS, pending, now or utcnow())
