"""Fixtures of the production path: PostgreSQL, Redis and moto's S3 server as real processes."""
from __future__ import annotations

import pytest

from tests.conftest import fresh_postgres_database
from tests.production.stack import ProductionStack, production_env
from tests.services import RedisServer
from tests.storage.conftest import ACCESS, REGION, SECRET, MotoServer


def archive_url(moto: MotoServer, prefix: str = "alur-") -> str:
    """ALUR_ARCHIVE_URL for the moto server, in the form docker-compose gives it for MinIO."""
    return f"s3://{ACCESS}:{SECRET}@{moto.endpoint}/?secure=false&region={REGION}&prefix={prefix}"


@pytest.fixture
def moto():
    """A private S3 server for one test (it may stop it)."""
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_server():
    """A private Redis for one test: no queue shared with other tests, and it may be stopped."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def production(postgres, redis_server, moto, tmp_path):
    """The stack's configuration on a fresh PostgreSQL database, a private Redis and a private S3."""
    database_url, drop = fresh_postgres_database(postgres)
    env = production_env(database_url=database_url, broker_url=redis_server.url, archive_url=archive_url(moto),
                         data_dir=tmp_path / "data")
    stack = ProductionStack(env, tmp_path)
    yield stack
    stack.stop_all()
    drop()
