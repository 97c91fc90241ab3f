"""The archivist's pages (Bahasa Indonesia): search, a document, upload, classification, task attachments.

Routes parse the request, call :class:`storage.archive.ArchiveService` for the logged-in user's
:class:`~storage.access.Viewer` and render. The service applies the access rule in its queries:
a document the user may not see (an exempt one, for someone not entitled) is ``NotFound``, which
is the same 404 page as an unknown id. ``register`` builds the service from ``ALUR_ARCHIVE_URL``
and also registers the REST API (``web.archive_api``) and the task-attachment hook of the task page.
"""
from __future__ import annotations

import logging
from contextlib import closing
from dataclasses import replace

from flask import (Blueprint, Flask, abort, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from engine.errors import EngineError, NotFound, PermissionDenied
from storage.access import may_administer
from storage.archive import ArchiveService
from storage.attachments import add_attachment, case_attachments
from storage.catalog import InvalidDocument
from storage.config import open_store
from storage.errors import ChecksumMismatch, StoreError, StoreUnavailable
from storage.local_store import LocalStore
from storage.search import FACETS, UNCLASSIFIED, SearchQuery
from storage.validation import UploadRejected
from web.archive_forms import (BENTUK_LABELS, CLASS_LABELS, PASAL17_LABELS, FormInvalid, archive, content_response,
                               form_choices, parse_class, parse_metadata, viewer_for)

log = logging.getLogger(__name__)
bp = Blueprint("archive", __name__)
NAV = [("archive.search", "Arsip")]
PREVIEWABLE = ("application/pdf", "image/png", "image/jpeg", "text/plain; charset=utf-8")
# The preview frame shows a PDF, an image or text: no script may run in it, nothing may be fetched.
PREVIEW_CSP = ("default-src 'none'; script-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
               "object-src 'self'; plugin-types application/pdf; frame-ancestors 'self'; form-action 'none'")
FACET_ARGS = {"klasifikasi": "klasifikasi", "unit": "unit", "year": "tahun", "sop": "sop", "bentuk": "bentuk"}
FACET_LABELS = {"klasifikasi": "Klasifikasi", "unit": "Unit", "year": "Tahun", "sop": "SOP", "bentuk": "Bentuk"}
ORDER_ARGS = {"relevansi": "relevance", "tanggal": "date"}
STORE_DOWN = "Penyimpanan arsip sedang tidak dapat dihubungi; berkas belum disimpan. Coba lagi nanti."
MISMATCH = ("Berkas ini gagal diperiksa: isinya tidak cocok dengan checksum SHA-256 yang dicatat saat disimpan. "
            "Berkas tidak dikirim. Kejadian ini sudah dicatat dan dilaporkan ke pengelola arsip.")


def register(app: Flask) -> None:
    settings = app.extensions["alur"].settings
    store = open_store(settings.archive_url)
    if isinstance(store, LocalStore):  # S3 buckets are made by `alur store init`
        store.ensure_buckets()
    runner = app.config.get("ALUR_ARCHIVE_OCR_RUNNER")  # e.g. storage.tasks.queue_ocr with a worker
    app.extensions["alur_archive"] = ArchiveService(
        app.extensions["alur"].db, store, ocr_runner=runner,
        max_upload_bytes=app.config.get("ALUR_ARCHIVE_MAX_UPLOAD_BYTES"))
    app.extensions["alur_task_attachments"] = _task_attachments
    app.register_blueprint(bp)
    nav = app.config.setdefault("ALUR_NAV", [])
    nav.extend(item for item in NAV if item not in nav)
    from web import archive_api
    archive_api.register(app)


@bp.errorhandler(NotFound)
@bp.errorhandler(404)
def _not_found(_error):
    return render_template("archive/not_found.html"), 404


@bp.errorhandler(ChecksumMismatch)
def _mismatch(_error):
    return render_template("archive/error.html", title="Berkas rusak", message=MISMATCH), 500


@bp.errorhandler(StoreError)
def _store_error(error):
    log.error("archive store error: %s", error)
    message = STORE_DOWN if isinstance(error, StoreUnavailable) else \
        "Penyimpanan arsip menolak permintaan ini; tidak ada yang berubah. Hubungi admin."
    return render_template("archive/error.html", title="Penyimpanan arsip bermasalah", message=message), 503


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    """A body over MAX_CONTENT_LENGTH is refused before any view reads it (the CSRF check reads the form)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    message = f"Berkas terlalu besar: batas satu kiriman {limit / 1048576:g} MB. Tidak ada yang disimpan."
    if _wants_json():
        return jsonify(error={"code": "too_large", "message": message}), 413
    return render_template("archive/error.html", title="Berkas terlalu besar", message=message), 413


def _viewer():
    return viewer_for(current_user.username)


# -- search ------------------------------------------------------------------------------------------
@bp.route("/arsip")
@login_required
def search():
    query, problems = _search_query(request.args)
    for problem in problems:
        flash(problem, "error")
    results = archive().search(_viewer(), query)
    facets = {name: [(value, _facet_label(name, value), count, _facet_link(name, value))
                     for value, count in ((v.value, v.count) for v in results.facets.get(name, []))]
              for name in FACETS}
    chosen = {name: request.args.get(arg) for name, arg in FACET_ARGS.items() if request.args.get(arg)}
    kept = {arg: request.args[arg] for arg in (*FACET_ARGS.values(), "urut") if request.args.get(arg)}
    return render_template("archive/search.html", results=results, query=query, facets=facets,
                           facet_labels=FACET_LABELS, chosen=chosen, kept=kept, class_labels=CLASS_LABELS,
                           bentuk_labels=BENTUK_LABELS, page_link=_page_link, clear_link=_facet_link,
                           order_link=_order_link)


def _search_query(args) -> tuple[SearchQuery, list[str]]:
    problems = []
    klasifikasi = args.get("klasifikasi") or None
    if klasifikasi not in (None, UNCLASSIFIED, *CLASS_LABELS):
        problems.append("Klasifikasi tidak dikenal; saringan itu diabaikan.")
        klasifikasi = None
    bentuk = args.get("bentuk") or None
    if bentuk not in (None, *BENTUK_LABELS):
        problems.append("Bentuk tidak dikenal; saringan itu diabaikan.")
        bentuk = None
    year = _positive(args.get("tahun"), None)
    if args.get("tahun") and year is None:
        problems.append("Tahun harus berupa angka; saringan itu diabaikan.")
    order = ORDER_ARGS.get(args.get("urut", "relevansi"), "relevance")
    query = SearchQuery(text=args.get("q", "")[:300], klasifikasi=klasifikasi, unit=args.get("unit") or None,
                        year=year, sop=args.get("sop") or None, bentuk=bentuk, order=order,
                        page=_positive(args.get("hal"), 1))
    return query, problems


def _positive(raw: str | None, default):
    try:
        value = int(raw) if raw else default
    except ValueError:
        return default
    return value if value is None or value >= 1 else default


def _facet_label(name: str, value) -> str:
    if name == "klasifikasi":
        return CLASS_LABELS.get(value, str(value))
    if name == "bentuk":
        return BENTUK_LABELS.get(value, str(value))
    return str(value)


def _link(**changes) -> str:
    args = {key: value for key, value in request.args.items() if key != "hal"}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for("archive.search", **args)


def _facet_link(name: str, value=None) -> str:
    return _link(**{FACET_ARGS[name]: value})


def _order_link(order: str) -> str:
    return _link(urut=order)


def _page_link(page: int) -> str:
    args = dict(request.args)
    args["hal"] = page
    return url_for("archive.search", **args)


# -- one document ----------------------------------------------------------------------------------------
@bp.route("/arsip/<int:document_id>")
@login_required
def document(document_id: int):
    viewer = _viewer()
    found = archive().get(viewer, document_id)
    return render_template("archive/document.html", document=found, may_administer=may_administer(viewer),
                           class_labels=CLASS_LABELS, bentuk_labels=BENTUK_LABELS, pasal17_labels=PASAL17_LABELS,
                           previewable=found.current.content_type in PREVIEWABLE,
                           has_inbox="inbox" in current_app.blueprints)


@bp.route("/arsip/<int:document_id>/unduh", endpoint="download", defaults={"inline": False})
@bp.route("/arsip/<int:document_id>/pratinjau", endpoint="preview", defaults={"inline": True})
@login_required
def content(document_id: int, inline: bool):
    version = _positive(request.args.get("versi"), None)
    opened = archive().open_content(_viewer(), document_id, version)
    if inline and opened.version.content_type not in PREVIEWABLE:
        opened.stream.close()
        abort(404)
    response = content_response(opened, inline=inline)
    if inline:
        response.headers["Content-Security-Policy"] = PREVIEW_CSP
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/arsip/<int:document_id>/tahan", methods=["POST"])
@login_required
def legal_hold(document_id: int):
    viewer = _viewer()
    if not may_administer(viewer):  # the same 404 as an unknown document
        abort(404)
    on = request.form.get("tahan") == "1"
    archive().set_legal_hold(viewer, document_id, on, request.form.get("alasan", "").strip()[:500])
    flash("Penahanan hukum (legal hold) dipasang: dokumen tidak dapat dimusnahkan." if on
          else "Penahanan hukum dilepas.", "success")
    return redirect(url_for("archive.document", document_id=document_id), 303)


@bp.route("/arsip/<int:document_id>/klasifikasi", methods=["GET", "POST"])
@login_required
def reclassify(document_id: int):
    viewer = _viewer()
    found = archive().get(viewer, document_id)
    if not may_administer(viewer):
        abort(404)
    errors = {}
    if request.method == "POST":
        klasifikasi, exemption = parse_class(request.form, errors)
        if not errors and klasifikasi is None:
            errors["klasifikasi"] = "Pilih klasifikasi."
        if not errors:
            try:
                archive().reclassify(viewer, document_id, klasifikasi, exemption)
            except InvalidDocument as error:
                errors = {name: problem for name, problem in error.fields.items()}
            else:
                flash(f"Klasifikasi diubah menjadi {CLASS_LABELS[klasifikasi]}.", "success")
                return redirect(url_for("archive.document", document_id=document_id), 303)
        flash("Klasifikasi belum dapat disimpan: periksa isian yang ditandai.", "error")
    form = request.form if request.method == "POST" else _class_form(found)
    return render_template("archive/classify.html", document=found, form=form, errors=errors,
                           **form_choices(viewer)), 422 if errors else 200


def _class_form(document) -> dict:
    values = {name: getattr(document, name) for name in (
        "klasifikasi", "pasal17", "dasar_hukum_sektoral", "konsekuensi_dibuka", "pertimbangan_ditutup",
        "jangka_waktu_sampai", "jangka_waktu_keterangan", "penetap", "ditetapkan_pada", "ditetapkan_di", "nomor_sk")}
    return {name: ("" if value is None else str(value)) for name, value in values.items()}


# -- upload --------------------------------------------------------------------------------------------
def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.headers.get("X-Requested-With") == "fetch"


def _uploaded_files():
    return [f for f in request.files.getlist("berkas") if f and f.filename is not None]


def _refusal(error: Exception) -> tuple[str, str, dict, int]:
    """(code, Indonesian message, fields, status) for what an upload can be refused with."""
    if isinstance(error, UploadRejected):
        return error.code, error.message, {}, 422
    if isinstance(error, FormInvalid):
        return "invalid_data", " ".join(error.fields.values()), error.fields, 422
    if isinstance(error, InvalidDocument):
        return "invalid_data", "Isian belum lengkap atau tidak valid.", error.fields, 422
    if isinstance(error, PermissionDenied):
        return "forbidden", "Anda tidak dapat menyimpan dokumen untuk unit itu.", {}, 403
    if isinstance(error, NotFound):  # the form's case, task or retention class: checked when filing
        return ("not_found", "Kasus, tugas atau kelas retensi yang disebut pada formulir tidak ditemukan; periksa "
                "isiannya. Berkas tidak tersimpan.", {}, 404)
    if isinstance(error, StoreUnavailable):
        return "store_unavailable", STORE_DOWN, {}, 503
    if not isinstance(error, StoreError):
        return "internal_error", "Terjadi kesalahan sistem; berkas ini tidak tersimpan. Coba lagi nanti.", {}, 500
    return "refused", "Berkas tidak dapat disimpan; tidak ada yang berubah.", {}, 400


def _refusal_body(error: Exception) -> dict:
    code, message, fields, _ = _refusal(error)
    return {"code": code, "message": message, **({"fields": fields} if fields else {})}


def _json_refusal(error: Exception):
    return jsonify(error=_refusal_body(error)), _refusal(error)[3]


_EXPECTED_REFUSALS = (UploadRejected, InvalidDocument, FormInvalid, PermissionDenied, NotFound, StoreError)


def _metadata_per_file(files, default_unit: str | None) -> list[tuple[str, object]]:
    """(file name, its catalog fields or the error that refuses it) for each uploaded file.

    The form is checked once (``FormInvalid`` for a field at fault, which refuses every file); a
    file's title, when the form gives none, is its name without the extension, and a file with no
    such name is refused alone."""
    common = parse_metadata(request.form, default_unit=default_unit, require_title=False)
    per_file = []
    for item in files:
        name = item.filename or ""
        title = common.title or name.rsplit(".", 1)[0].strip()
        per_file.append((name, replace(common, title=title) if title else
                         FormInvalid({"title": "Judul wajib diisi: berkas ini tidak bernama."})))
    return per_file


@bp.route("/arsip/unggah", methods=["GET", "POST"])
@login_required
def upload():
    viewer = _viewer()
    choices = form_choices(viewer)
    if request.method == "GET":
        return render_template("archive/upload.html", form={}, errors={}, **_upload_limits(), **choices)
    default_unit = choices["units"][0][0] if len(choices["units"]) == 1 else None
    errors: dict = {}
    outcomes: list[tuple[str, object]] = []
    try:
        files = _uploaded_files()
        if not files:
            raise FormInvalid({"berkas": "Pilih berkas yang akan diunggah."})
        outcomes = _file_all(viewer, files, default_unit)
    except (UploadRejected, FormInvalid, StoreError) as error:
        if _wants_json():
            return _json_refusal(error)
        errors = getattr(error, "fields", {})
        outcomes = [("", error)]
    if _wants_json():
        return _json_outcome(outcomes)
    stored = [outcome for _, outcome in outcomes if not isinstance(outcome, Exception)]
    for document in stored:
        flash(f"Tersimpan: {document.title} ({document.current.original_filename}).", "success")
    refused = [(name, outcome) for name, outcome in outcomes if isinstance(outcome, Exception)]
    for name, error in refused:
        flash(f"{name}: {_refusal(error)[1]}" if name else _refusal(error)[1], "error")
    if stored and not refused:
        target = url_for("archive.document", document_id=stored[0].id) if len(stored) == 1 else url_for(
            "archive.search", urut="tanggal")
        return redirect(target, 303)
    return render_template("archive/upload.html", form=request.form, errors=errors, **_upload_limits(),
                           **choices), 422


# Room in a request for the form's other fields (the script also counts each file's part headers).
_REQUEST_MARGIN = 256 * 1024
# Files per request: each is a form part, besides the form's own fields (fewer than _FORM_FIELDS).
_MAX_FILES_PER_REQUEST = 100
_FORM_FIELDS = 64


def _upload_limits() -> dict:
    """For the page's script: the largest request it may send, so that it groups the chosen files
    into as few requests as fit (a request over the limit is refused whole, before any file is read)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    parts = current_app.config.get("MAX_FORM_PARTS") or 1000  # Werkzeug refuses a request with more
    return {"request_budget": max(limit - _REQUEST_MARGIN, 0),
            "request_files": max(1, min(_MAX_FILES_PER_REQUEST, parts - _FORM_FIELDS))}


def _file_all(viewer, files, default_unit: str | None) -> list[tuple[str, object]]:
    """Every uploaded file through the archive, in order: (file name, its Document or the error that
    refused or failed it)."""
    per_file = _metadata_per_file(files, default_unit)
    items = [(item.stream, name, metadata) for item, (name, metadata) in zip(files, per_file)
             if not isinstance(metadata, Exception)]
    outcomes = []
    with closing(archive().add_many(viewer, items)) as filed:
        for name, metadata in per_file:
            outcome = metadata if isinstance(metadata, Exception) else next(filed)
            if isinstance(outcome, Exception) and not isinstance(outcome, _EXPECTED_REFUSALS):
                log.error("upload of %r failed", name, exc_info=outcome)
            outcomes.append((name, outcome))
    return outcomes


def _json_outcome(outcomes: list[tuple[str, object]]):
    """Each file's outcome in the order sent (``files``: the document, or the refusal), with the
    documents stored (``items``) and the files refused (``refused``). 201 when every file is stored,
    207 when some are, else the first refusal's status."""
    files = [{"filename": name, "error": _refusal_body(outcome)} if isinstance(outcome, Exception) else
             _document_item(outcome) for name, outcome in outcomes]
    items = [entry for entry in files if "error" not in entry]
    refused = [entry for entry in files if "error" in entry]
    if not items:
        first = next(outcome for _, outcome in outcomes if isinstance(outcome, Exception))
        return jsonify(error=_refusal_body(first), refused=refused, files=files), _refusal(first)[3]
    body = {**items[0], "items": items, "files": files}
    if refused:
        body["refused"] = refused
    return jsonify(body), 207 if refused else 201


def _document_item(document) -> dict:
    return {"id": document.id, "title": document.title, "filename": document.current.original_filename,
            "url": url_for("archive.document", document_id=document.id)}


# -- task attachments (issue 3) -----------------------------------------------------------------------------
def _task_attachments(view) -> list:
    """For the task page (web.inbox): the case's attachments the current user may see."""
    return case_attachments(archive(), _viewer(), view.instance_id)


@bp.route("/tugas/<int:task_id>/lampiran", methods=["POST"])
@login_required
def attach(task_id: int):
    view = current_app.extensions["alur_task_page"].view(task_id, current_user.username)  # NotFound -> 404
    back = url_for("inbox.task", task_id=task_id)
    try:
        if view.state != "ready" or view.claimed_by not in (None, current_user.username):
            raise EngineError("Lampiran hanya dapat ditambahkan pada tugas yang sedang dikerjakan.")
        files = _uploaded_files()
        if not files:
            raise FormInvalid({"berkas": "Pilih berkas yang akan dilampirkan."})
        added = [add_attachment(archive(), _viewer(), task_id, item.stream, item.filename or "") for item in files]
    except (UploadRejected, FormInvalid, PermissionDenied, StoreError, EngineError) as error:
        code, message, _fields, status = _refusal(error)
        if type(error) is EngineError:
            code, message, status = "conflict", str(error), 409
        if _wants_json():
            return jsonify(error={"code": code, "message": message}), status
        flash(message, "error")
        return redirect(back, 303)
    if _wants_json():
        return jsonify(items=[{"id": d.id, "filename": d.current.original_filename,
                               "url": url_for("archive.document", document_id=d.id)} for d in added]), 201
    flash("Lampiran tersimpan: " + ", ".join(d.current.original_filename for d in added) + ".", "success")
    return redirect(back, 303)
