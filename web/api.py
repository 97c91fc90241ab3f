"""The REST API under /api/v1: bearer tokens, processes, cases and tasks, as JSON.

Routes only parse, authenticate and call ``engine.api_service``. Only a bearer token
authenticates: the session cookie of the web UI is ignored here, which is what makes exempting
the blueprint from CSRF safe (a cross-site request cannot set an Authorization header).
Every error is ``{"error": {"code", "message"[, "fields"]}}``; objects outside the caller's
lanes or unit are 404, never 403.
"""
from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import datetime

from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from engine.accounts import authenticate
from engine.api_service import MAX_PER_PAGE, ApiService
from engine.api_tokens import issue_token, revoke, user_for_token
from engine.errors import EngineError, InvalidTaskData, NotFound, PermissionDenied, TaskConflict, WorkflowRuntimeError
from engine.timeutil import as_utc
from web.app import services
from web.openapi import OPENAPI

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
PUBLIC_ENDPOINTS = {"api.issue_token_route", "api.openapi"}
ENGINE_ERRORS = (  # most specific first
    (NotFound, 404, "not_found"),
    (InvalidTaskData, 400, "invalid_data"),
    (TaskConflict, 409, "conflict"),
    (WorkflowRuntimeError, 422, "workflow_error"),
    (PermissionDenied, 403, "forbidden"),
    (EngineError, 400, "invalid_request"),
)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def api() -> ApiService:
    return current_app.extensions["alur_api"]


# -- authentication ------------------------------------------------------------------------------
@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = _bearer_token()
    if token is None:
        raise ApiError(401, "not_authenticated", "Send a bearer token: Authorization: Bearer <token> "
                                                 "(POST /api/v1/auth/token issues one).")
    with services().db.session() as session:
        user = user_for_token(session, token)
        g.api_username = user.username if user else None
    if g.api_username is None:
        raise ApiError(401, "invalid_token", "The bearer token is unknown, expired or revoked.")


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@bp.post("/auth/token")
def issue_token_route():
    body = _json_body()
    username, password = body.get("username"), body.get("password")
    missing = {name: "required (a string)" for name, value in (("username", username), ("password", password))
               if not isinstance(value, str) or not value}
    if missing:
        raise ApiError(400, "invalid_data", "username and password are required.", missing)
    with services().db.session() as session:  # committed even on failure: failed attempts count
        result = authenticate(session, username.strip(), password)
        issued = issue_token(session, result.user) if result.ok else None
    if issued is None:
        message = "Wrong username or password."
        if result.locked_until:
            message = f"The account is locked after repeated failures until {as_utc(result.locked_until).isoformat()}."
        raise ApiError(401, "invalid_credentials", message)
    plaintext, token = issued
    return jsonify(token=plaintext, token_type="Bearer", expires_at=_plain(token.expires_at))


@bp.delete("/auth/token")
def revoke_token_route():
    with services().db.session() as session:
        revoke(session, _bearer_token())
    return "", 204


# -- processes and cases -------------------------------------------------------------------------
@bp.get("/processes")
def list_processes():
    return _ok({"items": api().processes_for(g.api_username)})


@bp.post("/processes/<key>/instances")
def start_instance(key: str):
    data = _json_body().get("data", {})
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_data", "data must be a JSON object.", {"data": "must be an object"})
    return _ok(api().start(key, g.api_username, data), 201)


@bp.get("/instances/<int:instance_id>")
def get_instance(instance_id: int):
    return _ok(api().instance_for(instance_id, g.api_username))


# -- tasks ---------------------------------------------------------------------------------------
@bp.get("/tasks")
def list_tasks():
    page = _int_arg("page", 1, 1, None)
    per_page = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    process = request.args.get("process") or None
    return _ok(api().my_tasks(g.api_username, process, page, per_page))


@bp.get("/tasks/<int:task_id>")
def get_task(task_id: int):
    return _ok(api().task_for(task_id, g.api_username))


@bp.post("/tasks/<int:task_id>/claim")
def claim_task(task_id: int):
    return _ok(api().claim(task_id, g.api_username))


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim_task(task_id: int):
    return _ok(api().unclaim(task_id, g.api_username))


@bp.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int):
    return _ok(api().complete(task_id, g.api_username, _json_body()))


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


# -- parsing and rendering -----------------------------------------------------------------------
def _json_body() -> dict:
    """The request body as a JSON object; an empty body is an empty object."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return body


def _int_arg(name: str, default: int, low: int, high: int | None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        bounds = f"an integer from {low} to {high}" if high is not None else f"an integer of at least {low}"
        raise ApiError(400, "invalid_data", f"Query parameter {name} must be {bounds}.", {name: f"must be {bounds}"})
    return value


def _plain(value):
    """Records to JSON-ready values; datetimes as ISO 8601 in UTC."""
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _ok(value, status: int = 200):
    return jsonify(_plain(value)), status


def _error(status: int, code: str, message: str, fields: dict | None = None):
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    response = jsonify(error=error)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="alur"'
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return _error(error.status, error.code, error.message, error.fields)


@bp.errorhandler(EngineError)
def _engine_error(error: EngineError):
    for kind, status, code in ENGINE_ERRORS:
        if isinstance(error, kind):
            return _error(status, code, str(error), getattr(error, "fields", None))
    raise error  # unreachable: EngineError is the last entry


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    code = (error.name or "error").lower().replace(" ", "_")
    return _error(error.code or 500, code, error.description or error.name)


@bp.errorhandler(Exception)
def _unexpected_error(error: Exception):
    current_app.logger.exception("API request failed: %s %s", request.method, request.path)
    return _error(500, "internal_error", "The server could not handle the request.")


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_errors_under_prefix(app: Flask, status: int) -> None:
    """Routing errors (unknown path, wrong method) happen before any blueprint is chosen: answer
    those under /api/v1 in JSON and leave every other path to the handler registered before."""
    handlers = app.error_handler_spec[None]
    previous = {**handlers.get(None, {}), **handlers.get(status, {})}

    def handler(error: HTTPException):
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            return _http_error(error)
        for kind in type(error).__mro__:
            if kind in previous:
                return previous[kind](error)
        return error

    app.register_error_handler(status, handler)


def register(app: Flask) -> None:
    from web.app import csrf
    csrf.exempt(bp)
    app.extensions["alur_api"] = ApiService(app.extensions["alur"].processes)
    app.register_blueprint(bp)
    for status in (404, 405):
        _json_errors_under_prefix(app, status)
