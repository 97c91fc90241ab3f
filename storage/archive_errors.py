"""Errors of archive operations (as opposed to the object store's own, in :mod:`storage.errors`)."""
from __future__ import annotations

from engine.errors import EngineError, PermissionDenied


class ArchiveError(EngineError):
    """An archive operation that cannot be done as asked; the message says why."""


class RetentionLocked(PermissionDenied):
    """Deleting is refused: a legal hold, a retention period or a permanent record."""
