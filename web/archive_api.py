"""The archive's REST API under /api/v1/documents: file, search, read metadata, stream content.

Same conventions as ``web.api`` (whose helpers it uses): a bearer token authenticates, the session
cookie does not (so CSRF is off here), errors are ``{"error": {"code", "message"[, "fields"]}}``.
Refused uploads answer 422 with the validator's stable ``code`` and its Indonesian ``message``.
A document the caller may not see (an exempt one, unless entitled) is 404, like an unknown id.
The paths are added to the OpenAPI document of ``web.openapi`` by :func:`extend_openapi`.
"""
from __future__ import annotations

from flask import Blueprint, Flask, g, request, url_for
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError
from storage.catalog import InvalidDocument
from storage.errors import ChecksumMismatch, StoreError, StoreUnavailable
from storage.models import Document
from storage.search import MAX_PER_PAGE, ORDERS, SearchQuery
from storage.validation import UploadRejected
from web import api as base
from web.archive_forms import FormInvalid, archive, content_response, parse_metadata, unit_code, viewer_for
from web.openapi import OPENAPI, _errors, _json, _nullable, _object, _ref

PREFIX = base.PREFIX + "/documents"
bp = Blueprint("archive_api", __name__, url_prefix=PREFIX)
bp.before_request(base._authenticate)
bp.after_request(base._no_store)
bp.register_error_handler(base.ApiError, base._api_error)
bp.register_error_handler(EngineError, base._engine_error)
bp.register_error_handler(HTTPException, base._http_error)
bp.register_error_handler(Exception, base._unexpected_error)


def register(app: Flask) -> None:
    from web.app import csrf
    csrf.exempt(bp)
    app.register_blueprint(bp)
    extend_openapi(OPENAPI)


@bp.errorhandler(UploadRejected)
def _rejected(error: UploadRejected):
    return base._error(422, error.code, error.message)


@bp.errorhandler(FormInvalid)
@bp.errorhandler(InvalidDocument)
def _invalid(error):
    return base._error(400, "invalid_data", "Isian belum lengkap atau tidak valid.", error.fields)


@bp.errorhandler(ChecksumMismatch)
def _mismatch(_error):
    return base._error(500, "checksum_mismatch", "The stored bytes do not match their recorded SHA-256; nothing was "
                                                 "sent. The event is audited and alerted.")


@bp.errorhandler(StoreError)
def _store(error: StoreError):
    if isinstance(error, StoreUnavailable):
        return base._error(503, "store_unavailable", "The archive store is unavailable; nothing was changed.")
    return base._error(502, "store_error", "The archive store refused the request; nothing was changed.")


def _viewer():
    return viewer_for(g.api_username)


@bp.post("")
def create_document():
    upload = request.files.get("file")  # a body over MAX_CONTENT_LENGTH: 413 in JSON
    if upload is None or not upload.filename:
        raise base.ApiError(400, "invalid_data", "Send the document as the multipart field 'file'.",
                            {"file": "required (a file)"})
    viewer = _viewer()
    metadata = parse_metadata(request.form, default_title=upload.filename.rsplit(".", 1)[0],
                              default_unit=unit_code(viewer.unit_id))
    document = archive().add(viewer, upload.stream, upload.filename, metadata)
    return base._ok(document_json(document), 201)


@bp.get("")
def search_documents():
    args = request.args
    year = base._int_arg("year", None, 1, 9999) if args.get("year") else None
    order = args.get("order", "relevance")
    if order not in ORDERS:
        raise base.ApiError(400, "invalid_data", f"order must be one of {', '.join(ORDERS)}.", {"order": "unknown"})
    try:
        query = SearchQuery(text=args.get("q", "")[:300], klasifikasi=args.get("class") or None,
                            unit=args.get("unit") or None, year=year, sop=args.get("sop") or None,
                            bentuk=args.get("bentuk") or None, order=order, page=base._int_arg("page", 1, 1, None),
                            per_page=base._int_arg("per_page", 20, 1, MAX_PER_PAGE))
        query.check()
    except ValueError as error:
        raise base.ApiError(400, "invalid_data", str(error)) from None
    results = archive().search(_viewer(), query)
    return base._ok({
        "items": [{**summary_json(hit.document), "snippet": hit.snippet.plain("", ""),
                   "highlights": hit.snippet.matched, "rank": hit.rank} for hit in results.hits],
        "total": results.total, "page": results.page, "per_page": results.per_page,
        "facets": {name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
                   for name, values in results.facets.items()},
    })


@bp.get("/<int:document_id>")
def get_document(document_id: int):
    return base._ok(document_json(archive().get(_viewer(), document_id)))


@bp.get("/<int:document_id>/content")
def get_content(document_id: int):
    version = base._int_arg("version", None, 1, None) if request.args.get("version") else None
    return content_response(archive().open_content(_viewer(), document_id, version))


