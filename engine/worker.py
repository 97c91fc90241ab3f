"""The Celery app: timers, deadline watch and the daily digest, run by workers and beat.

Broker and result backend come from ALUR_BROKER_URL: the embedded default is Kombu's SQLAlchemy
transport on SQLite, production uses Redis. Tasks take ids (never objects), have time limits,
take the instance's lock through the service, and are idempotent, so a retry after a worker
crash repeats nothing that was already committed (acks_late + reject_on_worker_lost).
"""
from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache

from celery import Celery
from celery.schedules import crontab

from alur.config import Settings


def _result_backend(broker_url: str) -> str:
    if broker_url.startswith("sqla+"):
        return "db+" + broker_url[len("sqla+"):]
    return broker_url


def _poll_embedded_broker_faster() -> None:
    """The embedded SQLite broker is polled, by default once a second, which makes a backlog
    crawl. Kombu's SQLAlchemy transport hands every transport option to create_engine, so the
    interval cannot go through broker_transport_options; it is the transport's class default."""
    from kombu.transport import sqlalchemy as sqla_transport
    sqla_transport.Transport.polling_interval = 0.1


def make_celery(settings: Settings | None = None) -> Celery:
    settings = settings or Settings.from_env()
    settings.ensure_data_dir()
    interval = float(os.environ.get("ALUR_TIMER_INTERVAL_SECONDS", "60"))
    if settings.broker_url.startswith("sqla+"):
        _poll_embedded_broker_faster()
    app = Celery("alur", broker=settings.broker_url, backend=_result_backend(settings.broker_url))
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=300,
        task_soft_time_limit=240,
        result_expires=3600,
        timezone="Asia/Jakarta",
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "timers": {"task": "alur.timers.run_due", "schedule": interval},
            "deadlines": {"task": "alur.deadlines.check", "schedule": interval},
            "digest": {"task": "alur.digest.daily", "schedule": crontab(hour=7, minute=0)},
            "exemptions": {"task": "alur.archive.expire_exemptions", "schedule": crontab(hour=1, minute=0)},
        },
    )
    return app


celery_app = make_celery()


@lru_cache(maxsize=1)
def _services():
    """Built once per worker process, on first use (not at import: beat needs no database)."""
    from alur import wiring
    from engine.db import Database
    from engine.runtime import ProcessService
    wiring.install()
    settings = Settings.from_env()
    db = Database(settings.database_url)
    return db, ProcessService(db)


def _moment(now: str | None) -> datetime | None:
    """Tasks accept an ISO time so tests and operators can run them 'as of' a moment."""
    return datetime.fromisoformat(now) if now else None


FIRE_CHUNK = 25


@celery_app.task(name="alur.timers.run_due")
def run_due_timers(now: str | None = None) -> list[int]:
    """Fan the due instances out in chunks, so several workers share a large backlog."""
    _, service = _services()
    due = service.due_timer_instances(_moment(now))
    for start in range(0, len(due), FIRE_CHUNK):
        fire_instance_timers.delay(due[start:start + FIRE_CHUNK], now)
    return due


@celery_app.task(name="alur.timers.fire", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def fire_instance_timers(instance_ids: list[int], now: str | None = None) -> int:
    """Each instance in its own transaction under its lock: a crash mid-chunk loses only the rest,
    which the next run of the timer job finds still due."""
    _, service = _services()
    return sum(service.fire_timers(instance_id, _moment(now)) for instance_id in instance_ids)


@celery_app.task(name="alur.deadlines.check")
def check_deadlines(now: str | None = None) -> dict:
    from engine.deadlines import check_deadlines as run_check, escalation_delay_from_env
    from engine.timeutil import utcnow
    db, _ = _services()
    with db.session() as session:
        result = run_check(session, _moment(now) or utcnow(), escalation_delay_from_env())
    return {"notified": result.notified, "escalated": result.escalated}


@celery_app.task(name="alur.digest.daily")
def daily_digest(now: str | None = None) -> int:
    from engine.digest import send_daily_digest
    db, _ = _services()
    with db.session() as session:
        return send_daily_digest(session, _moment(now))


import engine.mail_tasks  # noqa: E402,F401  (registers alur.notifications.send_email and its beat entry)
import storage.tasks  # noqa: E402,F401  (registers alur.archive.ocr and alur.archive.expire_exemptions)
