"""Running cases through the service layer, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from engine import audit
from engine.deployment import deploy, latest_model
from engine.errors import InvalidTaskData, NotFound, TaskConflict, WorkflowRuntimeError
from engine.models import HumanTask, ProcessInstance
from engine.runtime import ProcessService, find_instance
from tests.engine.helpers import REVIEW_LOOP, review_loop_xml, setup_review_loop


@pytest.fixture
def service(db):
    setup_review_loop(db)
    return ProcessService(db)


def only_task(service, username):
    tasks = service.ready_tasks(username)
    assert len(tasks) == 1, [t.name for t in tasks]
    return tasks[0]


def test_a_case_runs_through_its_lanes_with_a_return_for_correction(service, db):
    instance = service.start("uji_tinjauan", "staf")
    first = only_task(service, "staf")
    assert (first.step, first.lane, first.name) == ("1", "Staf", "Susun konsep")
    assert first.mutu_baku["kelengkapan"] == "Bahan kerja, data"
    assert service.ready_tasks("kepala") == []

    service.complete(first.id, "staf", {"ringkasan": "konsep v1"})
    review = only_task(service, "kepala")
    assert review.is_decision and review.step == "2"
    service.complete(review.id, "kepala", {"keputusan": "Tidak", "catatan": "Lengkapi lampiran"})

    again = only_task(service, "staf")
    assert again.step == "1" and again.id != first.id
    assert again.return_note == "Lengkapi lampiran"
    service.complete(again.id, "staf")
    service.complete(only_task(service, "kepala").id, "kepala", {"keputusan": "ya"})
    result = service.complete(only_task(service, "staf").id, "staf")

    assert result.status == "completed"
    with db.session() as session:
        case = find_instance(session, instance.id)
        assert case.completed_at is not None
        events = [e.action for e in audit.events_for_instance(session, instance.id)]
    assert events[0] == "instance.started" and events[-1] == "instance.completed"
    assert events.count("task.completed") == 5


def test_a_task_of_another_lane_or_unit_is_not_found(service):
    service.start("uji_tinjauan", "staf")
    task = only_task(service, "staf")
    for outsider in ("kepala", "staf.b"):
        with pytest.raises(NotFound):
            service.complete(task.id, outsider)
        with pytest.raises(NotFound):
            service.get_task(task.id, outsider)
    assert service.ready_tasks("staf.b") == []


def test_a_completed_task_cannot_be_completed_again(service):
    service.start("uji_tinjauan", "staf")
    task = only_task(service, "staf")
    service.complete(task.id, "staf")
    with pytest.raises(TaskConflict, match="already completed by staf"):
        service.complete(task.id, "staf2")


def test_a_claimed_task_belongs_to_its_claimant(service):
    service.start("uji_tinjauan", "staf")
    task = only_task(service, "staf")
    service.claim(task.id, "staf")
    with pytest.raises(TaskConflict, match="claimed by staf"):
        service.complete(task.id, "staf2")
    service.unclaim(task.id, "staf")
    service.complete(task.id, "staf2")


@pytest.mark.parametrize("data, field", [({}, "keputusan"), ({"keputusan": "mungkin"}, "keputusan"),
                                         ({"keputusan": "tidak", "catatan": "  "}, "catatan")])
def test_a_decision_needs_ya_or_tidak_with_a_reason(service, data, field):
    service.start("uji_tinjauan", "staf")
    service.complete(only_task(service, "staf").id, "staf")
    review = only_task(service, "kepala")
    with pytest.raises(InvalidTaskData) as caught:
        service.complete(review.id, "kepala", data)
    assert field in caught.value.fields
    assert only_task(service, "kepala").id == review.id


def test_a_condition_failing_at_run_time_leaves_the_case_recoverable(db):
    broken = review_loop_xml(**{'keputusan == "ya"': 'persetujuan == "ya"'})
    setup_review_loop(db, broken)
    service = ProcessService(db)
    instance = service.start("uji_tinjauan", "staf")
    service.complete(only_task(service, "staf").id, "staf")
    review = only_task(service, "kepala")
    with db.session() as session:
        state_before = find_instance(session, instance.id).state

    with pytest.raises(WorkflowRuntimeError, match="case is unchanged"):
        service.complete(review.id, "kepala", {"keputusan": "ya"})

    with db.session() as session:
        case = find_instance(session, instance.id)
        assert case.state == state_before and case.status == "running"
        assert "task.failed" in [e.action for e in audit.events_for_instance(session, instance.id)]
    assert only_task(service, "kepala").id == review.id
    service.complete(review.id, "kepala", {"keputusan": "ya", "persetujuan": "ya"})
    assert only_task(service, "staf").step == "3"


def test_deploying_the_same_content_makes_no_new_version_and_cases_keep_theirs(service, db):
    with db.session() as session:
        assert deploy(session, REVIEW_LOOP.read_bytes(), "review_loop.bpmn").created is False
    old_case = service.start("uji_tinjauan", "staf")
    renamed = review_loop_xml(**{'name="Arsipkan"': 'name="Simpan sebagai arsip"'})
    with db.session() as session:
        result = deploy(session, renamed, "review_loop.bpmn")
        assert result.created and result.model.version == 2
        assert latest_model(session, "uji_tinjauan").version == 2
    new_case = service.start("uji_tinjauan", "staf")
    for case in (old_case, new_case):
        for username, data in (("staf", {}), ("kepala", {"keputusan": "ya"})):
            task = next(t for t in service.ready_tasks(username) if t.instance_id == case.id)
            service.complete(task.id, username, data)
    last = {t.instance_id: t.name for t in service.ready_tasks("staf")}
    assert last == {old_case.id: "Arsipkan", new_case.id: "Simpan sebagai arsip"}
    with db.session() as session:
        versions = dict(session.execute(select(ProcessInstance.id, ProcessInstance.process_model_id)).all())
    assert versions[old_case.id] != versions[new_case.id]


def test_a_restarted_service_continues_a_half_done_case_where_it_was(db):
    setup_review_loop(db)
    instance = ProcessService(db).start("uji_tinjauan", "staf")
    first = ProcessService(db)
    first.complete(only_task(first, "staf").id, "staf")

    restarted = ProcessService(db)  # new process state: empty spec cache, state from the database only
    review = only_task(restarted, "kepala")
    assert review.step == "2"
    restarted.complete(review.id, "kepala", {"keputusan": "ya"})
    restarted.complete(only_task(restarted, "staf").id, "staf")
    with db.session() as session:
        assert find_instance(session, instance.id).status == "completed"


def test_two_simultaneous_completions_of_one_task_exactly_one_wins(service, db):
    service.start("uji_tinjauan", "staf")
    task = only_task(service, "staf")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt(username: str) -> None:
        racer = ProcessService(db)
        barrier.wait()
        try:
            outcomes.append(racer.complete(task.id, username, {"oleh": username}))
        except TaskConflict as error:
            outcomes.append(error)

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("staf", "staf2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    conflicts = [o for o in outcomes if isinstance(o, TaskConflict)]
    assert len(outcomes) == 2 and len(conflicts) == 1, outcomes
    with db.session() as session:
        rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == task.instance_id)).all()
        completed_events = [e for e in audit.events_for_instance(session, task.instance_id)
                            if e.action == "task.completed"]
    assert [r.state for r in rows].count("completed") == 1
    assert [r.step for r in rows if r.state == "ready"] == ["2"]
    assert len(completed_events) == 1
