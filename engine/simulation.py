"""Running one case of a BPMN file to its end with no people: a check that the model can finish.

The run goes through the real service layer (deploy, lanes, persistence) on a throw-away SQLite
database, with one simulated officer per lane. Each decision says "tidak" the first time it is
reached and "ya" after, so every return-for-correction loop is walked once.
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from engine.db import Base, Database
from engine.deployment import deploy
from engine.errors import EngineError
from engine.organization import create_user, get_or_create_role, get_or_create_unit
from engine.runtime import ProcessService, find_instance

MAX_STEPS = 500
SIM_PASSWORD = "simulasi-saja"


@dataclass
class SimulationResult:
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # (step, lane, name + outcome)
    completed: bool = False

    @property
    def lanes(self) -> set[str]:
        return {lane for _, lane, _ in self.steps}


def simulate(xml: bytes, filename: str, emit: Callable[[str], None] = lambda line: None) -> SimulationResult:
    with tempfile.TemporaryDirectory(prefix="alur-sim-") as workdir:
        db = Database(f"sqlite:///{Path(workdir) / 'sim.db'}")
        try:
            Base.metadata.create_all(db.engine)
            return _run(db, xml, filename, emit)
        finally:
            db.dispose()


def _run(db: Database, xml: bytes, filename: str, emit) -> SimulationResult:
    with db.session() as session:
        parsed = deploy(session, xml, filename, by="simulasi").parsed
        unit = get_or_create_unit(session, "SIM", "Unit simulasi")
        officers = {}
        for lane in parsed.lanes:
            username = "sim." + (re.sub(r"[^a-z0-9]+", "-", lane.lower()).strip("-") or "lane")
            role = get_or_create_role(session, unit, lane, [lane])
            create_user(session, username, SIM_PASSWORD, unit, [role], full_name=lane)
            officers[lane] = username
        starter = next(iter(officers.values()))
    service = ProcessService(db)
    instance = service.start(parsed.key, starter)
    result, decided = SimulationResult(), set()
    while len(result.steps) < MAX_STEPS:
        ready = service.ready_tasks()
        if not ready:
            break
        task = ready[0]
        data = {}
        outcome = ""
        if task.is_decision:
            answer = "ya" if task.bpmn_id in decided else "tidak"
            decided.add(task.bpmn_id)
            data = {"keputusan": answer, "catatan": "dikembalikan oleh simulasi" if answer == "tidak" else ""}
            outcome = f" -> {answer.capitalize()}"
        if task.lane not in officers:
            raise EngineError(f"{filename}: task '{task.name}' is in no lane that has an officer")
        service.complete(task.id, officers[task.lane], data)
        result.steps.append((task.step or "-", task.lane or "-", task.name + outcome))
        emit(f"{len(result.steps):>3}. langkah {task.step or '-':<4} [{task.lane}] {task.name}{outcome}")
    with db.session() as session:
        result.completed = find_instance(session, instance.id).status == "completed"
    return result
