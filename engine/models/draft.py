"""Drafts of process models: what a designer saved in the modeler but has not deployed yet."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UtcDateTime
from engine.timeutil import utcnow


class ProcessDraft(Base):
    """One draft per process key; saving again replaces it, deploying it removes it.

    ``base_version`` is the deployed version the draft was started from (None for a new process),
    so the modeler can tell that someone deployed in between.
    """

    __tablename__ = "process_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    xml: Mapped[str] = mapped_column(Text)
    base_version: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
