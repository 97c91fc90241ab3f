"""The inbox query over the task mirror: filters, order, paging, and speed at office scale."""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select, text

from engine.cases import case_detail, startable_processes
from engine.errors import NotFound
from engine.inbox import PAGE_SIZE, InboxFilter, InboxQuery, checklist_items, end_of_day, open_task_count
from engine.models import HumanTask, ProcessInstance, ProcessModel, Unit
from engine.organization import create_user, get_or_create_role, get_or_create_unit, get_user
from engine.runtime import ProcessService
from engine.timeutil import utcnow
from tests.engine.helpers import PASSWORD, setup_review_loop


def test_checklist_items_split_on_commas_and_dan():
    assert checklist_items("Konsep informasi dan dokumentasi, nota dinas") == ["Konsep informasi", "Dokumentasi", "Nota dinas"]
    assert checklist_items("Komputer, ATK dan jaringan internet") == ["Komputer", "ATK", "Jaringan internet"]
    assert checklist_items("") == [] and checklist_items(None) == []


def test_due_before_a_day_includes_that_whole_day_in_wib():
    bound = end_of_day(date(2025, 4, 9))
    assert bound.isoformat() == "2025-04-09T17:00:00+00:00"  # 10 April 00.00 WIB


def _bulk(db, cases: int, mine: int) -> None:
    """``cases`` running cases in unit A; ``mine`` of them wait in lane Staf, the rest elsewhere."""
    with db.session() as session:
        model_id = session.scalar(select(ProcessModel.id))
        unit_a = session.scalar(select(Unit.id).where(Unit.code == "A"))
        unit_b = session.scalar(select(Unit.id).where(Unit.code == "B"))
        start = session.scalar(select(ProcessInstance.id).order_by(ProcessInstance.id.desc())) or 0
        now = utcnow()
        instances = [{"id": start + i + 1, "process_model_id": model_id, "unit_id": unit_a if i % 3 else unit_b,
                      "title": f"Kasus {i}", "status": "running", "state": "{}", "revision": 1,
                      "started_by": "staf", "started_at": now} for i in range(cases)]
        session.execute(insert(ProcessInstance.__table__), instances)
        tasks = []
        for i, row in enumerate(instances):
            is_mine = i < mine
            tasks.append({"instance_id": row["id"], "unit_id": unit_a if is_mine else row["unit_id"],
                          "spiff_task_id": f"00000000-0000-0000-0000-{i:012d}", "bpmn_id": "Langkah_1",
                          "name": "Susun konsep", "lane": "Staf" if is_mine else "Kepala", "step": "1",
                          "is_decision": False, "mutu_baku": {}, "state": "ready", "created_at": now,
                          "due_at": None if i % 7 == 0 else now + timedelta(hours=(i % 500) - 100),
                          "form_data": {}})
        session.execute(insert(HumanTask.__table__), tasks)


@pytest.fixture
def service(db):
    setup_review_loop(db)
    return ProcessService(db)


def test_filters_order_and_paging(service, db):
    _bulk(db, 300, 120)
    with db.session() as session:
        query = InboxQuery(session)
        first = query.page("staf")
        assert first.total == 120 and first.pages == 3 and len(first.rows) == PAGE_SIZE
        last = query.page("staf", InboxFilter(page=3))
        assert len(last.rows) == 20 and all(row.due_at is None for row in last.rows[-5:])
        dues = [row.due_at for row in first.rows + query.page("staf", InboxFilter(page=2)).rows + last.rows]
        dated = [d for d in dues if d is not None]
        assert dated == sorted(dated) and dues[len(dated):] == [None] * (len(dues) - len(dated))
        overdue = query.page("staf", InboxFilter(overdue=True))
        assert overdue.total and all(row.overdue for row in overdue.rows)
        assert query.page("staf", InboxFilter(process_key="lain")).total == 0
        assert query.page("staf", InboxFilter(process_key="uji_tinjauan")).total == 120
        assert query.page("staf", InboxFilter(due_before=date(2000, 1, 1))).total == 0
        assert query.page("staf.b").total == 0 and query.page("kepala").total > 0
        assert open_task_count(session, "staf") == 120
        assert query.page("staf", InboxFilter(page=99)).page == 3


def test_claim_filters(service, db):
    for _ in range(3):
        service.start("uji_tinjauan", "staf")
    ids = [t.id for t in service.ready_tasks("staf")]
    service.claim(ids[0], "staf")
    service.claim(ids[1], "staf2")
    with db.session() as session:
        query = InboxQuery(session)
        assert [r.task_id for r in query.page("staf", InboxFilter(claim="mine")).rows] == [ids[0]]
        assert {r.task_id for r in query.page("staf", InboxFilter(claim="claimed")).rows} == {ids[0], ids[1]}
        assert [r.task_id for r in query.page("staf", InboxFilter(claim="ready")).rows] == [ids[2]]
        assert open_task_count(session, "staf") == 2  # the one staf2 holds is not open for staf


def test_ten_thousand_open_tasks_among_a_hundred_thousand_cases_stay_fast(db):
    setup_review_loop(db)
    _bulk(db, 100_000, 10_000)
    with db.session() as session:
        session.execute(text("ANALYZE"))
        query = InboxQuery(session)
        started = time.perf_counter()
        page = query.page("staf", InboxFilter(page=7))
        late = query.page("staf", InboxFilter(overdue=True, process_key="uji_tinjauan"))
        count = open_task_count(session, "staf")
        elapsed = time.perf_counter() - started
        assert page.total == 10_000 and len(page.rows) == PAGE_SIZE and count == 10_000 and late.total > 0
        assert elapsed < 1.5, f"inbox took {elapsed:.2f}s"
        print(f"inbox page, overdue page and count: {elapsed:.3f}s")
        explain = "EXPLAIN QUERY PLAN" if db.is_sqlite else "EXPLAIN"
        plan = " ".join(str(row) for row in session.execute(text(
            f"{explain} SELECT id FROM human_tasks WHERE state='ready' AND unit_id=1 AND lane IN ('Staf')")))
        assert "ix_human_tasks_inbox" in plan


# -- cases -----------------------------------------------------------------------------------------

def test_case_visibility_follows_unit_lanes_starter_and_admin(service, db):
    case = service.start("uji_tinjauan", "staf").id
    with db.session() as session:
        unit_a = get_or_create_unit(session, "A")
        other = get_or_create_role(session, unit_a, "Lain", ["Lane lain"])
        create_user(session, "lain", PASSWORD, unit_a, [other])
        create_user(session, "admin", PASSWORD, is_admin=True)
    specs = service.specs
    with db.session() as session:
        for username in ("staf", "staf2", "kepala", "admin"):
            assert case_detail(session, case, username, specs).id == case
        for username in ("staf.b", "lain"):
            with pytest.raises(NotFound):
                case_detail(session, case, username, specs)
        with pytest.raises(NotFound):
            case_detail(session, 999_999, "admin", specs)
        detail = case_detail(session, case, "kepala", specs)
        assert detail.nomor == "000/UJI/2025" and detail.version == 1 and detail.status == "running"
        assert detail.current_bpmn_ids == ["Langkah_1"] and detail.completed == []
        assert [e.action for e in detail.timeline] == ["instance.started", "task.ready"]
        assert "<bpmn:definitions" in detail.bpmn_xml
        assert [p.key for p in startable_processes(session, get_user(session, "staf"), specs)] == ["uji_tinjauan"]
        assert startable_processes(session, get_user(session, "kepala"), specs) == []
