"""Celery tasks of the archive: OCR of scans, and the daily expiry of exemption periods.

Registered on ``engine.worker.celery_app`` when this module is imported; the worker imports it
(``import storage.tasks`` in engine/worker.py, the lead's change). Tasks take ids, never objects,
and are idempotent: ``run_ocr`` leaves a version whose OCR is done or failed alone, so a
redelivery after a worker crash (acks_late) repeats nothing.

Until a worker runs, :class:`~storage.archive.ArchiveService` OCRs in-process; give it
``ocr_runner=queue_ocr`` to hand the work to the worker instead.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from alur.config import Settings
from engine.worker import celery_app


@lru_cache(maxsize=1)
def archive_service():
    """Built once per worker process, on first use."""
    from engine.db import Database
    from storage.archive import ArchiveService
    from storage.config import open_store
    settings = Settings.from_env()
    return ArchiveService(Database(settings.database_url), open_store(settings.archive_url))


@celery_app.task(name="alur.archive.ocr", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def ocr(document_version_id: int) -> str:
    """OCR one stored version (Tesseract, ALUR_OCR_LANG, default ind); returns done/failed."""
    return archive_service().run_ocr(document_version_id)


@celery_app.task(name="alur.archive.expire_exemptions")
def expire_exemptions(now: str | None = None) -> list[int]:
    """Exemptions whose period has passed become public (UU 14/2008 Pasal 20), audited."""
    return archive_service().expire_exemptions(datetime.fromisoformat(now) if now else None)


def queue_ocr(document_version_id: int) -> None:
    """An ``ocr_runner`` for ArchiveService that queues the OCR on the broker."""
    ocr.delay(document_version_id)
