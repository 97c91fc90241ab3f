"""What the REST API asks of the engine, as plain records with the visibility rules applied.

Every read goes through the caller: a process is theirs when they serve one of its lanes in their
unit (they may start it when they serve the lane of its first step), a case as ``engine.cases``
decides (its unit, and one of its lanes or its starter; admins see all), a task when it stands in
one of their lanes in their unit. Anything else is reported as not found, so the API never tells
an outsider that an object exists. Lists read the ``human_tasks`` mirror only: no workflow is
deserialized to answer them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session, defer

from engine.cases import first_lanes, visible_case
from engine.deployment import latest_model, latest_models
from engine.errors import InvalidTaskData, NotFound, PermissionDenied
from engine.inbox import CHECKLIST_FIELD, checklist_items, unconfirmed
from engine.models import HumanTask, ProcessInstance, ProcessModel, User
from engine.organization import get_user
from engine.runtime import ProcessService

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class ProcessSummary:
    key: str
    name: str
    version: int
    nomor_sop: str | None
    lanes: list[str]
    my_lanes: list[str]
    can_start: bool  # the caller serves the lane of the first step


@dataclass(frozen=True)
class TaskSummary:
    id: int
    instance_id: int
    process_key: str
    name: str
    step: str | None
    lane: str | None
    state: str
    is_decision: bool
    created_at: datetime
    due_at: datetime | None
    claimed_by: str | None
    return_note: str | None


@dataclass(frozen=True)
class TaskDetail(TaskSummary):
    mutu_baku: dict
    checklist: list[str]  # the Kelengkapan items that completing the step confirms
    documentation: str
    completed_by: str | None
    completed_at: datetime | None


@dataclass(frozen=True)
class TaskPage:
    items: list[TaskSummary]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class CaseStep:
    id: int
    step: str | None
    name: str
    lane: str | None
    state: str
    completed_by: str | None
    completed_at: datetime | None


@dataclass(frozen=True)
class InstanceDetail:
    id: int
    process_key: str
    version: int
    title: str
    status: str
    started_by: str
    started_at: datetime
    completed_at: datetime | None
    tasks: list[CaseStep]


@dataclass(frozen=True)
class CaseProgress:
    """A case after a start or a completion, with the ready tasks the caller may do next."""

    instance_id: int
    process_key: str
    version: int
    status: str
    ready_tasks: list[TaskSummary]


class ApiService:
    def __init__(self, processes: ProcessService):
        self.processes = processes
        self.db = processes.db
        self.specs = processes.specs

    # -- processes ---------------------------------------------------------------------------
    def processes_for(self, username: str) -> list[ProcessSummary]:
        """The latest version of every deployed process the user serves a lane of."""
        with self.db.session() as session:
            user = get_user(session, username)
            mine = user.lanes_in(user.unit_id)
            result = []
            for model in latest_models(session):
                parsed = self.specs.get(model)
                served = [lane for lane in parsed.lanes if lane in mine]
                if served:
                    result.append(ProcessSummary(model.key, model.name, model.version, parsed.identity.get("nomor"),
                                                 list(parsed.lanes), served, bool(first_lanes(parsed) & mine)))
            return result

    def start(self, key: str, username: str, data: dict | None = None) -> CaseProgress:
        with self.db.session() as session:
            user = get_user(session, username)
            model, mine = latest_model(session, key), user.lanes_in(user.unit_id)
            parsed = self.specs.get(model)
            if not mine & set(parsed.lanes):
                raise NotFound(f"process '{key}' is not deployed")
            if not mine & first_lanes(parsed):
                raise PermissionDenied(f"only the lane of its first step ({', '.join(sorted(first_lanes(parsed)))}) "
                                       f"starts a case of '{key}'")
        instance = self.processes.start(key, username, data=data)
        return self.progress(instance.id, username)

    def complete(self, task_id: int, username: str, data: dict) -> CaseProgress:
        """Complete a task as its web form does: the caller confirms every Kelengkapan item of the step
        (``kelengkapan``: the items of the task's ``checklist``, in any case and order)."""
        completion = self.processes.complete(task_id, username, self._confirmed(task_id, username, data))
        return self.progress(completion.instance_id, username)

    def _confirmed(self, task_id: int, username: str, data: dict) -> dict:
        """``data`` with the step's checklist as confirmed; refused when an item is not confirmed."""
        task = self.task_for(task_id, username)  # NotFound first: nothing about a task the caller may not see
        if task.state != "ready" or task.claimed_by not in (None, username) or not task.checklist:
            return data  # done, or claimed by someone else: the engine's conflict comes first
        missing = unconfirmed(task.checklist, data.get(CHECKLIST_FIELD))
        if missing:
            raise InvalidTaskData("the step's Kelengkapan is not confirmed",
                                  {CHECKLIST_FIELD: "confirm every item of the task's checklist; missing: "
                                                    + ", ".join(missing)})
        return {**data, CHECKLIST_FIELD: task.checklist}

    def progress(self, instance_id: int, username: str) -> CaseProgress:
        with self.db.session() as session:
            user = get_user(session, username)
            instance, model = self._instance_and_model(session, instance_id)
            ready = self._task_summaries(session, _ready_for(user).where(HumanTask.instance_id == instance_id))
            return CaseProgress(instance.id, model.key, model.version, instance.status, ready)

    # -- cases -------------------------------------------------------------------------------
    def instance_for(self, instance_id: int, username: str) -> InstanceDetail:
        with self.db.session() as session:
            instance = visible_case(session, instance_id, get_user(session, username), self.specs)
            model = instance.process_model
            rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id))
            steps = [CaseStep(t.id, t.step, t.name, t.lane, t.state, t.completed_by, t.completed_at) for t in rows]
            return InstanceDetail(instance.id, model.key, model.version, instance.title, instance.status,
                                  instance.started_by, instance.started_at, instance.completed_at, steps)

    # -- tasks -------------------------------------------------------------------------------
    def my_tasks(self, username: str, process: str | None = None, page: int = 1,
                 per_page: int = 50) -> TaskPage:
        """The ready tasks of the user's lanes in their unit, soonest due first, one page of them."""
        page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
        with self.db.session() as session:
            query = _ready_for(get_user(session, username))
            if process:
                query = query.where(ProcessModel.key == process)
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            items = self._task_summaries(session, query.limit(per_page).offset((page - 1) * per_page))
            return TaskPage(items, total, page, per_page)

    def claim(self, task_id: int, username: str) -> TaskDetail:
        self.processes.claim(task_id, username)
        return self.task_for(task_id, username)

    def unclaim(self, task_id: int, username: str) -> TaskDetail:
        self.processes.unclaim(task_id, username)
        return self.task_for(task_id, username)

    def task_for(self, task_id: int, username: str) -> TaskDetail:
        with self.db.session() as session:
            user = get_user(session, username)
            query = _with_process(select(HumanTask, ProcessModel)).options(defer(ProcessModel.bpmn_xml))
            row = session.execute(query.where(HumanTask.id == task_id)).first()
            if row is None or row.HumanTask.lane not in user.lanes_in(row.HumanTask.unit_id):
                raise NotFound(f"task {task_id} not found")
            task, model = row
            info = self.specs.for_id(model.id, lambda: model).tasks.get(task.bpmn_id)
            mutu_baku = dict(task.mutu_baku or {})
            return TaskDetail(**_summary_fields(task, model.key), mutu_baku=mutu_baku,
                              checklist=checklist_items(mutu_baku.get("kelengkapan")),
                              documentation=info.documentation if info else "",
                              completed_by=task.completed_by, completed_at=task.completed_at)

    # -- internals ---------------------------------------------------------------------------
    @staticmethod
    def _instance_and_model(session: Session, instance_id: int) -> tuple[ProcessInstance, ProcessModel]:
        row = session.execute(
            select(ProcessInstance, ProcessModel)
            .join(ProcessModel, ProcessModel.id == ProcessInstance.process_model_id)
            .options(defer(ProcessInstance.state), defer(ProcessModel.bpmn_xml))
            .where(ProcessInstance.id == instance_id)
        ).first()
        if row is None:
            raise NotFound(f"case {instance_id} not found")
        return row.ProcessInstance, row.ProcessModel

    @staticmethod
    def _task_summaries(session: Session, query) -> list[TaskSummary]:
        return [TaskSummary(**_summary_fields(task, key)) for task, key in session.execute(query)]


def _with_process(query):
    return (query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .join(ProcessModel, ProcessModel.id == ProcessInstance.process_model_id))


def _ready_for(user: User):
    """Ready tasks (with their process key) of the user's lanes in their unit, soonest due first."""
    lanes = user.lanes_in(user.unit_id)
    query = _with_process(select(HumanTask, ProcessModel.key)).where(HumanTask.state == "ready")
    query = query.where(HumanTask.unit_id == user.unit_id, HumanTask.lane.in_(lanes)) if lanes else query.where(false())
    return query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)


def _summary_fields(task: HumanTask, process_key: str) -> dict:
    return dict(id=task.id, instance_id=task.instance_id, process_key=process_key, name=task.name, step=task.step,
                lane=task.lane, state=task.state, is_decision=task.is_decision, created_at=task.created_at,
                due_at=task.due_at, claimed_by=task.claimed_by, return_note=task.return_note)
