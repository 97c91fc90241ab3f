"""The process designer's pages: model list, the bpmn-js modeler with Alur's properties, new
process, upload, versions with download and diff, and moving running cases to a newer version.

Everybody logged in may view a diagram read-only; editing, saving, deploying and moving cases
need the designer role (or admin): for anybody else those endpoints answer 404.
"""
from __future__ import annotations

import base64
import binascii
from functools import wraps

from flask import Blueprint, Flask, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.errors import NotFound
from engine.migration_of_cases import MoveRefused, move_cases, preview
from engine.model_diff import diff_models
from engine.modeling import (
    NOT_CHECKED, DeployRefused, StaleEditor, UploadRefused, deploy_xml, discard_draft, editor_xml, errors_of,
    lane_roles, layout_upload, model_summaries, new_process, save_draft, upload, validate, version, versions,
)
from web.app import services

bp = Blueprint("modeler", __name__, url_prefix="/modeler")
NAV = [("modeler.index", "Model SOP")]


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    nav = app.config.setdefault("ALUR_NAV", [])
    nav.extend(item for item in NAV if item not in nav)


def is_designer() -> bool:
    return bool(getattr(current_user, "is_designer", False) or getattr(current_user, "is_admin", False))


def designer_only(view):
    """Edit endpoints exist only for designers: anybody else gets 404, nothing is touched."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_designer():
            abort(404)
        return view(*args, **kwargs)
    return wrapped


@bp.errorhandler(NotFound)
@bp.errorhandler(404)
def _not_found(_error):
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return jsonify(error="Tidak ditemukan."), 404
    return render_template("modeler/not_found.html"), 404


# -- list, new, upload --------------------------------------------------------------------------------
@bp.route("")
@login_required
def index():
    with services().db.session() as session:
        models = model_summaries(session)
    if not is_designer():
        models = [m for m in models if m.version is not None]
    return render_template("modeler/index.html", models=models, designer=is_designer())


@bp.route("/baru", methods=["GET", "POST"])
@login_required
@designer_only
def new():
    form = request.form
    if request.method == "POST":
        lanes = [line for line in form.get("lajur", "").splitlines() if line.strip()]
        try:
            with services().db.session() as session:
                draft = new_process(session, form.get("nama", ""), lanes, current_user.username,
                                    key=form.get("kode", ""), unit=form.get("unit", "").strip())
                key = draft.key
        except UploadRefused as refused:
            flash(str(refused), "error")
            return render_template("modeler/new.html", form=form), 422
        flash(f"Draf proses {key} dibuat. Lengkapi langkah-langkahnya, simpan, lalu terapkan.", "success")
        return redirect(url_for("modeler.edit", key=key), 303)
    return render_template("modeler/new.html", form={})


@bp.route("/unggah", methods=["POST"])
@login_required
@designer_only
def upload_file():
    file = request.files.get("berkas")
    data = file.read() if file else b""
    if not data:
        flash("Pilih berkas .bpmn untuk diunggah.", "error")
        return redirect(url_for("modeler.index"), 303)
    try:
        with services().db.session() as session:
            result = upload(session, data, current_user.username)
    except (UploadRefused, UnicodeDecodeError) as refused:
        message = str(refused) if isinstance(refused, UploadRefused) else "Berkas bukan teks UTF-8; tidak ada yang disimpan."
        flash(message, "error")
        return render_template("modeler/index.html", models=_models(), designer=True, refused=message), 422
    if not result.stored:
        return render_template("modeler/layout.html", upload=result,
                               payload=base64.b64encode(data).decode("ascii")), 200
    flash(f"Berkas diunggah sebagai draf {result.key}. Periksa lalu terapkan.", "success")
    return redirect(url_for("modeler.edit", key=result.key), 303)


@bp.route("/unggah/tata-letak", methods=["POST"])
@login_required
@designer_only
def layout():
    try:
        data = base64.b64decode(request.form.get("berkas", ""), validate=True)
        with services().db.session() as session:
            result = layout_upload(session, data, current_user.username)
    except (binascii.Error, UnicodeDecodeError):
        flash("Data unggahan rusak; unggah ulang berkasnya.", "error")
        return redirect(url_for("modeler.index"), 303)
    except UploadRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("modeler.index"), 303)
    flash(f"Tata letak dibuat; draf {result.key} disimpan. Periksa lalu terapkan.", "success")
    return redirect(url_for("modeler.edit", key=result.key), 303)


def _models():
    with services().db.session() as session:
        return model_summaries(session)


# -- the editor ------------------------------------------------------------------------------------------
@bp.route("/<key>")
@login_required
def edit(key: str):
    number = request.args.get("versi", type=int)
    with services().db.session() as session:
        if number is not None:
            model = version(session, key, number)
            xml, draft, latest = model.bpmn_xml, None, model
        elif is_designer():
            xml, draft, latest = editor_xml(session, key)
        else:
            model = versions(session, key)[0]
            xml, draft, latest = model.bpmn_xml, None, model
        roles = lane_roles(session)
        problems = [p.as_dict() for p in validate(session, xml, f"{key}.bpmn")] if draft is not None else []
    editable = is_designer() and number is None
    base = draft.base_version if draft is not None else (latest.version if latest is not None else None)
    config = {"xml": xml, "key": key, "editable": editable, "laneRoles": roles, "problems": problems,
              "baseVersion": base,
              "urls": {"save": url_for("modeler.save", key=key), "deploy": url_for("modeler.deploy_draft", key=key),
                       "check": url_for("modeler.check", key=key)}}
    return render_template("modeler/edit.html", key=key, draft=draft, latest=latest, config=config,
                           editable=editable, viewing_version=number, designer=is_designer())


def _xml_from_request() -> str:
    payload = request.get_json(silent=True) or {}
    xml = payload.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        abort(400)
    return xml


def _base_version_from_request():
    """The version the editor opened (null for a model never deployed); NOT_CHECKED when not sent."""
    payload = request.get_json(silent=True) or {}
    if "base_version" not in payload:
        return NOT_CHECKED
    base = payload["base_version"]
    if base is not None and (not isinstance(base, int) or isinstance(base, bool)):
        abort(400)
    return base


@bp.route("/<key>/periksa", methods=["POST"])
@login_required
@designer_only
def check(key: str):
    xml = _xml_from_request()
    with services().db.session() as session:
        problems = validate(session, xml, f"{key}.bpmn")
    return jsonify(problems=[p.as_dict() for p in problems], ok=not errors_of(problems))


@bp.route("/<key>/simpan", methods=["POST"])
@login_required
@designer_only
def save(key: str):
    xml = _xml_from_request()
    try:
        with services().db.session() as session:
            _draft, problems = save_draft(session, key, xml, current_user.username, _base_version_from_request())
    except StaleEditor as stale:
        return jsonify(saved=False, stale=True, message=str(stale), problems=[]), 409
    except UploadRefused as refused:
        return jsonify(saved=False, message=str(refused), problems=[]), 422
    errors = errors_of(problems)
    message = ("Draf disimpan." if not problems else
               f"Draf disimpan dengan {len(problems)} catatan" + (" (perlu diperbaiki sebelum diterapkan)." if errors else "."))
    return jsonify(saved=True, message=message, problems=[p.as_dict() for p in problems])


@bp.route("/<key>/terapkan", methods=["POST"])
@login_required
@designer_only
def deploy_draft(key: str):
    xml = _xml_from_request()
    try:
        with services().db.session() as session:
            deployment = deploy_xml(session, key, xml, current_user.username, _base_version_from_request())
            number, created = deployment.model.version, deployment.created
    except StaleEditor as stale:
        return jsonify(deployed=False, stale=True, message=str(stale), problems=[]), 409
    except UploadRefused as refused:
        return jsonify(deployed=False, message=str(refused), problems=[]), 422
    except DeployRefused as refused:
        return jsonify(deployed=False, problems=[p.as_dict() for p in refused.problems],
                       message="Model belum dapat diterapkan: perbaiki masalah yang ditandai pada diagram."), 422
    message = (f"Versi {number} diterapkan. Kasus baru memakai versi ini; kasus berjalan tetap pada versinya."
               if created else f"Isi model sama dengan versi {number}; tidak ada versi baru.")
    return jsonify(deployed=True, created=created, version=number, message=message,
                   versions_url=url_for("modeler.version_list", key=key))


@bp.route("/<key>/draf/hapus", methods=["POST"])
@login_required
@designer_only
def discard(key: str):
    with services().db.session() as session:
        removed = discard_draft(session, key, current_user.username)
    flash("Draf dibuang." if removed else "Tidak ada draf.", "info")
    return redirect(url_for("modeler.index"), 303)


# -- versions, download, diff -----------------------------------------------------------------------------
@bp.route("/<key>/versi")
@login_required
def version_list(key: str):
    with services().db.session() as session:
        rows = versions(session, key)
    return render_template("modeler/versions.html", key=key, versions=rows, designer=is_designer())


@bp.route("/<key>/versi/<int:number>.bpmn")
@login_required
def download(key: str, number: int):
    with services().db.session() as session:
        model = version(session, key, number)
    return Response(model.bpmn_xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}_v{number}.bpmn"'})


@bp.route("/<key>/beda")
@login_required
def diff(key: str):
    old_number, new_number = request.args.get("dari", type=int), request.args.get("ke", type=int)
    if not old_number or not new_number:
        abort(404)
    specs = services().processes.specs
    with services().db.session() as session:
        old, new = version(session, key, old_number), version(session, key, new_number)
        changes = diff_models(specs.get(old), specs.get(new))
    return render_template("modeler/diff.html", key=key, old=old, new=new, diff=changes)


# -- moving running cases ---------------------------------------------------------------------------------
@bp.route("/<key>/pindah", methods=["GET", "POST"])
@login_required
@designer_only
def move(key: str):
    processes = services().processes
    if request.method == "POST":
        ids = [int(value) for value in request.form.getlist("kasus") if value.isdigit()]
        target = request.form.get("versi", type=int)
        if not ids:
            flash("Pilih kasus yang akan dipindahkan.", "error")
            return redirect(url_for("modeler.move", key=key), 303)
        try:
            moved = move_cases(processes, key, ids, current_user.username, target_version=target)
        except MoveRefused as refused:
            flash(f"{refused} Tidak ada kasus yang dipindahkan.", "error")
            return redirect(url_for("modeler.move", key=key), 303)
        flash(f"{len(moved)} kasus dipindahkan ke versi {target}: " + ", ".join(f"#{i}" for i in moved), "success")
        return redirect(url_for("modeler.move", key=key), 303)
    with services().db.session() as session:
        result = preview(session, processes.specs, key)
    return render_template("modeler/move.html", key=key, preview=result)
