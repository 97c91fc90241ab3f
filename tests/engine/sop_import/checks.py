"""What an imported SOP must keep of its source, whatever made the PDF: shared by the PDF tests."""
from __future__ import annotations

from lxml import etree

from engine.bpmn_model import parse_model
from engine.simulation import simulate
from engine.sop_import import draft_bpmn, import_sop
from tests.engine.sop_import.pdf_factory import GenSop, sample_sop
from tests.engine.test_bpmn_writer import NS, decisions, node_lanes

EXPECTED_WARNINGS = ("hari-as-working-days", "waktu-not-duration")  # the sample SOP's own Waktu values


def import_each(layouts: dict[str, dict], make_pdf) -> dict[str, tuple]:
    """name -> (source SOP, definition, report, BPMN) for each layout of the sample SOP, ``make_pdf(name, sop)``."""
    out = {}
    for name, layout in layouts.items():
        sop = sample_sop(**layout)
        definition, report = import_sop(make_pdf(name, sop))
        out[name] = (sop, definition, report, draft_bpmn(definition))
    return out


def assert_steps_match(sop: GenSop, definition, report) -> None:
    """Lanes, steps, lane of each step, Mutu Baku, decisions and Tidak targets as in the source; nothing guessed."""
    assert definition.lanes == sop.lanes
    assert [s.number for s in definition.steps] == [str(i + 1) for i in range(len(sop.steps))]
    for source, step in zip(sop.steps, definition.steps):
        assert step.lane == sop.lanes[source.lane], step.number
        assert step.documentation == source.kegiatan
        assert (step.kelengkapan, step.waktu, step.output, step.keterangan) == (
            source.kelengkapan, source.waktu, source.output, source.ket)
        assert step.decision == source.decision
        expected_target = str(source.no_target + 1) if source.no_target is not None else None
        assert step.no_target == expected_target
    assert definition.identity.nomor == sop.nomor
    assert definition.name == sop.nama
    assert [w for w in report.warnings if w.code not in EXPECTED_WARNINGS] == []
    assert report.low_confidence == []


def assert_bpmn_matches(sop: GenSop, xml: str) -> None:
    """The BPMN draft: lanes, the lane of each step's task, gateways looping back, Mutu Baku, identity."""
    root = etree.fromstring(xml.encode("utf-8"))
    assert [lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)] == sop.lanes
    lanes = node_lanes(root)
    for index, source in enumerate(sop.steps):
        assert lanes[f"Langkah_{index + 1}"] == sop.lanes[source.lane]
    expected = {f"Langkah_{i + 1}": f"Langkah_{s.no_target + 1}" for i, s in enumerate(sop.steps) if s.decision}
    assert decisions(root) == expected
    mutu = root.find(".//bpmn:userTask[@id='Langkah_1']/bpmn:extensionElements/alur:mutuBaku", NS)
    assert (mutu.get("waktu"), mutu.get("durasi"), mutu.get("basis")) == ("15 menit", "PT15M", "minutes")
    identity = root.find(".//alur:sop", NS)
    assert identity.get("nomor") == sop.nomor
    assert [el.text for el in identity.iterfind("alur:dasarHukum", NS)] == list(sop.dasar_hukum)


def assert_parses_and_simulates(sop: GenSop, definition, xml: str) -> None:
    """SpiffWorkflow parses the draft and a simulation runs it to the end, each Tidak loop taken once."""
    parsed = parse_model(xml, f"{definition.key}.bpmn")
    assert parsed.lanes == sop.lanes
    result = simulate(xml.encode("utf-8"), f"{definition.key}.bpmn")
    assert result.completed
    assert len(result.steps) == len(sop.steps) + sum(
        index - s.no_target + 1 for index, s in enumerate(sop.steps) if s.decision)
