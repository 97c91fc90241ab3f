"""Recording actions in the audit trail, in the same transaction as the action itself."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.models import AuditEvent

# A Core insert built once: every action writes a row, and the unit of work (or building the row's
# object to return) cost more CPU than the insert itself. The session still flushes its pending
# changes first, so the row can refer to objects added in the same transaction.
_INSERT_EVENT = insert(AuditEvent.__table__)


def record(session: Session, actor: str, action: str, object_type: str, object_id: object,
           instance_id: int | None = None, **detail) -> None:
    session.execute(_INSERT_EVENT, {"actor": actor, "action": action, "object_type": object_type,
                                    "object_id": str(object_id), "instance_id": instance_id, "detail": detail})


def events_for_instance(session: Session, instance_id: int) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    return list(session.scalars(query))
