"""Staff pages: the task inbox, the task form, starting a case and the case page.

Routes only parse the request, call an engine service and render; every object is looked up
through a service that reports what the user may not see as NotFound (a 404 here).
"""
from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, Flask, abort, current_app, flash, g, has_request_context, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError

from engine.cases import case_detail, may_start, startable_processes
from engine.errors import InvalidTaskData, NotFound, TaskConflict, WorkflowRuntimeError
from engine.inbox import CLAIM_FILTERS, InboxFilter, InboxQuery, TaskPage, open_task_count
from engine.organization import get_user
from engine.ppid.case_record import PpidCaseRecord, case_record
from web.app import services
from web.auth import _safe_next
from web.nav import GUARDED

bp = Blueprint("inbox", __name__)
NAV = [("inbox.tasks", "Kotak tugas"), ("inbox.start", "Mulai kasus")]
FORM_TOKENS, MAX_FORM_TOKENS = "alur_form_tokens", 20
CLAIM_LABELS = {"": "Semua", "ready": "Belum diambil", "claimed": "Sudah diambil", "mine": "Diambil saya"}
TIMELINE_LABELS = {
    "instance.started": "Memulai kasus",
    "instance.completed": "Kasus selesai",
    "task.ready": "Langkah siap dikerjakan",
    "task.claimed": "Mengambil tugas",
    "task.released": "Melepaskan tugas",
    "task.completed": "Menyelesaikan langkah",
    "task.failed": "Gagal menyelesaikan langkah",
    "timer.fired": "Pengingat waktu berjalan",
    "task.attachment_added": "Melampirkan berkas",
}
STATUS_LABELS = {"running": "Berjalan", "completed": "Selesai", "ready": "Siap", "cancelled": "Dibatalkan"}


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    nav = app.config.setdefault("ALUR_NAV", [])
    nav.extend(item for item in NAV if item not in nav)
    app.extensions["alur_open_task_count"] = _open_task_count
    app.extensions["alur_task_page"] = TaskPage(app.extensions["alur"].processes)
    app.register_error_handler(CSRFError, _csrf_refused)


def _csrf_refused(_error):
    """A form without its CSRF token (or with an expired one) changes nothing; say so in Indonesian."""
    return render_template("inbox/refused.html"), 400


def _lanes_cache() -> dict:
    """The user's lanes are looked up once per request, however many queries need them."""
    if not has_request_context():
        return {}
    if "alur_lanes" not in g:
        g.alur_lanes = {}
    return g.alur_lanes


def _open_task_count(username: str) -> int:
    with services().db.session() as db_session:
        return open_task_count(db_session, username, _lanes_cache())


def _task_page() -> TaskPage:
    return current_app.extensions["alur_task_page"]


@bp.errorhandler(NotFound)
@bp.errorhandler(404)
def _not_found(_error):
    return render_template("inbox/not_found.html"), 404


# -- the inbox ------------------------------------------------------------------------------
@bp.route("/tugas")
@login_required
def tasks():
    filters, problem = _parse_filters(request.args)
    if problem:
        flash(problem, "error")
    with services().db.session() as db_session:
        page = InboxQuery(db_session, lanes_cache=_lanes_cache()).page(current_user.username, filters)
    return render_template("inbox/tasks.html", page=page, filters=filters, claim_labels=CLAIM_LABELS)


def _parse_filters(args) -> tuple[InboxFilter, str | None]:
    problem = None
    due_before = None
    if args.get("sampai"):
        try:
            due_before = date.fromisoformat(args["sampai"])
        except ValueError:
            problem = "Tanggal jatuh tempo tidak valid; gunakan format TTTT-BB-HH."
    claim = args.get("status", "")
    try:
        page = int(args.get("hal", 1))
    except ValueError:
        page = 1
    return InboxFilter(process_key=args.get("proses", "").strip(), claim=claim if claim in CLAIM_FILTERS else "",
                       due_before=due_before, overdue=args.get("terlambat") == "1", page=page), problem


@bp.route("/tugas/<int:task_id>/ambil", methods=["POST"], defaults={"action": "claim"}, endpoint="claim")
@bp.route("/tugas/<int:task_id>/lepaskan", methods=["POST"], defaults={"action": "release"}, endpoint="release")
@login_required
def claim_or_release(task_id: int, action: str):
    processes = services().processes
    act, done = ((processes.claim, "Tugas diambil: orang lain tidak dapat menyelesaikannya selama Anda memegangnya.")
                 if action == "claim" else (processes.unclaim, "Tugas dilepaskan."))
    try:
        act(task_id, current_user.username)
        flash(done, "success")
    except TaskConflict:
        flash(_conflict_message(task_id), "error")
    return redirect(_back())


def _back() -> str:
    return _safe_next(request.form.get("next")) or url_for("inbox.tasks")


