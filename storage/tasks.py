"""Celery tasks of the archive: OCR of scans (queued by the web app, swept up again when a queueing
was lost), the daily expiry of exemption periods, and the nightly repair.

Registered on ``engine.worker.celery_app`` when this module is imported; the worker imports it
(``import storage.tasks`` in engine/worker.py, the lead's change). Tasks take ids, never objects,
and are idempotent: ``run_ocr`` leaves a version whose OCR is done or failed alone, so a
redelivery after a worker crash (acks_late) repeats nothing.

Without a runner, :class:`~storage.archive.ArchiveService` OCRs in-process (tests, the CLI); the
production web app (web/wsgi.py) and ``alur serve --with-worker`` give it ``ocr_runner=queue_ocr``.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from celery.schedules import crontab

from alur.config import Settings
from engine.timeutil import utcnow
from engine.worker import celery_app


# Every 10 minutes the sweep queues again what lost its job (storage.archive.OCR_REQUEUE_AFTER, at
# most OCR_MAX_ATTEMPTS times, then gives up on it). run_ocr is idempotent: a late job does no harm.
celery_app.conf.beat_schedule.setdefault("ocr-sweep", {"task": "alur.archive.ocr_sweep", "schedule": 600.0})
celery_app.conf.beat_schedule.setdefault("archive-repair", {"task": "alur.archive.repair",
                                                            "schedule": crontab(hour=2, minute=30)})


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


@celery_app.task(name="alur.archive.ocr_sweep")
def ocr_sweep(now: str | None = None) -> list[int]:
    """Queue again the OCR of versions left pending (ArchiveService.requeue_stale_ocr); returns their ids."""
    return archive_service().requeue_stale_ocr(queue_ocr, datetime.fromisoformat(now) if now else utcnow())


@celery_app.task(name="alur.archive.repair")
def repair() -> list[str]:
    """Nightly `alur archive check --repair`'s repair (ArchiveService.nightly_repair): interrupted uploads
    removed, moves of exempt content finished, what a lock kept behind destroyed once the lock has ended,
    and what a lock still keeps in a non-exempt bucket alerted again each night."""
    return archive_service().nightly_repair()
