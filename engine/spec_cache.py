"""Parsed specs of deployed versions, kept per process so a case load never re-parses BPMN.

Deployed versions are immutable, so an entry never goes stale; the bound only limits memory.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

from engine.bpmn_model import ParsedModel, parse_model
from engine.models import ProcessModel


class SpecCache:
    def __init__(self, capacity: int = 128):
        self._capacity = capacity
        self._entries: OrderedDict[int, ParsedModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, model: ProcessModel) -> ParsedModel:
        return self.for_id(model.id, lambda: model)

    def for_id(self, model_id: int, load: Callable[[], ProcessModel]) -> ParsedModel:
        """The parsed spec of a version; ``load`` fetches the row (and its XML) only on a miss."""
        with self._lock:
            parsed = self._entries.get(model_id)
            if parsed is not None:
                self._entries.move_to_end(model_id)
                return parsed
        model = load()
        parsed = parse_model(model.bpmn_xml, model.filename)
        with self._lock:
            self._entries[model_id] = parsed
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return parsed
