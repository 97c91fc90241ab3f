"""Running cases: start an instance, list and complete its human tasks, persist every step.

Each operation is one database transaction: load the instance, let SpiffWorkflow advance it,
write back the state, the human-task mirror and the audit trail together. Either all of it is
written or none of it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import audit
from engine.bpmn_model import ParsedModel
from engine.closures import LiveCalendar
from engine.db import Database
from engine.deployment import latest_model
from engine.errors import InvalidTaskData, NotFound, TaskConflict, WorkflowRuntimeError
from engine.instance_store import (
    LoadedInstance, NewTask, cancel_tasks, close_task, insert_audit_events, insert_tasks, lock_instance, save_instance,
    task_row, task_with_locked_instance,
)
from engine.models import HumanTask, ProcessInstance, ProcessModel
from engine.organization import Actor, ActorCache, find_unit, get_actor
from engine.serialization import dump_state, load_state
from engine.spec_cache import SpecCache
from engine.timers import fire_due_timers, next_timer_at
from engine.timeutil import utcnow

DECISION_FIELD, NOTE_FIELD = "keputusan", "catatan"
DECISION_VALUES = ("ya", "tidak")


@dataclass(frozen=True)
class StepCompleted:
    """What a completion hook is told: the step just completed, in the completion's transaction."""

    instance_id: int
    unit_id: int | None
    process_key: str
    task_id: int
    bpmn_id: str
    step: str | None
    actor: str
    data: dict
    info: object  # engine.bpmn_model.TaskInfo, or None for a task without one
    status: str  # the case's status after the step
    now: datetime


# Called as hook(session, StepCompleted) after a task is completed and the case advanced, inside
# the same transaction: a hook that raises rolls the completion back. Modules register themselves
# on import (storage.publication, engine.ppid); registering twice is harmless.
COMPLETION_HOOKS: list[Callable[[Session, StepCompleted], None]] = []


def register_completion_hook(hook: Callable[[Session, StepCompleted], None]) -> None:
    if hook not in COMPLETION_HOOKS:
        COMPLETION_HOOKS.append(hook)


class DueCalculator(Protocol):
    def due_at(self, start: datetime, duration: str | None, basis: str) -> datetime | None: ...


@dataclass(frozen=True)
class Completion:
    """What a completion led to: the case's status and the tasks it made ready."""

    instance_id: int
    status: str
    ready_tasks: list[NewTask]

    @property
    def ready_task_ids(self) -> list[int]:
        return [task.id for task in self.ready_tasks]


