"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

A test checks that every route of the ``api`` blueprint is described here and nothing else is.
"""
from __future__ import annotations


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    return {str(status): {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"} for status in statuses}


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


def _object(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties), **extra}


def _id_parameter(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": f"The id of the {what}.",
            "schema": {"type": "integer", "minimum": 1}}


ERROR_RESPONSES = {
    400: ("InvalidData", "The request is malformed or its data is invalid; `fields` names the fields at fault."),
    401: ("NotAuthenticated", "No bearer token, or the token is unknown, expired or revoked."),
    403: ("Forbidden", "The caller may see the object but not do this to it."),
    404: ("NotFound", "No such object, or it lies outside the caller's lanes or unit."),
    409: ("Conflict", "The task was completed, claimed or moved on by someone else."),
    422: ("WorkflowError", "The process could not advance; the case is unchanged."),
}

DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = _nullable("string", format="date-time")

TASK_SUMMARY = {
    "id": {"type": "integer"},
    "instance_id": {"type": "integer"},
    "process_key": {"type": "string"},
    "name": {"type": "string"},
    "step": _nullable("string", description="The SOP step number (langkah)."),
    "lane": _nullable("string", description="The pelaksana (lane) who does this step."),
    "state": {"type": "string", "enum": ["ready", "completed", "cancelled"]},
    "is_decision": {"type": "boolean", "description": "Completing needs keputusan ya/tidak (and catatan for tidak)."},
    "created_at": DATETIME,
    "due_at": {**NULLABLE_DATETIME, "description": "When the Mutu Baku time runs out (ISO 8601)."},
    "claimed_by": _nullable("string"),
    "return_note": _nullable("string", description="Why the step was returned for correction, if it was."),
}

SCHEMAS = {
    "Error": _object({"error": _object({
        "code": {"type": "string", "examples": ["not_found"]},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Field name to what is wrong with it (400 only)."},
    }, ["code", "message"])}),
    "TokenRequest": _object({"username": {"type": "string"}, "password": {"type": "string", "format": "password"}}),
    "Token": _object({"token": {"type": "string"}, "token_type": {"type": "string", "const": "Bearer"},
                      "expires_at": DATETIME}),
    "Process": _object({
        "key": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"},
        "nomor_sop": _nullable("string", description="The SOP number from its identity."),
        "lanes": {"type": "array", "items": {"type": "string"}},
        "my_lanes": {"type": "array", "items": {"type": "string"}, "description": "The lanes the caller serves."},
        "can_start": {"type": "boolean", "description": "The caller serves the lane of the first step."},
    }),
    "ProcessList": _object({"items": {"type": "array", "items": _ref("Process")}}),
    "StartRequest": _object({"data": {"type": "object", "description": "Initial case data."}}, []),
    "TaskData": {"type": "object", "description": "Form data of the step. kelengkapan confirms every item of the "
                                                  "task's checklist (as the web form's ticks do); a decision needs "
                                                  "keputusan, and catatan when keputusan is tidak.",
                 "properties": {"kelengkapan": {"type": "array", "items": {"type": "string"},
                                                "description": "The items of the task's checklist (any order)."},
                                "keputusan": {"type": "string", "enum": ["ya", "tidak"]},
                                "catatan": {"type": "string"}},
                 "additionalProperties": True},
    "TaskSummary": _object(TASK_SUMMARY),
    "TaskDetail": _object({
        **TASK_SUMMARY,
        "mutu_baku": {"type": "object", "additionalProperties": {"type": "string"},
                      "description": "kelengkapan, waktu, durasi, basis, output, keterangan."},
        "checklist": {"type": "array", "items": {"type": "string"},
                      "description": "The Kelengkapan items that completing the task must confirm (kelengkapan)."},
        "documentation": {"type": "string"},
        "completed_by": _nullable("string"),
        "completed_at": NULLABLE_DATETIME,
    }),
    "TaskPage": _object({"items": {"type": "array", "items": _ref("TaskSummary")}, "total": {"type": "integer"},
                         "page": {"type": "integer"}, "per_page": {"type": "integer"}}),
    "CaseProgress": _object({
        "instance_id": {"type": "integer"}, "process_key": {"type": "string"}, "version": {"type": "integer"},
        "status": {"type": "string", "enum": ["running", "completed"]},
        "ready_tasks": {"type": "array", "items": _ref("TaskSummary"),
                        "description": "The case's ready tasks that the caller may do."},
    }),
    "CaseStep": _object({
        "id": {"type": "integer"}, "step": _nullable("string"), "name": {"type": "string"},
        "lane": _nullable("string"), "state": {"type": "string"},
        "completed_by": _nullable("string"), "completed_at": NULLABLE_DATETIME,
    }),
    "Instance": _object({
        "id": {"type": "integer"}, "process_key": {"type": "string"}, "version": {"type": "integer"},
        "title": {"type": "string"}, "status": {"type": "string"}, "started_by": {"type": "string"},
        "started_at": DATETIME, "completed_at": NULLABLE_DATETIME,
        "tasks": {"type": "array", "items": _ref("CaseStep")},
    }),
}

TASK_ID = _id_parameter("task_id", "task")
TASK_ACTION_ERRORS = _errors(401, 404, 409)

PATHS = {
    "/api/v1/auth/token": {
        "post": {
            "operationId": "issueToken", "tags": ["auth"], "security": [],
            "summary": "Exchange a username and password for a bearer token (failures count toward lockout).",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TokenRequest")}}},
            "responses": {"200": _json(_ref("Token"), "A new token; keep it secret."), **_errors(400, 401)},
        },
        "delete": {
            "operationId": "revokeToken", "tags": ["auth"], "summary": "Revoke the token of this request.",
            "responses": {"204": {"description": "Revoked."}, **_errors(401)},
        },
    },
    "/api/v1/processes": {
        "get": {
            "operationId": "listProcesses", "tags": ["processes"],
            "summary": "The latest version of every deployed process the caller serves a lane of.",
            "responses": {"200": _json(_ref("ProcessList"), "The processes."), **_errors(401)},
        },
    },
    "/api/v1/processes/{key}/instances": {
        "post": {
            "operationId": "startInstance", "tags": ["processes"],
            "summary": "Start a case of the latest version, in the caller's unit (lane of the first step only).",
            "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "The process key (the BPMN process id)."}],
            "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("StartRequest")}}},
            "responses": {"201": _json(_ref("CaseProgress"), "The new case."), **_errors(400, 401, 403, 404, 422)},
        },
    },
    "/api/v1/instances/{instance_id}": {
        "get": {
            "operationId": "getInstance", "tags": ["cases"],
            "summary": "A case with its human tasks; visible to who started it and to its lanes in its unit.",
            "parameters": [_id_parameter("instance_id", "case")],
            "responses": {"200": _json(_ref("Instance"), "The case."), **_errors(401, 404)},
        },
    },
    "/api/v1/tasks": {
        "get": {
            "operationId": "listTasks", "tags": ["tasks"],
            "summary": "My ready tasks: those of my lanes in my unit, soonest due first.",
            "parameters": [
                {"name": "process", "in": "query", "schema": {"type": "string"}, "description": "Only this process key."},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                {"name": "per_page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
            ],
            "responses": {"200": _json(_ref("TaskPage"), "One page of tasks."), **_errors(400, 401)},
        },
    },
    "/api/v1/tasks/{task_id}": {
        "get": {
            "operationId": "getTask", "tags": ["tasks"], "summary": "A task of my lanes, with its Mutu Baku.",
            "parameters": [TASK_ID],
            "responses": {"200": _json(_ref("TaskDetail"), "The task."), **_errors(401, 404)},
        },
    },
    "/api/v1/tasks/{task_id}/claim": {
        "post": {
            "operationId": "claimTask", "tags": ["tasks"], "summary": "Claim a ready task so others leave it.",
            "parameters": [TASK_ID],
            "responses": {"200": _json(_ref("TaskDetail"), "The claimed task."), **TASK_ACTION_ERRORS},
        },
    },
    "/api/v1/tasks/{task_id}/unclaim": {
        "post": {
            "operationId": "unclaimTask", "tags": ["tasks"], "summary": "Release my claim (admins: anyone's).",
            "parameters": [TASK_ID],
            "responses": {"200": _json(_ref("TaskDetail"), "The released task."), **TASK_ACTION_ERRORS},
        },
    },
    "/api/v1/tasks/{task_id}/complete": {
        "post": {
            "operationId": "completeTask", "tags": ["tasks"],
            "summary": "Complete a ready task; the body is its form data.",
            "parameters": [TASK_ID],
            "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("TaskData")}}},
            "responses": {"200": _json(_ref("CaseProgress"), "The case after the step."),
                          **_errors(400, 401, 404, 409, 422)},
        },
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApi", "tags": ["meta"], "security": [], "summary": "This document.",
            "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        },
    },
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "Alur API",
        "version": "1.0.0",
        "description": "SOP cases of the PPID of Pemprov Kalimantan Tengah: start cases and do the steps of "
                       "your lanes. Authenticate with a bearer token from POST /api/v1/auth/token; the web "
                       "session cookie is not accepted.",
    },
    "servers": [{"url": "/"}],
    "security": [{"bearerAuth": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                           "description": "A token from POST /api/v1/auth/token."}},
        "schemas": SCHEMAS,
        "responses": {name: _json(_ref("Error"), description) for name, description in ERROR_RESPONSES.values()},
    },
}
