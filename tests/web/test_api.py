"""The REST API under /api/v1, on SQLite and PostgreSQL, with CSRF protection on."""
from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta

import openapi_spec_validator
import pytest
from sqlalchemy import select

from alur.config import Settings
from engine.api_tokens import ApiToken, issue_token
from engine.models import HumanTask, User
from engine.organization import create_user
from engine.timeutil import as_utc
from tests.engine.helpers import PASSWORD, setup_review_loop
from web.app import create_app

PROCESS = "uji_tinjauan"
CHECKED = {"kelengkapan": ["Bahan kerja", "Data"]}  # step 1's checklist, confirmed
REVIEWED = {"kelengkapan": ["Konsep"]}  # step 2's


@pytest.fixture
def api_app(db, tmp_path):
    setup_review_loop(db)
    settings = Settings.from_env({"ALUR_DATA_DIR": str(tmp_path), "ALUR_DATABASE_URL": db.url,
                                  "ALUR_SECRET_KEY": "kunci-uji-api", "ALUR_ENV": "development"})
    return create_app(settings, db, TESTING=True)


class Caller:
    """A client that sends a bearer token with every request."""

    def __init__(self, app, token: str | None):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kwargs):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(f"/api/v1{path}", headers=self.headers, **kwargs)


def token_for(app, username: str, password: str = PASSWORD) -> str:
    response = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return response.json["token"]


@pytest.fixture
def as_user(api_app):
    def caller(username: str) -> Caller:
        return Caller(api_app, token_for(api_app, username))
    return caller


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) >= {"code", "message"} and error["message"]
    if code:
        assert error["code"] == code, error
    return error


def only_task(caller: Caller) -> dict:
    page = caller.get("/tasks").json
    assert page["total"] == 1 and len(page["items"]) == 1, page
    return page["items"][0]


def start_case(caller: Caller, data: dict | None = None) -> dict:
    response = caller.post(f"/processes/{PROCESS}/instances", json={"data": data or {}})
    assert response.status_code == 201, response.json
    return response.json


