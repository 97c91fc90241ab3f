"""Tables of the PPID's public service: the register permohonan, the register keberatan, the yearly
number sequences, the public forms' idempotency tokens and rate-limit events.

Column names follow the registers of ``/work/shared/domain.md`` (Bahasa Indonesia where the
register names them), so a register export is a plain projection of a table.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, UtcDateTime
from engine.models import Unit
from engine.timeutil import utcnow

# Perki 1/2021 (formulir permohonan): how the applicant obtains the information, and how a copy reaches them.
CARA_MEMPEROLEH = {"melihat": "Melihat/membaca/mendengarkan/mencatat", "salinan_softcopy": "Mendapatkan salinan (softcopy)",
                   "salinan_hardcopy": "Mendapatkan salinan (hardcopy)"}
CARA_MENYAMPAIKAN = {"langsung": "Mengambil langsung", "email": "E-mail", "pos": "Pos", "kurir": "Kurir",
                     "faksimili": "Faksimili"}
# UU 14/2008 Pasal 35 ayat 1: the grounds of an objection.
PASAL35 = {
    "a": "Penolakan atas permintaan informasi berdasarkan alasan pengecualian (Pasal 17)",
    "b": "Tidak disediakannya informasi berkala (Pasal 9)",
    "c": "Tidak ditanggapinya permintaan informasi",
    "d": "Permintaan informasi ditanggapi tidak sebagaimana yang diminta",
    "e": "Tidak dipenuhinya permintaan informasi",
    "f": "Pengenaan biaya yang tidak wajar",
    "g": "Penyampaian informasi yang melebihi waktu yang diatur dalam UU 14/2008",
}


class PpidCounter(Base):
    """The last number given, per kind (permohonan / keberatan), unit and year: reset yearly."""

    __tablename__ = "ppid_counters"
    __table_args__ = (UniqueConstraint("kind", "unit_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)


class InformationRequest(Base):
    """One row of the register permohonan (UU 14/2008 Pasal 21-22; Perki 1/2021)."""

    __tablename__ = "ppid_requests"
    __table_args__ = (Index("ix_ppid_requests_unit_received", "unit_id", "received_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    nomor: Mapped[str] = mapped_column(String(120), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    nama: Mapped[str] = mapped_column(String(200))
    alamat: Mapped[str] = mapped_column(Text)
    nik: Mapped[str] = mapped_column(String(16))
    telepon: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254))
    pekerjaan: Mapped[str] = mapped_column(String(200), default="")
    rincian: Mapped[str] = mapped_column(Text)  # rincian informasi yang dibutuhkan
    tujuan: Mapped[str] = mapped_column(Text)  # tujuan penggunaan informasi
    cara_memperoleh: Mapped[str] = mapped_column(String(30))
    cara_menyampaikan: Mapped[str] = mapped_column(String(30))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    # status: dikuasai (held by us), badan_lain (held by another body), tidak_dikuasai
    status_informasi: Mapped[str] = mapped_column(String(20), default="")
    keputusan: Mapped[str | None] = mapped_column(String(10))  # diterima / ditolak
    alasan_penolakan: Mapped[str] = mapped_column(Text, default="")
    dasar_penolakan: Mapped[str] = mapped_column(String(30), default="")  # pasal17_a .. j, tidak_dikuasai, ...
    diperpanjang: Mapped[bool] = mapped_column(default=False)
    alasan_perpanjangan: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the written notice is due
    notice_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # tanggal pemberitahuan tertulis
    notice_by: Mapped[str] = mapped_column(String(200), default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    biaya: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[Unit] = relationship()


class Objection(Base):
    """One row of the register keberatan (UU 14/2008 Pasal 35-36)."""

    __tablename__ = "ppid_objections"
    id: Mapped[int] = mapped_column(primary_key=True)
    nomor: Mapped[str] = mapped_column(String(120), unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("ppid_requests.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    alasan: Mapped[str] = mapped_column(String(20))  # Pasal 35 letters, comma-separated ("a,c")
    uraian: Mapped[str] = mapped_column(Text, default="")  # kasus posisi
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    keputusan: Mapped[str | None] = mapped_column(String(10))  # diterima / ditolak
    tanggapan: Mapped[str] = mapped_column(Text, default="")
    response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    atasan_nama: Mapped[str] = mapped_column(String(200), default="")
    atasan_jabatan: Mapped[str] = mapped_column(String(200), default="")
    tanggapan_pemohon: Mapped[str] = mapped_column(Text, default="")
    request: Mapped[InformationRequest] = relationship()
    unit: Mapped[Unit] = relationship()


class FormSubmission(Base):
    """An idempotency token of a public form: the second submit of the same form finds the first."""

    __tablename__ = "ppid_form_submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    result_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RateEvent(Base):
    """One submission of a public form by a client (an IP address, hashed), for the rate limit."""

    __tablename__ = "ppid_rate_events"
    __table_args__ = (Index("ix_ppid_rate_events_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ApplicantEmail(Base):
    """A letter to an applicant, queued in the transaction of the change it reports (registered,
    extended, written notice, objection registered, objection answered) and sent once by the mail job.
    Applicants have no account, so this is their own outbox beside the staff notifications."""

    __tablename__ = "ppid_applicant_emails"
    __table_args__ = (Index("ix_ppid_applicant_emails_unsent", "emailed_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("ppid_requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    to: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    emailed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # sent (or being sent right now)
    # the mail server refused it for good (5xx): when, and its reply; such a letter is not sent again
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failure: Mapped[str | None] = mapped_column(String(200))
