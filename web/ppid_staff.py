"""PPID staff pages (login required, PPID roles): the register permohonan, the register keberatan,
the annual service report, and the written notice of any request.

Who may read them: admins (every unit, or one they choose) and holders of a PPID role
(``storage.access.exempt_roles``: PPID, PPID Pelaksana, Atasan PPID, ...) or of the lane
"Petugas Pelayanan Informasi", who see their own unit. Everyone else gets 404.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, Response, abort, g, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.errors import NotFound
from engine.models import Unit
from engine.ppid.documents import notice_pdf, table_csv, table_pdf, table_xlsx
from engine.ppid.models import PASAL35
from engine.ppid.registers import (
    OBJECTION_HEADERS, REQUEST_HEADERS, RegisterFilter, annual_report, ground_label, objection_register,
    objection_rows, request_register, request_rows,
)
from engine.timeutil import utcnow
from storage.access import load_viewer
from web.app import services
from web.nav import add_guarded_link

bp = Blueprint("ppid", __name__, url_prefix="/ppid")
SERVICE_LANES = frozenset({"Petugas Pelayanan Informasi"})


@dataclass(frozen=True)
class Staff:
    username: str
    is_admin: bool
    unit_id: int | None


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    add_guarded_link(app, "ppid.requests", "Register PPID", lambda: _staff() is not None)


def _staff() -> Staff | None:
    if "alur_ppid_staff" not in g:
        g.alur_ppid_staff = None
        if current_user.is_authenticated:
            with services().db.session() as session:
                try:
                    viewer = load_viewer(session, current_user.username)
                except NotFound:
                    viewer = None
                from engine.organization import get_actor
                lanes = get_actor(session, current_user.username).lanes if viewer else frozenset()
            if viewer is not None and (viewer.sees_exempt or lanes & SERVICE_LANES):
                g.alur_ppid_staff = Staff(viewer.username, viewer.is_admin, viewer.unit_id)
    return g.alur_ppid_staff


def _require_staff() -> Staff:
    staff = _staff()
    if staff is None:
        abort(404)
    return staff


def _filters(staff: Staff) -> RegisterFilter:
    year = request.args.get("tahun", type=int)
    unit_id = staff.unit_id
    if staff.is_admin:
        unit_id = request.args.get("unit", type=int)
    return RegisterFilter(year=year, unit_id=unit_id, keputusan=request.args.get("keputusan", ""),
                          text=request.args.get("q", "").strip()[:200])


def _units(staff: Staff) -> list[Unit]:
    with services().db.session() as session:
        query = select(Unit).order_by(Unit.name)
        if not staff.is_admin:
            query = query.where(Unit.id == staff.unit_id)
        return list(session.scalars(query))


def _export(fmt: str, title: str, headers, rows, stem: str) -> Response:
    if fmt == "csv":
        return Response(table_csv(headers, rows), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
    if fmt == "xlsx":
        return Response(table_xlsx(title, headers, rows),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})
    if fmt == "pdf":
        return Response(table_pdf(title, f"Dicetak {utcnow().date().isoformat()}", headers, rows),
                        mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.pdf"'})
    abort(404)


REGISTERS = {
    "permohonan": ("Register Permohonan", REQUEST_HEADERS, request_register, request_rows, "ppid/requests.html"),
    "keberatan": ("Register Keberatan", OBJECTION_HEADERS, objection_register, objection_rows, "ppid/objections.html"),
}


def _register_page(kind: str):
    staff = _require_staff()
    filters = _filters(staff)
    title, headers, query, project, template = REGISTERS[kind]
    with services().db.session() as session:
        found = query(session, filters)
        rows = project(found)
    fmt = request.args.get("format")
    if fmt:
        return _export(fmt, title, headers, rows, f"register-{kind}")
    return render_template(template, rows=list(zip(found, rows)), headers=headers, filters=filters,
                           units=_units(staff), staff=staff)


@bp.route("/register/permohonan")
@login_required
def requests():
    return _register_page("permohonan")


@bp.route("/register/keberatan")
@login_required
def objections():
    return _register_page("keberatan")


@bp.route("/laporan-tahunan")
@login_required
def annual():
    staff = _require_staff()
    year = request.args.get("tahun", type=int) or utcnow().year
    unit_id = request.args.get("unit", type=int) if staff.is_admin else staff.unit_id
    with services().db.session() as session:
        report = annual_report(session, year, unit_id)
    return render_template("ppid/annual.html", report=report, ground_label=ground_label, pasal35=PASAL35,
                           units=_units(staff), unit_id=unit_id, staff=staff)


@bp.route("/permohonan/<int:request_id>/pemberitahuan.pdf")
@login_required
def notice(request_id: int):
    staff = _require_staff()
    try:
        row = services_ppid().get_request(request_id)
    except NotFound:
        abort(404)
    if not staff.is_admin and row.unit_id != staff.unit_id:
        abort(404)
    return Response(notice_pdf(row, row.unit.name), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="pemberitahuan-{row.id}.pdf"'})


def services_ppid():
    from flask import current_app
    return current_app.extensions["alur_ppid"]
