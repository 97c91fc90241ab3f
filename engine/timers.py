"""BPMN timer events on persisted instances.

SpiffWorkflow only notices a timer when someone refreshes the workflow, and compares it with the
real clock. Alur stores each instance's next timer after every save (``next_timer_at``) so a
periodic job loads only the instances that are due, and fires timers against the clock the job
is given, so a test can move time forward.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow


def _waiting_timer_tasks(workflow: BpmnWorkflow):
    for task in list(workflow.event_manager.tasks.values()):
        if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition):
            yield task


def _due_time(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):  # a cycle: {"cycles": n, "next": iso, "duration": s}
        value = value.get("next") if value.get("cycles") != 0 else None
    if not value:
        return None
    return TimerEventDefinition.get_datetime(value)


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    """When the earliest waiting timer of the workflow falls due, or None if none waits."""
    times = [due for due in map(_due_time, _waiting_timer_tasks(workflow)) if due is not None]
    return min(times) if times else None


def fire_due_timers(workflow: BpmnWorkflow, now: datetime) -> int:
    """Fire every timer due at ``now``; returns how many fired. The caller runs engine steps."""
    fired = 0
    for task in _waiting_timer_tasks(workflow):
        due = _due_time(task)
        if due is None or due > now:
            continue
        if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
            value = dict(task._get_internal_data("event_value"))
            value["next"] = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
            task._set_internal_data(event_value=value)
        else:
            task._set_internal_data(event_fired=True)
        fired += 1
    if fired:
        workflow.refresh_timers()
    return fired
