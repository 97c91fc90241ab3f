"""Two gunicorn web processes and two Celery workers on one PostgreSQL, one Redis and one S3 store.

Configured exactly as docker-compose.yml configures them (same variables, same commands). Every
task completion is sent to BOTH web processes at the same moment: exactly one must succeed and the
other be refused as a conflict. Then the timer job runs twice at once over many due cases on
the two workers: every timer fires once, none twice, none lost.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from engine.db import Database
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.timeutil import utcnow
from engine.worker import make_celery
from alur.config import Settings
from tests.engine.helpers import PASSWORD, setup_review_loop
from tests.engine.test_worker import escalation_model, escalations_per_instance, fired_per_instance, wait_until
from tests.production.stack import http

CASES = 40
APPROVED = 15  # approved by the Kepala before the deadline; the rest escalate when the timer fires


def token(base: str, username: str) -> str:
    status, body = http("POST", f"{base}/api/v1/auth/token", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["token"]


def ready_tasks(base: str, bearer: str) -> list[dict]:
    status, body = http("GET", f"{base}/api/v1/tasks?per_page=200", token=bearer)
    assert status == 200, body
    return body["items"]


DRAFTED = {"ringkasan": "x", "kelengkapan": ["Bahan kerja", "Data"]}  # step 1, its checklist confirmed
APPROVE = {"keputusan": "ya", "kelengkapan": ["Konsep"]}


def complete_on_both(webs: list[str], bearer: str, task_id: int, data: dict) -> list[int]:
    """The same completion sent to both web processes at once; their HTTP statuses, sorted."""
    with ThreadPoolExecutor(max_workers=len(webs)) as both:
        futures = [both.submit(http, "POST", f"{base}/api/v1/tasks/{task_id}/complete", data, bearer) for base in webs]
        return sorted(future.result()[0] for future in futures)


def healthy(base: str) -> dict | None:
    status, body = http("GET", f"{base}/healthz")
    return body if status == 200 else None


def completions_per_task(db: Database) -> dict[int, int]:
    with db.session() as session:
        rows = session.execute(select(AuditEvent.object_id, func.count()).where(AuditEvent.action == "task.completed")
                               .group_by(AuditEvent.object_id))
        return {int(task_id): count for task_id, count in rows}


def test_two_web_processes_and_two_workers_process_everything_once(production):
    production.migrate()  # the migrate service's commands: check-config, db upgrade, store init
    db = Database(production.alur_env["ALUR_DATABASE_URL"])
    try:
        setup_review_loop(db, escalation_model("PT1H"))
        webs = [production.web(), production.web()]
        production.worker(), production.worker()
        for base in webs:
            assert wait_until(lambda: healthy(base), timeout=60)["checks"].keys() == {"database", "broker", "store"}
        staf = [token(webs[0], "staf"), token(webs[1], "staf")]  # tokens work on either process
        kepala = token(webs[1], "kepala")

        with ThreadPoolExecutor(max_workers=6) as pool:
            started = list(pool.map(lambda n: http("POST", f"{webs[n % 2]}/api/v1/processes/uji_tinjauan/instances",
                                                    {"data": {"nomor": n}}, staf[n % 2]), range(CASES)))
            assert [status for status, _ in started] == [201] * CASES, production.logs()
            case_ids = {body["instance_id"] for _, body in started}
            assert len(case_ids) == CASES

            drafts = ready_tasks(webs[0], staf[1])
            assert sorted(task["instance_id"] for task in drafts) == sorted(case_ids)
            outcomes = list(pool.map(lambda task: complete_on_both(webs, staf[0], task["id"], DRAFTED),
                                     drafts))
            assert outcomes == [[200, 409]] * CASES, outcomes

            reviews = ready_tasks(webs[1], kepala)
            assert len(reviews) == CASES
            outcomes = list(pool.map(lambda task: complete_on_both(webs, kepala, task["id"], APPROVE),
                                     reviews[:APPROVED]))
            assert outcomes == [[200, 409]] * APPROVED, outcomes

        completed = completions_per_task(db)
        assert len(completed) == CASES + APPROVED and set(completed.values()) == {1}

        # The timer job twice at once on the two workers, over every case still at the review.
        celery = make_celery(Settings.from_env(production.alur_env))
        later = (utcnow() + timedelta(hours=2)).isoformat()
        runs = [celery.send_task("alur.timers.run_due", kwargs={"now": later}) for _ in range(2)]
        due = [set(run.get(timeout=120)) for run in runs]
        waiting = {task["instance_id"] for task in reviews[APPROVED:]}
        assert due[0] | due[1] == waiting
        wait_until(lambda: len(escalations_per_instance(db)) == len(waiting), timeout=180)
        assert celery.send_task("alur.timers.run_due", kwargs={"now": later}).get(timeout=120) == []
        assert set(fired_per_instance(db)) == waiting and set(fired_per_instance(db).values()) == {1}
        assert set(escalations_per_instance(db).values()) == {1}

        with db.session() as session:  # nothing lost: every case is where it should be
            assert session.scalar(select(func.count()).select_from(ProcessInstance)) == CASES
            archiving = session.scalars(select(HumanTask.instance_id).where(
                HumanTask.bpmn_id == "Langkah_3", HumanTask.state == "ready")).all()
        assert sorted(archiving) == sorted(task["instance_id"] for task in reviews[:APPROVED])
        assert {w: http("GET", f"{w}/healthz")[0] for w in webs} == {w: 200 for w in webs}
    finally:
        db.dispose()
