"""Reading and writing instance rows and their human-task mirror with plain SQL statements.

Advancing a case is the hottest path in Alur, and the ORM's unit of work costs more there than
SpiffWorkflow itself; these few statements do the same writes with the same guarantees: the
instance row is updated only if its revision is still the one that was read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound, TaskConflict
from engine.models import AuditEvent, HumanTask, ProcessInstance

TASKS, INSTANCES, AUDIT = HumanTask.__table__, ProcessInstance.__table__, AuditEvent.__table__
TASK_COLUMNS = tuple(TASKS.c[name] for name in (
    "id", "instance_id", "unit_id", "lane", "state", "name", "step", "bpmn_id", "spiff_task_id",
    "is_decision", "claimed_by", "completed_by"))


@dataclass(frozen=True)
class NewTask:
    """A human task a step has just made ready, as written to the mirror."""

    id: int
    bpmn_id: str
    name: str
    lane: str | None
    step: str | None
    is_decision: bool
    due_at: datetime | None


@dataclass(frozen=True)
class LoadedInstance:
    id: int
    process_model_id: int
    unit_id: int | None
    status: str
    state: str
    revision: int


def lock_instance(session: Session, instance_id: int) -> LoadedInstance:
    """The instance row, locked until commit where the database can (PostgreSQL)."""
    row = session.connection().execute(
        select(INSTANCES.c.id, INSTANCES.c.process_model_id, INSTANCES.c.unit_id,
               INSTANCES.c.status, INSTANCES.c.state, INSTANCES.c.revision)
        .where(INSTANCES.c.id == instance_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound(f"case {instance_id} not found")
    return LoadedInstance(*row)


def save_instance(session: Session, loaded: LoadedInstance, **values) -> None:
    """Write the new state; of two saves from the same revision only the first succeeds."""
    result = session.connection().execute(
        INSTANCES.update()
        .where(INSTANCES.c.id == loaded.id, INSTANCES.c.revision == loaded.revision)
        .values(revision=loaded.revision + 1, **values)
    )
    if result.rowcount != 1:
        raise TaskConflict(f"case {loaded.id} was changed by someone else at the same time; nothing was changed")


def task_row(session: Session, task_id: int):
    return session.connection().execute(select(*TASK_COLUMNS).where(TASKS.c.id == task_id)).one_or_none()


def task_with_locked_instance(session: Session, task_id: int):
    """A task and its instance in one round trip, the instance row locked (PostgreSQL)."""
    row = session.connection().execute(
        select(*TASK_COLUMNS, INSTANCES.c.process_model_id, INSTANCES.c.status.label("case_status"),
               INSTANCES.c.state.label("case_state"), INSTANCES.c.revision)
        .join(INSTANCES, INSTANCES.c.id == TASKS.c.instance_id)
        .where(TASKS.c.id == task_id)
        .with_for_update(of=INSTANCES)
    ).one_or_none()
    if row is None:
        return None, None
    return row, LoadedInstance(row.instance_id, row.process_model_id, row.unit_id, row.case_status,
                               row.case_state, row.revision)


def close_task(session: Session, task_id: int, **values) -> None:
    """Move a READY task to its end state; refuses if it is no longer ready."""
    result = session.connection().execute(
        TASKS.update().where(TASKS.c.id == task_id, TASKS.c.state == "ready").values(**values))
    if result.rowcount != 1:
        raise TaskConflict(f"task {task_id} is no longer ready")


def cancel_tasks(session: Session, instance_id: int, spiff_task_ids: set[str]) -> None:
    session.connection().execute(
        TASKS.update()
        .where(TASKS.c.instance_id == instance_id, TASKS.c.spiff_task_id.in_(spiff_task_ids),
               TASKS.c.state == "ready")
        .values(state="cancelled"))


def insert_tasks(session: Session, rows: list[dict]) -> list[NewTask]:
    """Insert new human tasks; returns them with their new ids."""
    if not rows:
        return []
    connection = session.connection()
    if len(rows) == 1:  # the common case: one step follows another
        ids = [connection.execute(TASKS.insert().returning(TASKS.c.id), rows[0]).scalar_one()]
    else:
        ids = connection.execute(TASKS.insert().returning(TASKS.c.id, sort_by_parameter_order=True),
                                 rows).scalars().all()
    return [NewTask(task_id, values["bpmn_id"], values["name"], values["lane"], values["step"],
                    values["is_decision"], values["due_at"]) for task_id, values in zip(ids, rows)]


def insert_audit_events(session: Session, events: list[dict], at: datetime) -> None:
    if events:
        session.connection().execute(AUDIT.insert(), [{"at": at, "detail": {}, **event} for event in events])