# -- a whole case ---------------------------------------------------------------------------------
def test_a_case_walks_through_the_api_with_a_return_for_correction(api_app, as_user):
    staf, staf2, kepala = as_user("staf"), as_user("staf2"), as_user("kepala")

    processes = staf.get("/processes").json["items"]
    assert [(p["key"], p["version"], p["nomor_sop"]) for p in processes] == [(PROCESS, 1, "000/UJI/2025")]
    assert processes[0]["lanes"] == ["Staf", "Kepala"] and processes[0]["my_lanes"] == ["Staf"]
    assert processes[0]["can_start"] is True
    assert [(p["my_lanes"], p["can_start"]) for p in kepala.get("/processes").json["items"]] == [(["Kepala"], False)]
    assert_error(kepala.post(f"/processes/{PROCESS}/instances"), 403, "forbidden")  # sees it, may not start it

    started = start_case(staf, {"perihal": "Permohonan informasi"})
    case_id = started["instance_id"]
    assert (started["process_key"], started["version"], started["status"]) == (PROCESS, 1, "running")
    assert [t["step"] for t in started["ready_tasks"]] == ["1"]

    first = only_task(staf)
    assert first["id"] == started["ready_tasks"][0]["id"] and first["instance_id"] == case_id
    assert kepala.get("/tasks").json == {"items": [], "total": 0, "page": 1, "per_page": 50}

    detail = staf.get(f"/tasks/{first['id']}").json
    assert (detail["name"], detail["step"], detail["lane"], detail["is_decision"]) == ("Susun konsep", "1", "Staf", False)
    assert detail["mutu_baku"]["kelengkapan"] == "Bahan kerja, data"
    assert detail["documentation"] == "Menyusun konsep dokumen."
    assert as_utc(datetime.fromisoformat(detail["due_at"])) > as_utc(datetime.fromisoformat(detail["created_at"]))
    assert datetime.fromisoformat(detail["due_at"]).tzinfo is not None

    assert staf.post(f"/tasks/{first['id']}/claim").json["claimed_by"] == "staf"
    assert_error(staf2.post(f"/tasks/{first['id']}/claim"), 409, "conflict")
    assert_error(staf2.post(f"/tasks/{first['id']}/complete", json={}), 409, "conflict")
    assert_error(staf2.post(f"/tasks/{first['id']}/unclaim"), 409, "conflict")
    assert staf.post(f"/tasks/{first['id']}/unclaim").json["claimed_by"] is None

    assert detail["checklist"] == ["Bahan kerja", "Data"]
    # the Kelengkapan is confirmed as on the web form; an unconfirmed item refuses the step
    error = assert_error(staf.post(f"/tasks/{first['id']}/complete", json={"ringkasan": "konsep v1"}),
                         400, "invalid_data")
    assert "Data" in error["fields"]["kelengkapan"] and "Bahan kerja" in error["fields"]["kelengkapan"]
    error = assert_error(staf.post(f"/tasks/{first['id']}/complete", json={"kelengkapan": ["bahan kerja"]}),
                         400, "invalid_data")
    assert "Data" in error["fields"]["kelengkapan"] and "Bahan kerja" not in error["fields"]["kelengkapan"]
    assert staf.get(f"/tasks/{first['id']}").json["state"] == "ready"
    done = staf.post(f"/tasks/{first['id']}/complete", json={"ringkasan": "konsep v1", **CHECKED})
    assert done.status_code == 200, done.json
    assert done.json["status"] == "running" and done.json["ready_tasks"] == []  # the next step is Kepala's

    review = only_task(kepala)
    assert review["is_decision"] and review["step"] == "2"
    error = assert_error(kepala.post(f"/tasks/{review['id']}/complete", json={"keputusan": "tidak", **REVIEWED}),
                         400, "invalid_data")
    assert "catatan" in error["fields"]
    returned = kepala.post(f"/tasks/{review['id']}/complete",
                           json={"keputusan": "tidak", "catatan": "Lengkapi lampiran", **REVIEWED})
    assert returned.status_code == 200 and returned.json["ready_tasks"] == []

    again = only_task(staf)
    assert again["step"] == "1" and again["id"] != first["id"] and again["return_note"] == "Lengkapi lampiran"
    assert staf.get(f"/tasks/{again['id']}").json["return_note"] == "Lengkapi lampiran"
    assert_error(staf.post(f"/tasks/{again['id']}/complete"), 400, "invalid_data")  # no body: nothing confirmed
    assert staf.post(f"/tasks/{again['id']}/complete", json=CHECKED).status_code == 200
    approved = kepala.post(f"/tasks/{only_task(kepala)['id']}/complete", json={"keputusan": "Ya", **REVIEWED})
    assert approved.status_code == 200 and approved.json["ready_tasks"] == []
    last = only_task(staf)
    assert last["step"] == "3"
    finished = staf.post(f"/tasks/{last['id']}/complete", json={})
    assert finished.status_code == 200
    assert finished.json["status"] == "completed" and finished.json["ready_tasks"] == []

    case = staf.get(f"/instances/{case_id}").json
    assert case["status"] == "completed" and case["completed_at"] and case["started_by"] == "staf"
    assert [(t["step"], t["state"], t["completed_by"]) for t in case["tasks"]] == [
        ("1", "completed", "staf"), ("2", "completed", "kepala"), ("1", "completed", "staf"),
        ("2", "completed", "kepala"), ("3", "completed", "staf")]
    assert kepala.get(f"/instances/{case_id}").json["id"] == case_id  # serves a lane of the case

    assert_error(staf.post(f"/tasks/{last['id']}/complete", json={}), 409, "conflict")
    assert staf.get("/tasks").json["total"] == 0


# -- authorization ------------------------------------------------------------------------------
@pytest.fixture
def case(as_user):
    """A case started by staf in unit A, waiting at step 1."""
    staf = as_user("staf")
    started = start_case(staf)
    return {"id": started["instance_id"], "task": started["ready_tasks"][0]["id"], "staf": staf}


def test_objects_of_another_unit_or_lane_are_not_found(as_user, case):
    for outsider in (as_user("staf.b"), as_user("kepala")):
        assert_error(outsider.get(f"/tasks/{case['task']}"), 404, "not_found")
        assert_error(outsider.post(f"/tasks/{case['task']}/claim"), 404, "not_found")
        assert_error(outsider.post(f"/tasks/{case['task']}/unclaim"), 404, "not_found")
        assert_error(outsider.post(f"/tasks/{case['task']}/complete", json={}), 404, "not_found")
        assert outsider.get("/tasks").json["total"] == 0
    assert_error(as_user("staf.b").get(f"/instances/{case['id']}"), 404, "not_found")
    assert as_user("staf2").get(f"/instances/{case['id']}").status_code == 200  # same lane, same unit
    assert case["staf"].get(f"/tasks/{case['task']}").status_code == 200  # still untouched


