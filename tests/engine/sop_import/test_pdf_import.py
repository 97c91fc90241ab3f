"""Generated SOP PDFs in several layouts come back as BPMN drafts with their lanes, steps and decisions."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.bpmn_model import parse_model
from engine.sop_import import SopImportError, draft_bpmn, import_sop
from engine.sop_import.cli import import_sop_command
from tests.engine.sop_import.drawing import OFFICE, DrawStyle
from tests.engine.sop_import.pdf_factory import A4, F4, GenSop, GenStep, sample_sop, scanned_copy, write_sop_pdf
from tests.engine.sop_import.checks import (assert_bpmn_matches, assert_parses_and_simulates, assert_steps_match,
                                            import_each)

LAYOUTS = {
    "a4-portrait-3-lanes": dict(lanes=3),
    "a4-landscape-5-lanes": dict(lanes=5, landscape=True),
    "f4-portrait-2-lanes-pendukung-ket-no-decisions": dict(lanes=2, page=F4, decisions=False, mutu_label="Pendukung",
                                                          ket_label="Ket"),
    "f4-landscape-4-lanes-2-pages": dict(lanes=4, page=F4, landscape=True, rows_per_page=2),
    "a4-portrait-4-lanes-2-pages-no-repeated-header": dict(lanes=4, rows_per_page=2, repeat_header=False),
    "a4-landscape-3-lanes-wide-kegiatan-uneven-lanes": dict(lanes=3, landscape=True, kegiatan_weight=5,
                                                            lane_widths=[2.0, 1.0, 1.5]),
    "f4-portrait-5-lanes-identity-page-2-pages": dict(lanes=5, page=F4, identity_own_page=True, rows_per_page=4),
    "a4-landscape-5-lanes-4-pages-three-connectors": dict(lanes=5, landscape=True, rows_per_page=2),
    "a4-portrait-3-lanes-pengesahan-label": dict(lanes=3, efektif_label="Tanggal Pengesahan", kegiatan_weight=2),
    # other drawing habits: open V heads, symbols of separate strokes and Bezier arcs, rounded elbows, curved loops
    "a4-portrait-4-lanes-open-v-heads": dict(lanes=4, style=DrawStyle(open_heads=True)),
    "a4-landscape-3-lanes-symbols-of-separate-strokes": dict(lanes=3, landscape=True, style=DrawStyle(strokes=True)),
    "f4-portrait-3-lanes-rounded-elbows-curved-loops": dict(lanes=3, page=F4, style=DrawStyle(rounded=True)),
    "office-a4-portrait-3-lanes": dict(lanes=3, style=OFFICE),
    "office-a4-landscape-5-lanes": dict(lanes=5, landscape=True, style=OFFICE),
    "office-f4-landscape-4-lanes-3-pages": dict(lanes=4, page=F4, landscape=True, rows_per_page=2, style=OFFICE),
    # step 4's Tidak loop goes back to step 3 on the page before, through a pair of off-page connectors
    **{f"{prefix}a4-landscape-3-lanes-tidak-loop-across-pages": dict(
        lanes=3, landscape=True, rows_per_page=3, lane_widths=[1.6] * 3, kegiatan_weight=1.5, style=style)
       for prefix, style in (("", DrawStyle()), ("office-", OFFICE))},
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sop-pdf")
    return import_each(LAYOUTS, lambda name, sop: write_sop_pdf(folder / f"{name}.pdf", sop))


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_lanes_steps_and_mutu_baku(imported, name):
    sop, definition, report, _ = imported[name]
    assert_steps_match(sop, definition, report)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_bpmn_lanes_decisions_and_loops(imported, name):
    sop, _, _, xml = imported[name]
    assert_bpmn_matches(sop, xml)


@pytest.mark.parametrize("name", ["a4-portrait-3-lanes", "f4-landscape-4-lanes-2-pages",
                                  "f4-portrait-2-lanes-pendukung-ket-no-decisions", "office-a4-landscape-5-lanes",
                                  "office-a4-landscape-3-lanes-tidak-loop-across-pages"])
def test_parses_and_simulates(imported, name):
    sop, definition, _, xml = imported[name]
    assert_parses_and_simulates(sop, definition, xml)


@pytest.mark.parametrize("name", ["a4-landscape-3-lanes-tidak-loop-across-pages",
                                  "office-a4-landscape-3-lanes-tidak-loop-across-pages"])
def test_tidak_loop_back_to_an_earlier_page_joins_its_connectors(imported, name):
    _, definition, report, _ = imported[name]
    assert definition.steps[3].no_target == "3"
    joins = {i.value for i in report.inferences if i.subject == "connector" and i.confidence == "high"}
    assert joins == {"page 1 -> page 2", "page 2 -> page 1"}


def test_unlettered_connectors_loop_back_is_reported_as_a_guess(tmp_path):
    sop = sample_sop(lanes=5, landscape=True, rows_per_page=3, lane_widths=[1.6] * 5, kegiatan_weight=1.5,
                     connector_letters=False)
    definition, report = import_sop(write_sop_pdf(tmp_path / "unlettered.pdf", sop))
    assert [s.no_target for s in definition.steps] == [None, "1", None, "3", None, None, None]
    joins = {(i.value, i.confidence) for i in report.inferences if i.subject == "connector"}
    assert joins == {("page 1 -> page 2", "medium"), ("page 2 -> page 3", "medium"), ("page 2 -> page 1", "low")}
    assert [i.subject for i in report.low_confidence] == ["connector"]


def test_tidak_label_far_from_its_arrow_is_a_guess_the_reviewer_sees(tmp_path):
    sop = sample_sop(lanes=3, tidak_lift=40)
    definition, report = import_sop(write_sop_pdf(tmp_path / "far-labels.pdf", sop))
    decisions = [str(i + 1) for i, s in enumerate(sop.steps) if s.decision]
    assert {step.number: step.no_target for step in definition.steps if step.decision} == {
        str(i + 1): str(s.no_target + 1) for i, s in enumerate(sop.steps) if s.decision}
    assert sorted(i.step for i in report.low_confidence if i.subject.startswith("Tidak target")) == decisions
    assert sorted(w.step for w in report.warnings if w.code == "tidak-unlabelled") == decisions


def test_identity_part(imported):
    sop, definition, report, _ = imported["a4-portrait-3-lanes-pengesahan-label"]
    identity = definition.identity
    assert identity.tanggal_pembuatan == "6 Februari 2025" and identity.tanggal_efektif == "1-Apr-25"
    assert report.identity["tanggal_efektif"]["date"] == "2025-04-01"
    assert report.identity["tanggal_pembuatan"]["date"] == "2025-02-06"
    assert report.identity["disahkan_oleh"]["nip"] == "197501012000031002"
    assert report.identity["disahkan_oleh"]["name"] == "AGUS SANTOSO, S.Kom., M.Si"
    assert identity.kualifikasi == list(sop.kualifikasi)
    assert identity.keterkaitan == list(sop.keterkaitan) and identity.peralatan == list(sop.peralatan)
    assert identity.peringatan == sop.peringatan and identity.pencatatan == sop.pencatatan
    assert identity.unit.lower().startswith("dinas komunikasi")


def test_warnings_outdated_perki_missing_nomor_and_durations(tmp_path):
    sop = sample_sop(lanes=2, nomor="", dasar_hukum=("Peraturan Komisi Informasi Nomor 1 Tahun 2010 tentang "
                                                      "Standar Layanan Informasi Publik",))
    sop.steps[2].waktu = "Tentatif"
    definition, report = import_sop(write_sop_pdf(tmp_path / "w.pdf", sop))
    codes = report.codes()
    assert {"perki-2010", "missing-nomor", "waktu-not-duration", "hari-as-working-days"} <= set(codes)
    json.dumps(report.to_dict())


def test_decision_without_tidak_and_empty_lane(tmp_path):
    steps = [GenStep("Menerima berkas", 0), GenStep("Memeriksa berkas", 1, decision=True),
             GenStep("Mengarsipkan berkas", 0)]
    sop = GenSop(lanes=["Petugas", "Kepala Seksi", "Kepala Bidang"], steps=steps)
    definition, report = import_sop(write_sop_pdf(tmp_path / "d.pdf", sop))
    assert "decision-without-tidak" in report.codes() and "empty-lane" in report.codes()
    assert definition.lanes == ["Petugas", "Kepala Seksi"]
    parse_model(draft_bpmn(definition), "d.bpmn")


def test_a_diamond_without_its_ya_arrow_is_warned_about(tmp_path):
    """The draft goes on in table order, but a reviewer must be told the drawing did not say so."""
    steps = [GenStep("Menerima berkas", 0), GenStep("Memeriksa berkas", 1, decision=True, no_target=0),
             GenStep("Mengarsipkan berkas", 0)]
    sop = GenSop(lanes=["Petugas", "Kepala Seksi"], steps=steps, undrawn_flows=(2,))
    definition, report = import_sop(write_sop_pdf(tmp_path / "d.pdf", sop))
    warned = [item for item in report.warnings if item.code == "decision-without-ya"]
    assert [item.step for item in warned] == ["2"] and [s.number for s in definition.steps] == ["1", "2", "3"]
    complete = GenSop(lanes=["Petugas", "Kepala Seksi"], steps=steps)
    _, report = import_sop(write_sop_pdf(tmp_path / "e.pdf", complete))
    assert "decision-without-ya" not in report.codes()


def test_lane_header_that_does_not_match(tmp_path):
    steps = [GenStep("Menyusun draf keputusan", 0),
             GenStep("Menetapkan keputusan secara resmi oleh Kepala Biro Organisasi", 1),
             GenStep("Mengunggah keputusan ke website", 0)]
    sop = GenSop(lanes=["PPID Pembantu", "Kepala Dinas Dukcapil"], steps=steps)
    _, report = import_sop(write_sop_pdf(tmp_path / "h.pdf", sop))
    assert "lane-header-mismatch" in report.codes()


# ------------------------------------------------------------------ bad input and scans

def _cli(tmp_path, source: Path, *extra):
    out = tmp_path / "out.bpmn"
    result = CliRunner().invoke(import_sop_command, [str(source), "-o", str(out), "--report",
                                                     str(tmp_path / "r.json"), *extra])
    return result, out


def _plain_pdf(path: Path, text: str) -> Path:
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawString(72, 750, text)
    c.save()
    return path


@pytest.mark.parametrize("case", ["not-sop", "encrypted", "broken", "empty-table", "no-symbols", "binary"])
def test_bad_input_clear_message_and_no_file(tmp_path, case):
    if case == "not-sop":
        source = _plain_pdf(tmp_path / "surat.pdf", "Undangan rapat koordinasi hari Senin")
        expected = "not a Permenpan-format SOP"
    elif case == "encrypted":
        source = write_sop_pdf(tmp_path / "enc.pdf", sample_sop(), encrypt="rahasia")
        expected = "encrypted"
    elif case == "broken":
        good = write_sop_pdf(tmp_path / "good.pdf", sample_sop()).read_bytes()
        source = tmp_path / "broken.pdf"
        source.write_bytes(good[:200])
        expected = "PDF"
    elif case == "empty-table":
        source = write_sop_pdf(tmp_path / "empty.pdf", sample_sop(with_header_only=True))
        expected = "empty"
    elif case == "no-symbols":
        source = write_sop_pdf(tmp_path / "nosym.pdf", sample_sop(symbols=False))
        expected = "no symbols"
    else:
        source = tmp_path / "x.bin"
        source.write_bytes(bytes(range(256)) * 4)
        expected = "neither a PDF nor a text export"
    result, out = _cli(tmp_path, source)
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert not out.exists() and not (tmp_path / "r.json").exists()


def test_cli_writes_model_and_report(tmp_path):
    source = write_sop_pdf(tmp_path / "ok.pdf", sample_sop(lanes=3))
    result, out = _cli(tmp_path, source)
    assert result.exit_code == 0, result.output
    parse_model(out.read_bytes(), out.name)
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["kind"] == "pdf" and report["pages"] == 1


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scan")
    source = write_sop_pdf(folder / "vector.pdf", sample_sop(lanes=3, decisions=False))
    return scanned_copy(source, folder / "scan.pdf", resolution=200)


def test_scanned_pdf_refused_by_default_with_what_was_recovered(tmp_path, scanned):
    with pytest.raises(SopImportError) as error:
        import_sop(scanned)
    message = str(error.value)
    assert "scanned PDF" in message and "lanes" in message and "--ocr-draft" in message
    result, out = _cli(tmp_path, scanned)
    assert result.exit_code == 1 and not out.exists()


def test_scanned_pdf_ocr_draft_marks_every_lane_low(scanned):
    definition, report = import_sop(scanned, ocr_draft=True)
    assert report.kind == "scanned-pdf" and report.unrecovered
    assert len(definition.steps) >= 4
    lane_inferences = [i for i in report.inferences if i.subject.startswith("lane of step")]
    assert len(lane_inferences) == len(definition.steps)
    assert all(i.confidence == "low" for i in lane_inferences)
    assert "045/123/PPID/2025" in definition.identity.nomor.replace(" ", "")
    parse_model(draft_bpmn(definition), "scan.bpmn")
