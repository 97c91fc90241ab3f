"""Behind a reverse proxy every visitor arrives from the proxy's address: the public forms' rate
limit must count the client the trusted proxy names (ALUR_TRUSTED_PROXIES), and only then."""
from __future__ import annotations

from dataclasses import replace

import pytest

from storage import search_index
from tests.ppid.conftest import Citizen
from tests.web import conftest as web
from web.app import create_app

PROXY = "10.0.0.2"


def proxied_app(db, tmp_path, proxies: int):
    search_index.install(db.engine)
    web.seed_web_data(db)
    settings = replace(web.test_settings(tmp_path, db.url), trusted_proxies=proxies)
    return create_app(settings, db, TESTING=True, ALUR_PUBLIC_MIN_FILL_SECONDS=0, ALUR_PUBLIC_RATE_LIMIT=(2, 600))


def lookup(app, client_address: str) -> int:
    """A status lookup through the proxy, for the visitor at ``client_address``; its HTTP status."""
    citizen = Citizen(app, PROXY)
    form = {**citizen.hidden("/publik/status"), "nomor": "001/PPID-ADPIM/I/2026", "email": "siapa@contoh.id"}
    return citizen.client.post("/publik/status", data=form, environ_base={"REMOTE_ADDR": PROXY},
                               headers={"X-Forwarded-For": client_address}).status_code


@pytest.mark.parametrize("proxies, other_visitor", [(1, 404), (0, 429)])
def test_the_rate_limit_counts_the_client_a_trusted_proxy_names(sqlite_db, tmp_path, proxies, other_visitor):
    app = proxied_app(sqlite_db, tmp_path, proxies)
    assert [lookup(app, "198.51.100.1") for _ in range(3)] == [404, 404, 429]  # no such request; then limited
    assert lookup(app, "198.51.100.2") == other_visitor  # trusted: a visitor of its own; else the proxy's count
