"""Web fixtures: the real app on a real database, with demo units, users and deployed SOPs."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from alur.config import Settings
from engine.demo import seed_demo_organization
from engine.deployment import deploy
from tests.conftest import SEED_FILES
from tests.engine.helpers import PASSWORD, setup_review_loop
from tests.stack import PRODUCTION, production_settings
from web.app import create_app

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_TOKEN_INPUT = re.compile(r'name="form_token" value="([^"]+)"')


def test_settings(tmp_path: Path, database_url: str) -> Settings:
    """Development settings on the embedded stack; on the production stack, compose's (tests/stack.py)."""
    if PRODUCTION:
        return production_settings(database_url, tmp_path)
    settings = Settings.from_env({"ALUR_DATA_DIR": str(tmp_path), "ALUR_DATABASE_URL": database_url,
                                  "ALUR_SECRET_KEY": "kunci-uji-web", "ALUR_ENV": "development"})
    return replace(settings, dev_mode=True)


def seed_web_data(db) -> None:
    """The review-loop model with its users (staf, staf2, kepala in unit A; staf.b in unit B),
    plus every seed SOP in bpmn/ with the demo organization (e.g. bkd.jfu, bpod.atasan-ppid)."""
    setup_review_loop(db)
    with db.session() as session:
        for path in SEED_FILES:
            deploy(session, path.read_bytes(), path.name)
        seed_demo_organization(session)


def make_app(db, tmp_path: Path, **overrides):
    return create_app(test_settings(tmp_path, db.url), db, TESTING=True, **overrides)


@pytest.fixture
def app(db, tmp_path):
    """The app on SQLite and on PostgreSQL, CSRF protection on."""
    seed_web_data(db)
    return make_app(db, tmp_path)


@pytest.fixture
def sqlite_app(sqlite_db, tmp_path):
    seed_web_data(sqlite_db)
    return make_app(sqlite_db, tmp_path)


class Browser:
    """A test client that logs in through the login form and sends the CSRF token like a browser."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.last_page = ""

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        self.last_page = response.get_data(as_text=True)
        return response

    def csrf(self, url: str = "/masuk") -> str:
        match = CSRF_INPUT.search(self.get(url).get_data(as_text=True))
        assert match, f"no csrf token on {url}"
        return match.group(1)

    def post(self, url: str, data: dict | None = None, token_from: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(token_from or url))
        response = self.client.post(url, data=data, **kwargs)
        self.last_page = response.get_data(as_text=True)
        return response

    def login(self, username: str, password: str = PASSWORD):
        response = self.post("/masuk", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return self

    def logout(self):
        return self.post("/keluar", token_from="/tugas")

    def task_form(self, task_id: int) -> dict:
        """The hidden fields of a task page's form, as the browser would send them."""
        page = self.get(f"/tugas/{task_id}").get_data(as_text=True)
        return {"csrf_token": CSRF_INPUT.search(page).group(1), "form_token": FORM_TOKEN_INPUT.search(page).group(1)}


@pytest.fixture
def login(app):
    def logged_in(username: str, password: str = PASSWORD) -> Browser:
        return Browser(app).login(username, password)
    return logged_in