def test_a_user_without_lanes_sees_no_process_and_cannot_start_one(api_app, db):
    with db.session() as session:
        create_user(session, "tamu", PASSWORD, None)
    guest = Caller(api_app, token_for(api_app, "tamu"))
    assert guest.get("/processes").json == {"items": []}
    assert_error(guest.post(f"/processes/{PROCESS}/instances"), 404, "not_found")
    staf_b = Caller(api_app, token_for(api_app, "staf.b"))  # serves Staf in unit B: starts a case there
    assert staf_b.post(f"/processes/{PROCESS}/instances").status_code == 201
    assert staf_b.get("/tasks").json["total"] == 1


def test_unknown_ids_paths_and_methods_are_json_errors(as_user):
    staf = as_user("staf")
    assert_error(staf.get("/tasks/999999"), 404, "not_found")
    assert_error(staf.post("/tasks/999999/complete", json={}), 404, "not_found")
    assert_error(staf.get("/instances/999999"), 404, "not_found")
    assert_error(staf.post("/processes/tidak_ada/instances"), 404, "not_found")
    assert_error(staf.get("/tidak-ada"), 404, "not_found")
    assert_error(staf.get("/tasks/abc"), 404, "not_found")
    assert_error(staf.client.delete("/api/v1/tasks", headers=staf.headers), 405, "method_not_allowed")
    assert staf.client.get("/bukan-api").status_code == 404  # outside the API: not ours to render


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer "}, {"Authorization": "Bearer bukan-token"},
    {"Authorization": "Basic c3RhZjpyYWhhc2lh"},
])
def test_requests_without_a_valid_token_are_refused(api_app, case, headers):
    client = api_app.test_client()
    for method, path in (("get", "/processes"), ("get", "/tasks"), ("get", f"/tasks/{case['task']}"),
                         ("post", f"/tasks/{case['task']}/complete"), ("get", f"/instances/{case['id']}")):
        response = getattr(client, method)(f"/api/v1{path}", headers=headers)
        assert_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert case["staf"].get(f"/tasks/{case['task']}").json["state"] == "ready"


def test_expired_and_revoked_tokens_are_refused(api_app, db, case):
    with db.session() as session:
        staf = session.scalar(select(User).where(User.username == "staf"))
        expired, _ = issue_token(session, staf, ttl=timedelta(hours=-1))
    assert_error(Caller(api_app, expired).get("/tasks"), 401, "invalid_token")

    token = token_for(api_app, "staf")
    caller = Caller(api_app, token)
    assert caller.get("/tasks").status_code == 200
    assert caller.client.delete("/api/v1/auth/token", headers=caller.headers).status_code == 204
    assert_error(caller.get("/tasks"), 401, "invalid_token")


def test_the_session_cookie_does_not_authenticate_the_api(api_app, case):
    client = api_app.test_client()
    with client.session_transaction() as session:  # logged in to the web UI as staf
        session["_user_id"], session["_fresh"] = "staf", True
    home = client.get("/")
    assert home.status_code in (200, 302) and "/masuk" not in home.headers.get("Location", "")
    assert_error(client.get("/api/v1/tasks"), 401, "not_authenticated")
    assert_error(client.post(f"/api/v1/tasks/{case['task']}/complete", json={}), 401, "not_authenticated")


def test_tokens_need_the_right_password_and_respect_the_lockout(api_app, db):
    client = api_app.test_client()
    assert_error(client.post("/api/v1/auth/token", json={"username": "staf", "password": "salah-sekali"}),
                 401, "invalid_credentials")
    assert_error(client.post("/api/v1/auth/token", json={"username": "siapa", "password": PASSWORD}),
                 401, "invalid_credentials")
    with db.session() as session:
        assert session.scalar(select(User.failed_logins).where(User.username == "staf")) == 1  # committed
    for _ in range(4):
        client.post("/api/v1/auth/token", json={"username": "staf", "password": "salah-sekali"})
    locked = assert_error(client.post("/api/v1/auth/token", json={"username": "staf", "password": PASSWORD}), 401)
    assert "locked" in locked["message"]


