"""What an archivist says about a document, checked before anything is stored.

:class:`DocumentMetadata` is the form (DIP columns, class, and for an exempt document the DIK
fields of :class:`Exemption`); :func:`prepare` checks it against the database (unit, retention
class, SOP case and task) and turns it into column values. It runs before the object is written,
so a bad form stores nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import EngineError, NotFound
from engine.models import HumanTask, ProcessInstance, Unit
from storage.models import BENTUK, CLASSES, EXEMPT_CLASS, PASAL17_GROUNDS, RetentionClass
from storage.objectstore import Bucket

_DIK_FIELDS = ("pasal17", "dasar_hukum_sektoral", "konsekuensi_dibuka", "pertimbangan_ditutup",
               "jangka_waktu_sampai", "jangka_waktu_keterangan", "penetap", "ditetapkan_pada",
               "ditetapkan_di", "nomor_sk")


class InvalidDocument(EngineError):
    """The catalog form is incomplete or wrong; ``fields`` maps field names to messages."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        listed = "; ".join(f"{name}: {problem}" for name, problem in fields.items())
        super().__init__(f"document metadata is not valid: {listed}")


@dataclass
class Exemption:
    """The DIK row of an exempt document (Lembar Pengujian Konsekuensi; PP 61/2010)."""

    pasal17: str
    konsekuensi_dibuka: str
    pertimbangan_ditutup: str
    jangka_waktu_sampai: date | None = None
    jangka_waktu_keterangan: str = ""  # "sampai <peristiwa>", "tidak terbatas"
    dasar_hukum_sektoral: str = ""
    penetap: str = ""
    ditetapkan_pada: date | None = None
    ditetapkan_di: str = ""
    nomor_sk: str = ""


@dataclass
class DocumentMetadata:
    title: str
    unit_code: str
    klasifikasi: str | None = None  # None: an attachment not yet classified
    ringkasan: str = ""
    penanggung_jawab: str = ""
    dibuat_pada: date | None = None
    tempat_pembuatan: str = ""
    bentuk: str = "softcopy"
    retensi: str = ""
    retention_class: str | None = None  # RetentionClass.code
    published: bool = False
    source_case_id: int | None = None
    source_task_id: int | None = None
    exemption: Exemption | None = None


def bucket_for(klasifikasi: str | None) -> Bucket:
    """Exempt to its own bucket (denied wholesale by policy), public to public, unclassified to originals."""
    if klasifikasi is None:
        return Bucket.ORIGINALS
    return Bucket.EXEMPT if klasifikasi == EXEMPT_CLASS else Bucket.PUBLIC


def check_class(klasifikasi: str | None, exemption: Exemption | None) -> dict[str, str]:
    """The class rules of UU 14/2008: an exemption needs a Pasal 17 ground and the consequence test's
    findings (Pasal 19) and a period (Pasal 20); a public document carries no DIK row."""
    problems: dict[str, str] = {}
    if klasifikasi is not None and klasifikasi not in CLASSES:
        problems["klasifikasi"] = f"must be one of {', '.join(CLASSES)} (got {klasifikasi!r})"
    elif klasifikasi == EXEMPT_CLASS:
        problems.update(_check_exemption(exemption))
    elif exemption is not None:
        problems["exemption"] = "only a document classified 'dikecualikan' has DIK fields"
    return problems


def _check_exemption(exemption: Exemption | None) -> dict[str, str]:
    if exemption is None:
        return {"exemption": "an exempt document needs its DIK fields (Pasal 17 ground, consequences, period)"}
    problems = {}
    if exemption.pasal17 not in PASAL17_GROUNDS:
        problems["pasal17"] = "must be a letter a to j (UU 14/2008 Pasal 17)"
    if not exemption.konsekuensi_dibuka.strip():
        problems["konsekuensi_dibuka"] = "the consequence if opened is required (uji konsekuensi)"
    if not exemption.pertimbangan_ditutup.strip():
        problems["pertimbangan_ditutup"] = "the reason for closing is required (uji konsekuensi)"
    if exemption.jangka_waktu_sampai is None and not exemption.jangka_waktu_keterangan.strip():
        problems["jangka_waktu"] = "give the period of the exemption: a date, 'sampai ...' or 'tidak terbatas'"
    return problems


