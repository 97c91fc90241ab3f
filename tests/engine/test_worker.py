"""Timers and deadlines run by a real Celery worker and beat, on Redis and on the embedded SQLite broker.

The worker is a separate process tree, as in production; the test talks to it only through the
broker and the database. Time is injected by passing `now` to the tasks.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from alur.config import Settings
from alur.migrate import upgrade
from engine.db import Database
from engine.models import AuditEvent, HumanTask, Notification, Unit, User
from engine.organization import create_user, get_or_create_role
from engine.runtime import ProcessService
from engine.timeutil import utcnow
from engine.worker import make_celery
from tests.conftest import fresh_postgres_database
from tests.engine.helpers import PASSWORD, review_loop_xml, setup_review_loop
from tests.engine.test_timers import ESCALATION, LANE_REFS
from tests.production.stack import process_env
from tests.services import stop_process
from tests.stack import PRODUCTION, production_env

CELERY = str(Path(sys.executable).parent / "celery")


def escalation_model(duration: str = "PT1H") -> bytes:
    escalation = ESCALATION.replace('"PT1H"', f'"{duration}"')
    return review_loop_xml(**{'<bpmn:endEvent id="Selesai" name="Selesai"/>': escalation, LANE_REFS[0]: LANE_REFS[1]})


@pytest.fixture(params=["redis+postgresql"] if PRODUCTION else ["redis+postgresql", "sqlite-broker+sqlite"])
def stack(request, tmp_path):
    """Environment of a deployment: database and broker URLs exactly as the app reads them
    (on the production stack, every variable compose gives the worker and beat services)."""
    drop = None
    if request.param.startswith("redis"):
        database_url, drop = fresh_postgres_database(request.getfixturevalue("postgres"))
        broker_url = request.getfixturevalue("redis_url")
    else:
        database_url = f"sqlite:///{tmp_path / 'alur.db'}"
        broker_url = f"sqla+sqlite:///{tmp_path / 'broker.db'}"
    fast_timers = {"ALUR_TIMER_INTERVAL_SECONDS": "1"}
    if PRODUCTION:
        env = process_env(production_env(database_url, tmp_path, **fast_timers))
    else:
        env = {**os.environ, "ALUR_DATA_DIR": str(tmp_path), "ALUR_DATABASE_URL": database_url,
               "ALUR_BROKER_URL": broker_url, **fast_timers}
    upgrade(database_url)
    db = Database(database_url)
    stack = Stack(env, db, tmp_path)
    yield stack
    stack.stop_all()
    db.dispose()
    if drop:
        drop()


class Stack:
    def __init__(self, env: dict, db: Database, workdir: Path):
        self.env, self.db, self.workdir = env, db, workdir
        self.app = make_celery(Settings.from_env(env))
        self.processes: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.workdir / f"celery-{len(self.processes)}.log", "w")
        process = subprocess.Popen([CELERY, "-A", "engine.worker:celery_app", *args], env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def worker(self) -> subprocess.Popen:
        return self.start("worker", "--concurrency", "2", "--loglevel", "INFO", "--without-gossip",
                          "--without-mingle", "--without-heartbeat")

    def beat(self) -> subprocess.Popen:
        return self.start("beat", "--schedule", str(self.workdir / "beat-schedule"), "--loglevel", "INFO")

    def call(self, name: str, **kwargs):
        return self.app.send_task(name, kwargs=kwargs).get(timeout=120)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            stop_process(process)


def wait_until(condition, timeout: float = 90, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def start_cases_at_review(db, count: int, duration: str = "PT1H") -> list[int]:
    setup_review_loop(db, escalation_model(duration))
    service = ProcessService(db)
    ids = []
    for _ in range(count):
        instance = service.start("uji_tinjauan", "staf")
        ids.append(instance.id)
    for task in service.ready_tasks("staf"):
        service.complete(task.id, "staf")
    return ids


def fired_per_instance(db) -> dict[int, int]:
    with db.session() as session:
        rows = session.execute(select(AuditEvent.instance_id, func.count())
                               .where(AuditEvent.action == "timer.fired").group_by(AuditEvent.instance_id))
        return dict(rows.all())


def escalations_per_instance(db) -> dict[int, int]:
    with db.session() as session:
        rows = session.execute(select(HumanTask.instance_id, func.count())
                               .where(HumanTask.bpmn_id == "Eskalasi").group_by(HumanTask.instance_id))
        return dict(rows.all())


def test_the_worker_fires_due_timers_of_reloaded_instances(stack):
    [instance_id] = start_cases_at_review(stack.db, 1)
    stack.worker()
    later = (utcnow() + timedelta(hours=2)).isoformat()
    assert stack.call("alur.timers.run_due", now=later) == [instance_id]
    wait_until(lambda: escalations_per_instance(stack.db) == {instance_id: 1})
    assert stack.call("alur.timers.run_due", now=later) == []
    assert fired_per_instance(stack.db) == {instance_id: 1}


def test_beat_drives_the_timer_job_on_the_real_clock(stack):
    [instance_id] = start_cases_at_review(stack.db, 1, duration="PT2S")
    stack.worker()
    stack.beat()
    wait_until(lambda: escalations_per_instance(stack.db) == {instance_id: 1}, timeout=120)


def test_overdue_notifies_once_and_escalates_once_through_the_worker(stack):
    start_cases_at_review(stack.db, 1)  # step 2, "2 hari kerja", is now waiting for the Kepala
    with stack.db.session() as session:
        unit = session.scalar(select(Unit).where(Unit.code == "A"))
        atasan = get_or_create_role(session, unit, "Atasan", [])
        atasan.supervises = ["Kepala"]
        create_user(session, "atasan", PASSWORD, unit, [atasan])
        due = session.scalar(select(HumanTask.due_at).where(HumanTask.bpmn_id == "Langkah_2"))
    stack.worker()
    late, much_later = (due + timedelta(minutes=1)).isoformat(), (due + timedelta(days=3)).isoformat()
    assert stack.call("alur.deadlines.check", now=late) == {"notified": 1, "escalated": 0}
    assert stack.call("alur.deadlines.check", now=late) == {"notified": 0, "escalated": 0}
    assert stack.call("alur.deadlines.check", now=much_later) == {"notified": 0, "escalated": 1}
    assert stack.call("alur.deadlines.check", now=much_later) == {"notified": 0, "escalated": 0}
    with stack.db.session() as session:
        sent = session.execute(select(User.username, Notification.kind)
                               .join(User, User.id == Notification.user_id).order_by(Notification.id)).all()
    assert [tuple(row) for row in sent] == [("kepala", "overdue"), ("atasan", "escalation")]


def test_a_worker_killed_in_the_middle_of_the_timer_job_loses_no_timer_and_fires_none_twice(stack):
    cases = start_cases_at_review(stack.db, 200)
    worker = stack.worker()
    later = (utcnow() + timedelta(hours=2)).isoformat()
    assert len(stack.call("alur.timers.run_due", now=later)) == len(cases)
    wait_until(lambda: len(fired_per_instance(stack.db)) >= 5, interval=0.01)
    os.killpg(worker.pid, signal.SIGKILL)  # the whole worker: main process and its pool children
    worker.wait(timeout=30)
    fired_before_restart = len(fired_per_instance(stack.db))
    assert 0 < fired_before_restart < len(cases), "the kill must land in the middle of the job"

    stack.worker()
    stack.call("alur.timers.run_due", now=later)  # what beat does every minute
    wait_until(lambda: len(escalations_per_instance(stack.db)) == len(cases), timeout=180)
    assert set(fired_per_instance(stack.db).values()) == {1}
    assert set(escalations_per_instance(stack.db).values()) == {1}
