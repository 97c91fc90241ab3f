"""The engine's tables. Import from here so Alembic and the services see one metadata."""
from engine.models.audit import AuditEvent
from engine.models.notification import Notification
from engine.models.organization import Role, Unit, User, user_roles
from engine.models.process import HumanTask, ProcessInstance, ProcessModel

__all__ = [
    "AuditEvent", "HumanTask", "Notification", "ProcessInstance", "ProcessModel", "Role", "Unit", "User", "user_roles",
]
