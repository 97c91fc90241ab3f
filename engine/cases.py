"""Cases as staff see them: who may see which case, a case's detail, and the SOPs one may start.

A user sees a case of their own unit when they serve any lane of its process or started it;
an admin sees every case. Any other case is reported as missing (NotFound), never as forbidden.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.bpmn_model import ParsedModel
from engine.deployment import latest_models
from engine.errors import NotFound
from engine.models import HumanTask, ProcessInstance, User
from engine.organization import get_user
from engine.runtime import DECISION_FIELD, NOTE_FIELD
from engine.spec_cache import SpecCache
from engine.timeutil import as_utc


@dataclass(frozen=True)
class CaseTask:
    id: int
    bpmn_id: str
    step: str | None
    name: str
    lane: str | None
    state: str
    created_at: datetime | None
    due_at: datetime | None
    claimed_by: str | None
    completed_by: str | None
    completed_at: datetime | None
    decision: str | None
    note: str | None
    form_data: dict


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime | None
    actor: str
    action: str  # the audit action, e.g. "task.completed"
    step: str | None
    task_name: str | None
    decision: str | None
    note: str | None


@dataclass(frozen=True)
class CaseDetail:
    id: int
    title: str
    process_key: str
    process_name: str
    version: int
    nomor: str
    status: str
    started_by: str
    started_at: datetime | None
    completed_at: datetime | None
    completed: list[CaseTask]
    current: list[CaseTask]
    timeline: list[TimelineEntry]
    bpmn_xml: str

    @property
    def completed_bpmn_ids(self) -> list[str]:
        return sorted({task.bpmn_id for task in self.completed})

    @property
    def current_bpmn_ids(self) -> list[str]:
        return sorted({task.bpmn_id for task in self.current})


@dataclass(frozen=True)
class StartableProcess:
    key: str
    name: str
    version: int
    nomor: str
    first_lane: str | None


def visible_case(session: Session, instance_id: int, user: User, specs: SpecCache) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not _may_see(instance, user, specs):
        raise NotFound(f"case {instance_id} not found")
    return instance


def _may_see(instance: ProcessInstance, user: User, specs: SpecCache) -> bool:
    if user.is_admin:
        return True
    if instance.unit_id is None or instance.unit_id != user.unit_id:
        return False
    if instance.started_by == user.username:
        return True
    parsed = specs.for_id(instance.process_model_id, lambda: instance.process_model)
    return bool(set(parsed.lanes) & user.lanes_in(instance.unit_id))


def case_detail(session: Session, instance_id: int, username: str, specs: SpecCache) -> CaseDetail:
    user = get_user(session, username)
    instance = visible_case(session, instance_id, user, specs)
    model = instance.process_model
    parsed = specs.get(model)
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                                 .order_by(HumanTask.id)))
    views = [_case_task(task) for task in tasks]
    by_id = {str(task.id): task for task in views}
    timeline = [_timeline_entry(event, by_id) for event in audit.events_for_instance(session, instance.id)]
    return CaseDetail(
        id=instance.id, title=instance.title, process_key=model.key, process_name=parsed.name,
        version=model.version, nomor=parsed.identity.get("nomor", ""), status=instance.status,
        started_by=instance.started_by, started_at=as_utc(instance.started_at),
        completed_at=as_utc(instance.completed_at),
        completed=[t for t in views if t.state == "completed"],
        current=[t for t in views if t.state == "ready"],
        timeline=timeline, bpmn_xml=model.bpmn_xml,
    )


def _case_task(task: HumanTask) -> CaseTask:
    data = dict(task.form_data or {})
    return CaseTask(task.id, task.bpmn_id, task.step, task.name, task.lane, task.state,
                    as_utc(task.created_at), as_utc(task.due_at), task.claimed_by, task.completed_by,
                    as_utc(task.completed_at), data.get(DECISION_FIELD), data.get(NOTE_FIELD) or None, data)


def _timeline_entry(event, tasks: dict[str, CaseTask]) -> TimelineEntry:
    detail = event.detail or {}
    task = tasks.get(event.object_id) if event.object_type == "task" else None
    data = detail.get("data") or {}
    return TimelineEntry(as_utc(event.at), event.actor, event.action,
                         detail.get("step") or (task.step if task else None), task.name if task else None,
                         data.get(DECISION_FIELD), data.get(NOTE_FIELD) or detail.get("error") or None)


def first_lanes(parsed: ParsedModel) -> set[str]:
    """The lanes of the first human steps: those reached from the start events without another human step."""
    human = set(parsed.tasks)
    lanes, seen = set(), set()
    pending = [spec for start in parsed.spec.start.outputs for spec in start.outputs]
    while pending:
        spec = pending.pop()
        if spec.name in seen:
            continue
        seen.add(spec.name)
        if spec.name in human:
            lanes.add(parsed.tasks[spec.name].lane)
        else:
            pending.extend(spec.outputs)
    return lanes


def startable_processes(session: Session, user: User, specs: SpecCache) -> list[StartableProcess]:
    """The latest version of every SOP whose first step is done in one of the user's lanes."""
    mine = user.lanes_in(user.unit_id)
    found = []
    for model in latest_models(session):
        parsed = specs.get(model)
        lanes = first_lanes(parsed)
        if lanes & mine:
            found.append(StartableProcess(model.key, parsed.name, model.version, parsed.identity.get("nomor", ""),
                                          sorted(lanes & mine)[0]))
    return found


def may_start(session: Session, username: str, key: str, specs: SpecCache) -> bool:
    user = get_user(session, username)
    return any(process.key == key for process in startable_processes(session, user, specs))
