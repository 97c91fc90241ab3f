"""The process designer's services: drafts, validation with element-level problems, new processes,
uploads (with a generated layout for files without diagram interchange) and deploying a draft.

Problems are returned as ``Problem(element_id, message, severity)`` with messages in Bahasa
Indonesia, so the modeler page can show each one next to its element. Saving a draft only needs
a well-formed BPMN document (every other problem is shown, the draft is kept); deploying is
refused while any problem of severity "error" remains.

Lanes and roles: a lane counts as served when a role of *any* unit lists its name. An SOP is
written once and run by several agencies (units), and a designer usually belongs to no unit of
their own, so the designer's unit is not the right scope; the check only catches a lane that
nobody anywhere could ever do.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from types import SimpleNamespace

from lxml import etree
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import audit
from engine.bpmn_model import BPMN_NS, BPMNDI_NS, FLOW_NODE_TAGS, NS, _check_timer, parse_model
from engine.bpmn_writer import DC_NS, DI_NS, _bounds, _Flow, _Layout, _Node, _num, write_bpmn
from engine.deployment import Deployment, deploy
from engine.errors import EngineError, ModelError, NotFound
from engine.models import ProcessModel, Role, Unit
from engine.models.draft import ProcessDraft
from engine.sop_definition import SopDefinition, SopIdentity, SopStep
from engine.timeutil import utcnow

KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,119}$")
TASK_TAGS = {"task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
             "businessRuleTask", "callActivity", "subProcess"}
GATEWAY_TAGS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}
NOT_BPMN = ("Berkas ini bukan diagram BPMN 2.0 (elemen akarnya harus bpmn:definitions). "
            "Unggah berkas .bpmn dari Camunda Modeler atau dari pengimpor SOP; tidak ada yang disimpan.")


@dataclass(frozen=True)
class Problem:
    element_id: str | None
    message: str
    severity: str = "error"  # "error" blocks deploying, "warning" does not

    def as_dict(self) -> dict:
        return asdict(self)


class DeployRefused(EngineError):
    """The draft has errors; ``problems`` lists them by element."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"model has {sum(p.severity == 'error' for p in problems)} error(s); nothing was deployed")


class UploadRefused(EngineError):
    """The upload is not usable; the message is for the designer, in Indonesian."""


class StaleEditor(EngineError):
    """Another version was deployed since the editor opened the model: saving or deploying its XML
    would silently undo that version. The message is for the designer, in Indonesian."""


NOT_CHECKED = object()  # the caller gave no base version: nothing to compare (scripts, old pages)


def require_current(session: Session, key: str, base_version) -> None:
    """Refuse when the latest deployed version of ``key`` is not the one the editor started from."""
    if base_version is NOT_CHECKED:
        return
    latest = session.scalar(select(ProcessModel).where(ProcessModel.key == key)
                            .order_by(ProcessModel.version.desc()).limit(1))
    current = latest.version if latest else None
    if current != base_version:
        started = f"versi {base_version}" if base_version else "model yang belum pernah diterapkan"
        raise StaleEditor(f"Versi {current} telah diterapkan oleh {latest.deployed_by} sejak editor ini dibuka "
                          f"(dari {started}). Perubahan Anda belum disimpan: salin yang perlu, lalu muat ulang "
                          "halaman untuk melanjutkan dari versi terbaru.")


@dataclass
class ModelSummary:
    key: str
    name: str
    version: int | None
    deployed_at: datetime | None
    deployed_by: str | None
    draft_by: str | None
    draft_at: datetime | None

    @property
    def draft_status(self) -> str:
        if self.draft_at is None:
            return ""
        if self.version is None:
            return "Draf baru (belum pernah diterapkan)"
        return "Ada draf yang belum diterapkan"


@dataclass
class Upload:
    """The outcome of an upload: stored as a draft, or needing a generated layout first."""

    key: str
    name: str
    xml: str
    missing_di: list[str]
    stored: bool
    layout_problem: str | None = None


# -- reading ------------------------------------------------------------------------------------------
def model_summaries(session: Session) -> list[ModelSummary]:
    """Every process key with its latest version and its draft, if any."""
    summaries: dict[str, ModelSummary] = {}
    for model in session.scalars(select(ProcessModel).order_by(ProcessModel.key, ProcessModel.version)):
        summaries[model.key] = ModelSummary(model.key, model.name, model.version, model.deployed_at,
                                            model.deployed_by, None, None)
    for draft in session.scalars(select(ProcessDraft)):
        summary = summaries.get(draft.key)
        if summary is None:
            summary = summaries[draft.key] = ModelSummary(draft.key, _name_of(draft.xml) or draft.key,
                                                          None, None, None, None, None)
        summary.draft_by, summary.draft_at = draft.updated_by, draft.updated_at
    return sorted(summaries.values(), key=lambda s: s.key)