# -- rendering ----------------------------------------------------------------------------------------
def summary_json(document: Document) -> dict:
    return {"id": document.id, "title": document.title, "ringkasan": document.ringkasan,
            "klasifikasi": document.klasifikasi, "unit": document.unit.code, "year": document.year,
            "bentuk": document.bentuk, "sop": document.sop_key, "created_at": document.created_at,
            "url": url_for("archive_api.get_document", document_id=document.id)}


def document_json(document: Document) -> dict:
    exemption = None
    if document.is_exempt:
        exemption = {name: getattr(document, name) for name in (
            "pasal17", "dasar_hukum_sektoral", "konsekuensi_dibuka", "pertimbangan_ditutup", "jangka_waktu_sampai",
            "jangka_waktu_keterangan", "penetap", "ditetapkan_pada", "ditetapkan_di", "nomor_sk")}
        exemption = {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in exemption.items()}
    return {
        **summary_json(document),
        "unit_name": document.unit.name, "penanggung_jawab": document.penanggung_jawab,
        "dibuat_pada": document.dibuat_pada.isoformat() if document.dibuat_pada else None,
        "tempat_pembuatan": document.tempat_pembuatan, "retensi": document.retensi,
        "retention_class": document.retention_class.code if document.retention_class else None,
        "retain_until": document.retain_until, "legal_hold": document.legal_hold, "published": document.published,
        "source_case_id": document.source_case_id, "source_task_id": document.source_task_id,
        "created_by": document.created_by, "exemption": exemption,
        "content_url": url_for("archive_api.get_content", document_id=document.id),
        "versions": [{"number": v.number, "filename": v.original_filename, "content_type": v.content_type,
                      "size": v.size, "sha256": v.sha256, "created_by": v.created_by, "created_at": v.created_at}
                     for v in document.versions],
    }


# -- OpenAPI --------------------------------------------------------------------------------------------
_STRING = {"type": "string"}
_DATE = {"type": ["string", "null"], "format": "date"}
_CLASS = {"type": ["string", "null"], "enum": ["berkala", "serta_merta", "setiap_saat", "dikecualikan", None],
          "description": "null: not yet classified (treated as possibly exempt)."}
SUMMARY = {
    "id": {"type": "integer"}, "title": _STRING, "ringkasan": _STRING, "klasifikasi": _CLASS,
    "unit": {"type": "string", "description": "Code of the unit that holds it (pejabat/unit yang menguasai)."},
    "year": {"type": "integer"}, "bentuk": {"type": "string", "enum": ["softcopy", "hardcopy", "both"]},
    "sop": _nullable("string", description="Process key of the SOP case it came from."),
    "created_at": {"type": "string", "format": "date-time"}, "url": _STRING,
}
SCHEMAS = {
    "DocumentSummary": _object(SUMMARY),
    "DocumentHit": _object({**SUMMARY, "snippet": _STRING,
                            "highlights": {"type": "array", "items": _STRING, "description": "The matched words."},
                            "rank": {"type": ["number", "null"]}}),
    "DocumentVersion": _object({"number": {"type": "integer"}, "filename": _STRING, "content_type": _STRING,
                                "size": {"type": "integer"}, "sha256": _STRING, "created_by": _STRING,
                                "created_at": {"type": "string", "format": "date-time"}}),
    "Exemption": _object({
        "pasal17": {"type": "string", "enum": list("abcdefghij")}, "dasar_hukum_sektoral": _STRING,
        "konsekuensi_dibuka": _STRING, "pertimbangan_ditutup": _STRING, "jangka_waktu_sampai": _DATE,
        "jangka_waktu_keterangan": _STRING, "penetap": _STRING, "ditetapkan_pada": _DATE, "ditetapkan_di": _STRING,
        "nomor_sk": _STRING}, description="The DIK row (UU 14/2008 Pasal 17, 19; PP 61/2010)."),
    "Document": _object({
        **SUMMARY, "unit_name": _STRING, "penanggung_jawab": _STRING, "dibuat_pada": _DATE,
        "tempat_pembuatan": _STRING, "retensi": _STRING, "retention_class": _nullable("string"),
        "retain_until": _nullable("string", format="date-time"), "legal_hold": {"type": "boolean"},
        "published": {"type": "boolean"}, "source_case_id": _nullable("integer"),
        "source_task_id": _nullable("integer"), "created_by": _STRING,
        "exemption": {"oneOf": [_ref("Exemption"), {"type": "null"}]}, "content_url": _STRING,
        "versions": {"type": "array", "items": _ref("DocumentVersion")}}),
    "FacetValue": _object({"value": {"type": ["string", "integer"]}, "label": _STRING, "count": {"type": "integer"}}),
    "DocumentPage": _object({
        "items": {"type": "array", "items": _ref("DocumentHit")}, "total": {"type": "integer"},
        "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "facets": {"type": "object", "additionalProperties": {"type": "array", "items": _ref("FacetValue")},
                   "description": "klasifikasi, unit, year, sop, bentuk: counts over what the caller may see."}}),
    "DocumentUpload": {
        "type": "object", "required": ["file"],
        "properties": {
            "file": {"type": "string", "format": "binary", "description": "Type is judged by content, not name."},
            "title": {"type": "string", "description": "Defaults to the file name."},
            "unit": {"type": "string", "description": "Unit code; defaults to the caller's unit."}, "ringkasan": _STRING, "penanggung_jawab": _STRING,
            "dibuat_pada": {"type": "string", "format": "date"}, "tempat_pembuatan": _STRING,
            "bentuk": {"type": "string", "enum": ["softcopy", "hardcopy", "both"]}, "retensi": _STRING,
            "retention_class": {"type": "string", "description": "A JRA code."},
            "klasifikasi": {"type": "string", "enum": ["berkala", "serta_merta", "setiap_saat", "dikecualikan"],
                            "description": "Omit for a document not yet classified."},
            "published": {"type": "boolean"}, "source_case_id": {"type": "integer"}, "source_task_id": {"type": "integer"},
            **{name: _STRING for name in ("pasal17", "dasar_hukum_sektoral", "konsekuensi_dibuka",
                                          "pertimbangan_ditutup", "jangka_waktu_keterangan", "penetap",
                                          "ditetapkan_di", "nomor_sk")},
            "jangka_waktu_sampai": {"type": "string", "format": "date"},
            "ditetapkan_pada": {"type": "string", "format": "date"},
        },
        "description": "Required with klasifikasi=dikecualikan: pasal17, konsekuensi_dibuka, pertimbangan_ditutup, "
                       "penetap, and jangka_waktu_sampai or jangka_waktu_keterangan."},
}
_DOCUMENT_ID = {"name": "document_id", "in": "path", "required": True, "description": "The id of the document.",
                "schema": {"type": "integer", "minimum": 1}}
