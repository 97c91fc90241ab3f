"""Recording actions in the audit trail, in the same transaction as the action itself."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db import insert_row
from engine.models import AuditEvent


def record(session: Session, actor: str, action: str, object_type: str, object_id: object,
           instance_id: int | None = None, **detail) -> AuditEvent:
    """The row goes in at once by a Core insert (after the session's pending changes are flushed):
    every action writes one, and the unit of work cost more CPU than the insert."""
    return insert_row(session, AuditEvent, {"actor": actor, "action": action, "object_type": object_type,
                                            "object_id": str(object_id), "instance_id": instance_id,
                                            "detail": detail})


def events_for_instance(session: Session, instance_id: int) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    return list(session.scalars(query))
