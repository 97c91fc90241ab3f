"""The staff inbox: a user's ready tasks, read from the human-task mirror alone.

Listing never deserializes a workflow. The query walks ``ix_human_tasks_inbox``
(state, unit_id, lane, due_at) and joins the instance and its model only for the SOP's
name and the process filter.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from engine.deployment import latest_models
from engine.errors import InvalidTaskData, NotFound, TaskConflict
from engine.models import HumanTask, ProcessInstance, ProcessModel, User
from engine.organization import get_user
from engine.runtime import DECISION_FIELD, NOTE_FIELD, Completion, ProcessService
from engine.spec_cache import SpecCache
from engine.timeutil import as_utc, utcnow

PAGE_SIZE = 50
CLAIM_FILTERS = ("ready", "claimed", "mine")  # not yet claimed / claimed by anyone / claimed by me
CHECKLIST_FIELD, COMMENT_FIELD = "kelengkapan", "komentar"
# Due dates are entered as calendar days in the offices' time zone (WIB).
OFFICE_TZ = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class UserLanes:
    """Where a user works: their unit and the lanes they serve there."""

    username: str
    unit_id: int | None
    lanes: frozenset[str]
    is_admin: bool = False


def user_lanes(session: Session, username: str, cache: dict | None = None) -> UserLanes:
    """The user's unit and lanes; ``cache`` (one dict per request) saves repeated look-ups."""
    if cache is not None and username in cache:
        return cache[username]
    user = get_user(session, username)
    found = UserLanes(user.username, user.unit_id, frozenset(user.lanes_in(user.unit_id)), user.is_admin)
    if cache is not None:
        cache[username] = found
    return found


@dataclass(frozen=True)
class InboxFilter:
    process_key: str = ""
    claim: str = ""  # "" (all) or one of CLAIM_FILTERS
    due_before: date | None = None  # due on or before this day (WIB)
    overdue: bool = False
    page: int = 1


@dataclass(frozen=True)
class InboxRow:
    task_id: int
    instance_id: int
    case_title: str
    process_key: str
    process_name: str
    step: str | None
    name: str
    lane: str | None
    due_at: datetime | None
    overdue: bool
    claimed_by: str | None
    returned: bool


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    page: int
    page_size: int = PAGE_SIZE
    processes: list[tuple[str, str]] = field(default_factory=list)  # (key, name) for the filter

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


class InboxQuery:
    """Read-only queries over ``human_tasks`` for one user's inbox."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = utcnow, lanes_cache: dict | None = None):
        self.session = session
        self.clock = clock
        self.lanes_cache = {} if lanes_cache is None else lanes_cache

    def lanes(self, username: str) -> UserLanes:
        return user_lanes(self.session, username, self.lanes_cache)

    def _mine(self, where: UserLanes) -> Select:
        return select(HumanTask).where(HumanTask.state == "ready", HumanTask.unit_id == where.unit_id,
                                       HumanTask.lane.in_(sorted(where.lanes)))

    def page(self, username: str, filters: InboxFilter = InboxFilter()) -> InboxPage:
        where = self.lanes(username)
        if not where.lanes:
            return InboxPage([], 0, 1)
        now = self.clock()
        conditions = []
        if filters.claim == "ready":
            conditions.append(HumanTask.claimed_by.is_(None))
        elif filters.claim == "claimed":
            conditions.append(HumanTask.claimed_by.is_not(None))
        elif filters.claim == "mine":
            conditions.append(HumanTask.claimed_by == username)
        if filters.overdue:
            conditions.append(HumanTask.due_at < now)
        if filters.due_before:
            conditions.append(HumanTask.due_at < end_of_day(filters.due_before))
        base = self._mine(where).where(*conditions)
        if filters.process_key:
            base = (base.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                    .join(ProcessModel, ProcessModel.id == ProcessInstance.process_model_id)
                    .where(ProcessModel.key == filters.process_key))
        total = self.session.scalar(select(func.count()).select_from(base.subquery()))
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(1, filters.page), pages)
        ids = (base.with_only_columns(HumanTask.id)
               .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
               .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).subquery())
        query = (select(HumanTask, ProcessInstance.title, ProcessModel.key, ProcessModel.name)
                 .join(ids, ids.c.id == HumanTask.id)
                 .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                 .join(ProcessModel, ProcessModel.id == ProcessInstance.process_model_id)
                 .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id))
        rows = [_row(task, title, key, name, now) for task, title, key, name in self.session.execute(query)]
        return InboxPage(rows, total, page, processes=self.processes())

    def processes(self) -> list[tuple[str, str]]:
        """The deployed SOPs (latest names), for the process filter."""
        return [(model.key, model.name) for model in latest_models(self.session)]

    def open_count(self, username: str) -> int:
        """Ready tasks of the user's lanes that nobody else has claimed."""
        where = self.lanes(username)
        if not where.lanes:
            return 0
        base = self._mine(where).where(or_(HumanTask.claimed_by.is_(None), HumanTask.claimed_by == username))
        return self.session.scalar(select(func.count()).select_from(base.with_only_columns(HumanTask.id).subquery()))


