"""The archive service: ingest, versions, classification, retrieval and retention of documents.

Consistency between the catalog (SQL) and the buckets comes from one guarded sequence
(:meth:`ArchiveService._guarded_put`):

1. commit an intent row (``PendingUpload``) naming the bucket and key (for a new document, in the
   transaction that checks the form and the viewer's right to file it, before the upload is even
   read; an upload then refused removes it again);
2. write the object in one PUT (its SHA-256 and its class travel in the object's metadata, so the
   catalog can be rebuilt from the buckets). The SHA-256 is computed once, as the upload is
   spooled; the store checks the bytes it writes against it (the local store hashes them as it
   writes; S3 signs it as the payload digest, which the server verifies);
3. in one transaction: the catalog rows with the text read at ingest, the audit record, and the
   intent's removal.

If step 2 fails nothing is catalogued and the caller gets the store's error (``StoreUnavailable``
names the store). If step 3 fails, the version written in step 2 is destroyed again. If the process
dies between 2 and 3, the intent row is left behind: ``check`` reports the object as an interrupted
upload rather than an unexplained orphan, and ``recover`` removes it.

Reclassifying a document as dikecualikan also moves its earlier versions out of the public (or
originals) bucket, which operators may expose, by the same discipline per version
(:meth:`ArchiveService._move_version`): intent, verified copy into the exempt bucket, the row
repointed in one transaction with its audit record, then the old version destroyed. A lock on the
old version keeps it (audited); ``check`` reports it and any move a crash or a store failure left
unfinished, and ``recover`` finishes what it can.

The service knows nothing of HTTP; every method takes the :class:`~storage.access.Viewer` it acts
for, applies the access rule inside its queries (a document the viewer may not see is
``NotFound``), and records what it did in the audit trail.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO, Callable, Iterable, Iterator, TypeVar

from sqlalchemy import and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from engine import audit
from engine.db import Database, insert_row
from engine.errors import EngineError, NotFound, PermissionDenied
from engine.timeutil import utcnow
from storage import text as texts
from storage.access import Viewer, may_add_to, may_administer, visible
from storage.catalog import (
    DocumentMetadata, Exemption, InvalidDocument, bucket_for, check_class, exemption_columns, exemption_of,
    prepare,
)
from storage.errors import ChecksumMismatch, ObjectLocked, ObjectNotFound, StoreError, StoreUnavailable
from storage.models import (
    EXEMPT_CLASS, PUBLIC_CLASSES, Document, DocumentVersion, PendingUpload, RetentionClass,
)
from storage.objectstore import Bucket, ObjectStore, StoredObject
from storage.reconcile import leftover_of, lock_of, where as _where
from storage.search import SearchQuery, SearchResults, search
from storage.validation import TYPES, ValidatedUpload, validate_upload

log = logging.getLogger(__name__)
alerts = logging.getLogger("alur.alerts")  # operators route this logger to their alerting

T = TypeVar("T")
MAX_PRESIGNED = timedelta(minutes=15)
# A version still pending this long after it was stored, or after the sweep last queued it, lost its
# job (broker down at upload, job dropped, worker killed): the sweep queues it again, at most
# OCR_MAX_ATTEMPTS times, then gives up on it (failed, audited, alerted).
OCR_REQUEUE_AFTER = timedelta(minutes=15)
OCR_MAX_ATTEMPTS = 3
STREAM_CHUNK = 64 * 1024
_KIND_OF = {content_type: kind for kind, content_type in TYPES.values()}
# Statements on the intents' table itself (not through the ORM entity), built once: every upload
# runs both, and the ORM's bulk path would cost more than the row.
_INTENTS = PendingUpload.__table__
_INSERT_INTENT = insert(_INTENTS).returning(_INTENTS.c.id)
_DELETE_INTENT = delete(_INTENTS).where(_INTENTS.c.id == bindparam("intent"))


class ArchiveError(EngineError):
    """An archive operation that cannot be done as asked; the message says why."""


class _MovedMeanwhile(ArchiveError):
    """A version was moved to the exempt bucket by someone else while this copy was written."""


class _LeftBehind(ArchiveError):
    """A move is committed (the row names the exempt copy) but its old object could not be destroyed."""

    def __init__(self, line: str, error: StoreError) -> None:
        super().__init__(line)
        self.line, self.error = line, error


class RetentionLocked(PermissionDenied):
    """Deleting is refused: a legal hold, a retention period or a permanent record."""


@dataclass
class Content:
    """A version's bytes as a verified stream: read it, then close it (or use ``with``)."""

    document_id: int
    version: DocumentVersion
    stream: BinaryIO

    def __enter__(self) -> "Content":
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()

    def read(self, amount: int = -1) -> bytes:
        return self.stream.read(amount)


def object_key(uid: str) -> str:
    """One key per document; its versions are the store's versions of that key."""
    return f"documents/{uid[:2]}/{uid}"


@dataclass
class _Filing:
    """A new document whose form and upload passed their checks and whose intent is recorded."""

    columns: dict
    upload: ValidatedUpload
    found: texts.QuickText
    uid: str
    bucket: Bucket
    key: str
    object_metadata: dict[str, str]
    intent: int  # the PendingUpload row, committed


@dataclass
class _Flight:
    """A document of :meth:`ArchiveService.add_many` between its intent and its catalog rows."""

    filing: _Filing
    future: Future | None = None


