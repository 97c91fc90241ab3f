"""/healthz reports database, broker and store, and answers 503 when one of them is stopped.

Each test starts its own PostgreSQL, Redis and S3 server (never the session's), then really
stops one of them.
"""
from __future__ import annotations

import time

import pytest

from alur.config import Settings
from storage.config import open_store
from tests.production.conftest import archive_url
from tests.production.stack import production_env
from tests.services import PostgresServer, RedisServer
from tests.storage.conftest import MotoServer
from web import health
from web.app import create_app

DEPENDENCIES = ("database", "broker", "store")


@pytest.fixture
def private(tmp_path):
    """Private servers of each dependency, and an app (with the health blueprint) configured on them."""
    servers = {"database": PostgresServer(), "broker": RedisServer(), "store": MotoServer()}
    started = []
    try:
        for server in servers.values():
            started.append(server.start())
        env = production_env(database_url=servers["database"].admin_url, broker_url=servers["broker"].url,
                             archive_url=archive_url(servers["store"]), data_dir=tmp_path)
        settings = Settings.from_env(env)
        open_store(settings.archive_url).ensure_buckets()
        app = create_app(settings)
        if "health" not in app.blueprints:  # web/app.py registers it among the optional blueprints
            health.register(app)
        yield servers, app.test_client()
        app.extensions["alur"].db.dispose()
    finally:
        for server in started:
            server.stop()


def get_health(client):
    started = time.monotonic()
    response = client.get("/healthz")
    return response, time.monotonic() - started


def test_all_dependencies_up_is_200_with_each_check_and_its_latency(private):
    _, client = private
    response, _ = get_health(client)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ok"
    assert set(response.json["checks"]) == set(DEPENDENCIES)
    for check in response.json["checks"].values():
        assert check["status"] == "ok" and isinstance(check["latency_ms"], float)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("stopped", DEPENDENCIES)
def test_a_stopped_dependency_makes_it_503_and_names_it(private, stopped):
    servers, client = private
    assert get_health(client)[0].status_code == 200  # connections are open and pooled before the stop
    servers[stopped].stop()
    response, elapsed = get_health(client)
    assert response.status_code == 503
    assert response.json["status"] == "error"
    checks = response.json["checks"]
    assert checks[stopped]["status"] == "error" and checks[stopped]["error"]
    assert all(checks[name]["status"] == "ok" for name in DEPENDENCIES if name != stopped), checks
    assert elapsed < 3, f"/healthz took {elapsed:.1f}s with the {stopped} down"
    assert "testing" not in response.get_data(as_text=True)  # no credential in the answer


def test_no_login_is_needed(private):
    _, client = private
    response, _ = get_health(client)
    assert response.status_code == 200 and response.is_json
