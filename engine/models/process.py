"""Process models (deployed BPMN versions), their running instances and the human tasks they expose."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, UtcDateTime
from engine.timeutil import utcnow


class ProcessModel(Base):
    """One deployed version of one SOP's BPMN. Versions are immutable once deployed."""

    __tablename__ = "process_models"
    __table_args__ = (UniqueConstraint("key", "version"), UniqueConstraint("key", "sha256"))
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    deployed_by: Mapped[str] = mapped_column(String(80), default="system")


class ProcessInstance(Base):
    """A running or finished case. ``state`` holds the SpiffWorkflow serialization minus the spec.

    ``revision`` is SQLAlchemy's version counter: a save that raced with another one updates no
    row and fails, so two completions of the same task can never both be written.
    """

    __tablename__ = "process_instances"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_model_id: Mapped[int] = mapped_column(ForeignKey("process_models.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)
    state: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    started_by: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_timer_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    process_model: Mapped[ProcessModel] = relationship()

    __mapper_args__ = {"version_id_col": revision}


class HumanTask(Base):
    """A user task of an instance, mirrored from the workflow state at every save.

    The inbox and the API list tasks from this table alone, so listing never deserializes
    a workflow.
    """

    __tablename__ = "human_tasks"
    __table_args__ = (
        UniqueConstraint("instance_id", "spiff_task_id"),
        Index("ix_human_tasks_inbox", "state", "unit_id", "lane", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(200))
    step: Mapped[str | None] = mapped_column(String(20))
    is_decision: Mapped[bool] = mapped_column(default=False)
    mutu_baku: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="ready")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    completed_by: Mapped[str | None] = mapped_column(String(80))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    form_data: Mapped[dict] = mapped_column(JSON, default=dict)
    return_note: Mapped[str | None] = mapped_column(Text)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    instance: Mapped[ProcessInstance] = relationship()
