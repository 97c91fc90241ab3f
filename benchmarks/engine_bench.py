"""Engine throughput: cases of SOP 003 through the service layer vs bare SpiffWorkflow.

The bare side does what any persisted SpiffWorkflow app must do at the least: serialize the
workflow to JSON after every step and restore it before the next. The service side adds the
database, the human-task mirror, lane checks and the audit trail.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from benchmarks.report import write_section
from engine.bpmn_model import parse_model
from engine.db import Base, Database
from engine.deployment import deploy
from engine.organization import create_user, get_or_create_role, get_or_create_unit
from engine.runtime import ProcessService

SOP_003 = Path(__file__).resolve().parent.parent / "bpmn" / "sop_003_pendokumentasian_informasi_publik.bpmn"
COMMAND = "make bench  (python -m benchmarks; ALUR_BENCH_CASES to change the case count)"


def _decide(task_is_decision: bool) -> dict:
    return {"keputusan": "ya"} if task_is_decision else {}


def run_service(xml: bytes, cases: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as workdir:
        db = Database(f"sqlite:///{workdir}/bench.db")
        Base.metadata.create_all(db.engine)
        with db.session() as session:
            parsed = deploy(session, xml, SOP_003.name).parsed
            unit = get_or_create_unit(session, "BENCH")
            roles = [get_or_create_role(session, unit, lane, [lane]) for lane in parsed.lanes]
            create_user(session, "officer", "bench-password", unit, roles)
        service = ProcessService(db)
        steps = 0
        started = time.perf_counter()
        decisions = {t.bpmn_id for t in parsed.tasks.values() if t.is_decision}
        for _ in range(cases):
            instance = service.start(parsed.key, "officer")
            ready = [(t.id, t.bpmn_id) for t in service.ready_tasks("officer") if t.instance_id == instance.id]
            while ready:
                task_id, bpmn_id = ready[0]
                result = service.complete(task_id, "officer", _decide(bpmn_id in decisions))
                ready = [(t.id, t.bpmn_id) for t in result.ready_tasks]
                steps += 1
        elapsed = time.perf_counter() - started
        db.dispose()
    return elapsed, steps


def run_bare(xml: bytes, cases: int) -> tuple[float, int]:
    parsed = parse_model(xml, SOP_003.name)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    decisions = {t.bpmn_id for t in parsed.tasks.values() if t.is_decision}
    steps = 0
    started = time.perf_counter()
    for _ in range(cases):
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs)
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        while True:
            workflow = serializer.deserialize_json(state)
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            task = ready[0]
            task.data.update(_decide(task.task_spec.name in decisions))
            task.run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
            steps += 1
    return time.perf_counter() - started, steps


def main() -> dict:
    cases = int(os.environ.get("ALUR_BENCH_CASES", "200"))
    xml = SOP_003.read_bytes()
    run_service(xml, 5)  # warm-up: imports, first parse
    service_time, service_steps = run_service(xml, cases)
    bare_time, bare_steps = run_bare(xml, cases)
    service_rate, bare_rate = cases / service_time, cases / bare_time
    ratio = service_rate / bare_rate
    body = f"""## Engine: SOP 003 cases, service layer vs bare SpiffWorkflow

Command: `{COMMAND}`

{cases} cases of `{SOP_003.name}` ({service_steps // cases} human tasks each: 8 steps and the PPID review, "Ya"), one after another.

| path | total | cases/s | tasks/s |
|---|---:|---:|---:|
| Alur service layer (SQLite file, mirror table, lane checks, audit) | {service_time:.2f} s | {service_rate:.1f} | {service_steps / service_time:.1f} |
| bare SpiffWorkflow, JSON serialize + deserialize around every step | {bare_time:.2f} s | {bare_rate:.1f} | {bare_steps / bare_time:.1f} |

Ratio service / bare: **{ratio:.2f}** (target: at least 0.50) — {"met" if ratio >= 0.5 else "NOT met"}.
"""
    write_section("engine", body)
    print(body)
    return {"ratio": ratio}