def versions(session: Session, key: str) -> list[ProcessModel]:
    rows = list(session.scalars(select(ProcessModel).where(ProcessModel.key == key)
                                .order_by(ProcessModel.version.desc())))
    if not rows:
        raise NotFound(f"process '{key}' is not deployed")
    return rows


def version(session: Session, key: str, number: int) -> ProcessModel:
    model = session.scalar(select(ProcessModel).where(ProcessModel.key == key, ProcessModel.version == number))
    if model is None:
        raise NotFound(f"process '{key}' has no version {number}")
    return model


def get_draft(session: Session, key: str) -> ProcessDraft | None:
    return session.scalar(select(ProcessDraft).where(ProcessDraft.key == key))


def editor_xml(session: Session, key: str) -> tuple[str, ProcessDraft | None, ProcessModel | None]:
    """What the editor opens: the draft if there is one, else the latest version."""
    draft = get_draft(session, key)
    latest = session.scalar(select(ProcessModel).where(ProcessModel.key == key)
                            .order_by(ProcessModel.version.desc()).limit(1))
    if draft is None and latest is None:
        raise NotFound(f"process '{key}' does not exist")
    return (draft.xml if draft else latest.bpmn_xml), draft, latest


def lane_roles(session: Session) -> dict[str, list[str]]:
    """Lane name -> "Role (UNIT)" labels of every role that serves it, in any unit."""
    result: dict[str, list[str]] = {}
    query = select(Role, Unit.code).outerjoin(Unit, Unit.id == Role.unit_id).order_by(Unit.code, Role.name)
    for role, unit_code in session.execute(query):
        for lane in role.lanes or []:
            result.setdefault(lane, []).append(f"{role.name} ({unit_code or 'semua unit'})")
    return result


# -- validation ---------------------------------------------------------------------------------------
def validate(session: Session, xml: str | bytes, filename: str = "model.bpmn") -> list[Problem]:
    """Every problem of a model, by element; an empty list means it can be deployed."""
    try:
        root = _parse(xml)
    except UploadRefused as refused:
        return [Problem(None, str(refused))]
    processes = [p for p in root.findall("bpmn:process", NS) if p.get("isExecutable", "false").lower() == "true"]
    if len(processes) != 1:
        return [Problem(None, f"Harus ada tepat satu proses yang dapat dijalankan (isExecutable=\"true\"); "
                              f"ditemukan {len(processes)}.")]
    process = processes[0]
    problems: list[Problem] = []
    problems += _lane_problems(process)
    problems += _decision_problems(process)
    problems += _timer_problems(process, filename)
    problems += _role_problems(session, process)
    problems += _di_problems(root, process)
    problems += _mutu_baku_warnings(process)
    problems += _unnamed_tasks(process)
    if not any(p.severity == "error" for p in problems):
        problems += _spiff_problems(xml, filename)
    return problems


def errors_of(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _parse(xml: str | bytes):
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        raise UploadRefused(NOT_BPMN) from None
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise UploadRefused(NOT_BPMN)
    return root


def _flow_nodes(process) -> dict:
    return {el.get("id"): el for tag in FLOW_NODE_TAGS for el in process.iter(f"{{{BPMN_NS}}}{tag}")}


def _local(element) -> str:
    return etree.QName(element).localname


def _named(element) -> str:
    name = (element.get("name") or "").strip()
    return f"\u201c{name}\u201d" if name else element.get("id")


def _lane_problems(process) -> list[Problem]:
    problems = []
    lanes = process.findall(".//bpmn:lane", NS)
    if not lanes:
        return [Problem(process.get("id"), "Proses belum memiliki lajur: setiap langkah SOP harus berada di lajur "
                                           "pelaksananya.")]
    for lane in lanes:
        if not (lane.get("name") or "").strip():
            problems.append(Problem(lane.get("id"), "Lajur ini belum bernama (nama pelaksana)."))
    in_lane = {ref.text.strip() for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS) if ref.text}
    for node_id, element in _flow_nodes(process).items():
        if element.getparent() is process and node_id not in in_lane and _local(element) != "boundaryEvent":
            problems.append(Problem(node_id, f"{_named(element)} berada di luar semua lajur: letakkan di lajur "
                                             f"pelaksananya."))
    return problems


