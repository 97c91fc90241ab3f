"""Reading documents: metadata, verified content streams, presigned URLs; each access audited."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO, Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engine import audit
from engine.db import Database
from engine.errors import NotFound
from storage.access import Viewer, visible
from storage.archive_errors import ArchiveError
from storage.errors import ChecksumMismatch
from storage.models import Document, DocumentVersion
from storage.objectstore import Bucket, ObjectStore

alerts = logging.getLogger("alur.alerts")  # operators route this logger to their alerting

MAX_PRESIGNED = timedelta(minutes=15)
STREAM_CHUNK = 64 * 1024


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


class Reading:
    """Part of :class:`~storage.archive.ArchiveService`: what a viewer may see (the other parts look
    documents up through :meth:`_visible` and :meth:`_load`), and its bytes."""

    db: Database
    store: ObjectStore
    clock: Callable[[], datetime]

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
            raise ArchiveError("presigned URLs need the S3 archive; download through the app instead "
                               f"({error})") from None
        with self.db.session() as session:
            audit.record(session, viewer.username, "document.presigned_url", "document", document_id,
                         version=chosen.number, expires_seconds=int(expires.total_seconds()))
        return url
