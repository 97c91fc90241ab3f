"""Which stack the test session runs on, chosen by ``ALUR_TEST_STACK``.

``embedded`` (the default): every database test runs on SQLite and on PostgreSQL, every archive test
on the local directory and on S3, workers on the SQLite broker and on Redis.

``production``: the path of docker-compose.yml only. PostgreSQL, Redis and moto's S3 server run on
127.0.0.1, and every app the tests build is configured from the variables compose gives its app
services (``tests.production.stack.production_env``, checked against the compose file by
tests/production/test_compose.py), with ``ALUR_ENV=production``. ``make test`` runs the suite once
per stack.
"""
from __future__ import annotations

import os
from pathlib import Path

STACK = os.environ.get("ALUR_TEST_STACK", "embedded")
if STACK not in ("embedded", "production"):
    raise RuntimeError(f"ALUR_TEST_STACK must be 'embedded' or 'production', got {STACK!r}")
PRODUCTION = STACK == "production"

DATABASES = ["postgresql"] if PRODUCTION else ["sqlite", "postgresql"]
STORES = ["s3"] if PRODUCTION else ["local", "s3"]


class ProductionServices:
    """The session's broker and S3 server, set once by the session fixture of tests/conftest.py."""

    broker_url: str | None = None
    moto = None

    @classmethod
    def require(cls) -> None:
        if cls.broker_url is None or cls.moto is None:
            raise RuntimeError("the production stack's services are not started (tests/conftest.py starts them)")


def production_env(database_url: str, data_dir: Path, **overrides: str) -> dict[str, str]:
    """The compose variables of the app services, with this session's servers and fresh buckets."""
    from tests.production.stack import production_env as compose_env
    from tests.s3_fixtures import archive_url
    ProductionServices.require()
    env = compose_env(database_url=database_url, broker_url=ProductionServices.broker_url,
                      archive_url=archive_url(ProductionServices.moto), data_dir=data_dir)
    env.update(overrides)
    return env


def production_settings(database_url: str, data_dir: Path):
    """Settings exactly as a compose app service reads them, after the migrate service's `alur store init`."""
    from alur.config import Settings
    from storage.config import open_store
    settings = Settings.from_env(production_env(database_url, data_dir))
    open_store(settings.archive_url).ensure_buckets()
    return settings