def open_task_count(session: Session, username: str, lanes_cache: dict | None = None) -> int:
    return InboxQuery(session, lanes_cache=lanes_cache).open_count(username)


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in WIB, as the bound of "due on or before ``day``"."""
    # UTC, because SQLite stores and compares wall-clock values without their offset.
    return datetime.combine(day + timedelta(days=1), time.min, OFFICE_TZ).astimezone(timezone.utc)


def _row(task: HumanTask, title: str, key: str, name: str, now: datetime) -> InboxRow:
    due = as_utc(task.due_at)
    return InboxRow(task.id, task.instance_id, title, key, name, task.step, task.name, task.lane, due,
                    bool(due and due < now), task.claimed_by, bool(task.return_note))


# -- one task: what its page shows and how its form is completed ------------------------------

def checklist_items(kelengkapan: str | None) -> list[str]:
    """The Kelengkapan text as separate items: split on commas, semicolons and the word "dan"."""
    items = []
    for part in re.split(r"[,;]|\s+dan\s+", kelengkapan or ""):
        item = part.strip(" .\t\n")
        item = item[:1].upper() + item[1:]
        if item and item not in items:
            items.append(item)
    return items


def unconfirmed(checklist: list[str], given: object) -> list[str]:
    """The checklist items ``given`` (the ticked boxes, or an API client's list) does not confirm."""
    confirmed = {str(item).strip().casefold() for item in given} if isinstance(given, (list, tuple)) else set()
    return [item for item in checklist if item.casefold() not in confirmed]


@dataclass(frozen=True)
class TaskView:
    id: int
    instance_id: int
    case_title: str
    process_key: str
    process_name: str
    nomor: str
    step: str | None
    name: str
    documentation: str
    lane: str | None
    is_decision: bool
    tidak_returns: bool  # "Tidak" sends the case back for correction (see TaskInfo)
    checklist: list[str]
    waktu: str
    output: str
    state: str
    created_at: datetime | None
    due_at: datetime | None
    overdue: bool
    claimed_by: str | None
    completed_by: str | None
    completed_by_name: str | None
    completed_at: datetime | None
    return_note: str | None


class TaskPage:
    """The task form's service: show a task of the user's lanes, complete it after checking the form."""

    def __init__(self, processes: ProcessService, clock: Callable[[], datetime] = utcnow):
        self.processes = processes
        self.specs: SpecCache = processes.specs
        self.clock = clock

    def view(self, task_id: int, username: str) -> TaskView:
        with self.processes.db.session() as session:
            user = get_user(session, username)
            task = session.get(HumanTask, task_id)
            if task is None or task.lane not in user.lanes_in(task.unit_id):
                raise NotFound(f"task {task_id} not found")
            instance = task.instance
            parsed = self.specs.for_id(instance.process_model_id, lambda: instance.process_model)
            info = parsed.tasks.get(task.bpmn_id)
            mutu = task.mutu_baku or {}
            due = as_utc(task.due_at)
            finisher = session.scalar(select(User.full_name).where(User.username == task.completed_by)) \
                if task.completed_by else None
            return TaskView(
                id=task.id, instance_id=instance.id, case_title=instance.title,
                process_key=parsed.key, process_name=parsed.name, nomor=parsed.identity.get("nomor", ""),
                step=task.step, name=task.name, documentation=info.documentation if info else "",
                lane=task.lane, is_decision=task.is_decision, tidak_returns=bool(info and info.tidak_returns),
                checklist=checklist_items(mutu.get("kelengkapan")),
                waktu=mutu.get("waktu", ""), output=mutu.get("output", ""), state=task.state,
                created_at=as_utc(task.created_at), due_at=due,
                overdue=bool(due and task.state == "ready" and due < self.clock()),
                claimed_by=task.claimed_by, completed_by=task.completed_by,
                completed_by_name=finisher or task.completed_by, completed_at=as_utc(task.completed_at),
                return_note=task.return_note,
            )

    def complete(self, task_id: int, username: str, ticked: list[str], comment: str = "",
                 decision: str | None = None, reason: str = "") -> Completion:
        """Check the form (every Kelengkapan item ticked, a reason for "tidak") and complete the task.

        Raises InvalidTaskData with Indonesian field messages and changes nothing when the form is
        incomplete; NotFound / TaskConflict come from the engine unchanged.
        """
        view = self.view(task_id, username)
        if view.state != "ready":  # a stale form: say so before judging its fields
            raise TaskConflict(f"task {task_id} is already {view.state}")
        if view.claimed_by not in (None, username):
            raise TaskConflict(f"task {task_id} is claimed by {view.claimed_by}")
        errors: dict[str, str] = {}
        missing = unconfirmed(view.checklist, ticked)
        if missing:
            errors[CHECKLIST_FIELD] = "Kelengkapan belum dicentang: " + ", ".join(missing) + "."
        comment, reason = (comment or "").strip(), (reason or "").strip()
        data: dict = {CHECKLIST_FIELD: list(view.checklist)}  # used only once every item is confirmed
        if view.is_decision:
            decision = (decision or "").strip().lower()
            if decision not in ("ya", "tidak"):
                errors[DECISION_FIELD] = "Pilih keputusan: Ya atau Tidak."
            elif decision == "tidak" and not reason:
                errors["alasan"] = ("Alasan wajib diisi bila memilih Tidak (dikembalikan untuk perbaikan)."
                                    if view.tidak_returns else "Alasan wajib diisi bila memilih Tidak.")
            data[DECISION_FIELD] = decision
            data[NOTE_FIELD] = reason if decision == "tidak" else comment
            if decision == "tidak" and comment:
                data[COMMENT_FIELD] = comment
        elif comment:
            data[NOTE_FIELD] = comment
        if errors:
            raise InvalidTaskData("the task form is incomplete", errors)
        return self.processes.complete(task_id, username, data)
