"""`make test` runs the suite on two stacks (tests/stack.py): each must really be the one it claims."""
from __future__ import annotations

from storage.config import open_store
from storage.s3_store import S3Store
from tests.production.stack import service
from tests.stack import DATABASES, PRODUCTION, STORES
from tests.web.conftest import make_app, seed_web_data


def test_the_apps_of_the_session_run_on_the_stack_asked_for(db, tmp_path):
    seed_web_data(db)
    settings = make_app(db, tmp_path).extensions["alur"].settings
    if PRODUCTION:
        assert (DATABASES, STORES) == (["postgresql"], ["s3"])
        assert not settings.dev_mode and settings.database_url.startswith("postgresql")
        assert settings.broker_url.startswith("redis://")
        assert isinstance(open_store(settings.archive_url), S3Store)
        compose_names = {name for name in service("web")["environment"] if name.startswith("ALUR_")}
        assert {name for name in settings.as_env()} <= compose_names
    else:
        assert (DATABASES, STORES) == (["sqlite", "postgresql"], ["local", "s3"])
        assert settings.dev_mode
