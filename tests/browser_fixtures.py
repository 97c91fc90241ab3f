"""A real headless Chromium for tests (pytest plugin: ``pytest_plugins = ["tests.browser_fixtures"]``).

Uses the distribution's /usr/bin/chromium (``apt-get install chromium``): ``playwright install``
downloads are not available here. One browser serves the whole session: Playwright's sync API
allows one instance per process. A missing browser is an error, never a skip: `make test` installs it.
"""
from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ALUR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: run 'make test' (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@contextlib.contextmanager
def live_server(app):
    """The app on a threaded HTTP server on a free loopback port, for the browser; its base URL."""
    from werkzeug.serving import make_server
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(5)
