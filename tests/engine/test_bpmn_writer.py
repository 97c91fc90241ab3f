"""engine.bpmn_writer: SOP definition to executable BPMN 2.0 with a generated diagram."""
from __future__ import annotations

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.bpmn_writer import write_bpmn
from engine.sop_definition import SopDefinition, SopIdentity, SopStep, parse_waktu

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "alur": "http://alur.kalteng.go.id/schema/bpmn/1.0",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
FLOW_NODES = ("startEvent", "endEvent", "userTask", "exclusiveGateway")
SIZES = {"userTask": (100, 80), "exclusiveGateway": (50, 50), "startEvent": (36, 36), "endEvent": (36, 36)}


# ---------------------------------------------------------------- helpers shared with test_seed_models

def spiff_spec(xml: str, key: str, filename: str = "model.bpmn"):
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml.encode("utf-8"), filename)
    return parser.get_spec(key)


def run_to_completion(spec, max_rounds: int = 200) -> list[str]:
    """Run with bare SpiffWorkflow: "tidak" at the first visit of each decision, "ya" after.

    Returns the ids of the user tasks in the order they ran.
    """
    workflow = BpmnWorkflow(spec)
    workflow.do_engine_steps()
    visited: set[str] = set()
    ran: list[str] = []
    for _ in range(max_rounds):
        if workflow.is_completed():
            return ran
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        assert ready, f"stuck: no ready task after {ran}"
        for task in ready:
            name = task.task_spec.name
            if _is_decision_task(task):
                task.data["keputusan"] = "ya" if name in visited else "tidak"
            visited.add(name)
            ran.append(name)
            task.run()
        workflow.do_engine_steps()
    raise AssertionError(f"not completed after {max_rounds} rounds: {ran}")


def _is_decision_task(task) -> bool:
    return any(type(spec).__name__ == "ExclusiveGateway" for spec in task.task_spec.outputs)


def lane_bounds(root) -> dict[str, tuple[float, float, float, float]]:
    """Lane name -> DI bounds."""
    names = {lane.get("id"): lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)}
    return {names[shape.get("bpmnElement")]: _bounds(shape)
            for shape in root.iterfind(".//bpmndi:BPMNShape", NS) if shape.get("bpmnElement") in names}


def node_lanes(root) -> dict[str, str]:
    """Flow node id -> name of the lane listing it."""
    return {ref.text: lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)
            for ref in lane.iterfind("bpmn:flowNodeRef", NS)}


def decisions(root) -> dict[str, str]:
    """Decision step id (the user task before the gateway) -> id of the Tidak flow's target."""
    process = root.find("bpmn:process", NS)
    flows = process.findall("bpmn:sequenceFlow", NS)
    result = {}
    for gateway in process.iterfind("bpmn:exclusiveGateway", NS):
        gid = gateway.get("id")
        incoming = [f.get("sourceRef") for f in flows if f.get("targetRef") == gid]
        outgoing = {f.get("name"): f for f in flows if f.get("sourceRef") == gid}
        assert set(outgoing) == {"Ya", "Tidak"}, gid
        assert len(incoming) == 1, gid
        for label, flow in outgoing.items():
            condition = flow.find("bpmn:conditionExpression", NS)
            assert condition.get(f"{{{NS['xsi']}}}type") == "bpmn:tFormalExpression"
            assert condition.text == f'keputusan == "{label.lower()}"'
        result[incoming[0]] = outgoing["Tidak"].get("targetRef")
    return result


