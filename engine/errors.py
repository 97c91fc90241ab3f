"""Errors the engine raises to its callers (CLI, web, workers). Messages are for people."""
from __future__ import annotations


class EngineError(Exception):
    """Base class; ``str(error)`` is a complete sentence naming what went wrong."""


class ModelError(EngineError):
    """A BPMN file cannot be deployed. Names the file and, where known, the element."""

    def __init__(self, filename: str, message: str, element: str | None = None, line: int | None = None):
        self.filename, self.message, self.element, self.line = filename, message, element, line
        where = filename + (f":{line}" if line else "") + (f": element '{element}'" if element else "")
        super().__init__(f"{where}: {message}")


class NotFound(EngineError):
    """The object does not exist, or the caller may not know that it exists."""


class PermissionDenied(EngineError):
    """The caller may see the object but not do this to it."""


class TaskConflict(EngineError):
    """The task changed under the caller: completed, claimed or moved on by someone else."""


class InvalidTaskData(EngineError):
    """Form data for a task is incomplete or wrong; ``fields`` maps field names to messages."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        self.fields = fields or {}
        super().__init__(message)


class WorkflowRuntimeError(EngineError):
    """The process could not advance (e.g. a condition failed); the case stays as it was."""
