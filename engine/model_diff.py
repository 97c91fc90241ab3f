"""What changed between two versions of a process, computed from the two parsed models.

Elements are matched by BPMN id (as SpiffWorkflow aligns specs first): an id only in the new
version is added, only in the old one removed; a matched element may be renamed, moved to
another lane, or have its Mutu Baku changed. Connections (sequence flows, as source -> target)
and the SOP identity are compared too.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from engine.bpmn_model import MUTU_BAKU_FIELDS, ParsedModel

FIELD_LABELS = {"langkah": "Langkah", "kelengkapan": "Kelengkapan", "waktu": "Waktu", "durasi": "Durasi",
                "basis": "Basis", "output": "Output", "keterangan": "Keterangan", "publish": "Publikasi"}


@dataclass(frozen=True)
class Element:
    id: str
    name: str
    lane: str | None
    kind: str


@dataclass(frozen=True)
class Renamed:
    id: str
    old: str
    new: str


@dataclass(frozen=True)
class Moved:
    id: str
    name: str
    old_lane: str | None
    new_lane: str | None


@dataclass(frozen=True)
class PropertyChange:
    id: str
    name: str
    field: str
    old: str
    new: str

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


@dataclass
class ModelDiff:
    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    properties: list[PropertyChange] = field(default_factory=list)
    connections_added: list[tuple[str, str]] = field(default_factory=list)
    connections_removed: list[tuple[str, str]] = field(default_factory=list)
    lanes_added: list[str] = field(default_factory=list)
    lanes_removed: list[str] = field(default_factory=list)
    identity: list[tuple[str, object, object]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any((self.added, self.removed, self.renamed, self.moved, self.properties, self.connections_added,
                        self.connections_removed, self.lanes_added, self.lanes_removed, self.identity))


def _elements(parsed: ParsedModel) -> dict[str, Element]:
    result = {}
    for spec in parsed.spec.task_specs.values():
        bpmn_id = getattr(spec, "bpmn_id", None)
        if bpmn_id:
            kind = type(spec).__name__
            result[bpmn_id] = Element(bpmn_id, getattr(spec, "bpmn_name", None) or bpmn_id,
                                      getattr(spec, "lane", None), kind)
    return result


def _connections(parsed: ParsedModel) -> set[tuple[str, str]]:
    edges = set()
    for spec in parsed.spec.task_specs.values():
        if not getattr(spec, "bpmn_id", None):
            continue
        for output in spec.outputs:
            if getattr(output, "bpmn_id", None):
                edges.add((spec.bpmn_id, output.bpmn_id))
    return edges


def diff_models(old: ParsedModel, new: ParsedModel) -> ModelDiff:
    diff = ModelDiff()
    before, after = _elements(old), _elements(new)
    diff.added = [after[i] for i in after if i not in before]
    diff.removed = [before[i] for i in before if i not in after]
    for element_id in (i for i in before if i in after):
        a, b = before[element_id], after[element_id]
        if a.name != b.name:
            diff.renamed.append(Renamed(element_id, a.name, b.name))
        if a.lane != b.lane:
            diff.moved.append(Moved(element_id, b.name, a.lane, b.lane))
        old_mutu = old.tasks[element_id].mutu_baku if element_id in old.tasks else {}
        new_mutu = new.tasks[element_id].mutu_baku if element_id in new.tasks else {}
        for name in MUTU_BAKU_FIELDS:
            x, y = (old_mutu.get(name) or ""), (new_mutu.get(name) or "")
            if x != y:
                diff.properties.append(PropertyChange(element_id, b.name, name, x, y))
        old_publish = getattr(old.tasks.get(element_id), "publish", None) or ""
        new_publish = getattr(new.tasks.get(element_id), "publish", None) or ""
        if old_publish != new_publish:
            diff.properties.append(PropertyChange(element_id, b.name, "publish", old_publish, new_publish))
    old_edges, new_edges = _connections(old), _connections(new)
    diff.connections_added = sorted(new_edges - old_edges)
    diff.connections_removed = sorted(old_edges - new_edges)
    diff.lanes_added = [lane for lane in new.lanes if lane not in old.lanes]
    diff.lanes_removed = [lane for lane in old.lanes if lane not in new.lanes]
    for name in sorted(set(old.identity) | set(new.identity)):
        if old.identity.get(name) != new.identity.get(name):
            diff.identity.append((name, old.identity.get(name), new.identity.get(name)))
    return diff