def assert_diagram_sound(xml: str) -> None:
    """Every node and flow drawn, orthogonal edges that cross no other shape, everything inside its lane."""
    root = etree.fromstring(xml.encode("utf-8"))
    process = root.find("bpmn:process", NS)
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    collaboration = root.find("bpmn:collaboration", NS)
    assert plane.get("bpmnElement") == collaboration.get("id")
    shapes = {s.get("bpmnElement"): s for s in plane.iterfind("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in plane.iterfind("bpmndi:BPMNEdge", NS)}

    participant = collaboration.find("bpmn:participant", NS)
    assert participant.get("processRef") == process.get("id")
    assert shapes[participant.get("id")].get("isHorizontal") == "true"
    pool = _bounds(shapes[participant.get("id")])

    lanes = process.findall(".//bpmn:lane", NS)
    lane_boxes = {}
    for lane in lanes:
        shape = shapes[lane.get("id")]
        assert shape.get("isHorizontal") == "true"
        lane_boxes[lane.get("name")] = box = _bounds(shape)
        assert _inside(box, pool)
        assert box[0] == pool[0] + 30 and box[0] + box[2] == pool[0] + pool[2], "pool label band is 30px"
    ordered = sorted(lane_boxes.values(), key=lambda b: b[1])
    assert [b[1] for b in ordered] == [lane_boxes[lane.get("name")][1] for lane in lanes], "stacked in order"
    for upper, lower in zip(ordered, ordered[1:]):
        assert upper[1] + upper[3] == lower[1], "lanes touch without gaps or overlaps"
    assert ordered[0][1] == pool[1] and ordered[-1][1] + ordered[-1][3] == pool[1] + pool[3]

    in_lane = node_lanes(root)
    nodes = [el for tag in FLOW_NODES for el in process.iterfind(f"bpmn:{tag}", NS)]
    boxes = {}
    for node in nodes:
        node_id, tag = node.get("id"), etree.QName(node).localname
        assert node_id in shapes, f"no shape for {node_id}"
        boxes[node_id] = box = _bounds(shapes[node_id])
        assert box[2:] == SIZES[tag], node_id
        lane = lane_boxes[in_lane[node_id]]
        assert _inside(box, lane), f"{node_id} outside its lane {in_lane[node_id]}"
        assert box[1] + box[3] / 2 == lane[1] + lane[3] / 2, f"{node_id} not centred in its lane"
        label = shapes[node_id].find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if label is not None:
            assert _inside(_bounds_of(label), lane), f"label of {node_id} outside its lane"
    columns = sorted(box[0] + box[2] / 2 for box in boxes.values())
    assert len(set(columns)) == len(columns), "one column per node"

    flows = process.findall("bpmn:sequenceFlow", NS)
    for flow in flows:
        flow_id, source, target = flow.get("id"), flow.get("sourceRef"), flow.get("targetRef")
        assert flow_id in edges, f"no edge for {flow_id}"
        points = [(float(p.get("x")), float(p.get("y"))) for p in edges[flow_id].iterfind("di:waypoint", NS)]
        assert len(points) >= 2, flow_id
        assert _on_border(points[0], boxes[source]) and _on_border(points[-1], boxes[target]), flow_id
        for a, b in zip(points, points[1:]):
            assert a[0] == b[0] or a[1] == b[1], f"{flow_id}: segment {a}-{b} is not orthogonal"
            for other, box in boxes.items():
                if other not in (source, target):
                    assert not _crosses(a, b, box), f"{flow_id} runs through {other}"
            assert _inside(_segment_box(a, b), pool), f"{flow_id} leaves the pool"
        # incoming / outgoing refs on both ends
        source_el = process.find(f"bpmn:*[@id='{source}']", NS)
        target_el = process.find(f"bpmn:*[@id='{target}']", NS)
        assert flow_id in [r.text for r in source_el.iterfind("bpmn:outgoing", NS)], flow_id
        assert flow_id in [r.text for r in target_el.iterfind("bpmn:incoming", NS)], flow_id
    assert set(edges) == {f.get("id") for f in flows}
    assert set(shapes) == set(boxes) | {lane.get("id") for lane in lanes} | {participant.get("id")}


def _bounds(shape) -> tuple[float, float, float, float]:
    return _bounds_of(shape.find("dc:Bounds", NS))


def _bounds_of(element) -> tuple[float, float, float, float]:
    return tuple(float(element.get(k)) for k in ("x", "y", "width", "height"))


def _inside(inner, outer) -> bool:
    return (outer[0] <= inner[0] and inner[0] + inner[2] <= outer[0] + outer[2]
            and outer[1] <= inner[1] and inner[1] + inner[3] <= outer[1] + outer[3])


def _segment_box(a, b):
    return min(a[0], b[0]), min(a[1], b[1]), abs(a[0] - b[0]), abs(a[1] - b[1])


def _crosses(a, b, box) -> bool:
    """Does the axis-parallel segment a-b touch the rectangle (border included)?"""
    x, y, w, h = _segment_box(a, b)
    return x <= box[0] + box[2] and box[0] <= x + w and y <= box[1] + box[3] and box[1] <= y + h


def _on_border(point, box) -> bool:
    x, y = point
    within = box[0] <= x <= box[0] + box[2] and box[1] <= y <= box[1] + box[3]
    return within and (x in (box[0], box[0] + box[2]) or y in (box[1], box[1] + box[3]))


# ---------------------------------------------------------------- parse_waktu

@pytest.mark.parametrize("text, expected", [
    ("1 Jam", ("PT1H", "hours", False)),
    ("1 jam", ("PT1H", "hours", False)),
    ("5 menit", ("PT5M", "minutes", False)),
    ("60 menit", ("PT60M", "minutes", False)),
    ("15 Menit", ("PT15M", "minutes", False)),
    ("5 hari kerja", ("P5D", "working_days", False)),
    ("5 Hari Kerja", ("P5D", "working_days", False)),
    ("1 hari", ("P1D", "working_days", True)),
    ("2 (dua) hari", ("P2D", "working_days", True)),
    ("2 (dua) hari kerja", ("P2D", "working_days", False)),
    ("2 (dua) hari Pada hari jam kerja", ("P2D", "working_days", False)),
    ("Setiap saat", (None, "none", False)),
    ("Tentatif", (None, "none", False)),
    ("Pada hari jam kerja", (None, "none", False)),
    ("Secara berkala", (None, "none", False)),
    ("Secara berkala dan setiap saat", (None, "none", False)),
    ("", (None, "none", False)),
    (None, (None, "none", False)),
])
def test_parse_waktu(text, expected):
    assert parse_waktu(text) == expected


# ---------------------------------------------------------------- the writer

STAF, KEPALA, TIM = "Staf Pelaksana", "Kepala/Atasan", "Tim Uji"


def _step(number, lane, waktu="", **kw):
    durasi, basis, _ = parse_waktu(waktu)
    return SopStep(number, f"Langkah {number}", f"Kegiatan langkah {number} & <uji>", lane,
                   kelengkapan="Bahan", waktu=waktu, durasi=durasi, basis=basis, output="Hasil", **kw)


def sample_sop() -> SopDefinition:
    """Loops of every shape: to a lane above, to a lane below, within one lane, two into one lane."""
    return SopDefinition(
        key="uji_penulis",
        name="Uji Penulis BPMN",
        unit="Unit Uji",
        identity=SopIdentity(
            nomor="001/UJI/2025", unit="Unit Uji", seksi="Seksi Uji", tanggal_pembuatan="1 Januari 2025",
            tanggal_efektif="2 Januari 2025", disahkan_oleh="Kepala Unit Uji",
            dasar_hukum=["UU 14/2008", "PP 61/2010"], kualifikasi=["Teliti"], keterkaitan=["SOP lain"],
            peralatan=["Komputer", "ATK"], peringatan="Awas", pencatatan="Arsip",
        ),
        lanes=[STAF, KEPALA, TIM],
        documentation="Model uji.",
        steps=[
            _step("1", STAF, "1 Jam"),
            _step("1a", TIM, "5 hari kerja"),
            _step("2", KEPALA, "Tentatif", decision=True, no_target="1", question="Disetujui?"),
            _step("3", STAF, "15 menit", decision=True, no_target="3"),
            _step("4", KEPALA, "", decision=True, no_target="1a"),
            _step("5", TIM, "1 hari", decision=True, no_target="2"),
            _step("6.1", STAF, "Setiap saat"),
        ],
    )


@pytest.fixture(scope="module")
def sample_xml() -> str:
    return write_bpmn(sample_sop())


def test_definitions_header(sample_xml):
    root = etree.fromstring(sample_xml.encode("utf-8"))
    assert sample_xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert root.tag == f"{{{NS['bpmn']}}}definitions"
    for prefix in ("bpmn", "bpmndi", "dc", "di", "alur", "xsi"):
        assert root.nsmap[prefix] == NS[prefix]
    assert root.get("exporter") == "Alur" and root.get("targetNamespace")
    process = root.find("bpmn:process", NS)
    assert (process.get("id"), process.get("name"), process.get("isExecutable")) == (
        "uji_penulis", "Uji Penulis BPMN", "true")
    participant = root.find("bpmn:collaboration/bpmn:participant", NS)
    assert participant.get("name") == "Uji Penulis BPMN" and participant.get("processRef") == "uji_penulis"
    assert process.findtext("bpmn:documentation", namespaces=NS) == "Model uji."


def test_identity_extension(sample_xml):
    root = etree.fromstring(sample_xml.encode("utf-8"))
    sop = root.find("bpmn:process/bpmn:extensionElements/alur:sop", NS)
    assert dict(sop.attrib) == {
        "nomor": "001/UJI/2025", "unit": "Unit Uji", "seksi": "Seksi Uji", "tanggalPembuatan": "1 Januari 2025",
        "tanggalRevisi": "", "tanggalEfektif": "2 Januari 2025", "disahkanOleh": "Kepala Unit Uji",
    }
    assert [e.text for e in sop.iterfind("alur:dasarHukum", NS)] == ["UU 14/2008", "PP 61/2010"]
    assert [e.text for e in sop.iterfind("alur:kualifikasi", NS)] == ["Teliti"]
    assert [e.text for e in sop.iterfind("alur:keterkaitan", NS)] == ["SOP lain"]
    assert [e.text for e in sop.iterfind("alur:peralatan", NS)] == ["Komputer", "ATK"]
    assert sop.findtext("alur:peringatan", namespaces=NS) == "Awas"
    assert sop.findtext("alur:pencatatan", namespaces=NS) == "Arsip"


def test_tasks_carry_documentation_and_mutu_baku(sample_xml):
    root = etree.fromstring(sample_xml.encode("utf-8"))
    process = root.find("bpmn:process", NS)
    tasks = {t.get("id"): t for t in process.iterfind("bpmn:userTask", NS)}
    assert list(tasks) == ["Langkah_1", "Langkah_1a", "Langkah_2", "Langkah_3", "Langkah_4", "Langkah_5",
                           "Langkah_6_1"]
    first = tasks["Langkah_1"]
    assert first.get("name") == "Langkah 1"
    assert first.findtext("bpmn:documentation", namespaces=NS) == "Kegiatan langkah 1 & <uji>"
    mutu = first.find("bpmn:extensionElements/alur:mutuBaku", NS)
    assert dict(mutu.attrib) == {"langkah": "1", "kelengkapan": "Bahan", "waktu": "1 Jam", "durasi": "PT1H",
                                 "basis": "hours", "output": "Hasil", "keterangan": ""}
    no_duration = tasks["Langkah_6_1"].find("bpmn:extensionElements/alur:mutuBaku", NS)
    assert "durasi" not in no_duration.attrib and no_duration.get("basis") == "none"
    assert no_duration.get("langkah") == "6.1"
    gateway = process.find("bpmn:exclusiveGateway[@id='Keputusan_2']", NS)
    assert gateway.get("name") == "Disetujui?"
    assert process.find("bpmn:exclusiveGateway[@id='Keputusan_3']", NS).get("name") == "Langkah 3?"
    events = [(e.get("id"), e.get("name")) for e in process.iterfind("bpmn:startEvent", NS)]
    events += [(e.get("id"), e.get("name")) for e in process.iterfind("bpmn:endEvent", NS)]
    assert events == [("Mulai", "Mulai"), ("Selesai", "Selesai")]


def test_decisions_and_lanes(sample_xml):
    root = etree.fromstring(sample_xml.encode("utf-8"))
    assert decisions(root) == {"Langkah_2": "Langkah_1", "Langkah_3": "Langkah_3", "Langkah_4": "Langkah_1a",
                               "Langkah_5": "Langkah_2"}
    assert node_lanes(root) == {
        "Mulai": STAF, "Langkah_1": STAF, "Langkah_1a": TIM, "Langkah_2": KEPALA, "Keputusan_2": KEPALA,
        "Langkah_3": STAF, "Keputusan_3": STAF, "Langkah_4": KEPALA, "Keputusan_4": KEPALA,
        "Langkah_5": TIM, "Keputusan_5": TIM, "Langkah_6_1": STAF, "Selesai": STAF,
    }
    assert [lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)] == [STAF, KEPALA, TIM]


def test_parses_with_spiff_and_lanes_match(sample_xml):
    spec = spiff_spec(sample_xml, "uji_penulis")
    for step in sample_sop().steps:
        task_id = "Langkah_" + step.number.replace(".", "_")
        assert spec.task_specs[task_id].lane == step.lane
    assert spec.task_specs["Keputusan_2"].lane == KEPALA


def test_runs_to_completion_taking_every_loop(sample_xml):
    ran = run_to_completion(spiff_spec(sample_xml, "uji_penulis"))
    assert ran[-1] == "Langkah_6_1"
    for decision in ("Langkah_2", "Langkah_3", "Langkah_4", "Langkah_5"):
        assert ran.count(decision) >= 2


def test_diagram_is_complete_and_inside_lanes(sample_xml):
    assert_diagram_sound(sample_xml)


def test_diagram_layout_left_to_right_in_step_order(sample_xml):
    root = etree.fromstring(sample_xml.encode("utf-8"))
    shapes = {s.get("bpmnElement"): _bounds(s) for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    order = ["Mulai", "Langkah_1", "Langkah_1a", "Langkah_2", "Keputusan_2", "Langkah_3", "Keputusan_3",
             "Langkah_4", "Keputusan_4", "Langkah_5", "Keputusan_5", "Langkah_6_1", "Selesai"]
    xs = [shapes[node][0] for node in order]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)


def test_single_lane_single_step():
    sop = SopDefinition("satu", "Satu", "Unit", SopIdentity(), ["Staf"], [_step("1", "Staf")])
    xml = write_bpmn(sop)
    assert_diagram_sound(xml)
    assert run_to_completion(spiff_spec(xml, "satu")) == ["Langkah_1"]


@pytest.mark.parametrize("change, message", [
    (lambda s: s.lanes.append("Kosong"), "empty lane"),
    (lambda s: setattr(s.steps[0], "lane", "Tidak Ada"), "is not one of"),
    (lambda s: setattr(s.steps[2], "no_target", "5"), "Tidak target"),
    (lambda s: setattr(s.steps[2], "no_target", "99"), "Tidak target"),
    (lambda s: setattr(s.steps[0], "no_target", "1"), "not a decision"),
    (lambda s: setattr(s.steps[1], "number", "1"), "unique"),
    (lambda s: setattr(s.steps[0], "basis", "days"), "basis"),
    (lambda s: setattr(s, "key", "1 salah"), "valid XML id"),
])
def test_invalid_definitions_are_refused(change, message):
    sop = sample_sop()
    change(sop)
    with pytest.raises(ValueError, match=message):
        write_bpmn(sop)