def _decision_problems(process) -> list[Problem]:
    """Every exclusive gateway that splits is a decision: one Ya and one Tidak flow, both conditioned."""
    problems = []
    flows = list(process.iter(f"{{{BPMN_NS}}}sequenceFlow"))
    for gateway in process.iter(f"{{{BPMN_NS}}}exclusiveGateway"):
        outgoing = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
        if len(outgoing) < 2:
            continue
        names = [(f.get("name") or "").strip().lower() for f in outgoing]
        if sorted(names) != ["tidak", "ya"]:
            problems.append(Problem(gateway.get("id"), "Gerbang keputusan harus memiliki tepat dua alur keluar: "
                                                       "satu bernama Ya dan satu bernama Tidak."))
        for flow, name in zip(outgoing, names):
            condition = flow.find("bpmn:conditionExpression", NS)
            if condition is None or not (condition.text or "").strip():
                label = name.capitalize() if name in ("ya", "tidak") else (flow.get("name") or flow.get("id"))
                problems.append(Problem(flow.get("id"), f"Alur {label} dari gerbang keputusan belum memiliki kondisi "
                                                        f"(pilih cabang Ya/Tidak di panel Keputusan)."))
    return problems


def _timer_problems(process, filename: str) -> list[Problem]:
    problems = []
    for timer in process.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        event = timer.getparent()
        if not len(timer):
            problems.append(Problem(event.get("id"), "Timer belum memiliki ekspresi waktu."))
            continue
        try:
            _check_timer(timer, filename)
        except ModelError:
            problems.append(Problem(event.get("id"), "Ekspresi timer tidak valid: tulis sebagai string ISO 8601 "
                                                     "bertanda kutip, mis. \"PT2H\" atau \"P3D\"."))
    return problems


def _role_problems(session: Session, process) -> list[Problem]:
    served = set(lane_roles(session))
    return [Problem(lane.get("id"), f"Belum ada peran (di unit mana pun) yang melayani lajur "
                                    f"\u201c{lane.get('name')}\u201d; tugas di lajur ini tidak akan dapat dikerjakan.")
            for lane in process.findall(".//bpmn:lane", NS)
            if (lane.get("name") or "").strip() and lane.get("name").strip() not in served]


