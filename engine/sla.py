"""The SLA report: per SOP and lane, steps done on time or late; time per step against its Waktu;
the tasks overdue now.

A step is on time when it was completed at or before its due time. Its actual duration is counted
the way its Waktu is (engine.calendar): office time on working days for minutes and hours,
working days for day counts, so that a step started on Friday afternoon and finished on Monday
morning took what the office spent on it, not the weekend.

Who may read it: admins (every unit, or one they choose) and holders of a role that supervises a
lane (the Atasan), who see their own unit only.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import fmean

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar, parse_duration
from engine.calendar_format import describe_due
from engine.cases import visible_case
from engine.errors import NotFound
from engine.inbox import end_of_day
from engine.models import HumanTask, ProcessInstance, ProcessModel, Unit, User
from engine.organization import get_actor, get_user, supervised_lanes
from engine.spec_cache import SpecCache
from engine.timeutil import as_utc

OVERDUE_LIMIT = 200


@dataclass(frozen=True)
class SlaViewer:
    username: str
    is_admin: bool
    unit_id: int | None  # the only unit a non-admin sees


def sla_viewer(session: Session, username: str) -> SlaViewer | None:
    """The user as a reader of the report, or None when they may not read it."""
    try:
        actor = get_actor(session, username)
    except NotFound:
        return None
    if actor.is_admin:
        return SlaViewer(username, True, None)
    unit_id, lanes = supervised_lanes(session, username)
    return SlaViewer(username, False, unit_id) if lanes and unit_id is not None else None


@dataclass(frozen=True)
class SlaFilter:
    start: date
    end: date
    unit_id: int | None = None


@dataclass
class LaneSla:
    lane: str
    on_time: int = 0
    late: int = 0
    no_due: int = 0

    @property
    def with_due(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_percent(self) -> float | None:
        return 100 * self.on_time / self.with_due if self.with_due else None


@dataclass
class SopSla:
    key: str
    name: str
    lanes: list[LaneSla] = field(default_factory=list)

    @property
    def total(self) -> LaneSla:
        return LaneSla("", sum(x.on_time for x in self.lanes), sum(x.late for x in self.lanes),
                       sum(x.no_due for x in self.lanes))


@dataclass(frozen=True)
class StepSla:
    process_key: str
    process_name: str
    step: str | None
    name: str
    lane: str | None
    waktu: str
    basis: str  # minutes, hours or working_days
    count: int
    average: float  # in the unit of the basis: minutes, hours or working days
    allowed: float  # the same unit
    late: int

    @property
    def unit_label(self) -> str:
        return {"minutes": "menit kerja", "hours": "jam kerja", "working_days": "hari kerja"}[self.basis]

    @property
    def over(self) -> bool:
        return self.average > self.allowed


@dataclass(frozen=True)
class OverdueTask:
    id: int
    instance_id: int
    process_name: str
    step: str | None
    name: str
    lane: str | None
    unit_name: str
    due_at: datetime
    standing: str  # "terlambat 3 hari kerja"
    link: str | None  # "task", "case" or None: what the viewer may open


@dataclass(frozen=True)
class SlaReport:
    filters: SlaFilter
    sops: list[SopSla]
    steps: list[StepSla]
    overdue: list[OverdueTask]
    overdue_total: int
    units: list[tuple[int, str]]  # the units the viewer may choose (admins only)


def _start_of(day: date) -> datetime:
    return end_of_day(day - timedelta(days=1))


def office_time_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """Office hours on working days between two moments (zero when end is not after start)."""
    start, end = calendar.local(start), calendar.local(end)
    total, day = timedelta(0), start.date()
    opening, closing = calendar.settings.office_open, calendar.settings.office_close
    while day <= end.date():
        if calendar.is_working_day(day):
            low = max(start, datetime.combine(day, opening, tzinfo=start.tzinfo))
            high = min(end, datetime.combine(day, closing, tzinfo=start.tzinfo))
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return total


def step_duration(calendar: WorkingCalendar, created: datetime, completed: datetime, basis: str) -> float:
    """How long a step took, in the unit of its basis (minutes, hours or working days)."""
    if basis == "working_days":
        return float(max(0, calendar.working_days_between(calendar.local(created).date(),
                                                          calendar.local(completed).date())))
    seconds = office_time_between(calendar, created, completed).total_seconds()
    return seconds / 60 if basis == "minutes" else seconds / 3600


def allowed_duration(durasi: str, basis: str) -> float:
    length = parse_duration(durasi)
    if basis == "working_days":
        return float(length.days)
    seconds = length.office_time.total_seconds()
    return seconds / 60 if basis == "minutes" else seconds / 3600


def _step_order(step: str | None) -> tuple:
    return (0, int(step), "") if step and step.isdigit() else (1, 0, step or "")


def sla_report(session: Session, viewer: SlaViewer, filters: SlaFilter, calendar: WorkingCalendar,
               now: datetime, specs: SpecCache | None = None) -> SlaReport:
    unit_id = filters.unit_id if viewer.is_admin else viewer.unit_id
    filters = SlaFilter(filters.start, filters.end, unit_id)
    scope = [HumanTask.unit_id == unit_id] if unit_id is not None else []
    done = session.execute(
        select(HumanTask.created_at, HumanTask.due_at, HumanTask.completed_at, HumanTask.lane, HumanTask.step,
               HumanTask.name, HumanTask.mutu_baku, ProcessModel.key, ProcessModel.name)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessModel, ProcessModel.id == ProcessInstance.process_model_id)
        .where(HumanTask.state == "completed", HumanTask.completed_at >= _start_of(filters.start),
               HumanTask.completed_at < end_of_day(filters.end), *scope)
        .order_by(ProcessModel.key, ProcessModel.version.desc()))
    sops: dict[str, SopSla] = {}
    lanes: dict[tuple[str, str], LaneSla] = {}
    steps: dict[tuple, list[tuple[float, bool]]] = defaultdict(list)
    for created, due, completed, lane, step, name, mutu, key, process_name in done:
        created, due, completed = as_utc(created), as_utc(due), as_utc(completed)
        sop = sops.setdefault(key, SopSla(key, process_name))
        entry = lanes.get((key, lane or ""))
        if entry is None:
            entry = lanes[(key, lane or "")] = LaneSla(lane or "-")
            sop.lanes.append(entry)
        if due is None:
            entry.no_due += 1
            continue
        late = completed > due
        entry.late += late
        entry.on_time += not late
        mutu = mutu or {}
        basis, durasi = mutu.get("basis"), mutu.get("durasi")
        if basis in ("minutes", "hours", "working_days") and durasi:
            group = (key, process_name, step, name, lane, mutu.get("waktu", ""), basis, durasi)
            steps[group].append((step_duration(calendar, created, completed, basis), late))
    for sop in sops.values():
        sop.lanes.sort(key=lambda x: x.lane)
    step_rows = [StepSla(key, process_name, step, name, lane, waktu, basis, len(values),
                         fmean(v for v, _ in values), allowed_duration(durasi, basis), sum(late for _, late in values))
                 for (key, process_name, step, name, lane, waktu, basis, durasi), values in steps.items()]
    step_rows.sort(key=lambda row: (row.process_key, _step_order(row.step), row.name))
    overdue, overdue_total = _overdue(session, viewer, scope, calendar, now, specs)
    units = ([(unit.id, f"{unit.code} \u2013 {unit.name}") for unit in session.scalars(select(Unit).order_by(Unit.code))]
             if viewer.is_admin else [])
    return SlaReport(filters, sorted(sops.values(), key=lambda sop: sop.key), step_rows, overdue, overdue_total, units)


def _overdue(session: Session, viewer: SlaViewer, scope: list, calendar: WorkingCalendar, now: datetime,
             specs: SpecCache | None) -> tuple[list[OverdueTask], int]:
    conditions = [HumanTask.state == "ready", HumanTask.due_at < now, *scope]
    total = session.scalar(select(func.count()).select_from(HumanTask).where(*conditions)) or 0
    rows = session.execute(
        select(HumanTask.id, HumanTask.instance_id, HumanTask.unit_id, HumanTask.step, HumanTask.name,
               HumanTask.lane, HumanTask.due_at, ProcessModel.name, Unit.name)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessModel, ProcessModel.id == ProcessInstance.process_model_id)
        .outerjoin(Unit, Unit.id == HumanTask.unit_id)
        .where(*conditions).order_by(HumanTask.due_at, HumanTask.id).limit(OVERDUE_LIMIT))
    actor = get_actor(session, viewer.username)
    user: User | None = None
    seen: dict[int, bool] = {}
    found = []
    for task_id, instance_id, unit_id, step, name, lane, due, process_name, unit_name in rows:
        due = as_utc(due)
        if actor.serves(unit_id, lane):
            link = "task"
        else:
            if instance_id not in seen:
                user = user or get_user(session, viewer.username)
                seen[instance_id] = _case_visible(session, instance_id, user, specs)
            link = "case" if seen[instance_id] else None
        found.append(OverdueTask(task_id, instance_id, process_name, step, name, lane, unit_name or "-", due,
                                 describe_due(due, now, calendar), link))
    return found, total


def _case_visible(session: Session, instance_id: int, user: User, specs: SpecCache | None) -> bool:
    if user.is_admin:
        return True
    if specs is None:
        return False
    try:
        visible_case(session, instance_id, user, specs)
    except NotFound:
        return False
    return True
