"""The request (permohonan informasi) and objection (keberatan) processes, modelled from the law.

``engine.bpmn_writer`` writes the seeds' shape: a line of steps where "Tidak" loops back. The
request and objection procedures branch forward (diterima / ditolak, with or without an
extension), so they are written here with the writer's conventions and helpers (ids
``Langkah_<n>`` / ``Keputusan_<n>``, ``alur:sop`` and ``alur:mutuBaku``, Ya / Tidak flows with
``keputusan == "ya"`` conditions, lanes as horizontal bands) on a small grid layout: each node has
a lane, a column and a row inside its lane. Every decision is a user task followed by a Ya / Tidak
gateway, so the staff inbox handles them as it handles the seeds' decisions ("Tidak" needs a
written reason: the reason for the extension or for the refusal, as UU 14/2008 Pasal 22 ayat 7
and Pasal 23 require).

Run ``python -m engine.ppid.process_models`` to (re)write ``bpmn/ppid_*.bpmn``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from engine.bpmn_model import ALUR_NS, BPMN_NS, BPMNDI_NS
from engine.bpmn_writer import DI_NS, NSMAP, TARGET_NAMESPACE, _bounds, _write_identity
from engine.sop_definition import SopDefinition, SopIdentity

REQUEST_KEY = "ppid_permohonan_informasi"
OBJECTION_KEY = "ppid_keberatan_informasi"
PETUGAS, PPID, ATASAN = "Petugas Pelayanan Informasi", "PPID", "Atasan PPID"

COLUMN_W, LANE_H, ROW_OFFSET = 150, 240, 62
ORIGIN_X, ORIGIN_Y, LABEL_W = 160, 80, 30
SIZES = {"task": (100, 80), "gateway": (50, 50), "event": (36, 36)}


@dataclass
class Node:
    id: str
    kind: str  # task | gateway | start | end
    name: str
    lane: str
    column: int
    row: int = 0  # -1 upper, 0 middle, 1 lower band of the lane
    documentation: str = ""
    mutu: dict = field(default_factory=dict)

    def size(self) -> tuple[int, int]:
        return SIZES["event" if self.kind in ("start", "end") else self.kind]


@dataclass
class Flow:
    source: str
    target: str
    name: str = ""  # "Ya" / "Tidak"

    @property
    def id(self) -> str:
        return f"Flow_{self.source}_{self.target}"


@dataclass
class ProcessSpec:
    key: str
    name: str
    unit: str
    identity: SopIdentity
    lanes: list[str]
    nodes: list[Node]
    flows: list[Flow]
    documentation: str = ""


def _mutu(langkah: str, kelengkapan: str, waktu: str, durasi: str | None, basis: str, output: str,
          keterangan: str = "") -> dict:
    values = {"langkah": langkah, "kelengkapan": kelengkapan, "waktu": waktu, "basis": basis, "output": output,
              "keterangan": keterangan}
    if durasi:
        values["durasi"] = durasi
    return values


_DASAR_HUKUM = [
    "Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik",
    "Peraturan Pemerintah Nomor 61 Tahun 2010 tentang Pelaksanaan UU 14/2008",
    "Peraturan Komisi Informasi Nomor 1 Tahun 2021 tentang Standar Layanan Informasi Publik",
    "Permendagri Nomor 3 Tahun 2017 tentang Pedoman Pengelolaan Pelayanan Informasi dan Dokumentasi",
]


def request_process() -> ProcessSpec:
    identity = SopIdentity(
        unit="Pemerintah Provinsi Kalimantan Tengah", seksi="PPID",
        dasar_hukum=_DASAR_HUKUM,
        kualifikasi=["Memahami UU 14/2008 dan Perki 1/2021 tentang Standar Layanan Informasi Publik"],
        keterkaitan=["SOP Keberatan atas Permohonan Informasi", "SOP Pendokumentasian Informasi Publik",
                     "SOP Pendokumentasian Informasi yang Dikecualikan"],
        peralatan=["Komputer dan jaringan internet", "Register permohonan informasi", "ATK"],
        peringatan="Pemberitahuan tertulis wajib diberikan paling lambat 10 hari kerja sejak permohonan "
                   "diterima, dapat diperpanjang paling lambat 7 hari kerja dengan alasan tertulis "
                   "(UU 14/2008 Pasal 22 ayat 7 dan 8). Bila tidak ditanggapi, pemohon berhak mengajukan keberatan.",
        pencatatan="Register permohonan informasi; pemberitahuan tertulis (PDF)",
    )
    nodes = [
        Node("Mulai", "start", "Permohonan diterima", PETUGAS, 0),
        Node("Langkah_1", "task", "Registrasi permohonan", PETUGAS, 1,
             documentation="Memeriksa identitas pemohon (NIK) dan kelengkapan formulir permohonan, lalu "
                           "mencatatnya dalam register permohonan. Nomor pendaftaran diberikan saat "
                           "permohonan diterima (UU 14/2008 Pasal 22 ayat 4).",
             mutu=_mutu("1", "Formulir permohonan, identitas pemohon (NIK)", "1 hari kerja", "P1D",
                        "working_days", "Register permohonan")),
        Node("Langkah_2", "task", "Periksa penguasaan dan pengecualian informasi", PPID, 2,
             documentation="Memeriksa apakah informasi dikuasai badan publik ini, dikuasai badan publik lain, "
                           "atau termasuk informasi yang dikecualikan (UU 14/2008 Pasal 17, uji konsekuensi "
                           "Pasal 19). Pilih Tidak bila pemberitahuan tertulis belum dapat diberikan dalam "
                           "10 hari kerja, dan tuliskan alasan perpanjangan.",
             mutu=_mutu("2", "Register permohonan, DIP dan DIK", "10 hari kerja sejak permohonan diterima",
                        None, "none", "Hasil pemeriksaan",
                        "Jatuh tempo dihitung dari tanggal permohonan diterima (UU 14/2008 Pasal 22 ayat 7).")),
        Node("Keputusan_2", "gateway", "Pemberitahuan dapat diberikan dalam 10 hari kerja?", PPID, 3),
        Node("Langkah_2a", "task", "Perpanjang jangka waktu", PPID, 4, row=-1,
             documentation="Menyampaikan pemberitahuan perpanjangan jangka waktu paling lambat 7 hari kerja "
                           "berikutnya beserta alasannya secara tertulis (UU 14/2008 Pasal 22 ayat 8).",
             mutu=_mutu("2a", "Alasan perpanjangan tertulis", "7 hari kerja", None, "none",
                        "Pemberitahuan perpanjangan")),
        Node("Langkah_3", "task", "Terbitkan pemberitahuan tertulis", PPID, 5,
             documentation="Menerbitkan pemberitahuan tertulis: permohonan diterima (Ya) atau ditolak (Tidak). "
                           "Bila ditolak, tuliskan alasannya: \u201cPasal 17 huruf \u2026\u201d untuk informasi "
                           "yang dikecualikan, \u201ctidak dikuasai\u201d atau \u201cdikuasai badan publik "
                           "lain\u201d (UU 14/2008 Pasal 22 ayat 7).",
             mutu=_mutu("3", "Hasil pemeriksaan, informasi yang diminta", "10 hari kerja sejak permohonan "
                        "diterima (+7 bila diperpanjang)", None, "none", "Pemberitahuan tertulis")),
        Node("Keputusan_3", "gateway", "Permohonan diterima?", PPID, 6),
        Node("Langkah_4", "task", "Serahkan informasi kepada pemohon", PETUGAS, 7, row=-1,
             documentation="Menyerahkan informasi sesuai cara memperoleh dan cara mendapatkan salinan yang "
                           "dipilih pemohon, bersama pemberitahuan tertulis.",
             mutu=_mutu("4", "Pemberitahuan tertulis, informasi yang diminta", "1 hari kerja", "P1D",
                        "working_days", "Tanda terima informasi")),
        Node("Langkah_5", "task", "Sampaikan pemberitahuan penolakan", PETUGAS, 7, row=1,
             documentation="Menyampaikan pemberitahuan tertulis penolakan beserta alasannya dan hak pemohon "
                           "mengajukan keberatan kepada Atasan PPID (UU 14/2008 Pasal 35).",
             mutu=_mutu("5", "Pemberitahuan tertulis penolakan", "1 hari kerja", "P1D", "working_days",
                        "Tanda terima pemberitahuan")),
        Node("Selesai", "end", "Selesai", PETUGAS, 8),
    ]
    flows = [
        Flow("Mulai", "Langkah_1"), Flow("Langkah_1", "Langkah_2"), Flow("Langkah_2", "Keputusan_2"),
        Flow("Keputusan_2", "Langkah_3", "Ya"), Flow("Keputusan_2", "Langkah_2a", "Tidak"),
        Flow("Langkah_2a", "Langkah_3"), Flow("Langkah_3", "Keputusan_3"),
        Flow("Keputusan_3", "Langkah_4", "Ya"), Flow("Keputusan_3", "Langkah_5", "Tidak"),
        Flow("Langkah_4", "Selesai"), Flow("Langkah_5", "Selesai"),
    ]
    return ProcessSpec(REQUEST_KEY, "Pelayanan Permohonan Informasi Publik", identity.unit, identity,
                       [PETUGAS, PPID], nodes, flows,
                       documentation="Dimodelkan dari UU 14/2008 Pasal 21-22 dan Perki 1/2021: registrasi, "
                                     "pemeriksaan penguasaan dan pengecualian informasi, pemberitahuan "
                                     "tertulis diterima atau ditolak dengan alasan, perpanjangan 7 hari kerja "
                                     "dengan alasan tertulis, penyerahan informasi.")


def objection_process() -> ProcessSpec:
    identity = SopIdentity(
        unit="Pemerintah Provinsi Kalimantan Tengah", seksi="PPID",
        dasar_hukum=_DASAR_HUKUM + ["Peraturan Komisi Informasi Nomor 1 Tahun 2013 tentang Prosedur "
                                    "Penyelesaian Sengketa Informasi Publik"],
        kualifikasi=["Memahami UU 14/2008 Pasal 35-36"],
        keterkaitan=["SOP Pelayanan Permohonan Informasi Publik"],
        peralatan=["Komputer dan jaringan internet", "Register keberatan"],
        peringatan="Atasan PPID wajib memberikan tanggapan tertulis paling lambat 30 hari kerja sejak keberatan "
                   "dicatat (UU 14/2008 Pasal 36). Pemohon yang tidak puas dapat mengajukan sengketa ke "
                   "Komisi Informasi dalam 14 hari kerja (Pasal 37).",
        pencatatan="Register keberatan; tanggapan tertulis Atasan PPID",
    )
    nodes = [
        Node("Mulai", "start", "Keberatan diterima", PPID, 0),
        Node("Langkah_1", "task", "Registrasi keberatan", PPID, 1,
             documentation="Mencatat keberatan dalam register keberatan dan meneruskannya kepada Atasan PPID.",
             mutu=_mutu("1", "Formulir keberatan, nomor pendaftaran permohonan", "1 hari kerja", "P1D",
                        "working_days", "Register keberatan")),
        Node("Langkah_2", "task", "Periksa keberatan dan tetapkan tanggapan", ATASAN, 2,
             documentation="Atasan PPID memeriksa keberatan dan menetapkan tanggapan tertulis: Ya bila keberatan "
                           "diterima (informasi diberikan), Tidak bila ditolak dengan alasan tertulis "
                           "(UU 14/2008 Pasal 36).",
             mutu=_mutu("2", "Register keberatan, berkas permohonan", "30 hari kerja sejak keberatan diterima",
                        None, "none", "Tanggapan tertulis Atasan PPID",
                        "Jatuh tempo dihitung dari tanggal keberatan diterima (UU 14/2008 Pasal 36 ayat 2).")),
        Node("Keputusan_2", "gateway", "Keberatan diterima?", ATASAN, 3),
        Node("Langkah_3", "task", "Laksanakan tanggapan: berikan informasi", PPID, 4, row=-1,
             documentation="PPID melaksanakan tanggapan Atasan PPID dan memberikan informasi kepada pemohon.",
             mutu=_mutu("3", "Tanggapan tertulis Atasan PPID", "1 hari kerja", "P1D", "working_days",
                        "Informasi diserahkan")),
        Node("Langkah_4", "task", "Sampaikan tanggapan penolakan keberatan", PPID, 4, row=1,
             documentation="Menyampaikan tanggapan tertulis Atasan PPID serta hak pemohon mengajukan sengketa "
                           "kepada Komisi Informasi dalam 14 hari kerja (UU 14/2008 Pasal 37).",
             mutu=_mutu("4", "Tanggapan tertulis Atasan PPID", "1 hari kerja", "P1D", "working_days",
                        "Tanda terima tanggapan")),
        Node("Selesai", "end", "Selesai", PPID, 5),
    ]
    flows = [
        Flow("Mulai", "Langkah_1"), Flow("Langkah_1", "Langkah_2"), Flow("Langkah_2", "Keputusan_2"),
        Flow("Keputusan_2", "Langkah_3", "Ya"), Flow("Keputusan_2", "Langkah_4", "Tidak"),
        Flow("Langkah_3", "Selesai"), Flow("Langkah_4", "Selesai"),
    ]
    return ProcessSpec(OBJECTION_KEY, "Pelayanan Keberatan atas Permohonan Informasi", identity.unit, identity,
                       [PPID, ATASAN], nodes, flows,
                       documentation="Dimodelkan dari UU 14/2008 Pasal 35-37 dan Perki 1/2021: keberatan "
                                     "dicatat, Atasan PPID menanggapi secara tertulis dalam 30 hari kerja.")


# -- writing ---------------------------------------------------------------------------------------

def _b(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def _position(spec: ProcessSpec, node: Node) -> tuple[float, float, int, int]:
    w, h = node.size()
    lane = spec.lanes.index(node.lane)
    cx = ORIGIN_X + LABEL_W + 30 + node.column * COLUMN_W + SIZES["task"][0] / 2
    cy = ORIGIN_Y + lane * LANE_H + LANE_H / 2 + node.row * ROW_OFFSET
    return cx - w / 2, cy - h / 2, w, h


def write_process(spec: ProcessSpec) -> str:
    nodes = {node.id: node for node in spec.nodes}
    root = etree.Element(_b("definitions"), nsmap=NSMAP)
    root.set("id", f"Definitions_{spec.key}")
    root.set("targetNamespace", TARGET_NAMESPACE)
    root.set("exporter", "Alur")
    root.set("exporterVersion", "1.0")
    collaboration = etree.SubElement(root, _b("collaboration"), id=f"Kolaborasi_{spec.key}")
    etree.SubElement(collaboration, _b("participant"), id=f"Pool_{spec.key}", name=spec.name, processRef=spec.key)
    process = etree.SubElement(root, _b("process"), id=spec.key, name=spec.name, isExecutable="true")
    etree.SubElement(process, _b("documentation")).text = spec.documentation
    _write_identity(etree.SubElement(process, _b("extensionElements")),
                    SopDefinition(spec.key, spec.name, spec.unit, spec.identity, spec.lanes, []))
    lane_set = etree.SubElement(process, _b("laneSet"), id=f"LaneSet_{spec.key}")
    lane_ids = {name: "Lane_" + name.replace(" ", "_") for name in spec.lanes}
    for name in spec.lanes:
        lane = etree.SubElement(lane_set, _b("lane"), id=lane_ids[name], name=name)
        for node in spec.nodes:
            if node.lane == name:
                etree.SubElement(lane, _b("flowNodeRef")).text = node.id
    tags = {"start": "startEvent", "end": "endEvent", "task": "userTask", "gateway": "exclusiveGateway"}
    for node in spec.nodes:
        element = etree.SubElement(process, _b(tags[node.kind]), id=node.id, name=node.name)
        if node.kind == "task":
            if node.documentation:
                etree.SubElement(element, _b("documentation")).text = node.documentation
            extensions = etree.SubElement(element, _b("extensionElements"))
            mutu = etree.SubElement(extensions, f"{{{ALUR_NS}}}mutuBaku")
            for name in ("langkah", "kelengkapan", "waktu", "durasi", "basis", "output", "keterangan"):
                if name in node.mutu:
                    mutu.set(name, node.mutu[name])
        for flow in spec.flows:
            if flow.target == node.id:
                etree.SubElement(element, _b("incoming")).text = flow.id
        for flow in spec.flows:
            if flow.source == node.id:
                etree.SubElement(element, _b("outgoing")).text = flow.id
    for flow in spec.flows:
        element = etree.SubElement(process, _b("sequenceFlow"), id=flow.id)
        if flow.name:
            element.set("name", flow.name)
        element.set("sourceRef", flow.source)
        element.set("targetRef", flow.target)
        if flow.name:
            condition = etree.SubElement(element, _b("conditionExpression"))
            condition.set("{http://www.w3.org/2001/XMLSchema-instance}type", "bpmn:tFormalExpression")
            condition.text = f'keputusan == "{flow.name.lower()}"'
    _write_diagram(root, spec, nodes, lane_ids)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode", pretty_print=True)


def _write_diagram(root, spec: ProcessSpec, nodes: dict[str, Node], lane_ids: dict[str, str]) -> None:
    diagram = etree.SubElement(root, f"{{{BPMNDI_NS}}}BPMNDiagram", id=f"Diagram_{spec.key}")
    plane = etree.SubElement(diagram, f"{{{BPMNDI_NS}}}BPMNPlane", id=f"Plane_{spec.key}",
                             bpmnElement=f"Kolaborasi_{spec.key}")
    columns = max(node.column for node in spec.nodes) + 1
    width = LABEL_W + 60 + columns * COLUMN_W
    pool = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"Pool_{spec.key}_di",
                            bpmnElement=f"Pool_{spec.key}", isHorizontal="true")
    _bounds(pool, ORIGIN_X, ORIGIN_Y, width, LANE_H * len(spec.lanes))
    for index, name in enumerate(spec.lanes):
        shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"{lane_ids[name]}_di",
                                 bpmnElement=lane_ids[name], isHorizontal="true")
        _bounds(shape, ORIGIN_X + LABEL_W, ORIGIN_Y + index * LANE_H, width - LABEL_W, LANE_H)
    for node in spec.nodes:
        x, y, w, h = _position(spec, node)
        shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"{node.id}_di", bpmnElement=node.id)
        if node.kind == "gateway":
            shape.set("isMarkerVisible", "true")
        _bounds(shape, x, y, w, h)
        if node.kind != "task":
            label = etree.SubElement(shape, f"{{{BPMNDI_NS}}}BPMNLabel")
            label_w = max(40, min(140, 6 * len(node.name)))
            _bounds(label, x + w / 2 - label_w / 2, y + h + 5, label_w, 27)
    for flow in spec.flows:
        source, target = nodes[flow.source], nodes[flow.target]
        sx, sy, sw, sh = _position(spec, source)
        tx, ty, tw, th = _position(spec, target)
        start, end = (sx + sw, sy + sh / 2), (tx, ty + th / 2)
        edge = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNEdge", id=f"{flow.id}_di", bpmnElement=flow.id)
        if start[1] == end[1]:
            points = [start, end]
        elif source.kind == "gateway":  # leave the diamond from its top or bottom corner
            corner = (sx + sw / 2, sy if end[1] < start[1] else sy + sh)
            points = [corner, (corner[0], end[1]), end]
        else:
            middle = (start[0] + end[0]) / 2
            points = [start, (middle, start[1]), (middle, end[1]), end]
        for px, py in points:
            etree.SubElement(edge, f"{{{DI_NS}}}waypoint", x=str(round(px)), y=str(round(py)))
        if flow.name:
            lx, ly = points[0]
            _bounds(etree.SubElement(edge, f"{{{BPMNDI_NS}}}BPMNLabel"), lx + 5,
                    ly - 18 if points[1][1] <= ly else ly + 3, 28, 14)


def write_all(directory: Path) -> list[Path]:
    written = []
    for spec in (request_process(), objection_process()):
        path = directory / f"{spec.key}.bpmn"
        path.write_text(write_process(spec), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for written_path in write_all(Path(__file__).resolve().parents[2] / "bpmn"):
        print(written_path)