_REFUSED = {"description": "The file is refused (empty, wrong type for its extension, too large, path-like name, "
                           "damaged PDF); `code` says which, `message` in Bahasa Indonesia. Nothing is stored.",
            "content": {"application/json": {"schema": _ref("Error")}}}
_ERROR = {"content": {"application/json": {"schema": _ref("Error")}}}
PATHS = {
    "/api/v1/documents": {
        "post": {
            "operationId": "addDocument", "tags": ["documents"],
            "summary": "File a document (multipart: the file plus its catalog fields) in the archive.",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _ref("DocumentUpload")}}},
            "responses": {"201": _json(_ref("Document"), "The catalogued document."), "422": _REFUSED,
                          "503": {"description": "The archive store is unavailable; nothing stored.", **_ERROR},
                          **_errors(400, 401, 403)},
        },
        "get": {
            "operationId": "searchDocuments", "tags": ["documents"],
            "summary": "Full-text search with facets over the documents the caller may see.",
            "parameters": [
                {"name": "q", "in": "query", "schema": _STRING, "description": "Words; every word must occur."},
                {"name": "class", "in": "query", "schema": {"type": "string", "enum": [
                    "berkala", "serta_merta", "setiap_saat", "dikecualikan", "belum"]}},
                {"name": "unit", "in": "query", "schema": _STRING, "description": "Unit code."},
                {"name": "year", "in": "query", "schema": {"type": "integer"}},
                {"name": "sop", "in": "query", "schema": _STRING, "description": "Process key."},
                {"name": "bentuk", "in": "query", "schema": {"type": "string", "enum": ["softcopy", "hardcopy", "both"]}},
                {"name": "order", "in": "query", "schema": {"type": "string", "enum": list(ORDERS), "default": "relevance"}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                {"name": "per_page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20}},
            ],
            "responses": {"200": _json(_ref("DocumentPage"), "One page of hits, with facet counts."),
                          **_errors(400, 401)},
        },
    },
    "/api/v1/documents/{document_id}": {
        "get": {
            "operationId": "getDocument", "tags": ["documents"],
            "summary": "A document's catalog record: DIP columns, class, DIK row when exempt, versions. Audited.",
            "parameters": [_DOCUMENT_ID],
            "responses": {"200": _json(_ref("Document"), "The document."), **_errors(401, 404)},
        },
    },
    "/api/v1/documents/{document_id}/content": {
        "get": {
            "operationId": "getDocumentContent", "tags": ["documents"],
            "summary": "The bytes of a version (the latest by default), streamed and SHA-256 verified. Audited.",
            "parameters": [_DOCUMENT_ID, {"name": "version", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
            "responses": {
                "200": {"description": "The bytes; X-Checksum-SHA256 carries the recorded digest.",
                        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                "500": {"description": "checksum_mismatch: the stored bytes are damaged; nothing sent.", **_ERROR},
                **_errors(400, 401, 404)},
        },
    },
}


def extend_openapi(document: dict) -> None:
    """Add the documents paths and schemas to the OpenAPI document (idempotent)."""
    document["paths"].update(PATHS)
    document["components"]["schemas"].update(SCHEMAS)
