"""The archive service: ingest, versions, classification, retrieval and retention of documents.

:class:`ArchiveService` is assembled from one part per concern, each in its own module:

- :mod:`storage.archive_ingest`: new documents and versions, by the guarded sequence that keeps the
  catalog and the buckets consistent (intent, object, catalog rows; read its docstring first);
- :mod:`storage.archive_text`: text extraction and OCR after the commit, and their sweep;
- :mod:`storage.archive_reading`: metadata, verified content, presigned URLs;
- :mod:`storage.archive_exempt`: reclassification, and exempt content moved out of the other buckets;
- :mod:`storage.archive_retention`: legal holds, retention, disposal, what is due for review;
- here: search, and the reconciliation of catalog and store (``check``, ``recover``).

The service knows nothing of HTTP; every method takes the :class:`~storage.access.Viewer` it acts
for, applies the access rule inside its queries (a document the viewer may not see is
``NotFound``), and records what it did in the audit trail.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from engine.db import Database
from engine.timeutil import utcnow
from storage.access import Viewer
from storage.archive_errors import ArchiveError, RetentionLocked
from storage.archive_exempt import Classification
from storage.archive_ingest import Ingest, object_key
from storage.archive_reading import MAX_PRESIGNED, STREAM_CHUNK, Content, Reading
from storage.archive_retention import Retention
from storage.archive_text import OCR_MAX_ATTEMPTS, OCR_REQUEUE_AFTER, TextJobs
from storage.models import PUBLIC_CLASSES
from storage.objectstore import ObjectStore
from storage.reconcile import lock_of
from storage.search import SearchQuery, SearchResults, search

__all__ = ["ArchiveService", "ArchiveError", "RetentionLocked", "Content", "object_key", "MAX_PRESIGNED",
           "STREAM_CHUNK", "OCR_MAX_ATTEMPTS", "OCR_REQUEUE_AFTER"]

log = logging.getLogger(__name__)
alerts = logging.getLogger("alur.alerts")  # operators route this logger to their alerting


class ArchiveService(Ingest, TextJobs, Reading, Classification, Retention):
    """Documents in an :class:`ObjectStore`, catalogued in the shared database.

    The text of plain, office and short PDF files is read at ingest and committed with the catalog
    rows (see :func:`storage.text.ingest_text`). ``ocr_runner(version_id)`` is called after a scan or
    a long PDF is catalogued, to extract its text (the PDF's text layer, else OCR): until then the
    version's ``ocr_status`` is ``pending`` and the document is found by its title and ringkasan,
    not yet by its body. The default runs the extraction in-process at once after the commit, from
    the upload's spool (:meth:`run_ocr` reads the stored object instead); ``storage.tasks.queue_ocr``
    hands it to a Celery worker.
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
