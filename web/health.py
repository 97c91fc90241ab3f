"""``GET /healthz``: is this web process able to serve? Database, broker and archive store, each checked.

No authentication (load balancers and compose healthchecks call it), nothing secret in the answer,
and cheap: each check has its own deadline of at most :data:`TIMEOUT` seconds and the three run
in parallel, so a black-holed dependency costs one request at most ~2 s. Answers 200 with
``status: "ok"`` when every check passes, 503 with ``status: "error"`` when one fails::

    {"status": "error",
     "checks": {"database": {"status": "ok", "latency_ms": 1.8},
                "broker":   {"status": "error", "latency_ms": 2.1, "error": "ConnectionError: ..."},
                "store":    {"status": "ok", "latency_ms": 6.4}}}
"""
from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

TIMEOUT = 2.0
_EXECUTOR = ThreadPoolExecutor(max_workers=6, thread_name_prefix="alur-healthz")
_CREDENTIALS = re.compile(r"://[^/@\s]*@")

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    checks = {"database": _check_database, "broker": _check_broker, "store": _check_store}
    app = current_app._get_current_object()
    started = {name: (time.perf_counter(), _EXECUTOR.submit(_in_app, app, check))
               for name, check in checks.items()}
    results = {}
    for name, (start, future) in started.items():
        remaining = max(0.0, TIMEOUT + 0.2 - (time.perf_counter() - start))
        try:
            future.result(timeout=remaining)
            results[name] = {"status": "ok"}
        except FutureTimeout:
            results[name] = {"status": "error", "error": f"no answer within {TIMEOUT:g} s"}
        except Exception as error:  # noqa: BLE001 - any failure means the dependency is not usable
            results[name] = {"status": "error", "error": _describe(error)}
        results[name]["latency_ms"] = round((time.perf_counter() - start) * 1000, 1)
    healthy = all(result["status"] == "ok" for result in results.values())
    response = jsonify(status="ok" if healthy else "error", checks=results)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _in_app(app: Flask, check) -> None:
    with app.app_context():
        check(app)


def _describe(error: Exception) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    message = _CREDENTIALS.sub("://***@", message)[:200]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _check_database(app: Flask) -> None:
    db = app.extensions["alur"].db
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text(f"SET statement_timeout = {int(TIMEOUT * 1000)}"))
        connection.execute(text("SELECT 1"))


def _check_broker(app: Flask) -> None:
    client = app.extensions.get("alur_health_broker")
    if client is None:
        client = app.extensions["alur_health_broker"] = _broker_client(app.extensions["alur"].settings.broker_url)
    client()


def _broker_client(url: str):
    if url.startswith(("redis://", "rediss://")):
        import redis
        connection = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT,
                                          retry_on_timeout=False)
        return connection.ping
    if url.startswith("sqla+"):  # the embedded broker is a database of its own
        from sqlalchemy import create_engine
        engine = create_engine(url[len("sqla+"):], pool_pre_ping=True)

        def ping() -> None:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        return ping
    from kombu import Connection

    def ping() -> None:
        with Connection(url, connect_timeout=TIMEOUT) as connection:
            connection.ensure_connection(max_retries=1, timeout=TIMEOUT)
    return ping


def _check_store(app: Flask) -> None:
    store = app.extensions.get("alur_health_store")
    if store is None:
        from storage.config import open_store
        store = app.extensions["alur_health_store"] = open_store(
            _with_short_timeouts(app.extensions["alur"].settings.archive_url))
    store.ping()


def _with_short_timeouts(archive_url: str) -> str:
    """An s3:// URL gets connect/read timeouts of at most TIMEOUT and no retries; file:// is unchanged."""
    parts = urlsplit(archive_url)
    if parts.scheme != "s3":
        return archive_url
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name in ("connect_timeout", "read_timeout"):
        query[name] = str(min(float(query.get(name, TIMEOUT)), TIMEOUT))
    query["retries"] = "0"
    return urlunsplit(parts._replace(query=urlencode(query)))


def register(app: Flask) -> None:
    app.register_blueprint(bp)
