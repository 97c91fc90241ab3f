"""What a PPID case is about: the information request or the objection behind a case, for the staff
pages that show the step or the case.

A case of ``ppid_permohonan_informasi`` or ``ppid_keberatan_informasi`` carries only a title and a
number in its workflow data; what the officer decides on (who asks, for what, why, and for an
objection the Pasal 35 grounds and the applicant's own account) lives in the register rows, linked
to the case by their ``instance_id``. Deciding without it is deciding blind, so the task and case
pages show it read from here.

No access check is made here: the caller has already found the task or case visible to the user
(``TaskPage.view`` / ``case_detail`` raise NotFound otherwise), and anyone who may open a PPID case
may read the request it serves. The records are plain frozen dataclasses, detached from the session.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ProcessInstance, ProcessModel
from engine.ppid.models import CARA_MEMPEROLEH, CARA_MENYAMPAIKAN, PASAL35, InformationRequest, Objection
from engine.ppid.process_models import OBJECTION_KEY, REQUEST_KEY


@dataclass(frozen=True)
class RequestRecord:
    """One request of the register permohonan, as the officer reads it."""

    id: int
    nomor: str
    received_at: datetime | None
    due_at: datetime | None  # the written notice is due (10 working days, 17 when extended)
    nama: str
    nik: str
    alamat: str
    pekerjaan: str
    telepon: str
    email: str
    rincian: str
    tujuan: str
    cara_memperoleh: str  # the label of Perki 1/2021's form, not the stored code
    cara_menyampaikan: str
    diperpanjang: bool
    alasan_perpanjangan: str
    keputusan: str | None  # diterima / ditolak; None while it is being served
    alasan_penolakan: str
    notice_at: datetime | None


@dataclass(frozen=True)
class ObjectionRecord:
    """One objection of the register keberatan; ``alasan`` pairs each Pasal 35 letter with its text."""

    id: int
    nomor: str
    received_at: datetime | None
    due_at: datetime | None  # the Atasan PPID's answer is due (30 working days)
    alasan: tuple[tuple[str, str], ...]
    uraian: str
    keputusan: str | None
    tanggapan: str


@dataclass(frozen=True)
class PpidCaseRecord:
    """The request of a case; for an objection's case also the objection (``request`` is then the
    request objected to)."""

    request: RequestRecord
    objection: ObjectionRecord | None = None


def case_record(session: Session, instance_id: int, process_key: str | None = None) -> PpidCaseRecord | None:
    """The request and/or objection behind the case, or None for a case of another SOP (or a PPID case
    whose register row is not linked yet: the link is written just after the case starts).

    ``process_key``, when the caller knows it, saves a query and skips the PPID tables for other SOPs.
    """
    if process_key is None:
        process_key = session.scalar(select(ProcessModel.key).join(
            ProcessInstance, ProcessInstance.process_model_id == ProcessModel.id).where(ProcessInstance.id == instance_id))
    if process_key == REQUEST_KEY:
        request = session.scalar(select(InformationRequest).where(InformationRequest.instance_id == instance_id)
                                 .order_by(InformationRequest.id).limit(1))
        return PpidCaseRecord(_request(request)) if request is not None else None
    if process_key == OBJECTION_KEY:
        objection = session.scalar(select(Objection).where(Objection.instance_id == instance_id)
                                   .order_by(Objection.id).limit(1))
        if objection is None:
            return None
        return PpidCaseRecord(_request(objection.request), _objection(objection))
    return None


def _request(row: InformationRequest) -> RequestRecord:
    return RequestRecord(
        id=row.id, nomor=row.nomor, received_at=row.received_at, due_at=row.due_at, nama=row.nama, nik=row.nik,
        alamat=row.alamat, pekerjaan=row.pekerjaan or "", telepon=row.telepon or "", email=row.email,
        rincian=row.rincian, tujuan=row.tujuan,
        cara_memperoleh=CARA_MEMPEROLEH.get(row.cara_memperoleh, row.cara_memperoleh),
        cara_menyampaikan=CARA_MENYAMPAIKAN.get(row.cara_menyampaikan, row.cara_menyampaikan),
        diperpanjang=bool(row.diperpanjang), alasan_perpanjangan=row.alasan_perpanjangan or "",
        keputusan=row.keputusan, alasan_penolakan=row.alasan_penolakan or "", notice_at=row.notice_at)


def _objection(row: Objection) -> ObjectionRecord:
    letters = [letter for letter in (row.alasan or "").split(",") if letter]
    return ObjectionRecord(
        id=row.id, nomor=row.nomor, received_at=row.received_at, due_at=row.due_at,
        alasan=tuple((letter, PASAL35.get(letter, "")) for letter in letters), uraian=row.uraian or "",
        keputusan=row.keputusan, tanggapan=row.tanggapan or "")