def missing_di(root, process) -> list[str]:
    """Ids of the flow nodes, flows, lanes and participants that have no shape or edge."""
    drawn = {el.get("bpmnElement") for el in root.iter(f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge")}
    wanted = [el.get("id") for el in process.iter() if isinstance(el.tag, str)
              and _local(el) in set(FLOW_NODE_TAGS) | {"sequenceFlow", "lane"}]
    wanted += [p.get("id") for p in root.iterfind("bpmn:collaboration/bpmn:participant", NS)
               if p.get("processRef") == process.get("id")]
    return [element_id for element_id in wanted if element_id not in drawn]


def _di_problems(root, process) -> list[Problem]:
    if root.find("bpmndi:BPMNDiagram", NS) is None:
        return [Problem(None, "Berkas tidak memiliki tata letak diagram (BPMN DI): gunakan tata letak otomatis.")]
    return [Problem(element_id, "Elemen ini tidak memiliki bentuk di diagram (BPMN DI tidak lengkap).")
            for element_id in missing_di(root, process)]


def _unnamed_tasks(process) -> list[Problem]:
    """A step without a name would stand nameless in every inbox, timeline and report."""
    return [Problem(task.get("id"), f"Langkah {task.get('id')} belum memiliki nama; beri nama kegiatannya.")
            for tag in ("userTask", "manualTask") for task in process.iter(f"{{{BPMN_NS}}}{tag}")
            if not (task.get("name") or "").strip()]


def _mutu_baku_warnings(process) -> list[Problem]:
    return [Problem(task.get("id"), f"{_named(task)} belum memiliki Mutu Baku (kelengkapan, waktu, output).",
                    "warning")
            for task in process.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask")
            if task.find("bpmn:extensionElements/alur:mutuBaku", NS) is None]


def _spiff_problems(xml, filename: str) -> list[Problem]:
    try:
        parse_model(xml, filename)
    except ModelError as error:
        element = (error.element or "").split(" ")[0] or None
        return [Problem(element, f"SpiffWorkflow tidak dapat memuat model: {error.message}")]
    return []


# -- drafts and deploying -------------------------------------------------------------------------------
def save_draft(session: Session, key: str, xml: str, username: str,
               base_version=NOT_CHECKED, source: str = "editor") -> tuple[ProcessDraft, list[Problem]]:
    """Keep the modeler's XML as the draft of ``key``; returns every problem (none of them blocks saving).
    ``base_version``: the version the editor opened (:func:`require_current`)."""
    root = _parse(xml)
    _require_key(root, key)
    require_current(session, key, base_version)
    problems = validate(session, xml, f"{key}.bpmn")
    draft = get_draft(session, key)
    latest = session.scalar(select(ProcessModel.version).where(ProcessModel.key == key)
                            .order_by(ProcessModel.version.desc()).limit(1))
    if draft is None:
        draft = ProcessDraft(key=key, xml=xml, base_version=latest, updated_by=username, updated_at=utcnow())
        session.add(draft)
    else:
        draft.xml, draft.updated_by, draft.updated_at = xml, username, utcnow()
    session.flush()
    _audit_draft(session, username, key, source, errors=len(errors_of(problems)))
    return draft, problems


def _audit_draft(session: Session, username: str, key: str, source: str, **detail) -> None:
    """Every change to a draft is recorded: who saved what from where (editor, upload, layout, import, new)."""
    audit.record(session, username, "process.draft_saved", "process_draft", key, source=source, **detail)


def deploy_xml(session: Session, key: str, xml: str, username: str, base_version=NOT_CHECKED) -> Deployment:
    """Validate and deploy as the next version of ``key``; the draft is removed once deployed.
    ``base_version``: the version the editor opened (:func:`require_current`)."""
    root = _parse(xml)
    _require_key(root, key)
    require_current(session, key, base_version)
    problems = validate(session, xml, f"{key}.bpmn")
    if errors_of(problems):
        raise DeployRefused(problems)
    try:
        deployment = deploy(session, xml.encode("utf-8"), f"{key}.bpmn", by=username)
    except ModelError as error:  # validate() runs the same parser: only a race could get here
        raise DeployRefused([Problem(error.element, f"SpiffWorkflow tidak dapat memuat model: {error.message}")])
    session.execute(delete(ProcessDraft).where(ProcessDraft.key == key))
    return deployment


def discard_draft(session: Session, key: str, username: str) -> bool:
    removed = session.execute(delete(ProcessDraft).where(ProcessDraft.key == key)).rowcount > 0
    if removed:
        audit.record(session, username, "process.draft_discarded", "process_draft", key)
    return removed


def _require_key(root, key: str) -> None:
    process = root.find("bpmn:process[@isExecutable='true']", NS)
    found = process.get("id") if process is not None else None
    if found != key:
        raise UploadRefused(f"Id proses di diagram ({found or 'tidak ada'}) tidak sama dengan kode proses "
                            f"{key}; id proses tidak boleh diubah.")


def _name_of(xml: str) -> str | None:
    try:
        root = _parse(xml)
    except UploadRefused:
        return None
    process = root.find("bpmn:process", NS)
    return process.get("name") if process is not None else None


def _exists(session: Session, key: str) -> bool:
    return (session.scalar(select(ProcessModel.id).where(ProcessModel.key == key).limit(1)) is not None
            or get_draft(session, key) is not None)


# -- new process ----------------------------------------------------------------------------------------
def key_from_name(name: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")[:100] or "proses"
    return f"sop_{slug}"


def new_process(session: Session, name: str, lanes: list[str], username: str, key: str = "",
                unit: str = "") -> ProcessDraft:
    """A draft of a new process: one pool, the given lanes, one placeholder step per lane.

    The layout is the BPMN writer's (engine.bpmn_writer), so the designer starts from the same
    drawing conventions as the seed SOPs.
    """
    name = name.strip()
    lanes = [lane.strip() for lane in lanes if lane.strip()]
    key = (key or "").strip() or key_from_name(name)
    if not name:
        raise UploadRefused("Nama proses wajib diisi.")
    if not lanes:
        raise UploadRefused("Isi paling sedikit satu nama lajur (pelaksana).")
    if len(set(lanes)) != len(lanes):
        raise UploadRefused("Nama lajur tidak boleh sama.")
    if not KEY_PATTERN.match(key):
        raise UploadRefused("Kode proses hanya boleh berisi huruf, angka, '_', '.', '-' dan diawali huruf.")
    if _exists(session, key):
        raise UploadRefused(f"Kode proses {key} sudah dipakai; pilih kode lain.")
    steps = [SopStep(str(index), f"Kegiatan {lane}", "", lane) for index, lane in enumerate(lanes, start=1)]
    sop = SopDefinition(key=key, name=name, unit=unit, identity=SopIdentity(unit=unit), lanes=lanes, steps=steps)
    draft = ProcessDraft(key=key, xml=write_bpmn(sop), base_version=None, updated_by=username, updated_at=utcnow())
    session.add(draft)
    session.flush()
    _audit_draft(session, username, key, "new")
    return draft


# -- upload ------------------------------------------------------------------------------------------------
def upload(session: Session, data: bytes, username: str) -> Upload:
    """Check an uploaded file; with complete DI it becomes the draft of its process key.

    Not BPMN -> UploadRefused, nothing stored. Without (complete) DI nothing is stored either:
    the caller offers ``layout_upload`` and shows what is missing.
    """
    root = _parse(data)
    process = _single_executable(root)
    key = process.get("id")
    if not KEY_PATTERN.match(key or ""):
        raise UploadRefused(f"Id proses {key!r} tidak dapat dipakai sebagai kode proses.")
    xml = data.decode("utf-8")
    name = process.get("name") or key
    missing = missing_di(root, process) if root.find("bpmndi:BPMNDiagram", NS) is not None else ["(seluruh diagram)"]
    if missing:
        return Upload(key, name, xml, missing, stored=False, layout_problem=layout_problem(root, process))
    _store_upload(session, key, xml, username, "upload")
    return Upload(key, name, xml, [], stored=True)


def layout_upload(session: Session, data: bytes, username: str) -> Upload:
    """Generate the diagram of an uploaded file with the writer's layout and keep it as a draft."""
    root = _parse(data)
    process = _single_executable(root)
    problem = layout_problem(root, process)
    if problem:
        raise UploadRefused(problem)
    xml = add_layout(root, process)
    _store_upload(session, process.get("id"), xml, username, "layout")
    return Upload(process.get("id"), process.get("name") or process.get("id"), xml, [], stored=True)


def _single_executable(root):
    processes = [p for p in root.findall("bpmn:process", NS) if p.get("isExecutable", "false").lower() == "true"]
    if len(processes) != 1:
        raise UploadRefused(f"Berkas BPMN harus berisi tepat satu proses yang dapat dijalankan "
                            f"(isExecutable=\"true\"); ditemukan {len(processes)}. Tidak ada yang disimpan.")
    return processes[0]


def _store_upload(session: Session, key: str, xml: str, username: str, source: str) -> None:
    draft = get_draft(session, key)
    latest = session.scalar(select(ProcessModel.version).where(ProcessModel.key == key)
                            .order_by(ProcessModel.version.desc()).limit(1))
    if draft is None:
        session.add(ProcessDraft(key=key, xml=xml, base_version=latest, updated_by=username, updated_at=utcnow()))
    else:
        draft.xml, draft.base_version, draft.updated_by, draft.updated_at = xml, latest, username, utcnow()
    session.flush()
    _audit_draft(session, username, key, source)


def layout_problem(root, process) -> str | None:
    """Why a layout cannot be generated (in Indonesian), or None when it can."""
    lanes = process.findall(".//bpmn:lane", NS)
    if not lanes:
        return ("Tata letak otomatis membutuhkan lajur: proses ini tidak memiliki lajur (bpmn:lane). Tambahkan satu "
                "lajur per pelaksana dan tempatkan setiap langkah di lajurnya, lalu unggah kembali.")
    if process.find(".//bpmn:subProcess", NS) is not None:
        return "Tata letak otomatis belum mendukung subproses; buat tata letaknya di Camunda Modeler."
    in_lane = {ref.text.strip() for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS) if ref.text}
    outside = [node_id for node_id, el in _flow_nodes(process).items()
               if el.getparent() is process and node_id not in in_lane and _local(el) != "boundaryEvent"]
    if outside:
        return ("Tata letak otomatis membutuhkan setiap elemen di sebuah lajur; di luar lajur: "
                + ", ".join(outside) + ".")
    if process.find(".//bpmn:boundaryEvent", NS) is not None:
        return "Tata letak otomatis belum mendukung boundary event; buat tata letaknya di Camunda Modeler."
    nodes = _flow_nodes(process)
    dangling = [flow.get("id") or "(tanpa id)" for flow in process.iterfind("bpmn:sequenceFlow", NS)
                if flow.get("sourceRef") not in nodes or flow.get("targetRef") not in nodes]
    if dangling:
        return ("Tata letak otomatis membutuhkan setiap alur yang menghubungkan dua elemen yang ada; alur ke atau "
                "dari elemen yang tidak ada: " + ", ".join(dangling) + ".")
    return None


def add_layout(root, process) -> str:
    """The document with its BPMN DI replaced by the writer's generated lane layout."""
    key = process.get("id")
    lanes = process.findall(".//bpmn:lane", NS)
    lane_index = {}
    for index, lane in enumerate(lanes):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lane_index[(ref.text or "").strip()] = index
    elements = [el for el in process if isinstance(el.tag, str) and _local(el) in FLOW_NODE_TAGS]
    flows = [f for f in process if isinstance(f.tag, str) and _local(f) == "sequenceFlow"]
    order = _topological_order(elements, flows)
    nodes = {}
    for element in order:
        tag = _local(element)
        kind = "task" if tag in TASK_TAGS else ("gateway" if tag in GATEWAY_TAGS else "event")
        nodes[element.get("id")] = _Node(element.get("id"), kind, tag, element.get("name") or "",
                                         lane_index[element.get("id")])
    position = {node_id: i for i, node_id in enumerate(nodes)}
    graph_flows = [_Flow(f.get("id"), nodes[f.get("sourceRef")], nodes[f.get("targetRef")], f.get("name") or "",
                         back=position[f.get("targetRef")] <= position[f.get("sourceRef")]) for f in flows]
    layout = _Layout(SimpleNamespace(lanes=[lane.get("name") or "" for lane in lanes]), list(nodes.values()),
                     graph_flows)

    for diagram in root.findall("bpmndi:BPMNDiagram", NS):
        root.remove(diagram)
    participant = next((p for p in root.iterfind("bpmn:collaboration/bpmn:participant", NS)
                        if p.get("processRef") == key), None)
    if participant is None:
        collaboration = root.find("bpmn:collaboration", NS)
        if collaboration is None:
            collaboration = etree.Element(f"{{{BPMN_NS}}}collaboration", id=f"Kolaborasi_{key}")
            root.insert(list(root).index(process), collaboration)
        participant = etree.SubElement(collaboration, f"{{{BPMN_NS}}}participant", id=f"Pool_{key}",
                                       name=process.get("name") or key, processRef=key)
    collaboration = participant.getparent()
    diagram = etree.SubElement(root, f"{{{BPMNDI_NS}}}BPMNDiagram", id=f"Diagram_{key}")
    plane = etree.SubElement(diagram, f"{{{BPMNDI_NS}}}BPMNPlane", id=f"Plane_{key}",
                             bpmnElement=collaboration.get("id"))
    shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"{participant.get('id')}_di",
                             bpmnElement=participant.get("id"), isHorizontal="true")
    _bounds(shape, *layout.pool)
    for index, lane in enumerate(lanes):
        shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"{lane.get('id')}_di",
                                 bpmnElement=lane.get("id"), isHorizontal="true")
        _bounds(shape, *layout.lane_bounds(index))
    for node in nodes.values():
        shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"{node.id}_di", bpmnElement=node.id)
        if node.kind == "gateway":
            shape.set("isMarkerVisible", "true")
        _bounds(shape, node.x, node.y, node.w, node.h)
    for flow in graph_flows:
        edge = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNEdge", id=f"{flow.id}_di", bpmnElement=flow.id)
        for x, y in layout.waypoints(flow):
            etree.SubElement(edge, f"{{{DI_NS}}}waypoint", x=_num(x), y=_num(y))
    etree.cleanup_namespaces(root, top_nsmap={"bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS})
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode")


def _topological_order(elements: list, flows: list) -> list:
    """Flow nodes left to right: depth-first from the start events, loop-back flows ignored."""
    by_id = {el.get("id"): el for el in elements}
    outgoing: dict[str, list[str]] = {}
    for flow in flows:
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    order: list[str] = []
    state: dict[str, int] = {}  # 1 on the stack, 2 finished

    def visit(node_id: str) -> None:
        done: list[str] = []
        stack = [(node_id, iter(outgoing.get(node_id, [])))]
        state[node_id] = 1
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                state[current] = 2
                done.append(current)
            elif child in by_id and child not in state:
                state[child] = 1
                stack.append((child, iter(outgoing.get(child, []))))
        order.extend(reversed(done))

    starts = [el.get("id") for el in elements if _local(el) == "startEvent"]
    for node_id in starts + [el.get("id") for el in elements]:
        if node_id not in state:
            visit(node_id)
    return [by_id[node_id] for node_id in order]
