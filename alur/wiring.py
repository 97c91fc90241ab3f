"""Connects the parts that react to the engine without the engine knowing them.

Completing a publishing step publishes the case's public documents (storage.publication); a
request or objection case keeps its register row current (engine.ppid.service). Both register
completion hooks when imported, so every process that completes tasks (web, CLI, worker) must
import them: that is this function's one job.
"""
from __future__ import annotations

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    import engine.ppid.service  # noqa: F401
    import storage.publication  # noqa: F401
    _installed = True