class ArchiveService:
    """Documents in an :class:`ObjectStore`, catalogued in the shared database.

    The text of plain, office and short PDF files is read at ingest and committed with the catalog
    rows (see :func:`storage.text.ingest_text`). ``ocr_runner(version_id)`` is called after a scan or
    a long PDF is catalogued, to extract its text (the PDF's text layer, else OCR): until then the
    version's ``ocr_status`` is ``pending`` and the document is found by its title and ringkasan,
    not yet by its body. The default runs the
    extraction in-process at once after the commit, from the upload's spool (:meth:`run_ocr` reads
    the stored object instead); ``storage.tasks.queue_ocr`` hands it to a Celery worker.
    """

    def __init__(self, db: Database, store: ObjectStore, *, ocr_runner: Callable[[int], object] | None = None,
                 max_upload_bytes: int | None = None, clock: Callable[[], datetime] = utcnow,
                 expired_exemption_class: str = "setiap_saat") -> None:
        if expired_exemption_class not in PUBLIC_CLASSES:
            raise ValueError(f"expired exemptions must become a public class, not {expired_exemption_class!r}")
        self.db, self.store = db, store
        self.ocr_runner = ocr_runner if ocr_runner is not None else self.run_ocr
        self._in_process = ocr_runner is None
        self.max_upload_bytes, self.clock = max_upload_bytes, clock
        self.expired_exemption_class = expired_exemption_class

    # -- ingest -----------------------------------------------------------------------------------

    def add(self, viewer: Viewer, stream: BinaryIO, filename: str, metadata: DocumentMetadata) -> Document:
        """Validate, store and catalog a new document; returns it with its first version.

        The form's checks and the viewer's right to file it (before the upload is read), then the
        guarded sequence: the upload intent, the object write, the catalog rows with their text and
        audit record (see the module docstring)."""
        filing = self._check_new(viewer, stream, filename, metadata)
        with filing.upload:
            stored = self._write_object(filing.intent, filing.bucket, filing.key, filing.upload,
                                        filing.object_metadata)
            return self._finish_new(viewer, filing, stored)

    def add_many(self, viewer: Viewer,
                 items: Iterable[tuple[BinaryIO, str, DocumentMetadata]]) -> Iterator[Document | Exception]:
        """Several new documents (the CLI's files, a form's files), each by its own guarded sequence;
        yields, in order, each one's Document or the error that refused or failed it.

        Why a pipeline: a PUT mostly waits for the store. While one document's object is being
        written (one writer thread, one PUT at a time), this thread checks the next file and
        commits its intent, and catalogs the previous one. The order within each document is that
        of :meth:`add`, so a crash or a fault leaves what a single ``add`` would leave. An error
        raised by ``items`` itself (a file that cannot be opened) is yielded as that file's outcome
        and ends the batch; the document in flight is finished also when the caller stops early or
        is interrupted."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-put") as writer:
            pending: _Flight | Exception | None = None
            try:
                for current in self._take_offs(viewer, items):
                    if isinstance(current, _Flight):  # queued behind the PUT in flight, if any
                        filing = current.filing
                        current.future = writer.submit(self._write_object, filing.intent, filing.bucket,
                                                       filing.key, filing.upload, filing.object_metadata)
                    done, pending = pending, current
                    if done is not None:
                        yield self._outcome(viewer, done)
                done, pending = pending, None
                if done is not None:
                    yield self._outcome(viewer, done)
            finally:
                if isinstance(pending, _Flight):
                    self._outcome(viewer, pending)

    def _take_offs(self, viewer: Viewer, items: Iterable[tuple[BinaryIO, str, DocumentMetadata]]
                   ) -> Iterator[_Flight | Exception]:
        """Each file of :meth:`add_many` up to its intent, or the error that refused it."""
        files = iter(items)
        while True:
            try:
                stream, filename, metadata = next(files)
            except StopIteration:
                return
            except Exception as error:  # the caller's list itself failed: nothing after it can be read
                yield error
                return
            try:
                yield _Flight(self._check_new(viewer, stream, filename, metadata))
            except Exception as error:
                yield error

    def _outcome(self, viewer: Viewer, flight: _Flight | Exception) -> Document | Exception:
        """A refused file's error, or: wait for the document's PUT, then write its catalog rows."""
        if isinstance(flight, Exception):
            return flight
        with flight.filing.upload:
            try:
                return self._finish_new(viewer, flight.filing, flight.future.result())
            except Exception as error:
                return error

    def _check_new(self, viewer: Viewer, stream: BinaryIO, filename: str, metadata: DocumentMetadata) -> _Filing:
        """Everything before the object write: the form and the right to file it, with the intent (step
        1) in the same transaction, then the upload's checks and text. A refused upload ends the intent."""
        uid = uuid.uuid4().hex
        bucket, key = bucket_for(metadata.klasifikasi), object_key(uid)
        # The form and the right to file it first: an unauthorised caller costs no spooling, no PDF
        # parsing and no text reading (up to INLINE_PDF_PAGES pages under the process-wide PDFium lock).
        # The intent is the transaction's first statement, so that on SQLite it takes the write lock
        # (waiting for it) before reading, rather than failing to upgrade a read snapshot.
        with self.db.session() as session:
            intent = self._record_intent(session, viewer, bucket, key)
            columns = prepare(session, metadata, self.clock())
            if not may_add_to(viewer, columns["unit_id"]):
                raise PermissionDenied(f"{viewer.username} may not file documents for unit {metadata.unit_code}")
        try:
            upload = validate_upload(stream, filename, self.max_upload_bytes)
        except BaseException:
            self._end_intent(intent)
            raise
        try:
            found = texts.ingest_text(upload.spool, upload.kind)
        except BaseException:
            upload.close()
            self._end_intent(intent)
            raise
        meta = self._object_metadata(uid, 1, metadata.klasifikasi, metadata.unit_code, upload.filename,
                                     viewer.username)
        return _Filing(columns, upload, found, uid, bucket, key, meta, intent)

    def _finish_new(self, viewer: Viewer, filing: _Filing, stored: StoredObject) -> Document:
        """Step 3 for a new document, then its locks and text job."""
        upload, found, columns = filing.upload, filing.found, filing.columns

        def catalog(session: Session, stored: StoredObject) -> Document:
            document = insert_row(session, Document, {
                "uid": filing.uid, "created_by": viewer.username, "body_text": found.text,
                **{name: value for name, value in columns.items() if name not in ("unit", "retention_class")}})
            version = insert_row(session, DocumentVersion, {
                "document_id": document.id, **self._version_columns(document, 1, stored, upload, viewer, found)})
            for name, value in (("unit", columns["unit"]), ("retention_class", columns["retention_class"]),
                                ("versions", [version])):
                set_committed_value(document, name, value)
            set_committed_value(version, "document", document)
            audit.record(session, viewer.username, "document.created", "document", document.id,
                         version=1, klasifikasi=document.klasifikasi, sha256=stored.sha256,
                         filename=upload.filename, bucket=stored.bucket.value)
            return document

        document = self._write_catalog(filing.intent, stored, upload, catalog)
        # A new document is locked in the store only if it has a hold or a retention date.
        locks = bool(columns.get("legal_hold")) or columns.get("retain_until") is not None
        try:
            self._after_commit(document.current, found.needs_ocr, upload, lock=locks)
            # The rows as inserted, with unit and retention class: reloaded only if the steps above changed them.
            return self._load(document.id) if locks or found.needs_ocr else document
        except Exception:  # stored and catalogued: saying otherwise would invite a duplicate upload
            alerts.exception("ALERT document %s is stored and catalogued, but a step after the commit failed "
                             "(its lock in the store or its text job)", document.id)
            return document

    def add_version(self, viewer: Viewer, document_id: int, stream: BinaryIO, filename: str) -> Document:
        """A new version of the bytes (a corrected scan, a revised draft), under the same class."""
        with validate_upload(stream, filename, self.max_upload_bytes) as upload:
            document = self._visible(viewer, document_id)
            if not may_add_to(viewer, document.unit_id):
                raise PermissionDenied(f"{viewer.username} may not add versions to document {document_id}")
            found = texts.ingest_text(upload.spool, upload.kind)
            version = self._store_new_version(viewer, document, upload, found, "document.version_added", {})
            self._after_commit(version, found.needs_ocr, upload)
        return self._load(document_id)

    def _store_new_version(self, viewer: Viewer, document: Document, upload: ValidatedUpload,
                           found: texts.QuickText, action: str, changes: dict) -> DocumentVersion:
        """Write the next version of ``document`` (with ``changes`` to its columns) by the guarded sequence."""
        klasifikasi = changes.get("klasifikasi", document.klasifikasi)
        number = document.current.number + 1

        def catalog(session: Session, stored: StoredObject) -> DocumentVersion:
            row = session.get(Document, document.id, with_for_update=True)
            if row is None or row.versions[-1].number != number - 1:
                raise ArchiveError(f"document {document.id} changed while the new version was stored; try again")
            before = {"klasifikasi": row.klasifikasi, **exemption_of(row)}
            for name, value in changes.items():
                setattr(row, name, value)
            row.body_text = found.text
            version = self._version_row(row, number, stored, upload, viewer, found)
            session.flush()
            audit.record(session, viewer.username, action, "document", row.id, version=number,
                         sha256=stored.sha256, filename=upload.filename, bucket=stored.bucket.value,
                         before=before, klasifikasi=row.klasifikasi)
            return version

        meta = self._object_metadata(document.uid, number, klasifikasi, document.unit.code, upload.filename,
                                     viewer.username)
        return self._guarded_put(viewer, bucket_for(klasifikasi), object_key(document.uid), upload, meta, catalog)

    @classmethod
    def _version_row(cls, document: Document, number: int, stored: StoredObject, upload: ValidatedUpload,
                     viewer: Viewer, found: texts.QuickText) -> DocumentVersion:
        version = DocumentVersion(**cls._version_columns(document, number, stored, upload, viewer, found))
        document.versions.append(version)
        return version

    @staticmethod
    def _version_columns(document: Document, number: int, stored: StoredObject, upload: ValidatedUpload,
                         viewer: Viewer, found: texts.QuickText) -> dict:
        return dict(
            number=number, bucket=stored.bucket.value, key=stored.key, store_version_id=stored.version_id,
            sha256=stored.sha256, size=stored.size, content_type=upload.content_type,
            original_filename=upload.filename, klasifikasi=document.klasifikasi, extracted_text=found.text,
            text_source=found.source, ocr_status="pending" if found.needs_ocr else None,
            created_by=viewer.username)

    @staticmethod
    def _object_metadata(uid: str, number: int, klasifikasi: str | None, unit_code: str, filename: str,
                         created_by: str) -> dict[str, str]:
        """What the catalog could be rebuilt from: whose, which version, which class, which file."""
        return {"document-uid": uid, "document-version": str(number), "klasifikasi": klasifikasi or "belum",
                "unit": unit_code, "filename": filename, "created-by": created_by}

    # -- the guarded sequence ---------------------------------------------------------------------

    def _guarded_put(self, viewer: Viewer, bucket: Bucket, key: str, upload: ValidatedUpload,
                     metadata: dict[str, str], write_catalog: Callable[[Session, StoredObject], T]) -> T:
        """The three steps of the sequence: intent, object, catalog."""
        with self.db.session() as session:  # step 1 in its own transaction, committed before the PUT
            intent = self._record_intent(session, viewer, bucket, key)
        stored = self._write_object(intent, bucket, key, upload, metadata)
        return self._write_catalog(intent, stored, upload, write_catalog)

    def _write_object(self, intent: int, bucket: Bucket, key: str, upload: ValidatedUpload,
                      metadata: dict[str, str]) -> StoredObject:
        """Step 2: the object."""
        try:
            return self.store.put(bucket, key, upload.rewind(), upload.size, upload.content_type, metadata,
                                  sha256=upload.sha256)
        except BaseException as error:
            # A store that is down may or may not have kept the bytes: keep the intent then, so
            # `check` can account for a late arrival; otherwise nothing was written.
            if not isinstance(error, StoreUnavailable):
                self._end_intent(intent)
            raise

    def _write_catalog(self, intent: int, stored: StoredObject, upload: ValidatedUpload,
                       write_catalog: Callable[[Session, StoredObject], T]) -> T:
        """Step 3: the catalog rows and the intent's removal in one transaction, or the object undone."""
        try:
            if stored.sha256 != upload.sha256:
                raise StoreError(f"the store recorded sha256 {stored.sha256} for bytes that hash to {upload.sha256}")
            with self.db.session() as session:
                result = write_catalog(session, stored)
                session.execute(_DELETE_INTENT, {"intent": intent})
            return result
        except BaseException:
            self._undo_put(stored, intent)
            raise

    def _record_intent(self, session: Session, viewer: Viewer, bucket: Bucket, key: str) -> int:
        """Step 1: the intent row, committed before the object is written."""
        return session.execute(_INSERT_INTENT, {"bucket": bucket.value, "key": key, "created_by": viewer.username,
                                                "created_at": self.clock()}).scalar_one()

    def _end_intent(self, intent: int) -> None:
        try:
            with self.db.session() as session:
                session.execute(_DELETE_INTENT, {"intent": intent})
        except Exception:  # the database is what failed: `recover` finishes this later
            log.exception("could not remove upload intent %s; `alur archive check --repair` will", intent)

    def _undo_put(self, stored: StoredObject, intent: int) -> None:
        """The catalog write failed: destroy the version just written, then the intent."""
        try:
            self.store.delete(stored.bucket, stored.key, stored.version_id)
        except Exception:
            log.exception("could not remove %s/%s version %s after a failed catalog write; it stays "
                          "recorded as an interrupted upload", stored.bucket.value, stored.key, stored.version_id)
            return
        self._end_intent(intent)

    def _after_commit(self, version: DocumentVersion, needs_text: bool, upload: ValidatedUpload,
                      lock: bool = True) -> None:
        """Mirror locks onto the store, then extract the text (in-process from the spool) or queue it."""
        if lock:
            self._lock_objects(version.document_id)
        if needs_text:
            try:
                if self._in_process:
                    self._save_ocr(version.id, *self._extract(upload.rewind(), upload.kind))
                else:
                    self.ocr_runner(version.id)
            except Exception:  # the version stays 'pending' and can be run again
                log.exception("could not run or queue text extraction for document version %s", version.id)

    # -- OCR --------------------------------------------------------------------------------------

    def run_ocr(self, version_id: int) -> str:
        """Extract the text of a version whose extraction is pending: the PDF's text layer, else OCR.

        Idempotent (a version no longer pending is left alone). Returns ``done`` (OCR), ``failed``,
        or ``none`` when the text layer sufficed (the status is cleared, as for a text file).

        The bytes are checked against the catalog's SHA-256 as for a download: a mismatch raises
        ``ChecksumMismatch``, is audited and alerted, and no text of the bad bytes is stored: the
        version's extraction fails at once (the sweep does not queue it again; ``alur archive check``
        reports the damage)."""
        with self.db.session() as session:
            version = session.get(DocumentVersion, version_id)
            if version is None:
                raise NotFound(f"document version {version_id} does not exist")
            if version.ocr_status != "pending":
                return version.ocr_status or "none"
            where = (Bucket(version.bucket), version.key, version.store_version_id)
            kind = _KIND_OF.get(version.content_type, "")
        with tempfile.TemporaryFile() as spool:
            try:
                with self.store.open(*where) as reader:
                    if reader.object.sha256 != version.sha256:  # the store's record differs from the catalog's
                        raise ChecksumMismatch(version.bucket, version.key, version.store_version_id,
                                               version.sha256, reader.object.sha256)
                    shutil.copyfileobj(reader, spool)  # the reader checks the bytes against that same hash
            except ChecksumMismatch as mismatch:
                self._alert_mismatch(Viewer.system(), version.document_id, version, mismatch)
                # Another attempt would read the same damaged bytes: fail now, alerted once.
                self._save_ocr(version_id, "", "none", f"not read: {mismatch}"[:500])
                raise
            return self._save_ocr(version_id, *self._extract(spool, kind))

    @staticmethod
    def _extract(spool: BinaryIO, kind: str) -> tuple[str, str, str]:
        """(text, source, error) of a version's bytes."""
        try:
            return (*texts.full_text(spool, kind), "")
        except texts.OcrFailed as failure:
            return "", "none", str(failure)[:500]

    def _save_ocr(self, version_id: int, text: str, source: str, error: str) -> str:
        with self.db.session() as session:
            version = session.get(DocumentVersion, version_id, with_for_update=True)
            if version is None or version.ocr_status != "pending":
                return (version.ocr_status or "none") if version else "none"
            if source == "ocr" or error:
                version.ocr_status = "failed" if error else "done"
                version.text_source = "ocr" if text else "none"
            else:  # the text layer sufficed: no OCR was involved
                version.ocr_status, version.text_source = None, source
            version.ocr_error, version.extracted_text = error, text
            document = version.document
            if document.versions[-1].id == version.id:
                document.body_text = text
            action = f"document.ocr_{version.ocr_status}" if version.ocr_status else "document.text_extracted"
            audit.record(session, "system", action, "document", document.id,
                         version=version.number, characters=len(text), error=error or None)
            return version.ocr_status or "none"

    def pending_ocr(self, stored_before: datetime | None = None) -> list[int]:
        """Versions whose OCR has not run (no worker yet, or the queue was down): run them again.
        ``stored_before`` leaves out the versions still on their first way through the queue."""
        query = select(DocumentVersion.id).where(DocumentVersion.ocr_status == "pending")
        if stored_before is not None:
            query = query.where(DocumentVersion.created_at < stored_before)
        with self.db.session() as session:
            return list(session.scalars(query.order_by(DocumentVersion.id)))

    def requeue_stale_ocr(self, runner: Callable[[int], object], now: datetime | None = None) -> list[int]:
        """The OCR sweep: queue again (with ``runner``) each pending version last queued (by the sweep,
        else at upload) more than :data:`OCR_REQUEUE_AFTER` ago; returns their ids.

        Each queueing is recorded first (``ocr_queued_at``, ``ocr_attempts``, claimed by a conditional
        update, so two sweeps never both queue one version), so a backlog is not queued twice over. A
        version already queued :data:`OCR_MAX_ATTEMPTS` times whose job still did not finish (it
        always fails, or the worker is killed by the time limit) is given up: ``failed``, audited as
        ``document.ocr_failed`` and logged to ``alur.alerts``."""
        now = now or self.clock()
        cutoff = now - OCR_REQUEUE_AFTER
        with self.db.session() as session:
            stale = session.execute(select(
                DocumentVersion.id, DocumentVersion.ocr_attempts, DocumentVersion.ocr_queued_at).where(
                DocumentVersion.ocr_status == "pending",
                or_(DocumentVersion.ocr_queued_at < cutoff,
                    and_(DocumentVersion.ocr_queued_at.is_(None), DocumentVersion.created_at < cutoff)),
            ).order_by(DocumentVersion.id)).all()
        queued = []
        for version_id, attempts, last_queued in stale:
            if attempts >= OCR_MAX_ATTEMPTS:
                self._give_up_ocr(version_id)
                continue
            with self.db.session() as session:
                claimed = session.execute(update(DocumentVersion).where(
                    DocumentVersion.id == version_id, DocumentVersion.ocr_status == "pending",
                    DocumentVersion.ocr_attempts == attempts,
                ).values(ocr_queued_at=now, ocr_attempts=attempts + 1)).rowcount
            if claimed != 1:  # done meanwhile, or queued by another sweep
                continue
            try:
                runner(version_id)
            except Exception:  # the broker is down: not an attempt, the next sweep tries again
                log.exception("could not queue the OCR of document version %s again", version_id)
                with self.db.session() as session:
                    session.execute(update(DocumentVersion).where(DocumentVersion.id == version_id).values(
                        ocr_attempts=DocumentVersion.ocr_attempts - 1, ocr_queued_at=last_queued))
                continue
            queued.append(version_id)
        return queued

    def _give_up_ocr(self, version_id: int) -> None:
        with self.db.session() as session:
            version = session.get(DocumentVersion, version_id, with_for_update=True)
            if version is None or version.ocr_status != "pending":
                return
            version.ocr_status, version.text_source = "failed", "none"
            version.ocr_error = (f"gave up after {version.ocr_attempts} attempts: no OCR job finished "
                                 "(each failed or was stopped)")
            audit.record(session, "system", "document.ocr_failed", "document", version.document_id,
                         version=version.number, characters=0, error=version.ocr_error)
            number, document_id, error = version.number, version.document_id, version.ocr_error
        alerts.warning("ALERT OCR given up: document %s version %s (document version %s): %s",
                       document_id, number, version_id, error)

    # -- reading ----------------------------------------------------------------------------------

    def get(self, viewer: Viewer, document_id: int) -> Document:
        """The document with its versions; ``NotFound`` if it does not exist or the viewer may not see it."""
        document = self._visible(viewer, document_id)
        with self.db.session() as session:
            audit.record(session, viewer.username, "document.viewed", "document", document_id)
        return document

    def _visible(self, viewer: Viewer, document_id: int) -> Document:
        with self.db.session() as session:
            document = session.scalar(self._query().where(Document.id == document_id, visible(viewer)))
        if document is None:
            raise NotFound(f"document {document_id} does not exist")
        return document

    def _load(self, document_id: int) -> Document:
        with self.db.session() as session:
            return session.scalar(self._query().where(Document.id == document_id))

    @staticmethod
    def _query():
        return select(Document).options(selectinload(Document.versions), selectinload(Document.unit),
                                        selectinload(Document.retention_class))

    def open_content(self, viewer: Viewer, document_id: int, version: int | None = None) -> Content:
        """A stream over a version's bytes (the latest by default), SHA-256 verified as it is read.

        A mismatch raises ``ChecksumMismatch`` to the reader, is audited as
        ``document.checksum_mismatch`` and logged to the ``alur.alerts`` logger: never a silent bad file.
        """
        document = self._visible(viewer, document_id)
        chosen = self._version(document, version)
        where = (Bucket(chosen.bucket), chosen.key, chosen.store_version_id)
        reader = self.store.open(*where)
        if reader.object.sha256 != chosen.sha256:
            reader.close()
            mismatch = ChecksumMismatch(chosen.bucket, chosen.key, chosen.store_version_id, chosen.sha256,
                                        reader.object.sha256)
            self._alert_mismatch(viewer, document_id, chosen, mismatch)
            raise mismatch
        with self.db.session() as session:
            audit.record(session, viewer.username, "document.downloaded", "document", document_id,
                         version=chosen.number, sha256=chosen.sha256)
        return Content(document_id, chosen, _AlertingReader(reader, lambda m: self._alert_mismatch(
            viewer, document_id, chosen, m)))

    @staticmethod
    def _version(document: Document, number: int | None) -> DocumentVersion:
        if number is None:
            return document.current
        for candidate in document.versions:
            if candidate.number == number:
                return candidate
        raise NotFound(f"document {document.id} has no version {number}")

    def _alert_mismatch(self, viewer: Viewer, document_id: int, version: DocumentVersion,
                        mismatch: ChecksumMismatch) -> None:
        alerts.error("ALERT checksum mismatch: document %s version %s (%s/%s %s): expected %s, read %s",
                     document_id, version.number, version.bucket, version.key, version.store_version_id,
                     mismatch.expected, mismatch.actual)
        with self.db.session() as session:
            audit.record(session, viewer.username, "document.checksum_mismatch", "document", document_id,
                         version=version.number, expected=mismatch.expected, actual=mismatch.actual)

    def presigned_url(self, viewer: Viewer, document_id: int, version: int | None = None,
                      expires: timedelta = timedelta(minutes=5)) -> str:
        """A short-lived download URL, issued only to a viewer who may see the document (S3 only).

        The bytes then bypass the app, so the SHA-256 is not checked on that read: prefer
        :meth:`open_content` unless the file is too large to stream through the app.
        """
        document = self._visible(viewer, document_id)
        chosen = self._version(document, version)
        expires = min(expires, MAX_PRESIGNED)
        try:
            url = self.store.presigned_url(Bucket(chosen.bucket), chosen.key, chosen.store_version_id, expires)
        except NotImplementedError as error:
            raise ArchiveError(f"presigned URLs need the S3 archive; download through the app instead ({error})") from None
        with self.db.session() as session:
            audit.record(session, viewer.username, "document.presigned_url", "document", document_id,
                         version=chosen.number, expires_seconds=int(expires.total_seconds()))
        return url

    # -- classification ---------------------------------------------------------------------------

    def reclassify(self, viewer: Viewer, document_id: int, klasifikasi: str, exemption: Exemption | None = None,
                   *, action: str = "document.reclassified") -> Document:
        """Change the class; the bytes are copied, as a new version, into the bucket of the new class
        (so the object's metadata always states its class)."""
        if not may_administer(viewer):
            raise PermissionDenied(f"{viewer.username} may not classify documents (PPID roles only)")
        problems = check_class(klasifikasi, exemption)
        if problems:
            raise InvalidDocument(problems)
        document = self._visible(viewer, document_id)
        changes = {"klasifikasi": klasifikasi, **exemption_columns(exemption)}
        if klasifikasi not in PUBLIC_CLASSES:
            changes["published"] = False
        with self._spool(document.current) as upload:
            pending = document.current.ocr_status == "pending"  # its text is still to come: extract again
            found = texts.QuickText(document.body_text, document.current.text_source, pending)
            version = self._store_new_version(viewer, document, upload, found, action, changes)
            if klasifikasi == EXEMPT_CLASS:
                self.move_to_exempt(viewer, document_id)
            self._after_commit(version, pending, upload)
        return self._load(document_id)

    def _spool(self, version: DocumentVersion) -> ValidatedUpload:
        """A version's bytes, verified on the way out against the catalog's SHA-256, spooled for a copy."""
        spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
        try:
            with self.store.open(Bucket(version.bucket), version.key, version.store_version_id) as reader:
                if reader.object.sha256 != version.sha256:  # the store's record differs from the catalog's
                    raise ChecksumMismatch(version.bucket, version.key, version.store_version_id, version.sha256,
                                           reader.object.sha256)
                shutil.copyfileobj(reader, spool)  # the reader checks the bytes against that same hash
        except BaseException:
            spool.close()
            raise
        kind = _KIND_OF.get(version.content_type, "")
        return ValidatedUpload(version.original_filename, kind, version.content_type, version.size,
                               version.sha256, spool)

    def expire_exemptions(self, now: datetime | None = None) -> list[int]:
        """Exemptions whose period (a date) has passed become public (UU 14/2008 Pasal 20: an
        exemption is not forever; the information then moves to the DIP). Returns the ids."""
        today = _wib_date(now or self.clock())
        with self.db.session() as session:
            due = list(session.scalars(select(Document.id).where(
                Document.klasifikasi == "dikecualikan", Document.jangka_waktu_sampai < today)))
        for document_id in due:
            self.reclassify(Viewer.system(), document_id, self.expired_exemption_class,
                            action="document.exemption_expired")
        return due

    # -- exempt content out of the other buckets ---------------------------------------------------

    def move_to_exempt(self, viewer: Viewer, document_id: int) -> list[str]:
        """Move the versions of an exempt document that lie outside the exempt bucket into it.

        The public bucket may be exposed (a portal, a CDN, a read-only key), so exempt bytes must
        not stay there once the class is committed. Each version moves by its own guarded sequence
        (:meth:`_move_version`). A failure is alerted and audited, not raised: the reclassification
        itself is done and the access rule already protects the document; ``alur archive check``
        reports what is left and ``--repair`` finishes it. Returns what was done, one line each.
        """
        document = self._load(document_id)
        if document is None or not document.is_exempt:
            return []
        done = []
        for version in document.versions:
            if version.bucket == Bucket.EXEMPT.value:
                continue
            try:
                done.append(self._move_version(viewer, document, version))
            except _MovedMeanwhile:
                continue
            except _LeftBehind as left:  # moved; the old object stays (alerted and audited)
                done.append(left.line)
                if isinstance(left.error, StoreUnavailable):
                    break
            except StoreError as error:
                self._alert_unfinished_move(viewer, document, version, error)
                if isinstance(error, StoreUnavailable):
                    break
        return done

    def _move_version(self, viewer: Viewer, document: Document, version: DocumentVersion) -> str:
        """Intent, copy (verified against the catalog's SHA-256, metadata stating the exempt class), the
        row pointed at the copy with its audit record in one transaction, then the old object destroyed.

        A crash after the copy leaves an interrupted upload (the row still names the old object); a
        crash after the commit leaves the old object as a leftover that ``check`` recognises (same
        key, version number and SHA-256 as a catalogued object in the exempt bucket)."""
        old = (Bucket(version.bucket), version.key, version.store_version_id)
        meta = {**self._object_metadata(document.uid, version.number, EXEMPT_CLASS, document.unit.code,
                                        version.original_filename, version.created_by),
                "moved-from": version.bucket}

        def repoint(session: Session, stored: StoredObject) -> StoredObject:
            moved = session.execute(update(DocumentVersion).where(
                DocumentVersion.id == version.id, DocumentVersion.bucket == version.bucket,
                DocumentVersion.store_version_id == version.store_version_id,
            ).values(bucket=stored.bucket.value, key=stored.key, store_version_id=stored.version_id,
                     klasifikasi=EXEMPT_CLASS)).rowcount
            if moved != 1:  # a concurrent move (a repair) got there first: this copy is undone
                raise _MovedMeanwhile(f"version {version.number} of document {document.id} moved meanwhile")
            audit.record(session, viewer.username, "document.version_moved", "document", document.id,
                         version=version.number, sha256=version.sha256, from_bucket=version.bucket,
                         from_version=version.store_version_id, to_bucket=stored.bucket.value,
                         to_version=stored.version_id)
            return stored

        with self._spool(version) as upload:
            stored = self._guarded_put(viewer, Bucket.EXEMPT, version.key, upload, meta, repoint)
        moved = f"moved {_where(*old)} of document {document.id} version {version.number} to " \
                f"{_where(stored.bucket, stored.key, stored.version_id)}"
        try:
            kept = self._destroy_moved(viewer, document.id, version)
        except StoreError as error:
            raise _LeftBehind(f"{moved}; the old object is left behind: {error}", error) from error
        return moved + (f"; the old object is kept: {kept}" if kept else "")

    def _destroy_moved(self, viewer: Viewer, document_id: int, version: DocumentVersion) -> str | None:
        """Destroy the object a version was moved from (audited); a lock keeps it (audited): returns why,
        or None. Another store failure is alerted, audited as a leftover (the move itself stands) and raised."""
        try:
            self.store.delete(Bucket(version.bucket), version.key, version.store_version_id)
        except ObjectNotFound:
            return None  # already destroyed (by a concurrent repair)
        except ObjectLocked as locked:
            alerts.warning("ALERT exempt content kept in the %s bucket: document %s version %s (%s %s) is "
                           "locked: %s", version.bucket, document_id, version.number, version.key,
                           version.store_version_id, locked.reason)
            with self.db.session() as session:
                audit.record(session, viewer.username, "document.version_move_locked", "document", document_id,
                             version=version.number, bucket=version.bucket, store_version=version.store_version_id,
                             reason=locked.reason)
            return locked.reason
        except StoreError as error:
            alerts.error("ALERT exempt content left in the %s bucket: document %s version %s was moved to the "
                         "exempt bucket but its old object (%s %s) could not be destroyed: %s; `alur archive check "
                         "--repair` destroys it", version.bucket, document_id, version.number, version.key,
                         version.store_version_id, error)
            with self.db.session() as session:
                audit.record(session, viewer.username, "document.version_move_leftover", "document", document_id,
                             version=version.number, bucket=version.bucket,
                             store_version=version.store_version_id, error=str(error)[:500])
            raise
        with self.db.session() as session:
            audit.record(session, viewer.username, "document.moved_version_destroyed", "document", document_id,
                         version=version.number, bucket=version.bucket, store_version=version.store_version_id,
                         sha256=version.sha256)
        return None

    def _alert_unfinished_move(self, viewer: Viewer, document: Document, version: DocumentVersion,
                               error: StoreError) -> None:
        alerts.error("ALERT exempt content not moved out of the %s bucket: document %s version %s (%s %s): %s; "
                     "`alur archive check --repair` finishes it", version.bucket, document.id, version.number,
                     version.key, version.store_version_id, error)
        with self.db.session() as session:
            audit.record(session, viewer.username, "document.version_move_failed", "document", document.id,
                         version=version.number, bucket=version.bucket, error=str(error)[:500])

    def finish_moves(self) -> list[str]:
        """Move what reclassifications left outside the exempt bucket (a crash, a store failure)."""
        with self.db.session() as session:
            unmoved = list(session.scalars(
                select(DocumentVersion.document_id).distinct().join(Document)
                .where(Document.klasifikasi == EXEMPT_CLASS, DocumentVersion.bucket != Bucket.EXEMPT.value)
                .order_by(DocumentVersion.document_id)))
        done = []
        for document_id in unmoved:
            done += self.move_to_exempt(Viewer.system(), document_id)
            self._lock_objects(document_id)
        return done

    # -- retention --------------------------------------------------------------------------------

    def set_legal_hold(self, viewer: Viewer, document_id: int, on: bool, reason: str = "") -> Document:
        """A legal hold (sengketa informasi, perkara) stops disposal until it is released."""
        if not may_administer(viewer):
            raise PermissionDenied(f"{viewer.username} may not place or release legal holds")
        self._visible(viewer, document_id)
        with self.db.session() as session:
            document = session.get(Document, document_id, with_for_update=True)
            document.legal_hold = bool(on)
            audit.record(session, viewer.username, "document.legal_hold_" + ("on" if on else "off"),
                         "document", document_id, reason=reason)
        self._lock_objects(document_id, release=not on)
        if not on:  # what the hold kept outside the exempt bucket may go now
            for obj in self._leftovers(self._load(document_id)):
                self._destroy_leftover(viewer, document_id, obj, release=True)
        return self._load(document_id)

    def _leftovers(self, document: Document) -> list[StoredObject]:
        """The objects moves to the exempt bucket kept elsewhere for this document (see ``check``)."""
        copies = {(v.key, str(v.number), v.sha256): v for v in document.versions if v.bucket == Bucket.EXEMPT.value}
        keys = {key for key, _number, _sha in copies}
        return [obj for bucket in Bucket if bucket != Bucket.EXEMPT for key in sorted(keys)
                for obj in self.store.versions(bucket, key) if leftover_of(obj, copies) is not None]

    def _destroy_leftover(self, viewer: Viewer, document_id: int, obj: StoredObject, release: bool) -> str | None:
        """Destroy an object a move kept outside the exempt bucket (releasing its hold first if
        ``release``); audited. A lock still in force keeps it and ``check`` goes on reporting it."""
        where = (obj.bucket, obj.key, obj.version_id)
        try:
            if release and obj.legal_hold:
                self.store.set_legal_hold(*where, False)
            self.store.delete(*where)
        except ObjectNotFound:
            return None
        except StoreError as error:  # ObjectLocked included
            log.warning("exempt content kept in the %s bucket: %s: %s", obj.bucket.value, _where(*where), error)
            return None
        with self.db.session() as session:
            audit.record(session, viewer.username, "document.moved_version_destroyed", "document", document_id,
                         bucket=obj.bucket.value, store_version=obj.version_id, sha256=obj.sha256)
        return f"destroyed exempt content left in the {obj.bucket.value} bucket: {_where(*where)}"

    def _lock_objects(self, document_id: int, release: bool = False) -> None:
        """Mirror hold and retention onto the objects, so the store refuses early deletion too.

        Only what is set is sent (a hold, a future retention, or ``release`` of a hold): an
        ordinary ingest costs no extra round trips to the store.
        """
        document = self._load(document_id)
        retain = document.retain_until if document.retain_until and document.retain_until > self.clock() else None
        if not (document.legal_hold or retain or release):
            return
        for version in document.versions:
            where = (Bucket(version.bucket), version.key, version.store_version_id)
            try:
                if document.legal_hold or release:
                    self.store.set_legal_hold(*where, document.legal_hold)
                if retain:
                    self.store.set_retention(*where, retain)
            except StoreError as error:  # the catalog still refuses; the store's lock is a second wall
                log.warning("could not lock %s/%s %s in the store: %s", *where, error)

    def delete(self, viewer: Viewer, document_id: int) -> None:
        """Dispose of a document (JRA 'musnah'): refused under legal hold, retention or 'permanen'."""
        if not may_administer(viewer):
            raise PermissionDenied(f"{viewer.username} may not delete documents")
        document = self._visible(viewer, document_id)
        self._refuse_if_retained(document)
        with self.db.session() as session:
            session.delete(session.get(Document, document_id))
            audit.record(session, viewer.username, "document.deleted", "document", document_id,
                         title=document.title, versions=[v.store_version_id for v in document.versions])
        for obj in self._leftovers(document):  # what a move kept in another bucket goes with it
            self._destroy_leftover(viewer, document_id, obj, release=False)
        left = []
        for version in document.versions:
            try:
                self.store.delete(Bucket(version.bucket), version.key, version.store_version_id)
            except StoreError as error:
                left.append(f"{version.bucket}/{version.key} {version.store_version_id}: {error}")
        if left:
            raise ArchiveError(f"document {document_id} was removed from the catalog but {len(left)} stored "
                               f"version(s) remain; `alur archive check` lists them as orphans: {'; '.join(left)}")

    def _refuse_if_retained(self, document: Document) -> None:
        if document.legal_hold:
            raise RetentionLocked(f"document {document.id} is under legal hold; release the hold first")
        if document.retention_class and document.retention_class.final_disposition == "permanen":
            raise RetentionLocked(f"document {document.id} is a permanent record (JRA: permanen)")
        if document.retain_until and document.retain_until > self.clock():
            raise RetentionLocked(f"document {document.id} is retained until "
                                  f"{document.retain_until.date().isoformat()} (JRA {document.retensi})")

    def due_for_review(self, now: datetime | None = None, viewer: Viewer | None = None) -> list[Document]:
        """Documents whose JRA period has ended and that are not on hold: to destroy or re-assess."""
        now = now or self.clock()
        with self.db.session() as session:
            return list(session.scalars(
                self._query().join(RetentionClass, Document.retention_class_id == RetentionClass.id)
                .where(Document.retain_until <= now, Document.legal_hold.is_(False),
                       visible(viewer or Viewer.system()))
                .order_by(Document.retain_until, Document.id)))

    # -- search -----------------------------------------------------------------------------------

    def search(self, viewer: Viewer, query: SearchQuery | None = None, **criteria) -> SearchResults:
        """Full text and facets over what ``viewer`` may see (``criteria``: SearchQuery's fields)."""
        return search(self.db, viewer, query or SearchQuery(**criteria))

    def list(self, viewer: Viewer, **criteria) -> SearchResults:
        """The viewer's documents newest first, filtered by facets (a search without words)."""
        return search(self.db, viewer, SearchQuery(order="date", **criteria))

    # -- reconciliation ---------------------------------------------------------------------------

    def check(self, deep: bool = True):
        from storage.reconcile import check
        return check(self.db, self.store, deep=deep, now=self.clock())

    def recover(self) -> list[str]:
        """Repair what can be repaired, one line each: interrupted uploads removed, moves of exempt
        content finished, and what moves left behind destroyed where no lock forbids it."""
        from storage.reconcile import recover
        done = recover(self.db, self.store, now=self.clock())
        done += self.finish_moves()
        for obj, document_id in self.check(deep=False).leftovers:
            # By the archive's clock, as check() labelled it held or not; the store enforces the lock by
            # its own clock, so if the two disagree it refuses the delete and the leftover stays reported.
            if not lock_of(obj, self.clock()):
                done.append(self._destroy_leftover(Viewer.system(), document_id, obj, release=False))
        return [line for line in done if line]

    def nightly_repair(self) -> list[str]:
        """:meth:`recover`, each line logged, then what a lock still keeps outside the exempt bucket
        alerted again, every night until the lock ends, so it is not forgotten."""
        done = self.recover()
        for line in done:
            log.info("archive repair: %s", line)
        for held in self.check(deep=False).held:
            alerts.warning("archive: %s", held)
        return done


class _AlertingReader:
    """Passes reads through; a checksum mismatch is reported (audit + alert) before it propagates."""

    def __init__(self, reader, on_mismatch: Callable[[ChecksumMismatch], None]) -> None:
        self._reader, self._on_mismatch, self._reported = reader, on_mismatch, False

    def read(self, amount: int = -1) -> bytes:
        try:
            return self._reader.read(amount)
        except ChecksumMismatch as mismatch:
            if not self._reported:
                self._reported = True
                self._on_mismatch(mismatch)
            raise

    def close(self) -> None:
        self._reader.close()

    def __iter__(self):
        while chunk := self.read(STREAM_CHUNK):
            yield chunk


def _wib_date(moment: datetime):
    """Periods in decrees are WIB calendar dates."""
    from zoneinfo import ZoneInfo
    return moment.astimezone(ZoneInfo("Asia/Jakarta")).date()
