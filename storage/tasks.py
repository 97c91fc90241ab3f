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

import logging
from datetime import datetime, timedelta
from functools import lru_cache

from celery.schedules import crontab

from alur.config import Settings
from engine.timeutil import utcnow
from engine.worker import celery_app

log = logging.getLogger(__name__)

# A version still pending this long after it was stored lost its queued job (broker down at upload,
# job dropped): the sweep queues it again. run_ocr is idempotent, so a late first job does no harm.
OCR_SWEEP_AFTER = timedelta(minutes=15)
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
    """Queue again the OCR of versions left pending (see OCR_SWEEP_AFTER); returns their ids."""
    moment = datetime.fromisoformat(now) if now else utcnow()
    pending = archive_service().pending_ocr(stored_before=moment - OCR_SWEEP_AFTER)
    for version_id in pending:
        queue_ocr(version_id)
    return pending


@celery_app.task(name="alur.archive.repair")
def repair() -> list[str]:
    """Nightly `alur archive check --repair`'s repair: interrupted uploads removed, moves of exempt content
    finished, and what a lock kept behind destroyed once the lock has ended. Each line is logged."""
    done = archive_service().recover()
    for line in done:
        log.info("archive repair: %s", line)
    return done
