"""Deploy-time validation: bad models are refused with the file and element named."""
from __future__ import annotations

import pytest

from engine.bpmn_model import parse_model
from engine.errors import ModelError
from tests.engine.helpers import REVIEW_LOOP, review_loop_xml

TIMER_TASK = '''<bpmn:boundaryEvent id="Pengingat" name="Pengingat" attachedToRef="Langkah_2">
      <bpmn:timerEventDefinition><bpmn:timeDuration>{expr}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="Selesai" name="Selesai"/>'''


def test_reads_lanes_tasks_decisions_and_sop_identity():
    parsed = parse_model(REVIEW_LOOP.read_bytes(), "review_loop.bpmn")
    assert parsed.key == "uji_tinjauan"
    assert parsed.lanes == ["Staf", "Kepala"]
    assert {t.bpmn_id: t.lane for t in parsed.tasks.values()} == {
        "Langkah_1": "Staf", "Langkah_2": "Kepala", "Langkah_3": "Staf"}
    assert [t.bpmn_id for t in parsed.tasks.values() if t.is_decision] == ["Langkah_2"]
    assert parsed.tasks["Langkah_1"].mutu_baku["durasi"] == "PT1H"
    assert parsed.tasks["Langkah_1"].documentation == "Menyusun konsep dokumen."
    assert parsed.identity["nomor"] == "000/UJI/2025"
    assert parsed.identity["dasarHukum"] == ["UU 14/2008"]


@pytest.mark.parametrize("xml, message, element", [
    (b"<bpmn:definitions", "not well-formed XML", None),
    (b"<html/>", "not a BPMN 2.0 file", None),
    (review_loop_xml(**{'<bpmn:startEvent id="Mulai" name="Mulai"/>': "",
                        '<bpmn:sequenceFlow id="F1" sourceRef="Mulai" targetRef="Langkah_1"/>': "",
                        "<bpmn:flowNodeRef>Mulai</bpmn:flowNodeRef>": ""}),
     "no start event", "uji_tinjauan"),
    (review_loop_xml(**{'sourceRef="Langkah_3" targetRef="Selesai"': 'sourceRef="Langkah_3" targetRef="Hilang"'}),
     "missing element 'Hilang'", "F6"),
    (review_loop_xml(**{"<bpmn:flowNodeRef>Langkah_3</bpmn:flowNodeRef>": ""}),
     "outside every lane", "Langkah_3 (Arsipkan)"),
    (review_loop_xml(**{'<bpmn:endEvent id="Selesai" name="Selesai"/>': TIMER_TASK.format(expr="PT1H")}),
     "not a quoted string", "Pengingat (Pengingat)"),
    (review_loop_xml(**{'<bpmn:endEvent id="Selesai" name="Selesai"/>': TIMER_TASK.format(expr='"satu jam"')}),
     "not a valid ISO 8601", "Pengingat (Pengingat)"),
])
def test_bad_models_are_refused_naming_file_and_element(xml, message, element):
    with pytest.raises(ModelError) as caught:
        parse_model(xml, "rusak.bpmn")
    assert message in str(caught.value)
    assert str(caught.value).startswith("rusak.bpmn")
    assert caught.value.element == element


def test_a_quoted_timer_is_accepted():
    xml = review_loop_xml(**{'<bpmn:endEvent id="Selesai" name="Selesai"/>': TIMER_TASK.format(expr='"PT1H"')})
    assert parse_model(xml, "timer.bpmn").key == "uji_tinjauan"


def test_tidak_means_return_for_correction_only_where_it_loops_back():
    """The inbox labels "Tidak" as "kembalikan untuk perbaikan" only when the flow really returns."""
    from tests.conftest import BPMN_DIR, SEED_FILES
    permohonan = parse_model((BPMN_DIR / "ppid_permohonan_informasi.bpmn").read_bytes(), "permohonan.bpmn")
    forward = {info.bpmn_id: info.tidak_returns for info in permohonan.tasks.values() if info.is_decision}
    assert forward == {"Langkah_2": False, "Langkah_3": False}  # extension notice, refusal: both go on
    review = parse_model(REVIEW_LOOP.read_bytes(), "review_loop.bpmn")
    assert [info.tidak_returns for info in review.tasks.values() if info.is_decision] == [True]
    seeds = [parse_model(path.read_bytes(), path.name) for path in SEED_FILES if path.name.startswith("sop_")]
    loops = [info.tidak_returns for parsed in seeds for info in parsed.tasks.values() if info.is_decision]
    assert loops and all(loops)  # every decision of the five seed SOPs returns the work for correction
