"""Retention: legal holds, the JRA's periods, disposal, and what is due for review."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from engine import audit
from engine.db import Database
from engine.errors import PermissionDenied
from storage.access import Viewer, may_administer, visible
from storage.archive_errors import ArchiveError, RetentionLocked
from storage.errors import ObjectNotFound, StoreError
from storage.models import Document, RetentionClass
from storage.objectstore import Bucket, ObjectStore, StoredObject
from storage.reconcile import leftover_of, where as _where

log = logging.getLogger(__name__)


class Retention:
    """Part of :class:`~storage.archive.ArchiveService`: keeping and disposing of documents."""

    db: Database
    store: ObjectStore
    clock: Callable[[], datetime]

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
