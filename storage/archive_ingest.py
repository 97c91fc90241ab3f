"""Ingest: new documents and new versions, each written by the guarded sequence.

Consistency between the catalog (SQL) and the buckets comes from one guarded sequence
(:meth:`Ingest._guarded_put`):

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
"""
from __future__ import annotations

import logging
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Callable, Iterable, Iterator, TypeVar

from sqlalchemy import bindparam, delete, insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine import audit
from engine.db import Database, insert_row
from engine.errors import PermissionDenied
from storage import text as texts
from storage.access import Viewer, may_add_to
from storage.archive_errors import ArchiveError
from storage.catalog import DocumentMetadata, bucket_for, exemption_of, prepare
from storage.errors import StoreUnavailable
from storage.models import Document, DocumentVersion, PendingUpload
from storage.objectstore import Bucket, ObjectStore, StoredObject
from storage.validation import ValidatedUpload, validate_upload

log = logging.getLogger(__name__)
alerts = logging.getLogger("alur.alerts")  # operators route this logger to their alerting

T = TypeVar("T")
# Statements on the intents' table itself (not through the ORM entity), built once: every upload
# runs both, and the ORM's bulk path would cost more than the row.
_INTENTS = PendingUpload.__table__
_INSERT_INTENT = insert(_INTENTS).returning(_INTENTS.c.id)
_DELETE_INTENT = delete(_INTENTS).where(_INTENTS.c.id == bindparam("intent"))


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


class Ingest:
    """Part of :class:`~storage.archive.ArchiveService`: filing documents and versions. After the commit,
    text is :class:`~storage.archive_text.TextJobs`' and locks :class:`~storage.archive_retention.Retention`'s."""

    db: Database
    store: ObjectStore
    clock: Callable[[], datetime]
    ocr_runner: Callable[[int], object]
    _in_process: bool
    max_upload_bytes: int | None

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
