"""Classification, and exempt content moved out of the other buckets.

Reclassifying a document as dikecualikan also moves its earlier versions out of the public (or
originals) bucket, which operators may expose, by the same discipline per version
(:meth:`Classification._move_version`): intent, verified copy into the exempt bucket, the row
repointed in one transaction with its audit record, then the old version destroyed. A lock on the
old version keeps it (audited); ``check`` reports it and any move a crash or a store failure left
unfinished, and ``recover`` finishes what it can.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from datetime import datetime
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import audit
from engine.db import Database
from engine.errors import PermissionDenied
from storage import text as texts
from storage.access import Viewer, may_administer
from storage.archive_errors import ArchiveError
from storage.catalog import Exemption, InvalidDocument, check_class, exemption_columns
from storage.errors import ChecksumMismatch, ObjectLocked, ObjectNotFound, StoreError, StoreUnavailable
from storage.models import EXEMPT_CLASS, PUBLIC_CLASSES, Document, DocumentVersion
from storage.objectstore import Bucket, ObjectStore, StoredObject
from storage.reconcile import where as _where
from storage.validation import KIND_OF_CONTENT_TYPE, ValidatedUpload

alerts = logging.getLogger("alur.alerts")  # operators route this logger to their alerting


class _MovedMeanwhile(ArchiveError):
    """A version was moved to the exempt bucket by someone else while this copy was written."""


class _LeftBehind(ArchiveError):
    """A move is committed (the row names the exempt copy) but its old object could not be destroyed."""

    def __init__(self, line: str, error: StoreError) -> None:
        super().__init__(line)
        self.line, self.error = line, error


def _wib_date(moment: datetime):
    """Periods in decrees are WIB calendar dates."""
    from zoneinfo import ZoneInfo
    return moment.astimezone(ZoneInfo("Asia/Jakarta")).date()


class Classification:
    """Part of :class:`~storage.archive.ArchiveService`: changing a document's class. The copies are
    written by the guarded sequence of :class:`~storage.archive_ingest.Ingest`."""

    db: Database
    store: ObjectStore
    clock: Callable[[], datetime]
    expired_exemption_class: str

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
        kind = KIND_OF_CONTENT_TYPE.get(version.content_type, "")
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
