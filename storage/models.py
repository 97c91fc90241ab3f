"""The archive's catalog: documents (the DIP and DIK columns), their stored versions, retention classes.

The buckets hold the bytes and, in each object's metadata, enough to rebuild this catalog (document
uid, version number, class, file name, SHA-256); the catalog is what is searched and authorized.
Column names follow the registers of ``/work/shared/domain.md`` (Bahasa Indonesia where the
register names them), so a DIP or DIK export is a plain projection of ``documents``.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, UtcDateTime
from engine.models import Unit
from engine.timeutil import utcnow

# UU 14/2008 Pasal 9, 10, 11 (public) and Pasal 17 (exempt).
PUBLIC_CLASSES = ("berkala", "serta_merta", "setiap_saat")
EXEMPT_CLASS = "dikecualikan"
CLASSES = PUBLIC_CLASSES + (EXEMPT_CLASS,)
PASAL17_GROUNDS = tuple("abcdefghij")
BENTUK = ("softcopy", "hardcopy", "both")
DISPOSITIONS = ("musnah", "dinilai_kembali", "permanen")  # JRA final disposition (UU 43/2009)
TEXT_SOURCES = ("pdf_text", "ocr", "plain", "none")
OCR_STATUSES = ("pending", "done", "failed")


def _one_of(table: str, column: str, values: tuple[str, ...], nullable: bool = False) -> CheckConstraint:
    """The database refuses a value outside the closed list, whoever writes it."""
    allowed = ", ".join(f"'{v}'" for v in values)
    rule = f"{column} IN ({allowed})" + (f" OR {column} IS NULL" if nullable else "")
    return CheckConstraint(rule, name=f"ck_{table}_{column}")


class RetentionClass(Base):
    """One entry of a unit's Jadwal Retensi Arsip: how long a record type is kept, then what happens."""

    __tablename__ = "retention_classes"
    __table_args__ = (_one_of("retention_classes", "final_disposition", DISPOSITIONS),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    active_years: Mapped[int] = mapped_column(Integer, default=0)
    inactive_years: Mapped[int] = mapped_column(Integer, default=0)
    final_disposition: Mapped[str] = mapped_column(String(20))


class Document(Base):
    """A catalogued document: one row of the DIP (or, when exempt, of the DIK).

    ``klasifikasi`` is NULL for an attachment not yet classified; such a document is treated as
    possibly exempt by the access rules until someone classifies it. ``body_text`` repeats the
    current version's extracted text so that one full-text index (an FTS5 table on SQLite, a GIN
    expression index on PostgreSQL, see ``storage.search_index``) covers title, ringkasan and body.
    ``year`` and ``sop_key`` are denormalized for cheap facet counts.
    """

    __tablename__ = "documents"
    __table_args__ = (
        _one_of("documents", "klasifikasi", CLASSES, nullable=True),
        _one_of("documents", "bentuk", BENTUK),
        _one_of("documents", "pasal17", PASAL17_GROUNDS, nullable=True),
        Index("ix_documents_facets", "klasifikasi", "unit_id", "year"),
        Index("ix_documents_created_at", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)  # names the objects in the buckets
    title: Mapped[str] = mapped_column(String(500))
    ringkasan: Mapped[str] = mapped_column(Text, default="")
    # The DIP columns (No is the row's position in a listing).
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # pejabat/unit yang menguasai
    penanggung_jawab: Mapped[str] = mapped_column(String(300), default="")
    dibuat_pada: Mapped[date | None] = mapped_column(Date)  # waktu pembuatan
    tempat_pembuatan: Mapped[str] = mapped_column(String(200), default="")
    bentuk: Mapped[str] = mapped_column(String(10), default="softcopy")
    retensi: Mapped[str] = mapped_column(String(300), default="")  # as the JRA words it
    retention_class_id: Mapped[int | None] = mapped_column(ForeignKey("retention_classes.id"))
    klasifikasi: Mapped[str | None] = mapped_column(String(20))
    # The DIK columns (Lembar Pengujian Konsekuensi; PP 61/2010 adds penetap .. nomor SK).
    pasal17: Mapped[str | None] = mapped_column(String(1))
    dasar_hukum_sektoral: Mapped[str] = mapped_column(Text, default="")
    konsekuensi_dibuka: Mapped[str] = mapped_column(Text, default="")
    pertimbangan_ditutup: Mapped[str] = mapped_column(Text, default="")
    jangka_waktu_sampai: Mapped[date | None] = mapped_column(Date, index=True)  # when it is a date
    jangka_waktu_keterangan: Mapped[str] = mapped_column(String(300), default="")  # "sampai ...", "tidak terbatas"
    penetap: Mapped[str] = mapped_column(String(300), default="")
    ditetapkan_pada: Mapped[date | None] = mapped_column(Date)
    ditetapkan_di: Mapped[str] = mapped_column(String(200), default="")
    nomor_sk: Mapped[str] = mapped_column(String(200), default="")
    # Where it came from.
    source_case_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    source_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id", ondelete="SET NULL"))
    sop_key: Mapped[str | None] = mapped_column(String(120), index=True)
    # Retention and publication.
    legal_hold: Mapped[bool] = mapped_column(default=False)
    retain_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    published: Mapped[bool] = mapped_column(default=False)
    year: Mapped[int] = mapped_column(Integer)
    body_text: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    retention_class: Mapped[RetentionClass | None] = relationship()
    versions: Mapped[list["DocumentVersion"]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", cascade="all, delete-orphan")

    @property
    def is_exempt(self) -> bool:
        return self.klasifikasi == EXEMPT_CLASS

    @property
    def current(self) -> "DocumentVersion":
        return self.versions[-1]


class DocumentVersion(Base):
    """One stored object version of a document: where its bytes are, what they hash to, their text."""

    __tablename__ = "document_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        UniqueConstraint("bucket", "key", "store_version_id", name="uq_document_versions_object"),
        _one_of("document_versions", "text_source", TEXT_SOURCES),
        _one_of("document_versions", "ocr_status", OCR_STATUSES, nullable=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    store_version_id: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(120))
    original_filename: Mapped[str] = mapped_column(String(255))
    klasifikasi: Mapped[str | None] = mapped_column(String(20))  # the class it was stored under
    extracted_text: Mapped[str] = mapped_column(Text, default="")
    text_source: Mapped[str] = mapped_column(String(10), default="none")
    ocr_status: Mapped[str | None] = mapped_column(String(10), index=True)
    ocr_error: Mapped[str] = mapped_column(String(500), default="")
    # The OCR sweep's bookkeeping: when it last queued the job again, and how many times it has.
    ocr_queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ocr_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")


class PendingUpload(Base):
    """An object being written before its catalog row exists: the intent of the guarded sequence.

    Written (and committed) before the object, removed in the same transaction as the catalog rows.
    If the process dies in between, the row is left behind, so ``ArchiveService.check`` can tell an
    interrupted upload from an unexplained orphan and ``recover`` can remove its object.
    """

    __tablename__ = "archive_pending_uploads"
    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