class ProcessService:
    """The engine's entry point for everything that moves a case forward."""

    def __init__(self, db: Database, specs: SpecCache | None = None,
                 calendar: DueCalculator | None = None, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.specs = specs or SpecCache()
        self.calendar = calendar if calendar is not None else LiveCalendar(db)
        self.clock = clock
        self.actors = ActorCache()

    # -- starting -------------------------------------------------------------------------
    def start(self, key: str, username: str, unit_code: str | None = None,
              data: dict | None = None, title: str = "") -> ProcessInstance:
        with self.db.session() as session:
            user = get_actor(session, username)
            unit_id = find_unit(session, unit_code).id if unit_code else user.unit_id
            model = latest_model(session, key)
            parsed = self.specs.get(model)
            workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs)
            workflow.data.update(data or {})
            instance = ProcessInstance(process_model_id=model.id, unit_id=unit_id, title=title or parsed.name,
                                       started_by=user.username, state="", started_at=self.clock())
            session.add(instance)
            session.flush()
            loaded = LoadedInstance(instance.id, model.id, unit_id, "running", "", instance.revision)
            session.expunge(instance)  # from here on the row is written by the statements below
            events = [_event(user.username, "instance.started", "instance", instance.id, instance.id,
                             process=model.key, version=model.version)]
            try:
                self._advance(session, loaded, workflow, parsed, user.username, 0.0, events)
            except SpiffWorkflowException as error:
                raise WorkflowRuntimeError(f"process '{key}' could not start: {error}") from None
        with self.db.session() as session:
            return session.get(ProcessInstance, instance.id)

    # -- reading ------------------------------------------------------------------------
    def ready_tasks(self, username: str | None = None, lane: str | None = None) -> list[HumanTask]:
        """Ready tasks from the mirror table; for a user, only those of their lanes in their unit."""
        with self.db.session() as session:
            query = select(HumanTask).where(HumanTask.state == "ready")
            if lane:
                query = query.where(HumanTask.lane == lane)
            if username:
                user = get_actor(session, username)
                if not user.lanes or user.unit_id is None:
                    return []
                query = query.where(HumanTask.unit_id == user.unit_id, HumanTask.lane.in_(user.lanes))
            query = query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
            return list(session.scalars(query))

    def get_task(self, task_id: int, username: str) -> HumanTask:
        with self.db.session() as session:
            return self._visible_task(session, task_id, get_actor(session, username))

    # -- acting ----------------------------------------------------------------------------
    def claim(self, task_id: int, username: str) -> HumanTask:
        with self.db.session() as session:
            user = get_actor(session, username)
            task = self._visible_task(session, task_id, user)
            self._ensure_open(task, user)
            task.claimed_by = user.username
            audit.record(session, user.username, "task.claimed", "task", task.id, task.instance_id)
            return task

    def unclaim(self, task_id: int, username: str) -> HumanTask:
        with self.db.session() as session:
            user = get_actor(session, username)
            task = self._visible_task(session, task_id, user)
            if task.claimed_by not in (user.username, None) and not user.is_admin:
                raise TaskConflict(f"task {task_id} is claimed by {task.claimed_by}; only they or an admin can release it")
            task.claimed_by = None
            audit.record(session, user.username, "task.released", "task", task.id, task.instance_id)
            return task

    def complete(self, task_id: int, username: str, data: dict | None = None) -> Completion:
        """Complete a READY task of the caller's lane; exactly one of two racing calls wins."""
        data = dict(data or {})
        try:
            with self.db.session() as session:
                return self._complete(session, task_id, username, data)
        except (StaleDataError, IntegrityError):
            raise TaskConflict(f"task {task_id} was completed by someone else at the same time; nothing was changed") from None
        except _StepFailed as failure:
            # Audited only now, in a transaction of its own: the failed one has been rolled back,
            # so the case is exactly as it was before the attempt and can be completed again.
            with self.db.session() as session:
                audit.record(session, username, "task.failed", "task", task_id, failure.instance_id,
                             error=str(failure.error))
            raise WorkflowRuntimeError(f"task {task_id} could not be completed, the case is unchanged: "
                                       f"{failure.error}") from None

    def _complete(self, session: Session, task_id: int, username: str, data: dict) -> Completion:
        user = self.actors.get(session, username)
        task, loaded = task_with_locked_instance(session, task_id)
        if task is None or not user.serves(task.unit_id, task.lane):
            raise NotFound(f"task {task_id} not found")
        if not self.db.is_sqlite:
            task = task_row(session, task_id)  # after the row lock: another completion may have just committed
        self._ensure_open(task, user)
        if task.is_decision:
            data = _validated_decision(data)
        parsed = self._parsed(session, loaded.process_model_id)
        workflow = load_state(loaded.state, parsed.spec, parsed.subprocess_specs)
        spiff_task = workflow.get_task_from_id(UUID(task.spiff_task_id))
        if spiff_task is None or spiff_task.state != TaskState.READY:
            raise TaskConflict(f"task {task_id} is no longer ready in its case")
        step_started = time.time()
        spiff_task.data.update(data)
        close_task(session, task.id, state="completed", completed_by=user.username,
                   completed_at=self.clock(), form_data=data)
        events = [_event(user.username, "task.completed", "task", task.id, loaded.id,
                         step=task.step, bpmn_id=task.bpmn_id, data=data)]
        # Only a Tidak that leads back (a return for correction) leaves its reason on the next tasks
        # as a return note; a forward Tidak (an extension, a refusal) keeps its reason in the timeline.
        info = parsed.tasks.get(task.bpmn_id)
        returns = data.get(DECISION_FIELD) == "tidak" and bool(info and info.tidak_returns)
        note = data.get(NOTE_FIELD) if returns else None
        try:
            spiff_task.run()
            status, ready = self._advance(session, loaded, workflow, parsed, user.username, step_started,
                                          events, return_note=note)
        except SpiffWorkflowException as error:
            raise _StepFailed(loaded.id, error) from None
        if COMPLETION_HOOKS:
            step = StepCompleted(loaded.id, loaded.unit_id, parsed.key, task.id, task.bpmn_id, task.step,
                                 user.username, data, parsed.tasks.get(task.bpmn_id), status, self.clock())
            for hook in list(COMPLETION_HOOKS):
                hook(session, step)
        return Completion(loaded.id, status, ready)

    # -- timers ------------------------------------------------------------------------------
    def due_timer_instances(self, now: datetime | None = None) -> list[int]:
        """Running instances whose next timer is due: the only ones the timer job loads."""
        now = now or self.clock()
        with self.db.session() as session:
            query = (select(ProcessInstance.id)
                     .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now)
                     .order_by(ProcessInstance.next_timer_at))
            return list(session.scalars(query))

    def fire_timers(self, instance_id: int, now: datetime | None = None) -> int:
        """Fire the due timers of one instance under its row lock; safe to repeat (idempotent).

        A second run for the same instance finds no due timer left and writes nothing.
        """
        now = now or self.clock()
        try:
            with self.db.session() as session:
                loaded = lock_instance(session, instance_id)
                if loaded.status != "running":
                    return 0
                parsed = self._parsed(session, loaded.process_model_id)
                workflow = load_state(loaded.state, parsed.spec, parsed.subprocess_specs)
                step_started = time.time()
                fired = fire_due_timers(workflow, now)
                if fired:
                    events = [_event("system", "timer.fired", "instance", loaded.id, loaded.id, count=fired)]
                    self._advance(session, loaded, workflow, parsed, "system", step_started, events)
                return fired
        except (StaleDataError, IntegrityError, TaskConflict):
            return 0  # another worker advanced this instance at the same moment; it fired the timers

    # -- internals -----------------------------------------------------------------------
    def _advance(self, session: Session, loaded: LoadedInstance, workflow: BpmnWorkflow, parsed: ParsedModel,
                 actor: str, step_started: float, events: list[dict],
                 return_note: str | None = None) -> tuple[str, list[NewTask]]:
        """Let the engine run, then write state, task mirror and audit trail: one save per step.

        Only the human tasks whose state changed during this step (SpiffWorkflow stamps every
        change) can need a mirror row: those that became ready, and those cancelled (e.g. by a
        boundary timer) while they were ready.
        """
        workflow.do_engine_steps()
        now = self.clock()
        changed = workflow.get_tasks(updated_ts=step_started, manual=True)
        gone = {str(t.id) for t in changed if t.state == TaskState.CANCELLED}
        if gone:
            cancel_tasks(session, loaded.id, gone)
        created = insert_tasks(session, [self._new_task_values(loaded, t, parsed, now, return_note)
                                         for t in changed if t.state == TaskState.READY])
        status, completed_at = loaded.status, None
        if workflow.is_completed() and status != "completed":
            status, completed_at = "completed", now
            events.append(_event(actor, "instance.completed", "instance", loaded.id, loaded.id))
        values = {"state": dump_state(workflow), "status": status, "next_timer_at": next_timer_at(workflow)}
        if completed_at:
            values["completed_at"] = completed_at
        save_instance(session, loaded, **values)
        events.extend(_event("system", "task.ready", "task", row.id, loaded.id, step=row.step, lane=row.lane)
                      for row in created)
        insert_audit_events(session, events, now)
        return status, created

    def _new_task_values(self, loaded: LoadedInstance, spiff_task, parsed: ParsedModel, now, return_note) -> dict:
        info = parsed.tasks.get(spiff_task.task_spec.name)
        mutu = info.mutu_baku if info else {}
        due = None
        if self.calendar is not None and mutu.get("durasi"):
            due = self.calendar.due_at(now, mutu.get("durasi"), mutu.get("basis", "none"))
        return {
            "instance_id": loaded.id, "unit_id": loaded.unit_id, "spiff_task_id": str(spiff_task.id),
            "bpmn_id": spiff_task.task_spec.name,
            "name": info.name if info else (spiff_task.task_spec.bpmn_name or spiff_task.task_spec.name),
            "lane": spiff_task.task_spec.lane, "step": info.step if info else None,
            "is_decision": bool(info and info.is_decision), "mutu_baku": mutu, "state": "ready",
            "created_at": now, "due_at": due, "return_note": return_note, "form_data": {},
        }

    def _parsed(self, session: Session, model_id: int) -> ParsedModel:
        return self.specs.for_id(model_id, lambda: session.get(ProcessModel, model_id))

    def _visible_task(self, session: Session, task_id: int, user: Actor) -> HumanTask:
        """A task outside the user's lanes and unit is reported as missing, never as forbidden."""
        task = session.get(HumanTask, task_id)
        if task is None or not user.serves(task.unit_id, task.lane):
            raise NotFound(f"task {task_id} not found")
        return task

    @staticmethod
    def _ensure_open(task, user: Actor) -> None:
        if task.state != "ready":
            who = f" by {task.completed_by}" if task.completed_by else ""
            raise TaskConflict(f"task {task.id} is already {task.state}{who}")
        if task.claimed_by and task.claimed_by != user.username:
            raise TaskConflict(f"task {task.id} is claimed by {task.claimed_by}")


def _event(actor: str, action: str, object_type: str, object_id, instance_id: int | None, **detail) -> dict:
    return {"actor": actor, "action": action, "object_type": object_type, "object_id": str(object_id),
            "instance_id": instance_id, "detail": detail}


class _StepFailed(Exception):
    def __init__(self, instance_id: int, error: Exception):
        self.instance_id, self.error = instance_id, error


def _validated_decision(data: dict) -> dict:
    decision = str(data.get(DECISION_FIELD, "")).strip().lower()
    if decision not in DECISION_VALUES:
        raise InvalidTaskData("a decision needs keputusan = 'ya' or 'tidak'", {DECISION_FIELD: "wajib: ya atau tidak"})
    note = str(data.get(NOTE_FIELD) or "").strip()
    if decision == "tidak" and not note:
        raise InvalidTaskData("returning a step for correction needs a catatan (reason)", {NOTE_FIELD: "wajib diisi"})
    return {**data, DECISION_FIELD: decision, NOTE_FIELD: note}


def find_instance(session: Session, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"case {instance_id} not found")
    return instance