def test_only_the_hash_of_a_token_is_stored(api_app, db):
    response = api_app.test_client().post("/api/v1/auth/token", json={"username": "staf", "password": PASSWORD})
    token, expires_at = response.json["token"], datetime.fromisoformat(response.json["expires_at"])
    assert response.headers["Cache-Control"] == "no-store"
    with db.session() as session:
        row = session.scalars(select(ApiToken)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert as_utc(row.expires_at) == expires_at
    assert timedelta(hours=7, minutes=59) < expires_at - as_utc(row.created_at) <= timedelta(hours=8)


# -- bad input ------------------------------------------------------------------------------------
def test_bodies_that_are_not_json_objects_are_refused(as_user, case):
    staf, task = case["staf"], case["task"]
    assert_error(staf.post(f"/tasks/{task}/complete", data="keputusan=ya",
                           content_type="application/x-www-form-urlencoded"), 400, "invalid_json")
    assert_error(staf.post(f"/tasks/{task}/complete", data="{not json", content_type="application/json"),
                 400, "invalid_json")
    for body in ("[1, 2]", '"teks"', "3", "null"):
        assert_error(staf.post(f"/tasks/{task}/complete", data=body, content_type="application/json"),
                     400, "invalid_json")
    assert_error(staf.post(f"/processes/{PROCESS}/instances", json={"data": [1]}), 400, "invalid_data")
    error = assert_error(staf.client.post("/api/v1/auth/token", json={"username": "staf"}), 400, "invalid_data")
    assert set(error["fields"]) == {"password"}
    assert staf.get(f"/tasks/{task}").json["state"] == "ready"


@pytest.mark.parametrize("query, field", [("per_page=201", "per_page"), ("per_page=0", "per_page"),
                                          ("page=0", "page"), ("page=satu", "page")])
def test_bad_paging_parameters_name_the_field(as_user, query, field):
    error = assert_error(as_user("staf").get(f"/tasks?{query}"), 400, "invalid_data")
    assert set(error["fields"]) == {field}


@pytest.mark.parametrize("data, field", [({}, "keputusan"), ({"keputusan": "mungkin"}, "keputusan"),
                                         ({"keputusan": "tidak", "catatan": "  "}, "catatan")])
def test_a_decision_needs_ya_or_tidak_with_a_reason(as_user, case, data, field):
    case["staf"].post(f"/tasks/{case['task']}/complete", json=CHECKED)
    kepala = as_user("kepala")
    review = only_task(kepala)
    error = assert_error(kepala.post(f"/tasks/{review['id']}/complete", json={**data, **REVIEWED}), 400, "invalid_data")
    assert field in error["fields"]
    assert kepala.get(f"/tasks/{review['id']}").json["state"] == "ready"


def test_a_task_is_completed_once_even_when_two_requests_race(api_app, as_user, case, db):
    callers = [case["staf"], as_user("staf2")]
    statuses = []

    def complete(caller):
        statuses.append(caller.post(f"/tasks/{case['task']}/complete", json=CHECKED).status_code)

    threads = [threading.Thread(target=complete, args=(caller,)) for caller in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert_error(callers[0].post(f"/tasks/{case['task']}/complete", json=CHECKED), 409, "conflict")
    with db.session() as session:
        steps = session.scalars(select(HumanTask.step).where(HumanTask.instance_id == case["id"])).all()
    assert sorted(steps) == ["1", "2"]  # the case moved on exactly once


# -- lists ------------------------------------------------------------------------------------------
def test_my_tasks_are_paged_and_filtered_by_process(as_user):
    staf = as_user("staf")
    ids = [start_case(staf)["ready_tasks"][0]["id"] for _ in range(3)]
    first = staf.get("/tasks?per_page=2").json
    second = staf.get("/tasks?per_page=2&page=2").json
    assert (first["total"], len(first["items"]), second["total"], len(second["items"])) == (3, 2, 3, 1)
    assert sorted(t["id"] for t in first["items"] + second["items"]) == ids
    assert staf.get(f"/tasks?process={PROCESS}").json["total"] == 3
    assert staf.get("/tasks?process=lain").json == {"items": [], "total": 0, "page": 1, "per_page": 50}


# -- the OpenAPI document ----------------------------------------------------------------------------
def test_the_openapi_document_describes_exactly_the_api_routes(api_app):
    response = api_app.test_client().get("/api/v1/openapi.json")  # public: no token needed
    assert response.status_code == 200
    document = response.json
    routes = set()
    for rule in api_app.url_map.iter_rules():
        if rule.endpoint.startswith(("api.", "archive_api.")):
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<int:{argument}>", f"{{{argument}}}").replace(f"<{argument}>", f"{{{argument}}}")
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == described
    for path, item in document["paths"].items():
        for method, operation in item.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == {part[1:-1] for part in path.split("/") if part.startswith("{")}, (path, method)
            assert "401" in operation["responses"] or operation.get("security") == [], (path, method)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    openapi_spec_validator.validate(document)
