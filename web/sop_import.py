"""Upload an SOP document (PDF or text export) and review the BPMN draft it becomes."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, render_template, request
from flask_login import current_user, login_required

from engine.sop_import.drafts import import_as_draft
from engine.sop_import.report import SopImportError
from web.app import services

bp = Blueprint("sop_import", __name__, url_prefix="/modeler/impor-sop")


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.before_request
@login_required
def _designers_only():
    from web.modeler import is_designer
    if not is_designer():
        return render_template("modeler/not_found.html"), 404
    return None


@bp.route("", methods=["GET", "POST"])
def upload():
    if request.method == "GET":
        return render_template("modeler/import_sop.html")
    file = request.files.get("berkas")
    data = file.read() if file else b""
    try:
        with services().db.session() as session:
            imported = import_as_draft(session, data, current_user.username)
    except SopImportError as error:
        flash(f"SOP tidak dapat diimpor: {error} Tidak ada draf yang disimpan.", "error")
        return render_template("modeler/import_sop.html"), 422
    return render_template("modeler/import_report.html", imported=imported)
