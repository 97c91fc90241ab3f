"""Session-wide fixtures: real databases (SQLite and PostgreSQL) for every engine test."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine.db import Base, Database
from tests.services import PostgresServer, RedisServer
from tests.stack import DATABASES, PRODUCTION, ProductionServices

import alur.schema  # noqa: F401  (all tables on the metadata)

pytest_plugins = ["tests.browser_fixtures"]

REPO = Path(__file__).resolve().parent.parent
BPMN_DIR = REPO / "bpmn"
SEED_FILES = sorted(BPMN_DIR.glob("*.bpmn"))
# The seed SOP texts live in shared/, beside the repository (in CI as on a developer's machine).
SEED_TEXTS = sorted((REPO.parent / "shared" / "seeds").glob("*.txt"))
assert len(SEED_TEXTS) == 5, f"expected the five seed SOP texts in {REPO.parent / 'shared' / 'seeds'}"


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session: the one in ALUR_TEST_POSTGRES_URL, or a private one."""
    url = os.environ.get("ALUR_TEST_POSTGRES_URL")
    if url:
        yield url.rsplit("/", 1)[0]
        return
    server = PostgresServer().start()
    try:
        yield server.admin_url.rsplit("/", 1)[0]
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url():
    """A Redis server for the session: the one in ALUR_TEST_REDIS_URL, or a private one."""
    url = os.environ.get("ALUR_TEST_REDIS_URL")
    if url:
        yield url
        return
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def production_services(request):
    """On the production stack: the session's Redis and S3 server, for every app the tests build."""
    if not PRODUCTION:
        yield None
        return
    from tests.s3_fixtures import shared_server
    ProductionServices.broker_url = request.getfixturevalue("redis_url")
    ProductionServices.moto = shared_server(request.config)
    yield ProductionServices


def fresh_postgres_database(base_url: str) -> tuple[str, callable]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{base_url}/{name}", drop


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """An empty database of each kind of the stack (tests/stack.py), dropped after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'alur.db'}"
        return
    url, drop = fresh_postgres_database(request.getfixturevalue("postgres"))
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'alur.db'}")
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()
