"""Text extraction after the commit: the text layer of long PDFs, OCR of scans, and the sweep that
queues again what lost its job."""
from __future__ import annotations

import logging
import shutil
import tempfile
from datetime import datetime, timedelta
from typing import BinaryIO, Callable

from sqlalchemy import and_, or_, select, update

from engine import audit
from engine.db import Database
from engine.errors import NotFound
from storage import text as texts
from storage.access import Viewer
from storage.errors import ChecksumMismatch
from storage.models import DocumentVersion
from storage.objectstore import Bucket, ObjectStore
from storage.validation import KIND_OF_CONTENT_TYPE

log = logging.getLogger(__name__)
alerts = logging.getLogger("alur.alerts")  # operators route this logger to their alerting

# A version still pending this long after it was stored, or after the sweep last queued it, lost its
# job (broker down at upload, job dropped, worker killed): the sweep queues it again, at most
# OCR_MAX_ATTEMPTS times, then gives up on it (failed, audited, alerted).
OCR_REQUEUE_AFTER = timedelta(minutes=15)
OCR_MAX_ATTEMPTS = 3


class TextJobs:
    """Part of :class:`~storage.archive.ArchiveService`: text a version could not get at ingest."""

    db: Database
    store: ObjectStore
    clock: Callable[[], datetime]

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
            kind = KIND_OF_CONTENT_TYPE.get(version.content_type, "")
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
