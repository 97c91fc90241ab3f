"""Reading a BPMN file into what Alur runs: the SpiffWorkflow spec plus the SOP's own metadata.

Deploying a file that would fail later is worse than refusing it now, so everything that can
be checked statically is checked here, with the file and the element named in the error.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.calendar import check_deadline
from engine.errors import ModelError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
ALUR_NS = "http://alur.kalteng.go.id/schema/bpmn/1.0"
NS = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "alur": ALUR_NS}

FLOW_NODE_TAGS = (
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "startEvent", "endEvent",
    "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
)
MUTU_BAKU_FIELDS = ("langkah", "kelengkapan", "waktu", "durasi", "basis", "output", "keterangan")
IDENTITY_LISTS = ("dasarHukum", "kualifikasi", "keterkaitan", "peralatan")
IDENTITY_TEXTS = ("peringatan", "pencatatan")
_ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_ISO_CYCLE = re.compile(r"^R\d*/")


@dataclass(frozen=True)
class TaskInfo:
    """What the SOP says about one human step, read from the BPMN once at deploy time."""

    bpmn_id: str
    name: str
    lane: str | None
    step: str | None
    documentation: str
    mutu_baku: dict[str, str]
    is_decision: bool
    # What completing the step publishes (``publish`` on alur:mutuBaku: "website", "pengumuman",
    # "pusat_data", ...); None for a step that publishes nothing. Read by the completion hooks.
    publish: str | None = None
    # A decision whose "Tidak" flow leads back to this step (a correction loop): "Tidak" then means
    # "return for correction". Where it leads forward (e.g. a request refused), it is a plain "Tidak".
    tidak_returns: bool = False


@dataclass
class ParsedModel:
    key: str
    name: str
    filename: str
    spec: object
    subprocess_specs: dict
    identity: dict = field(default_factory=dict)
    lanes: list[str] = field(default_factory=list)
    tasks: dict[str, TaskInfo] = field(default_factory=dict)


def parse_model(xml: bytes | str, filename: str) -> ParsedModel:
    """Parse and validate; raises ModelError naming the file and element at fault."""
    root = _parse_xml(xml, filename)
    process = _executable_process(root, filename)
    _check_structure(root, process, filename)
    key = process.get("id")
    spec, subprocess_specs = _spiff_spec(root, key, filename)
    lanes = [lane.get("name") or lane.get("id") for lane in process.iterfind(".//bpmn:lane", NS)]
    tasks = {info.bpmn_id: info for info in _task_infos(process, spec, filename)}
    name = process.get("name") or _participant_name(root, key) or key
    return ParsedModel(key, name, filename, spec, subprocess_specs, _identity(process), lanes, tasks)


def _parse_xml(xml: bytes | str, filename: str) -> etree._Element:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ModelError(filename, f"not well-formed XML: {error.msg}", line=error.lineno) from None
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise ModelError(filename, "not a BPMN 2.0 file (the root element must be bpmn:definitions)")
    return root


def _executable_process(root, filename: str):
    processes = root.findall("bpmn:process", NS)
    if not processes:
        raise ModelError(filename, "the file contains no bpmn:process")
    executable = [p for p in processes if p.get("isExecutable", "false").lower() == "true"]
    if len(executable) != 1:
        raise ModelError(filename, f"exactly one process must be isExecutable=\"true\", found {len(executable)}")
    return executable[0]


def _label(element) -> str:
    name = element.get("name")
    return f"{element.get('id')} ({name})" if name else str(element.get("id"))


def _check_structure(root, process, filename: str) -> None:
    nodes = {el.get("id"): el for tag in FLOW_NODE_TAGS for el in process.iter(f"{{{BPMN_NS}}}{tag}")}
    if not any(el.tag.endswith("}startEvent") and el.getparent() is process for el in nodes.values()):
        raise ModelError(filename, "the process has no start event", element=process.get("id"))
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        for end in ("sourceRef", "targetRef"):
            ref = flow.get(end)
            if ref not in nodes:
                raise ModelError(filename, f"sequence flow {end} points to missing element '{ref}'", element=flow.get("id"))
    _check_lanes(process, nodes, filename)
    for timer in process.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        _check_timer(timer, filename)


def _check_lanes(process, nodes: dict, filename: str) -> None:
    lanes = process.findall(".//bpmn:lane", NS)
    if not lanes:
        raise ModelError(filename, "the process has no lanes: every SOP step must stand in the lane of its pelaksana",
                         element=process.get("id"))
    in_lane = {ref.text.strip() for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS) if ref.text}
    for node_id, element in nodes.items():
        if element.getparent() is process and node_id not in in_lane and not element.tag.endswith("}boundaryEvent"):
            raise ModelError(filename, "this element stands outside every lane", element=_label(element))
    for lane in lanes:
        if not lane.get("name"):
            raise ModelError(filename, "every lane needs a name (the pelaksana it stands for)", element=lane.get("id"))


def _check_timer(timer, filename: str) -> None:
    event = timer.getparent()
    for child in timer:
        expression = (child.text or "").strip()
        kind = etree.QName(child).localname
        try:
            value = ast.literal_eval(expression)
        except (ValueError, SyntaxError):
            raise ModelError(
                filename,
                f"timer {kind} {expression!r} is not a quoted string; write it as \"{expression}\"",
                element=_label(event),
            ) from None
        pattern = {"timeDuration": _ISO_DURATION, "timeDate": _ISO_DATETIME, "timeCycle": _ISO_CYCLE}.get(kind)
        if not isinstance(value, str) or (pattern and not pattern.match(value)):
            raise ModelError(filename, f"timer {kind} {expression} is not a valid ISO 8601 value", element=_label(event))


def _spiff_spec(root, key: str, filename: str):
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(root, filename=filename)
        return parser.get_spec(key), parser.get_subprocess_specs(key)
    except ValidationException as error:
        element = getattr(error, "id", None) or getattr(error, "name", None)
        raise ModelError(filename, str(error).split(". Source Details")[0], element=element,
                         line=getattr(error, "line_number", None) or None) from None
    except SpiffWorkflowException as error:
        raise ModelError(filename, str(error)) from None


def _participant_name(root, key: str) -> str | None:
    for participant in root.iterfind(".//bpmn:participant", NS):
        if participant.get("processRef") == key:
            return participant.get("name")
    return None


def _identity(process) -> dict:
    sop = process.find("bpmn:extensionElements/alur:sop", NS)
    if sop is None:
        return {}
    identity: dict = {k: v for k, v in sop.attrib.items()}
    for name in IDENTITY_LISTS:
        identity[name] = [(el.text or "").strip() for el in sop.iterfind(f"alur:{name}", NS)]
    for name in IDENTITY_TEXTS:
        element = sop.find(f"alur:{name}", NS)
        identity[name] = (element.text or "").strip() if element is not None else ""
    return identity


def _task_infos(process, spec, filename: str):
    for element in process.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask"):
        task_id = element.get("id")
        mutu = element.find("bpmn:extensionElements/alur:mutuBaku", NS)
        mutu_baku = {k: mutu.get(k, "") for k in MUTU_BAKU_FIELDS} if mutu is not None else {}
        _check_mutu_baku(mutu_baku, element, filename)
        documentation = element.find("bpmn:documentation", NS)
        task_spec = spec.task_specs.get(task_id)
        yield TaskInfo(
            bpmn_id=task_id,
            name=element.get("name") or task_id,
            lane=getattr(task_spec, "lane", None),
            step=mutu_baku.get("langkah") or None,
            documentation=(documentation.text or "").strip() if documentation is not None else "",
            mutu_baku=mutu_baku,
            is_decision=_is_decision(process, task_id),
            tidak_returns=_tidak_returns(process, task_id),
            publish=(mutu.get("publish") or "").strip() or None if mutu is not None else None,
        )


def _check_mutu_baku(mutu_baku: dict, element, filename: str) -> None:
    if not mutu_baku:
        return
    try:
        basis = mutu_baku.get("basis") or "none"
        check_deadline(mutu_baku.get("durasi", "") if basis != "none" else None, basis)
    except ValueError as error:
        raise ModelError(filename, f"mutu baku waktu: {error}", element=_label(element)) from None


def decision_flows(process, gateway_id: str) -> dict[str, str]:
    """The outgoing flows of a decision gateway by their label, lower-cased ("ya", "tidak")."""
    return {
        (flow.get("name") or "").strip().lower(): flow.get("targetRef")
        for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow")
        if flow.get("sourceRef") == gateway_id
    }


def _tidak_returns(process, task_id: str) -> bool:
    """Whether the step's Tidak flow can lead back to the step itself."""
    if not _is_decision(process, task_id):
        return False
    successors: dict[str, list[str]] = {}
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        successors.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    gateway = successors[task_id][0]
    seen, frontier = set(), [decision_flows(process, gateway)["tidak"]]
    while frontier:
        node = frontier.pop()
        if node == task_id:
            return True
        if node not in seen:
            seen.add(node)
            frontier.extend(successors.get(node, []))
    return False


def _is_decision(process, task_id: str) -> bool:
    """A decision is a user task whose only way on is an exclusive gateway with Ya / Tidak flows."""
    outgoing = [f for f in process.iter(f"{{{BPMN_NS}}}sequenceFlow") if f.get("sourceRef") == task_id]
    if len(outgoing) != 1:
        return False
    target = process.find(f".//bpmn:exclusiveGateway[@id='{outgoing[0].get('targetRef')}']", NS)
    return target is not None and {"ya", "tidak"} <= set(decision_flows(process, target.get("id")))
