"""The register permohonan, the register keberatan, the annual service report, and the DIP.

The registers' columns are those of domain.md ("The registers and lists"); the annual report
gives the numbers Perki 1/2021 asks for (requests received, granted, refused by ground, answer
time in working days, objections) for any year. The DIP is read through
``storage.access.visible(Viewer.public())`` only: it can never list an exempt document.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from engine.calendar_format import format_tanggal
from engine.closures import calendar_from_db
from engine.models import Unit
from engine.ppid.models import CARA_MEMPEROLEH, CARA_MENYAMPAIKAN, PASAL35, InformationRequest, Objection
from engine.ppid.service import REFUSAL_GROUNDS, STATUS_INFORMASI
from storage.access import Viewer, visible
from storage.models import PUBLIC_CLASSES, Document

WIB = ZoneInfo("Asia/Jakarta")
CLASS_LABELS = {"berkala": "Informasi yang wajib disediakan dan diumumkan secara berkala",
                "serta_merta": "Informasi yang wajib diumumkan secara serta merta",
                "setiap_saat": "Informasi yang wajib tersedia setiap saat"}
BENTUK_LABELS = {"softcopy": "Softcopy", "hardcopy": "Hardcopy", "both": "Softcopy dan hardcopy"}
DIP_HEADERS = ("No", "Ringkasan isi informasi", "Pejabat/unit yang menguasai informasi",
               "Penanggung jawab pembuatan/penerbitan", "Waktu dan tempat pembuatan", "Bentuk informasi",
               "Jangka waktu penyimpanan", "Klasifikasi")
REQUEST_HEADERS = ("Nomor pendaftaran", "Tanggal", "Nama", "Alamat", "NIK", "Telepon/e-mail", "Pekerjaan",
                   "Informasi yang diminta", "Tujuan", "Cara memperoleh", "Cara mendapatkan salinan",
                   "Status informasi", "Keputusan", "Alasan penolakan", "Tanggal pemberitahuan tertulis", "Biaya")
OBJECTION_HEADERS = ("Nomor keberatan", "Tanggal diterima", "Identitas pemohon", "Nomor pendaftaran permohonan",
                     "Informasi yang diminta", "Tujuan", "Alasan keberatan (Pasal 35)", "Keputusan Atasan PPID",
                     "Tanggal tanggapan", "Nama dan jabatan Atasan PPID", "Tanggapan pemohon")


def _day(value: datetime | None) -> date | None:
    return value.astimezone(WIB).date() if value else None


def _text_day(value: datetime | None) -> str:
    day = _day(value)
    return day.isoformat() if day else ""


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=WIB), datetime(year + 1, 1, 1, tzinfo=WIB)


# -- registers -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterFilter:
    year: int | None = None
    unit_id: int | None = None  # None: every unit (admins, PPID Utama)
    keputusan: str = ""  # "", "diterima", "ditolak", "proses"
    text: str = ""


def _common(query, table, filters: RegisterFilter):
    """Year of receipt, unit and decision: the filters both registers share."""
    if filters.year:
        start, end = _year_bounds(filters.year)
        query = query.where(table.received_at >= start, table.received_at < end)
    if filters.unit_id is not None:
        query = query.where(table.unit_id == filters.unit_id)
    if filters.keputusan == "proses":
        query = query.where(table.keputusan.is_(None))
    elif filters.keputusan in ("diterima", "ditolak"):
        query = query.where(table.keputusan == filters.keputusan)
    return query


def _request_query(filters: RegisterFilter):
    query = _common(select(InformationRequest).options(selectinload(InformationRequest.unit)),
                    InformationRequest, filters)
    if filters.text:
        like = f"%{filters.text}%"
        query = query.where(or_(InformationRequest.nomor.ilike(like), InformationRequest.nama.ilike(like),
                                InformationRequest.rincian.ilike(like)))
    return query.order_by(InformationRequest.received_at, InformationRequest.id)


def request_register(session: Session, filters: RegisterFilter) -> list[InformationRequest]:
    return list(session.scalars(_request_query(filters)))


def request_rows(requests: list[InformationRequest]) -> list[tuple]:
    return [(r.nomor, _text_day(r.received_at), r.nama, r.alamat, r.nik,
             " / ".join(x for x in (r.telepon, r.email) if x), r.pekerjaan, r.rincian, r.tujuan,
             CARA_MEMPEROLEH.get(r.cara_memperoleh, r.cara_memperoleh),
             CARA_MENYAMPAIKAN.get(r.cara_menyampaikan, r.cara_menyampaikan),
             STATUS_INFORMASI.get(r.status_informasi, ""), r.keputusan or "dalam proses",
             r.alasan_penolakan, _text_day(r.notice_at), r.biaya or "-") for r in requests]


def objection_register(session: Session, filters: RegisterFilter) -> list[Objection]:
    query = _common(select(Objection).options(selectinload(Objection.request), selectinload(Objection.unit)),
                    Objection, filters)
    if filters.text:
        like = f"%{filters.text}%"
        query = query.join(InformationRequest, InformationRequest.id == Objection.request_id).where(
            or_(Objection.nomor.ilike(like), InformationRequest.nomor.ilike(like), InformationRequest.nama.ilike(like)))
    return list(session.scalars(query.order_by(Objection.received_at, Objection.id)))


def objection_rows(objections: list[Objection]) -> list[tuple]:
    return [(o.nomor, _text_day(o.received_at), f"{o.request.nama}, NIK {o.request.nik}, {o.request.alamat}",
             o.request.nomor, o.request.rincian, o.request.tujuan,
             "; ".join(f"{letter}. {PASAL35[letter]}" for letter in o.alasan.split(",") if letter in PASAL35),
             o.keputusan or "dalam proses", _text_day(o.response_at),
             f"{o.atasan_nama}, {o.atasan_jabatan}" if o.atasan_nama else "", o.tanggapan_pemohon)
            for o in objections]


# -- annual report ------------------------------------------------------------------------------------

@dataclass
class AnnualReport:
    year: int
    received: int = 0
    granted: int = 0
    refused: int = 0
    pending: int = 0
    extended: int = 0
    refused_by_ground: dict[str, int] = field(default_factory=dict)
    average_days: float | None = None
    maximum_days: int | None = None
    objections: int = 0
    objections_granted: int = 0
    objections_refused: int = 0
    objections_pending: int = 0
    objections_by_ground: dict[str, int] = field(default_factory=dict)


def annual_report(session: Session, year: int, unit_id: int | None = None) -> AnnualReport:
    """The numbers of the annual service report for requests received in ``year``.

    Answer time: working days from receipt to the written notice (day 1 is the first working day
    after receipt, domain.md), on the calendar with the admin's closures.
    """
    calendar = calendar_from_db(session)
    requests = request_register(session, RegisterFilter(year=year, unit_id=unit_id))
    report = AnnualReport(year, received=len(requests))
    days = []
    grounds: Counter = Counter()
    for request in requests:
        if request.keputusan == "diterima":
            report.granted += 1
        elif request.keputusan == "ditolak":
            report.refused += 1
            grounds[request.dasar_penolakan or "lainnya"] += 1
        else:
            report.pending += 1
        report.extended += bool(request.diperpanjang)
        if request.notice_at:
            days.append(calendar.working_days_between(_day(request.received_at), _day(request.notice_at)))
    report.refused_by_ground = dict(sorted(grounds.items()))
    if days:
        report.average_days = round(sum(days) / len(days), 1)
        report.maximum_days = max(days)
    objections = objection_register(session, RegisterFilter(year=year, unit_id=unit_id))
    report.objections = len(objections)
    by_ground: Counter = Counter()
    for objection in objections:
        if objection.keputusan == "diterima":
            report.objections_granted += 1
        elif objection.keputusan == "ditolak":
            report.objections_refused += 1
        else:
            report.objections_pending += 1
        by_ground.update(letter for letter in objection.alasan.split(",") if letter)
    report.objections_by_ground = dict(sorted(by_ground.items()))
    return report


def ground_label(code: str) -> str:
    return REFUSAL_GROUNDS.get(code, code)


# -- the DIP ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DipRow:
    id: int
    title: str
    ringkasan: str
    unit_code: str
    unit_name: str
    penanggung_jawab: str
    waktu_tempat: str
    bentuk: str
    retensi: str
    klasifikasi: str
    sop_key: str | None
    filename: str


def dip(session: Session, unit_code: str | None = None, text: str = "") -> list[DipRow]:
    """The published public documents, by class then unit then title: the DIP's rows."""
    query = (select(Document).options(selectinload(Document.unit), selectinload(Document.versions))
             .where(visible(Viewer.public())))
    if unit_code:
        query = query.join(Unit, Unit.id == Document.unit_id).where(Unit.code == unit_code)
    if text:
        like = f"%{text}%"
        query = query.where(or_(Document.title.ilike(like), Document.ringkasan.ilike(like)))
    rows = []
    for document in session.scalars(query.order_by(Document.klasifikasi, Document.unit_id, Document.title)):
        made = format_tanggal(document.dibuat_pada) if document.dibuat_pada else ""
        rows.append(DipRow(
            document.id, document.title, document.ringkasan or document.title, document.unit.code,
            document.unit.name, document.penanggung_jawab, ", ".join(x for x in (made, document.tempat_pembuatan) if x),
            BENTUK_LABELS.get(document.bentuk, document.bentuk), document.retensi, document.klasifikasi,
            document.sop_key, document.versions[-1].original_filename if document.versions else ""))
    order = {name: index for index, name in enumerate(PUBLIC_CLASSES)}
    return sorted(rows, key=lambda row: order.get(row.klasifikasi, 9))


def dip_table(rows: list[DipRow]) -> list[tuple]:
    return [(number, f"{row.title}: {row.ringkasan}" if row.ringkasan != row.title else row.title,
             row.unit_name, row.penanggung_jawab, row.waktu_tempat, row.bentuk, row.retensi,
             CLASS_LABELS.get(row.klasifikasi, row.klasifikasi))
            for number, row in enumerate(rows, start=1)]