def exemption_columns(exemption: Exemption | None) -> dict:
    """The DIK columns to write: all cleared when the document is not exempt."""
    if exemption is None:
        return {name: (None if name in ("pasal17", "jangka_waktu_sampai", "ditetapkan_pada") else "")
                for name in _DIK_FIELDS}
    return {name: getattr(exemption, name) for name in _DIK_FIELDS}


def exemption_of(document) -> dict:
    """The DIK columns of a catalogued document, for audit details."""
    return {name: (str(value) if value is not None else None)
            for name, value in ((n, getattr(document, n)) for n in _DIK_FIELDS)}


def prepare(session: Session, metadata: DocumentMetadata, now: datetime) -> dict:
    """Column values for a new Document; raises InvalidDocument or NotFound naming what is wrong.

    The unit and retention class go in as rows too (``unit``, ``retention_class``), so the Document
    built from these values is complete without loading it again."""
    problems = check_class(metadata.klasifikasi, metadata.exemption)
    if not metadata.title or not metadata.title.strip():
        problems["title"] = "a title is required"
    if metadata.bentuk not in BENTUK:
        problems["bentuk"] = f"must be one of {', '.join(BENTUK)}"
    if metadata.published and metadata.klasifikasi == EXEMPT_CLASS:
        problems["published"] = "an exempt (dikecualikan) document is never published on the public portal"
    if problems:
        raise InvalidDocument(problems)
    unit = session.scalar(select(Unit).where(Unit.code == metadata.unit_code))
    if unit is None:
        raise NotFound(f"unit '{metadata.unit_code}' does not exist")
    retention = _retention_class(session, metadata.retention_class)
    columns = {
        "title": metadata.title.strip(), "ringkasan": metadata.ringkasan, "unit_id": unit.id, "unit": unit,
        "retention_class": retention,
        "penanggung_jawab": metadata.penanggung_jawab, "dibuat_pada": metadata.dibuat_pada,
        "tempat_pembuatan": metadata.tempat_pembuatan, "bentuk": metadata.bentuk,
        "retensi": metadata.retensi or (retention.name if retention else ""),
        "retention_class_id": retention.id if retention else None, "klasifikasi": metadata.klasifikasi,
        "published": metadata.published, "year": (metadata.dibuat_pada or now.date()).year,
        "retain_until": retain_until(retention, metadata.dibuat_pada, now),
        **_source(session, metadata), **exemption_columns(metadata.exemption),
    }
    return columns


def _retention_class(session: Session, code: str | None) -> RetentionClass | None:
    if code is None:
        return None
    retention = session.scalar(select(RetentionClass).where(RetentionClass.code == code))
    if retention is None:
        raise NotFound(f"retention class '{code}' does not exist (add it from the unit's JRA first)")
    return retention


def _source(session: Session, metadata: DocumentMetadata) -> dict:
    """The SOP case and task a document came from; the case's process key is kept for the facet."""
    found = {"source_case_id": None, "source_task_id": None, "sop_key": None}
    case_id = metadata.source_case_id
    if metadata.source_task_id is not None:
        task = session.get(HumanTask, metadata.source_task_id)
        if task is None:
            raise NotFound(f"task {metadata.source_task_id} does not exist")
        if case_id not in (None, task.instance_id):
            raise InvalidDocument({"source_task_id": f"task {task.id} is not a task of case {case_id}"})
        found["source_task_id"], case_id = task.id, task.instance_id
    if case_id is not None:
        case = session.get(ProcessInstance, case_id)
        if case is None:
            raise NotFound(f"case {case_id} does not exist")
        found["source_case_id"], found["sop_key"] = case.id, case.process_model.key
    return found


def retain_until(retention: RetentionClass | None, made: date | None, now: datetime) -> datetime | None:
    """End of the JRA's active plus inactive period, counted from when the record was made.

    None for no retention class, and for 'permanen' records, which are never due for disposal
    (deletion of those is refused outright, see ArchiveService.delete).
    """
    if retention is None or retention.final_disposition == "permanen":
        return None
    start = made or now.date()
    years = retention.active_years + retention.inactive_years
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28)
    return datetime(end.year, end.month, end.day, tzinfo=timezone.utc)
