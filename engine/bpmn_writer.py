"""Writing an SOP definition as BPMN 2.0 with a generated diagram.

The semantic part follows domain.md ("The SOP document"): a start event, one user task per
step in the lane of its pelaksana, a decision as user task + exclusive gateway with Ya / Tidak
flows (Tidak loops back), an end event. The Mutu Baku and the identity part travel in Alur's
own extension elements.

The diagram: one pool, lanes as horizontal bands in the order of ``sop.lanes``, one column per
flow node from left to right, every node vertically centred in its lane. Forward flows go to the
next column only, so they are straight within a lane and take one vertical step in the gap
between columns otherwise. A Tidak flow leaves its gateway at the top or bottom, runs along a
channel inside the target's lane (above or below the centred nodes, so it crosses no shape)
and enters the target from that side.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from engine.bpmn_model import ALUR_NS, BPMN_NS, BPMNDI_NS
from engine.sop_definition import BASES, SopDefinition, SopStep, gateway_id, step_id

DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "xsi": XSI_NS, "alur": ALUR_NS}
TARGET_NAMESPACE = "http://alur.kalteng.go.id/bpmn"
EXPORTER_VERSION = "1.0"

START_ID, END_ID = "Mulai", "Selesai"
SIZES = {"task": (100, 80), "gateway": (50, 50), "event": (36, 36)}
ORIGIN_X, ORIGIN_Y = 160, 80
POOL_LABEL_W = 30
LANE_PAD_X = 30  # space between the lane's left edge and the first column
COLUMN_GAP = 50  # horizontal space between two nodes
CHANNEL_MARGIN = 15  # distance of the first loop-back channel from the lane edge
CHANNEL_STEP = 10  # distance between two loop-back channels on the same side of a lane
LANE_MIN_H = 150


def _b(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


@dataclass
class _Node:
    id: str
    kind: str  # task | gateway | event
    tag: str
    name: str
    lane: int
    step: SopStep | None = None
    x: float = 0
    y: float = 0

    @property
    def w(self) -> int:
        return SIZES[self.kind][0]

    @property
    def h(self) -> int:
        return SIZES[self.kind][1]

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class _Flow:
    id: str
    source: _Node
    target: _Node
    name: str = ""
    condition: str = ""
    back: bool = False  # a Tidak flow to an earlier step


def write_bpmn(sop: SopDefinition) -> str:
    """The SOP as a BPMN 2.0 document (UTF-8 XML text) with complete BPMNDI."""
    _validate(sop)
    nodes, flows = _graph(sop)
    lane_ids = _lane_ids(sop.lanes)
    layout = _Layout(sop, nodes, flows)

    root = etree.Element(_b("definitions"), nsmap=NSMAP)
    root.set("id", f"Definitions_{sop.key}")
    root.set("targetNamespace", TARGET_NAMESPACE)
    root.set("exporter", "Alur")
    root.set("exporterVersion", EXPORTER_VERSION)

    collaboration = etree.SubElement(root, _b("collaboration"), id=f"Kolaborasi_{sop.key}")
    etree.SubElement(collaboration, _b("participant"), id=f"Pool_{sop.key}", name=sop.name, processRef=sop.key)

    process = etree.SubElement(root, _b("process"), id=sop.key, name=sop.name, isExecutable="true")
    if sop.documentation:
        etree.SubElement(process, _b("documentation")).text = sop.documentation
    _write_identity(etree.SubElement(process, _b("extensionElements")), sop)
    lane_set = etree.SubElement(process, _b("laneSet"), id=f"LaneSet_{sop.key}")
    for index, lane_name in enumerate(sop.lanes):
        lane = etree.SubElement(lane_set, _b("lane"), id=lane_ids[index], name=lane_name)
        for node in nodes:
            if node.lane == index:
                etree.SubElement(lane, _b("flowNodeRef")).text = node.id
    for node in nodes:
        _write_node(process, node, flows)
    for flow in flows:
        _write_flow(process, flow)

    _write_diagram(root, sop, nodes, flows, lane_ids, layout)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode", pretty_print=True)


def _validate(sop: SopDefinition) -> None:
    if not re.fullmatch(r"[A-Za-z_][\w.-]*", sop.key):
        raise ValueError(f"process key {sop.key!r} is not a valid XML id")
    if not sop.steps:
        raise ValueError("an SOP needs at least one step")
    if len(set(sop.lanes)) != len(sop.lanes):
        raise ValueError("lane names must be unique")
    numbers = [step.number for step in sop.steps]
    ids = [step_id(n) for n in numbers]
    if len(set(ids)) != len(ids):
        raise ValueError(f"step numbers must be unique (after id normalisation): {numbers}")
    for position, step in enumerate(sop.steps):
        if step.lane not in sop.lanes:
            raise ValueError(f"step {step.number}: lane {step.lane!r} is not one of {sop.lanes}")
        if step.basis not in BASES:
            raise ValueError(f"step {step.number}: basis {step.basis!r} is not one of {BASES}")
        if step.decision:
            if step.no_target not in numbers[:position + 1]:
                raise ValueError(f"step {step.number}: Tidak target {step.no_target!r} is not this or an earlier step")
        elif step.no_target is not None:
            raise ValueError(f"step {step.number}: no_target given but the step is not a decision")
    empty = set(sop.lanes) - {step.lane for step in sop.steps}
    if empty:
        raise ValueError(f"lanes without any step: {sorted(empty)} (an empty lane is not allowed)")


def _lane_ids(lanes: list[str]) -> list[str]:
    ids: list[str] = []
    for name in lanes:
        base = "Lane_" + (re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_") or "tanpa_nama")
        candidate, suffix = base, 2
        while candidate in ids:
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        ids.append(candidate)
    return ids


def _graph(sop: SopDefinition) -> tuple[list[_Node], list[_Flow]]:
    lane_of = {name: index for index, name in enumerate(sop.lanes)}
    nodes = [_Node(START_ID, "event", "startEvent", "Mulai", lane_of[sop.steps[0].lane])]
    tasks: dict[str, _Node] = {}
    flows: list[_Flow] = []
    pending: list[tuple[_Node, str, str]] = []  # (source, flow name, condition) waiting for the next node

    def connect(target: _Node) -> None:
        for source, name, condition in pending:
            flows.append(_Flow(f"Flow_{source.id}_{target.id}", source, target, name, condition))
        pending.clear()

    pending.append((nodes[0], "", ""))
    for step in sop.steps:
        task = _Node(step_id(step.number), "task", "userTask", step.name, lane_of[step.lane], step)
        tasks[step.number] = task
        connect(task)
        nodes.append(task)
        if not step.decision:
            pending.append((task, "", ""))
            continue
        gateway = _Node(gateway_id(step.number), "gateway", "exclusiveGateway",
                        step.question or f"{step.name}?", task.lane, step)
        nodes.append(gateway)
        flows.append(_Flow(f"Flow_{task.id}_{gateway.id}", task, gateway))
        back = tasks[step.no_target]
        flows.append(_Flow(f"Flow_{gateway.id}_{back.id}", gateway, back, "Tidak", 'keputusan == "tidak"', back=True))
        pending.append((gateway, "Ya", 'keputusan == "ya"'))
    end = _Node(END_ID, "event", "endEvent", "Selesai", lane_of[sop.steps[-1].lane])
    connect(end)
    nodes.append(end)
    return nodes, flows


def _write_identity(extensions, sop: SopDefinition) -> None:
    identity = sop.identity
    element = etree.SubElement(extensions, f"{{{ALUR_NS}}}sop")
    for attribute, value in (
        ("nomor", identity.nomor), ("unit", identity.unit or sop.unit), ("seksi", identity.seksi),
        ("tanggalPembuatan", identity.tanggal_pembuatan), ("tanggalRevisi", identity.tanggal_revisi),
        ("tanggalEfektif", identity.tanggal_efektif), ("disahkanOleh", identity.disahkan_oleh),
    ):
        element.set(attribute, value or "")
    for tag, items in (("dasarHukum", identity.dasar_hukum), ("kualifikasi", identity.kualifikasi),
                       ("keterkaitan", identity.keterkaitan), ("peralatan", identity.peralatan)):
        for item in items:
            etree.SubElement(element, f"{{{ALUR_NS}}}{tag}").text = item
    etree.SubElement(element, f"{{{ALUR_NS}}}peringatan").text = identity.peringatan
    etree.SubElement(element, f"{{{ALUR_NS}}}pencatatan").text = identity.pencatatan


def _write_node(process, node: _Node, flows: list[_Flow]) -> None:
    element = etree.SubElement(process, _b(node.tag), id=node.id, name=node.name)
    if node.kind == "task":
        step = node.step
        if step.documentation:
            etree.SubElement(element, _b("documentation")).text = step.documentation
        extensions = etree.SubElement(element, _b("extensionElements"))
        mutu = etree.SubElement(extensions, f"{{{ALUR_NS}}}mutuBaku")
        mutu.set("langkah", step.number)
        mutu.set("kelengkapan", step.kelengkapan)
        mutu.set("waktu", step.waktu)
        if step.durasi:
            mutu.set("durasi", step.durasi)
        mutu.set("basis", step.basis)
        mutu.set("output", step.output)
        mutu.set("keterangan", step.keterangan)
    for flow in flows:
        if flow.target is node:
            etree.SubElement(element, _b("incoming")).text = flow.id
    for flow in flows:
        if flow.source is node:
            etree.SubElement(element, _b("outgoing")).text = flow.id


def _write_flow(process, flow: _Flow) -> None:
    element = etree.SubElement(process, _b("sequenceFlow"), id=flow.id)
    if flow.name:
        element.set("name", flow.name)
    element.set("sourceRef", flow.source.id)
    element.set("targetRef", flow.target.id)
    if flow.condition:
        condition = etree.SubElement(element, _b("conditionExpression"))
        condition.set(f"{{{XSI_NS}}}type", "bpmn:tFormalExpression")
        condition.text = flow.condition


class _Layout:
    """Positions of pool, lanes and nodes, and the waypoints of every flow."""

    def __init__(self, sop: SopDefinition, nodes: list[_Node], flows: list[_Flow]):
        count = len(sop.lanes)
        # Which side of which lane each loop-back channel runs on, and its index there.
        self.channel: dict[str, tuple[int, str, int]] = {}
        used: dict[tuple[int, str], int] = {}
        for flow in flows:
            if flow.back:
                lane, side = flow.target.lane, ("top" if flow.target.lane > flow.source.lane else "bottom")
                index = used.get((lane, side), 0)
                used[(lane, side)] = index + 1
                self.channel[flow.id] = (lane, side, index)
        depth = [max(used.get((lane, "top"), 0), used.get((lane, "bottom"), 0)) for lane in range(count)]
        height = max(LANE_MIN_H, SIZES["task"][1] + 2 * (CHANNEL_MARGIN + CHANNEL_STEP * max(depth) + 20))
        self.lane_h = [height] * count  # equal bands read best
        self.lane_y = [ORIGIN_Y + sum(self.lane_h[:i]) for i in range(count)]

        x = ORIGIN_X + POOL_LABEL_W + LANE_PAD_X
        self.column_right: dict[str, float] = {}
        for node in nodes:
            node.x = x
            node.y = self.lane_y[node.lane] + (self.lane_h[node.lane] - node.h) / 2
            x += node.w + COLUMN_GAP
            self.column_right[node.id] = x
        self.pool = (ORIGIN_X, ORIGIN_Y, x - COLUMN_GAP + LANE_PAD_X - ORIGIN_X, sum(self.lane_h))
        self.lane_x = ORIGIN_X + POOL_LABEL_W
        self.lane_w = self.pool[2] - POOL_LABEL_W

    def lane_bounds(self, index: int) -> tuple[float, float, float, float]:
        return self.lane_x, self.lane_y[index], self.lane_w, self.lane_h[index]

    def waypoints(self, flow: _Flow) -> list[tuple[float, float]]:
        source, target = flow.source, flow.target
        if flow.back:
            lane, side, index = self.channel[flow.id]
            offset = CHANNEL_MARGIN + CHANNEL_STEP * index
            if side == "top":
                channel_y = self.lane_y[lane] + offset
                start, end = (source.cx, source.y + source.h), (target.cx, target.y)
            else:
                channel_y = self.lane_y[lane] + self.lane_h[lane] - offset
                start, end = (source.cx, source.y), (target.cx, target.y + target.h)
            if source.lane == target.lane:  # leave the gateway on the channel's side
                start = (source.cx, source.y) if side == "top" else (source.cx, source.y + source.h)
            return [start, (source.cx, channel_y), (target.cx, channel_y), end]
        start, end = (source.x + source.w, source.cy), (target.x, target.cy)
        if source.cy == target.cy:
            return [start, end]
        gap_x = self.column_right[source.id] - COLUMN_GAP / 2
        return [start, (gap_x, source.cy), (gap_x, target.cy), end]

    def label(self, flow: _Flow) -> tuple[float, float, float, float]:
        """Bounds of a Ya / Tidak label next to where the flow leaves its gateway."""
        points = self.waypoints(flow)
        (x0, y0), (x1, y1) = points[0], points[1]
        width, height = (14, 14) if flow.name == "Ya" else (28, 14)
        if y0 == y1:  # leaves to the right
            return x0 + 4, y0 - height - 2, width, height
        if y1 > y0:  # leaves downwards
            return x0 + 5, y0 + 3, width, height
        return x0 + 5, y0 - height - 3, width, height


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _bounds(parent, x: float, y: float, w: float, h: float) -> None:
    etree.SubElement(parent, f"{{{DC_NS}}}Bounds", x=_num(x), y=_num(y), width=_num(w), height=_num(h))


def _write_diagram(root, sop: SopDefinition, nodes, flows, lane_ids, layout: _Layout) -> None:
    diagram = etree.SubElement(root, f"{{{BPMNDI_NS}}}BPMNDiagram", id=f"Diagram_{sop.key}")
    plane = etree.SubElement(diagram, f"{{{BPMNDI_NS}}}BPMNPlane", id=f"Plane_{sop.key}",
                             bpmnElement=f"Kolaborasi_{sop.key}")
    pool = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"Pool_{sop.key}_di",
                            bpmnElement=f"Pool_{sop.key}", isHorizontal="true")
    _bounds(pool, *layout.pool)
    for index, lane_id in enumerate(lane_ids):
        shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"{lane_id}_di",
                                 bpmnElement=lane_id, isHorizontal="true")
        _bounds(shape, *layout.lane_bounds(index))
    for node in nodes:
        shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"{node.id}_di", bpmnElement=node.id)
        if node.kind == "gateway":
            shape.set("isMarkerVisible", "true")
        _bounds(shape, node.x, node.y, node.w, node.h)
        if node.kind != "task":  # external label, on the side no loop-back flow leaves from
            label = etree.SubElement(shape, f"{{{BPMNDI_NS}}}BPMNLabel")
            width, height = max(40, min(140, 6 * len(node.name))), (14 if node.kind == "event" else 27)
            below = not any(flow.back and flow.source is node and layout.waypoints(flow)[0][1] > node.cy
                            for flow in flows)
            y = node.y + node.h + 5 if below else node.y - height - 5
            _bounds(label, node.cx - width / 2, y, width, height)
    for flow in flows:
        edge = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNEdge", id=f"{flow.id}_di", bpmnElement=flow.id)
        for x, y in layout.waypoints(flow):
            etree.SubElement(edge, f"{{{DI_NS}}}waypoint", x=_num(x), y=_num(y))
        if flow.name:
            _bounds(etree.SubElement(edge, f"{{{BPMNDI_NS}}}BPMNLabel"), *layout.label(flow))
