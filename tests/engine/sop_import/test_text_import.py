"""The five seed text exports imported without their drawing, compared with the hand-made models in bpmn/.

domain.md fixes the lanes of seeds 000-003, and the importer must find them from the wording alone.
Seed 004 is OCR-damaged (no column layout survives): its differences are listed, not hidden.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bpmn_model import parse_model
from engine.simulation import simulate
from engine.sop_import import SopImportError, draft_bpmn, import_sop
from engine.sop_import.identity import parse_date, parse_date_range, parse_signer, rows_from_text, parse_identity
from engine.sop_import.text_export import import_text
from engine.sop_import.compare import differences as model_differences, model_outline
from tests.conftest import BPMN_DIR, SEED_TEXTS
from tests.engine.test_seed_models import EXPECTED

SEED_FILES = {path.name[:3]: path for path in SEED_TEXTS}
KEY = {key[4:7]: key for key in EXPECTED}


def differences(number: str) -> list[str]:
    definition, _ = import_sop(SEED_FILES[number])
    model = next(BPMN_DIR.glob(f"sop_{number}_*.bpmn"))
    return model_differences(definition, model.read_bytes(), model.name)


def test_the_comparison_reads_the_models_as_domain_md_does():
    for key, (lanes, steps, decisions) in EXPECTED.items():
        model = BPMN_DIR / f"{key}.bpmn"
        assert model_outline(model.read_bytes(), model.name) == (lanes, {s: lane for s, lane, *_ in steps}, decisions)


def test_the_cli_lists_the_differences_in_the_report(tmp_path):
    model = next(BPMN_DIR.glob("sop_004_*.bpmn"))
    report = tmp_path / "laporan.json"
    result = subprocess.run([str(Path(sys.executable).parent / "alur"), "import-sop", str(SEED_FILES["004"]),
                             "-o", str(tmp_path / "draf.bpmn"), "--report", str(report), "--compare", str(model)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    listed = json.loads(report.read_text(encoding="utf-8"))["model_differences"]
    assert listed == differences("004") and listed[0].startswith("lanes: imported")


@pytest.mark.parametrize("number", ["000", "001", "002", "003"])
def test_seed_lanes_steps_and_decisions_match_the_model(number):
    assert differences(number) == []


def test_seed_004_differences_are_known():
    """OCR text without columns: the wording gives each step's lane and the decisions; only the names of the
    lanes whose header is stacked over lines ("Kasubbag/" | "Kepala" | "Seksi") stay short of the model's."""
    diffs = differences("004")
    definition, report = import_sop(SEED_FILES["004"])
    model = next(BPMN_DIR.glob("sop_004_*.bpmn"))
    lanes, step_lanes, decisions = model_outline(model.read_bytes(), model.name)
    assert [s.number for s in definition.steps] == ["1", "2", "3", "4", "5", "6"]
    assert [s.waktu.lower() for s in definition.steps][3:] == ["1 hari", "60 menit", "60 menit"]
    assert "lanes-from-wording" in report.codes()
    assert all(i.confidence == "low" for i in report.inferences if i.subject == "lanes")
    assert len(definition.lanes) == len(lanes)
    for step in definition.steps:
        assert step_lanes[step.number] == step.lane or step_lanes[step.number].startswith(step.lane + "/")
    assert {s.number: s.no_target for s in definition.steps if s.decision} == decisions
    assert diffs and all(d.startswith("lanes:") or "model has" in d for d in diffs)
    inferred = {i.subject: i for i in report.inferences}
    assert all(inferred[f"lane of step {s.number}"].confidence in ("medium", "low") for s in definition.steps)


@pytest.mark.parametrize("number", sorted(SEED_FILES))
def test_seed_imports_parse_and_simulate(number):
    definition, report = import_sop(SEED_FILES[number])
    xml = draft_bpmn(definition)
    parse_model(xml, f"{definition.key}.bpmn")
    assert simulate(xml.encode("utf-8"), f"{definition.key}.bpmn").completed
    for inference in report.inferences:
        assert inference.confidence in ("high", "medium", "low") and inference.reason


def test_seed_warnings():
    codes = {number: set(import_sop(path)[1].codes()) for number, path in SEED_FILES.items()}
    assert "perki-2010" in codes["001"] and "perki-2010" in codes["003"]
    assert "missing-nomor" in codes["002"]
    assert "waktu-not-duration" in codes["002"] and "hari-as-working-days" in codes["003"]
    assert "identity-layout" in codes["003"]  # the number printed under "Nama SOP"
    assert "empty-lane" in codes["001"] and "empty-lane" in codes["003"]


