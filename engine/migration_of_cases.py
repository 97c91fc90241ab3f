"""Moving running cases to a newer version of their process, never silently.

A case can move when every task it is currently at (ready or waiting) still exists in the
target version. Alignment and the move itself are SpiffWorkflow's own tools
(``SpiffWorkflow.bpmn.util.diff``: ``SpecDiff`` aligns the old spec with the new one by BPMN id,
then by structure; ``WorkflowDiff`` maps the case's tasks; ``migrate_workflow`` swaps the specs
and re-predicts what lies ahead). The instance row (version, state, next timer), its human-task
mirror and the audit trail are written in the same transaction, through the same statements the
runtime uses (``engine.instance_store``), with the revision check against concurrent steps.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn_model import ParsedModel
from engine.deployment import latest_model
from engine.errors import EngineError, NotFound
from engine.instance_store import cancel_tasks, insert_audit_events, insert_tasks, lock_instance, save_instance
from engine.models import HumanTask, ProcessInstance, ProcessModel
from engine.serialization import _SERIALIZER, dump_state, load_state
from engine.timers import next_timer_at

CURRENT = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class CaseMove:
    instance_id: int
    title: str
    version: int
    current: tuple[str, ...]  # names of the tasks the case is at
    movable: bool
    reason: str


@dataclass(frozen=True)
class MovePreview:
    key: str
    target: ProcessModel
    cases: list[CaseMove]

    @property
    def movable(self) -> list[CaseMove]:
        return [case for case in self.cases if case.movable]


class MoveRefused(EngineError):
    pass


def _target(session: Session, key: str, version: int | None) -> ProcessModel:
    if version is None:
        return latest_model(session, key)
    model = session.scalar(select(ProcessModel).where(ProcessModel.key == key, ProcessModel.version == version))
    if model is None:
        raise NotFound(f"process '{key}' has no version {version}")
    return model


def _check(workflow, old: ParsedModel, new: ParsedModel, new_version: int) -> tuple[SpecDiff | None, tuple, str]:
    """The spec alignment, the names of the current tasks, and why the case cannot move ('' if it can)."""
    current = [task for task in workflow.get_tasks(state=CURRENT, skip_subprocesses=True)
               if getattr(task.task_spec, "bpmn_id", None)]
    names = tuple(task.task_spec.bpmn_name or task.task_spec.name for task in current)
    if workflow.subprocesses:
        return None, names, "Kasus dengan subproses belum dapat dipindahkan."
    spec_diff = SpecDiff(_SERIALIZER.registry, workflow.spec, new.spec)
    missing = [task for task in current if spec_diff.alignment.get(task.task_spec) is None]
    if missing:
        listed = ", ".join(f"\u201c{t.task_spec.bpmn_name or t.task_spec.name}\u201d ({t.task_spec.name})"
                           for t in missing)
        return spec_diff, names, f"Langkah saat ini {listed} tidak ada di versi {new_version}."
    for task in current:
        aligned = spec_diff.alignment[task.task_spec]
        if task.task_spec.manual and not aligned.manual:
            return spec_diff, names, (f"Langkah saat ini \u201c{task.task_spec.bpmn_name}\u201d bukan lagi tugas "
                                      f"petugas di versi {new_version}.")
    return spec_diff, names, ""


def preview(session: Session, specs, key: str, target_version: int | None = None) -> MovePreview:
    """Every running case of older versions of ``key``: can it move to the target, and if not, why."""
    target = _target(session, key, target_version)
    new = specs.get(target)
    query = (select(ProcessInstance, ProcessModel.version)
             .join(ProcessModel, ProcessModel.id == ProcessInstance.process_model_id)
             .where(ProcessModel.key == key, ProcessModel.version < target.version,
                    ProcessInstance.status == "running")
             .order_by(ProcessInstance.id))
    cases = []
    for instance, version in session.execute(query):
        old = specs.for_id(instance.process_model_id, lambda: session.get(ProcessModel, instance.process_model_id))
        workflow = load_state(instance.state, old.spec, old.subprocess_specs)
        _, names, reason = _check(workflow, old, new, target.version)
        cases.append(CaseMove(instance.id, instance.title, version, names, not reason,
                              reason or f"Semua langkah saat ini ada di versi {target.version}."))
    return MovePreview(key, target, cases)


def move_cases(service, key: str, instance_ids: list[int], username: str,
               target_version: int | None = None) -> list[int]:
    """Move the given cases to the target version, all in one transaction (all or none).

    Each case is re-checked under its row lock; a case that can no longer move refuses the whole
    action with MoveRefused, and nothing is written.
    """
    moved = []
    with service.db.session() as session:
        target = _target(session, key, target_version)
        new = service.specs.get(target)
        now = service.clock()
        for instance_id in instance_ids:
            loaded = lock_instance(session, instance_id)
            source = session.get(ProcessModel, loaded.process_model_id)
            if source.key != key or loaded.status != "running" or source.version >= target.version:
                raise MoveRefused(f"Kasus #{instance_id} tidak dapat dipindahkan: bukan kasus berjalan dari versi "
                                  f"lama SOP ini.")
            old = service.specs.get(source)
            workflow = load_state(loaded.state, old.spec, old.subprocess_specs)
            spec_diff, _, reason = _check(workflow, old, new, target.version)
            if reason:
                raise MoveRefused(f"Kasus #{instance_id} tidak dapat dipindahkan: {reason}")
            migrate_workflow(WorkflowDiff(workflow, spec_diff), workflow, new.spec)
            workflow.subprocess_specs = new.subprocess_specs
            _update_mirror(service, session, loaded, workflow, new, now)
            save_instance(session, loaded, process_model_id=target.id, state=dump_state(workflow),
                          next_timer_at=next_timer_at(workflow))
            insert_audit_events(session, [{
                "actor": username, "action": "instance.migrated", "object_type": "instance",
                "object_id": str(instance_id), "instance_id": instance_id,
                "detail": {"process": key, "from_version": source.version, "to_version": target.version},
            }], now)
            moved.append(instance_id)
    return moved


def _update_mirror(service, session: Session, loaded, workflow, new: ParsedModel, now) -> None:
    """Ready rows follow their task into the new version; rows of tasks no longer ready are cancelled."""
    ready = {str(task.id): task for task in workflow.get_tasks(state=TaskState.READY, manual=True)}
    rows = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == loaded.id,
                                                        HumanTask.state == "ready")))
    gone = {row.spiff_task_id for row in rows if row.spiff_task_id not in ready}
    if gone:
        cancel_tasks(session, loaded.id, gone)
    for row in rows:
        task = ready.get(row.spiff_task_id)
        if task is None:
            continue
        info = new.tasks.get(task.task_spec.name)
        lane = task.task_spec.lane
        row.bpmn_id = task.task_spec.name
        row.name = info.name if info else (task.task_spec.bpmn_name or task.task_spec.name)
        row.step = info.step if info else None
        row.is_decision = bool(info and info.is_decision)
        row.mutu_baku = info.mutu_baku if info else {}
        if row.lane != lane:
            row.lane, row.claimed_by = lane, None
    known = {row.spiff_task_id for row in rows}
    insert_tasks(session, [service._new_task_values(loaded, task, new, now, None)
                           for spiff_id, task in ready.items() if spiff_id not in known])
    session.flush()
