"""The five seed SOP models in bpmn/: lanes, steps and decisions exactly as domain.md reads them.

The table below is the spec (domain.md, "The five seed SOPs: our reading of the lanes"); the
.bpmn files are edited in a modeler from now on, and these tests keep them faithful to it.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.bpmn_model import parse_model
from tests.engine.test_bpmn_writer import (
    NS, assert_diagram_sound, decisions, node_lanes, run_to_completion, spiff_spec,
)

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"

SUBBID, TIM, ATASAN = "Subbid Pelayanan Informasi", "TIM PPID Pembantu", "Atasan PPID"
KASUBBAG, SEKRETARIS, PPID_PB, KARO = ("Kasubbag/Kepala Seksi", "Sekretaris/Kepala Bidang", "PPID Pembantu",
                                       "Kepala Biro Organisasi")
PETUGAS = "Petugas Pelayanan Informasi"

# key: (lanes in order, [(step, lane, waktu, durasi, basis)], {decision step: Tidak target step})
EXPECTED = {
    "sop_000_permohonan_informasi_publik": (
        ["JFU", "Kepala Bidang", "Kepala Badan"],
        [("1", "JFU", "1 Jam", "PT1H", "hours"),
         ("2", "Kepala Bidang", "1 Jam", "PT1H", "hours"),
         ("3", "Kepala Badan", "1 Jam", "PT1H", "hours"),
         ("4", "Kepala Bidang", "1 Jam", "PT1H", "hours"),
         ("5", "JFU", "1 Jam", "PT1H", "hours")],
        {},
    ),
    "sop_001_pendokumentasian_informasi_dikecualikan": (
        [SUBBID, TIM, ATASAN],
        [("1", SUBBID, "Setiap saat", "", "none"),
         ("1a", TIM, "", "", "none"),
         ("2", ATASAN, "Pada hari jam kerja", "", "none"),
         ("3", TIM, "2 (dua) hari Pada hari jam kerja", "P2D", "working_days")],
        {"2": "1"},
    ),
    "sop_002_maklumat_pelayanan_informasi": (
        ["PPID Pelaksana", ATASAN],
        [("1", "PPID Pelaksana", "Tentatif", "", "none"),
         ("2", ATASAN, "Tentatif", "", "none"),
         ("3", "PPID Pelaksana", "", "", "none")],
        {"2": "1"},
    ),
    "sop_003_pendokumentasian_informasi_publik": (
        [PETUGAS, "PPID"],
        [("1", PETUGAS, "5 menit", "PT5M", "minutes"),
         ("2", PETUGAS, "15 menit", "PT15M", "minutes"),
         ("3", PETUGAS, "5 menit", "PT5M", "minutes"),
         ("4", PETUGAS, "5 hari kerja", "P5D", "working_days"),
         ("5", PETUGAS, "1 hari", "P1D", "working_days"),
         ("6", PETUGAS, "1 jam", "PT1H", "hours"),
         ("6a", "PPID", "", "", "none"),
         ("7", PETUGAS, "30 menit", "PT30M", "minutes"),
         ("8", PETUGAS, "15 menit", "PT15M", "minutes")],
        {"6a": "5"},
    ),
    "sop_004_penetapan_pemutakhiran_dip": (
        [KASUBBAG, SEKRETARIS, PPID_PB, KARO],
        [("1", KASUBBAG, "Secara berkala dan setiap saat", "", "none"),
         ("2", SEKRETARIS, "Secara berkala, serta merta dan setiap saat", "", "none"),
         ("3", PPID_PB, "Secara berkala dan setiap saat", "", "none"),
         ("4", PPID_PB, "1 hari", "P1D", "working_days"),
         ("5", KARO, "60 menit", "PT60M", "minutes"),
         ("6", PPID_PB, "60 menit", "PT60M", "minutes")],
        {"2": "1", "3": "2"},
    ),
}
KEYS = sorted(EXPECTED)


def _sid(number: str) -> str:
    return "Langkah_" + number


def _xml(key: str) -> str:
    return (BPMN_DIR / f"{key}.bpmn").read_text(encoding="utf-8")


def _root(key: str):
    return etree.fromstring(_xml(key).encode("utf-8"))


def test_exactly_the_five_seed_files():
    assert sorted(p.stem for p in BPMN_DIR.glob("sop_*.bpmn")) == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_lanes_in_order(key):
    lanes, _, _ = EXPECTED[key]
    assert [lane.get("name") for lane in _root(key).iterfind(".//bpmn:lane", NS)] == lanes


@pytest.mark.parametrize("key", KEYS)
def test_steps_in_their_lanes(key):
    _, steps, _ = EXPECTED[key]
    root = _root(key)
    process = root.find("bpmn:process", NS)
    assert process.get("id") == key and process.get("isExecutable") == "true"
    tasks = [t.get("id") for t in process.iterfind("bpmn:userTask", NS)]
    assert tasks == [_sid(number) for number, *_ in steps]
    lanes = node_lanes(root)
    assert {task: lanes[task] for task in tasks} == {_sid(number): lane for number, lane, *_ in steps}
    # events and gateways stand in the lane of the step they belong to
    assert lanes["Mulai"] == steps[0][1] and lanes["Selesai"] == steps[-1][1]
    for gateway in process.iterfind("bpmn:exclusiveGateway", NS):
        assert lanes[gateway.get("id")] == lanes[gateway.get("id").replace("Keputusan_", "Langkah_")]


@pytest.mark.parametrize("key", KEYS)
def test_mutu_baku_waktu(key):
    _, steps, _ = EXPECTED[key]
    process = _root(key).find("bpmn:process", NS)
    for number, _, waktu, durasi, basis in steps:
        task = process.find(f"bpmn:userTask[@id='{_sid(number)}']", NS)
        mutu = task.find("bpmn:extensionElements/alur:mutuBaku", NS)
        assert mutu.get("langkah") == number
        assert (mutu.get("waktu"), mutu.get("durasi", ""), mutu.get("basis")) == (waktu, durasi, basis), number
        assert task.get("name") and task.findtext("bpmn:documentation", namespaces=NS)


@pytest.mark.parametrize("key", KEYS)
def test_decisions_and_tidak_targets(key):
    _, _, expected = EXPECTED[key]
    assert decisions(_root(key)) == {_sid(step): _sid(target) for step, target in expected.items()}


@pytest.mark.parametrize("key", KEYS)
def test_spiff_lanes_match(key):
    _, steps, _ = EXPECTED[key]
    spec = spiff_spec(_xml(key), key, f"{key}.bpmn")
    for number, lane, *_ in steps:
        assert spec.task_specs[_sid(number)].lane == lane


# "tidak" at the first visit of each decision, "ya" after: the order the steps then run in
RUNS = {
    "sop_000_permohonan_informasi_publik": "1 2 3 4 5",
    "sop_001_pendokumentasian_informasi_dikecualikan": "1 1a 2 1 1a 2 3",
    "sop_002_maklumat_pelayanan_informasi": "1 2 1 2 3",
    "sop_003_pendokumentasian_informasi_publik": "1 2 3 4 5 6 6a 5 6 6a 7 8",
    "sop_004_penetapan_pemutakhiran_dip": "1 2 1 2 3 2 3 4 5 6",
}


@pytest.mark.parametrize("key", KEYS)
def test_runs_to_completion(key):
    ran = run_to_completion(spiff_spec(_xml(key), key, f"{key}.bpmn"))
    assert ran == [_sid(number) for number in RUNS[key].split()]


@pytest.mark.parametrize("key", KEYS)
def test_diagram_sound(key):
    assert_diagram_sound(_xml(key))


@pytest.mark.parametrize("key", KEYS)
def test_deploys_with_alur_parser(key):
    model = parse_model(_xml(key).encode("utf-8"), f"{key}.bpmn")
    assert model.key == key and model.lanes == EXPECTED[key][0]


def test_identity_details():
    def sop(key):
        return _root(key).find("bpmn:process/bpmn:extensionElements/alur:sop", NS)

    assert sop("sop_000_permohonan_informasi_publik").get("nomor") == "800/626/I.7/BKD"
    assert sop("sop_001_pendokumentasian_informasi_dikecualikan").get("nomor") == "870/27/Sekr.7/BKD"
    maklumat = sop("sop_002_maklumat_pelayanan_informasi")
    assert maklumat.get("nomor") == ""
    assert maklumat.get("tanggalEfektif") == "6 Februari 2025 - 31 Desember 2025"
    assert sop("sop_003_pendokumentasian_informasi_publik").get("nomor") == "270 / ADPIM. II/ III/ 2024"
    dip = sop("sop_004_penetapan_pemutakhiran_dip")
    for attribute in ("nomor", "tanggalPembuatan", "tanggalRevisi", "tanggalEfektif", "disahkanOleh"):
        assert dip.get(attribute) == ""
    for key in KEYS:
        element = sop(key)
        assert element.findall("alur:dasarHukum", NS) and element.findall("alur:kualifikasi", NS)
        assert element.findtext("alur:peringatan", namespaces=NS)


def test_reading_notes_are_documented():
    def documentation(key, element_id=None):
        process = _root(key).find("bpmn:process", NS)
        element = process if element_id is None else process.find(f"bpmn:*[@id='{element_id}']", NS)
        return element.findtext("bpmn:documentation", namespaces=NS) or ""

    assert "Bidang/bagian" in documentation("sop_001_pendokumentasian_informasi_dikecualikan", "Langkah_1")
    assert "setelah proses uji konsekuensi" in documentation("sop_001_pendokumentasian_informasi_dikecualikan",
                                                              "Langkah_1a")
    note = documentation("sop_004_penetapan_pemutakhiran_dip")
    assert "Kepala Dinas Dukcapil" in note and "tidak terbaca" in note
    root = _root("sop_003_pendokumentasian_informasi_publik")
    keterangan = root.find(".//bpmn:userTask[@id='Langkah_5']/bpmn:extensionElements/alur:mutuBaku", NS)
    assert "hari kerja" in keterangan.get("keterangan")