def test_seed_identities():
    d0 = import_sop(SEED_FILES["000"])[0].identity
    assert d0.nomor == "800/626/I.7/BKD" and d0.tanggal_efektif == "1 Agustus 2024"
    assert len(d0.dasar_hukum) >= 4 and d0.dasar_hukum[0].startswith("Undang-Undang Nomor 14 Tahun 2008")
    d1, r1 = import_sop(SEED_FILES["001"])
    assert r1.identity["disahkan_oleh"]["nip"] == "196809011989112005"
    assert r1.identity["disahkan_oleh"]["name"].startswith("LISA APRILIANA")
    assert r1.identity["tanggal_efektif"]["date"] == "2025-01-20"
    assert d1.identity.peralatan == ["Komputer", "Printer/ Scanner", "Alat Tulis Kantor", "Jaringan Internet"]
    d2, r2 = import_sop(SEED_FILES["002"])
    assert (r2.identity["tanggal_efektif"]["date"], r2.identity["tanggal_efektif"]["until"]) == ("2025-02-06",
                                                                                               "2025-12-31")
    assert r2.identity["disahkan_oleh"]["electronic"] and r2.identity["disahkan_oleh"]["nip"] == "197406161993111001"
    assert len(d2.identity.dasar_hukum) == 8 and len(d2.identity.kualifikasi) == 2
    d3, r3 = import_sop(SEED_FILES["003"])
    assert d3.identity.nomor == "270 / ADPIM. II/ III/ 2024" and d3.name == "SOP Pendokumentasian Informasi Publik"
    assert r3.identity["tanggal_efektif"]["date"] == "2024-04-01"


def test_low_confidence_inferences_are_reported():
    _, report = import_sop(SEED_FILES["003"])
    subjects = {i.subject for i in report.low_confidence}
    assert {"step 6a", "lane of step 6a", "Tidak target of step 6a"} <= subjects
    assert report.to_dict()["low_confidence"]


def test_dates_and_signer():
    assert parse_date("20-Jan-25") == "2025-01-20" and parse_date("1-Apr-24") == "2024-04-01"
    assert parse_date("1 Agustus 2024") == "2024-08-01" and parse_date("30 Maret 2024") == "2024-03-30"
    assert parse_date_range("6 Februari 2025 - 31 Desember 2025") == ("2025-02-06", "2025-12-31")
    assert parse_date("Tentatif") is None
    signer = parse_signer("Kepala Biro Administrasi Pimpinan, <b>JOHNI SONDER, S.STP., M.Si</b> Pembina Utama Muda/ "
                          "(IV/c) NIP. 197806221996121002")
    assert signer["nip"] == "197806221996121002" and signer["name"].startswith("JOHNI SONDER")
    assert signer["title"] == "Kepala Biro Administrasi Pimpinan" and signer["pangkat"].startswith("Pembina Utama Muda")


def test_label_variants():
    text = "Judul\tSOP Uji\nNo. SOP : 1/2/3\nTgl. Pengesahan\t2 Mei 2025\nDasar Hukum :\n1. UU 14/2008\n2. PP 61/2010\n"
    identity, extras = parse_identity(rows_from_text(text))
    assert extras["nama"] == "SOP Uji" and identity.nomor == "1/2/3"
    assert extras["tanggal_efektif"]["date"] == "2025-05-02"
    assert identity.dasar_hukum == ["UU 14/2008", "PP 61/2010"]


def test_text_that_is_not_an_sop():
    with pytest.raises(SopImportError, match="not a Permenpan-format SOP"):
        import_text("Notulen rapat\nHadir: 12 orang\n")


def test_received_from_and_question_cues():
    """"Menerima ... dari X": the performer is not X but the next Pelaksana column; "apakah ... ?" is a decision."""
    text = ("No\tKegiatan\tPelaksana\t\tMutu Baku\t\t\tKet\n"
            "\t\tPetugas Arsip\tKepala Seksi\tKelengkapan\tWaktu\tOutput\tKet\n"
            "1\tMenyusun draf surat\t\t\tData\t1 jam\tDraf\t\n"
            "2\tMenerima draf dari Petugas Arsip; apakah draf sudah sesuai?\t\t\tDraf\t1 jam\tDraf diperiksa\t\n"
            "3\tMengarsipkan surat\t\t\tSurat\t1 jam\tArsip\t\n")
    definition, report = import_text(text)
    lanes = {s.number: s.lane for s in definition.steps}
    assert lanes["2"] == "Kepala Seksi" and definition.steps[1].decision and definition.steps[1].no_target == "1"
    reasons = {i.subject: i.reason for i in report.inferences}
    assert "next Pelaksana column" in reasons["lane of step 2"] and "question" in reasons["decision at step 2"]
