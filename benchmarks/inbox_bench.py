"""Inbox latency: the inbox page and GET /api/v1/tasks for a user with 10,000 open tasks among
100,000 cases, on a SQLite file, through the real Flask app (test client, no network).

The rows are inserted in bulk with Core inserts: the inbox reads only the human-task mirror and
the instance's title and model, never the workflow state, so the instances carry an empty one.
"""
from __future__ import annotations

import os
import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text

import alur.schema  # noqa: F401  (every table on the metadata)
from alur.config import Settings
from benchmarks.report import percentile, write_section
from engine.db import Base, Database
from engine.deployment import deploy
from engine.models import HumanTask, ProcessInstance
from engine.organization import create_user, get_or_create_role, get_or_create_unit
from engine.timeutil import utcnow
from web.app import create_app

SOP_000 = next((Path(__file__).resolve().parent.parent / "bpmn").glob("sop_000*.bpmn"))
COMMAND = "make bench  (python -m benchmarks inbox_bench; ALUR_BENCH_INBOX_REQUESTS, ALUR_BENCH_INBOX_CASES)"
PASSWORD = "bench-password"
TARGET_P95_MS = 50.0
CHUNK = 10_000
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def build(db: Database, cases: int, mine: int) -> str:
    """``cases`` running cases; ``mine`` of them wait in the officer's lane and unit, the rest elsewhere."""
    Base.metadata.create_all(db.engine)
    with db.session() as session:
        deployment = deploy(session, SOP_000.read_bytes(), SOP_000.name)
        lane, other_lane = deployment.parsed.lanes[0], deployment.parsed.lanes[1]
        unit = get_or_create_unit(session, "BENCH", "Unit uji kinerja")
        other_unit = get_or_create_unit(session, "LAIN", "Unit lain")
        create_user(session, "petugas", PASSWORD, unit, [get_or_create_role(session, unit, lane, [lane])])
        model_id, unit_id, other_id = deployment.model.id, unit.id, other_unit.id
    now = utcnow()
    with db.engine.begin() as connection:
        for start in range(0, cases, CHUNK):
            ids = range(start + 1, min(cases, start + CHUNK) + 1)
            connection.execute(insert(ProcessInstance.__table__), [
                {"id": i, "process_model_id": model_id, "unit_id": unit_id if i % 3 else other_id,
                 "title": f"Permohonan {i}", "status": "running", "state": "{}", "revision": 1,
                 "started_by": "petugas", "started_at": now} for i in ids])
            connection.execute(insert(HumanTask.__table__), [
                {"instance_id": i, "unit_id": unit_id if i <= mine else (unit_id if i % 3 else other_id),
                 "spiff_task_id": f"00000000-0000-0000-0000-{i:012d}", "bpmn_id": "Langkah_1",
                 "name": "Menyiapkan bahan", "lane": lane if i <= mine else other_lane, "step": "1",
                 "is_decision": False, "mutu_baku": {}, "state": "ready", "created_at": now,
                 "due_at": None if i % 7 == 0 else now + timedelta(hours=(i % 500) - 100), "form_data": {}}
                for i in ids])
        connection.execute(text("ANALYZE"))
    return lane


def timed(call, requests: int) -> list[float]:
    for _ in range(10):  # warm-up: templates, caches, connection pool
        call()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run(cases: int, mine: int, requests: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as workdir:
        db = Database(f"sqlite:///{workdir}/inbox.db")
        build(db, cases, mine)
        settings = Settings.from_env({"ALUR_DATA_DIR": workdir, "ALUR_DATABASE_URL": db.url,
                                      "ALUR_ENV": "development"})
        app = create_app(settings, db, TESTING=True)
        browser = app.test_client()
        token = CSRF.search(browser.get("/masuk").get_data(as_text=True)).group(1)
        assert browser.post("/masuk", data={"username": "petugas", "password": PASSWORD,
                                            "csrf_token": token}).status_code == 302
        page = browser.get("/tugas").get_data(as_text=True)
        assert f'data-testid="inbox-total">{mine} tugas' in page, "the inbox does not show the open tasks"
        api = app.test_client()
        bearer = api.post("/api/v1/auth/token", json={"username": "petugas", "password": PASSWORD}).get_json()["token"]
        headers = {"Authorization": f"Bearer {bearer}"}
        assert api.get("/api/v1/tasks", headers=headers).get_json()["total"] == mine

        def inbox():
            assert browser.get("/tugas").status_code == 200

        def api_tasks():
            assert api.get("/api/v1/tasks", headers=headers).status_code == 200

        results = {"GET /tugas (inbox page, logged in)": timed(inbox, requests),
                   "GET /api/v1/tasks (bearer token)": timed(api_tasks, requests)}
        db.dispose()
    return results


def main() -> dict:
    cases = int(os.environ.get("ALUR_BENCH_INBOX_CASES", "100000"))
    mine = cases // 10
    requests = int(os.environ.get("ALUR_BENCH_INBOX_REQUESTS", "200"))
    results = run(cases, mine, requests)
    lines = ["## Inbox: 10,000 open tasks among 100,000 cases" if cases == 100_000 else
             f"## Inbox: {mine:,} open tasks among {cases:,} cases", "",
             f"Command: `{COMMAND}`", "",
             f"Data: SQLite file, {cases:,} running cases with one ready task each; {mine:,} of them in the "
             "officer's lane and unit, the rest in another lane or unit; 6 in 7 tasks have a due time. "
             f"Each request {requests} times after 10 warm-up requests, through the Flask test client "
             "(first page of 50, sorted by due time; the layout's task count and notification bell included).", "",
             "| request | p50 | p95 | max |", "|---|---:|---:|---:|"]
    summary = {}
    for name, samples in results.items():
        p50, p95 = percentile(samples, 50), percentile(samples, 95)
        summary[name] = p95
        lines.append(f"| {name} | {p50:.1f} ms | {p95:.1f} ms | {max(samples):.1f} ms |")
    worst = max(summary.values())
    lines += ["", f"Target: p95 under {TARGET_P95_MS:.0f} ms on SQLite — "
                  f"{'met' if worst < TARGET_P95_MS else 'NOT met'} (worst p95 {worst:.1f} ms)."]
    body = "\n".join(lines)
    write_section("inbox", body)
    print(body)
    return summary


if __name__ == "__main__":
    main()
