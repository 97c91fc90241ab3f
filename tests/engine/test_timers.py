"""Boundary timers on persisted instances, fired against an injected clock."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.models import HumanTask
from engine.runtime import ProcessService, find_instance
from engine.timeutil import as_utc, utcnow
from tests.engine.helpers import review_loop_xml, setup_review_loop

ESCALATION = '''<bpmn:boundaryEvent id="Batas_waktu" name="Batas waktu" attachedToRef="Langkah_2">
      <bpmn:outgoing>F7</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="Eskalasi" name="Tindak lanjuti keterlambatan"/>
    <bpmn:endEvent id="Selesai_eskalasi" name="Selesai (eskalasi)"/>
    <bpmn:sequenceFlow id="F7" sourceRef="Batas_waktu" targetRef="Eskalasi"/>
    <bpmn:sequenceFlow id="F8" sourceRef="Eskalasi" targetRef="Selesai_eskalasi"/>
    <bpmn:endEvent id="Selesai" name="Selesai"/>'''
LANE_REFS = ("<bpmn:flowNodeRef>Keputusan_2</bpmn:flowNodeRef>",
             "<bpmn:flowNodeRef>Keputusan_2</bpmn:flowNodeRef><bpmn:flowNodeRef>Eskalasi</bpmn:flowNodeRef>"
             "<bpmn:flowNodeRef>Selesai_eskalasi</bpmn:flowNodeRef>")


@pytest.fixture
def service(db):
    xml = review_loop_xml(**{'<bpmn:endEvent id="Selesai" name="Selesai"/>': ESCALATION, LANE_REFS[0]: LANE_REFS[1]})
    setup_review_loop(db, xml)
    return ProcessService(db)


def test_a_boundary_timer_fires_on_a_saved_and_reloaded_instance(service, db):
    instance = service.start("uji_tinjauan", "staf")
    service.complete(service.ready_tasks("staf")[0].id, "staf")
    with db.session() as session:
        due = as_utc(find_instance(session, instance.id).next_timer_at)
    assert due is not None and timedelta(minutes=59) < due - utcnow() <= timedelta(hours=1)

    assert service.due_timer_instances(utcnow()) == []
    later = due + timedelta(minutes=1)
    assert service.due_timer_instances(later) == [instance.id]

    assert ProcessService(db).fire_timers(instance.id, later) == 1  # a fresh service: state from the DB
    [escalation] = service.ready_tasks("kepala")
    assert escalation.name == "Tindak lanjuti keterlambatan"
    with db.session() as session:
        review = session.query(HumanTask).filter_by(instance_id=instance.id, bpmn_id="Langkah_2").one()
        assert review.state == "cancelled"
        assert find_instance(session, instance.id).next_timer_at is None
    assert service.fire_timers(instance.id, later) == 0  # a retried job fires nothing twice
    assert service.due_timer_instances(later) == []


def test_a_timer_not_yet_due_does_not_fire(service):
    instance = service.start("uji_tinjauan", "staf")
    service.complete(service.ready_tasks("staf")[0].id, "staf")
    assert service.fire_timers(instance.id, utcnow() + timedelta(minutes=30)) == 0
    assert [t.step for t in service.ready_tasks("kepala")] == ["2"]