# -- one task ------------------------------------------------------------------------------
@bp.route("/tugas/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: int):
    view = _task_page().view(task_id, current_user.username)  # NotFound -> 404 before anything else
    if request.method == "GET":
        return _render_task(view)
    if not _use_form_token(request.form.get("form_token", "")):
        flash("Formulir ini sudah dikirim sebelumnya; pengiriman kedua tidak mengubah apa pun.", "error")
        return redirect(url_for("inbox.task", task_id=task_id), 303)
    form = request.form
    try:
        result = _task_page().complete(task_id, current_user.username, form.getlist("kelengkapan"),
                                       comment=form.get("catatan", ""), decision=form.get("keputusan"),
                                       reason=form.get("alasan", ""))
    except InvalidTaskData as error:
        flash("Tugas belum dapat diselesaikan: periksa isian yang ditandai.", "error")
        return _render_task(view, errors=error.fields, status=422)
    except TaskConflict:
        flash(_conflict_message(task_id), "error")
        return _render_task(_task_page().view(task_id, current_user.username), status=409)
    except WorkflowRuntimeError:
        flash("Langkah ini tidak dapat diselesaikan karena kesalahan pada model SOP; kasus tidak berubah. "
              "Hubungi admin.", "error")
        return _render_task(view, status=500)
    step = f"Langkah {view.step}" if view.step else "Langkah"
    flash(f"{step} \u201c{view.name}\u201d selesai." + (" Kasus selesai." if result.status == "completed" else ""),
          "success")
    return redirect(url_for("inbox.tasks"), 303)


def _render_task(view, errors: dict | None = None, status: int = 200):
    form = request.form if request.method == "POST" else None
    attachments = current_app.extensions.get("alur_task_attachments")  # set by web.archive
    with services().db.session() as db_session:  # view() has found the task visible: its case may be read
        ppid = case_record(db_session, view.instance_id, view.process_key)
    return render_template("inbox/task.html", task=view, errors=errors or {}, form=form,
                           form_token=_issue_form_token(), status_labels=STATUS_LABELS,
                           attachments=attachments(view) if attachments else None,
                           ppid=ppid, ppid_links=_ppid_links(ppid)), status


def _conflict_message(task_id: int) -> str:
    try:
        view = _task_page().view(task_id, current_user.username)
    except NotFound:
        abort(404)
    if view.state == "completed":
        return f"Tugas ini sudah diselesaikan oleh {view.completed_by_name}."
    if view.state != "ready":
        return "Tugas ini sudah tidak berlaku karena kasusnya telah berubah."
    if view.claimed_by and view.claimed_by != current_user.username:
        return f"Tugas ini sedang diambil oleh {view.claimed_by}; hanya dia (atau admin) yang dapat melepaskannya."
    return "Tugas ini baru saja diubah oleh orang lain; muat ulang halaman."


def _issue_form_token() -> str:
    token = secrets.token_urlsafe(16)
    tokens = session.get(FORM_TOKENS, [])[-(MAX_FORM_TOKENS - 1):]
    session[FORM_TOKENS] = tokens + [token]
    return token


def _use_form_token(token: str) -> bool:
    """A rendered form may be sent once: its token is removed on first use."""
    tokens = session.get(FORM_TOKENS, [])
    if not token or token not in tokens:
        return False
    session[FORM_TOKENS] = [t for t in tokens if t != token]
    return True


# -- starting a case -----------------------------------------------------------------------------
@bp.route("/mulai", methods=["GET", "POST"])
@login_required
def start():
    specs = services().processes.specs
    if request.method == "POST":
        key = request.form.get("proses", "")
        with services().db.session() as db_session:
            allowed = may_start(db_session, current_user.username, key, specs)
        if not allowed:
            abort(404)
        instance = services().processes.start(key, current_user.username,
                                              title=request.form.get("judul", "").strip()[:300])
        flash(f"Kasus #{instance.id} dimulai.", "success")
        return redirect(url_for("inbox.case", instance_id=instance.id), 303)
    with services().db.session() as db_session:
        processes = startable_processes(db_session, get_user(db_session, current_user.username), specs)
    return render_template("inbox/start.html", processes=processes)


# -- a case ---------------------------------------------------------------------------------------
@bp.route("/kasus/<int:instance_id>")
@login_required
def case(instance_id: int):
    with services().db.session() as db_session:
        detail = case_detail(db_session, instance_id, current_user.username, services().processes.specs)
        ppid = case_record(db_session, detail.id, detail.process_key)  # after the NotFound check above
    diagram = {"xml": detail.bpmn_xml, "completed": detail.completed_bpmn_ids, "current": detail.current_bpmn_ids}
    return render_template("inbox/case.html", case=detail, diagram=diagram,
                           timeline_labels=TIMELINE_LABELS, status_labels=STATUS_LABELS,
                           ppid=ppid, ppid_links=_ppid_links(ppid))


# -- the PPID request or objection behind a case -------------------------------------------------
def _ppid_links(record: PpidCaseRecord | None) -> dict[str, str]:
    """Links from the panel to the case's rows in the PPID registers (filtered by its numbers), only for
    users the registers serve: they answer 404 to anyone else, so a link would lead nowhere."""
    if record is None or not _registers_open():
        return {}
    links = {"request": url_for("ppid.requests", q=record.request.nomor)}
    if record.objection is not None:
        links["objection"] = url_for("ppid.objections", q=record.objection.nomor)
    return links


def _registers_open() -> bool:
    """The check of the registers' guarded menu entry (web.nav), the same the register pages make."""
    check = next((allowed for endpoint, _label, allowed in current_app.config.get(GUARDED, [])
                  if endpoint == "ppid.requests"), None)
    return check is not None and "ppid.requests" in current_app.view_functions and bool(check())
