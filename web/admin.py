"""Admin pages: units, roles and their lanes, users, office closures.

Only admins get past ``_admins_only``; everyone else (logged in or not) gets the same 404 as an
unknown address, so the pages do not reveal that they exist. Routes parse the form, call
engine.administration and render; a refused change is flashed in Bahasa Indonesia and changes
nothing (the service raises before it writes, and the transaction is rolled back).
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine import administration as admin
from engine.administration import AdminError, UserForm
from engine.closures import list_closures
from engine.timeutil import utcnow
from web.app import services
from web.filters import WIB
from web.nav import add_guarded_link

bp = Blueprint("admin", __name__, url_prefix="/admin")


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    add_guarded_link(app, "admin.users", "Admin", lambda: bool(current_user.is_admin))


@bp.before_request
def _admins_only():
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)


def _apply(change: Callable, done: str) -> bool:
    """Run one admin change in its own transaction; a refusal is flashed and rolls everything back."""
    try:
        with services().db.session() as session:
            change(session)
    except AdminError as error:
        flash(str(error), "error")
        return False
    flash(done, "success")
    return True


def _warn_of_stranded_tasks() -> None:
    with services().db.session() as session:
        stranded = admin.stranded_tasks(session)
    if stranded:
        flash("Perhatian: tugas siap berikut kini tidak dapat dikerjakan siapa pun karena tidak ada pengguna aktif "
              "yang melayani lajurnya: " + "; ".join(f"{count} tugas lajur \u201c{lane}\u201d di unit {unit}"
                                                       for unit, lane, count in stranded)
              + ". Tambahkan lajur itu ke sebuah peran, atau peran itu ke seorang pengguna.", "error")


MIN_YEAR, MAX_YEAR = 1900, 2999  # the office-closure list's year; date() itself stops at 9999


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _or_404(lookup: Callable, session, object_id: int):
    """The object an address names, or the same 404 as an unknown address."""
    try:
        return lookup(session, object_id)
    except AdminError:
        abort(404)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@bp.route("/")
def index():
    return redirect(url_for("admin.users"))


# -- units ---------------------------------------------------------------------------------------
@bp.route("/unit", methods=["GET", "POST"])
def units():
    form = request.form
    if request.method == "POST":
        code, name = form.get("kode", ""), form.get("nama", "")
        if _apply(lambda s: admin.add_unit(s, current_user.username, code, name), f"Unit {code.strip()} ditambahkan."):
            return redirect(url_for("admin.units"), 303)
    with services().db.session() as session:
        rows = admin.list_units(session)
    return render_template("admin/units.html", units=rows, form=form), 400 if request.method == "POST" else 200


@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"])
def unit(unit_id: int):
    if request.method == "POST":
        name = request.form.get("nama", "")
        if _apply(lambda s: admin.rename_unit(s, current_user.username, unit_id, name), "Nama unit disimpan."):
            return redirect(url_for("admin.unit", unit_id=unit_id), 303)
    return _unit_page(unit_id, status=400 if request.method == "POST" else 200)


def _unit_page(unit_id: int, role_form=None, status: int = 200):
    with services().db.session() as session:
        found = _or_404(admin.get_unit, session, unit_id)
        roles = admin.roles_of_unit(session, unit_id)
        lanes = admin.deployed_lanes(session, services().processes.specs)
    return render_template("admin/unit.html", unit=found, roles=roles, lanes=lanes, role_form=role_form), status


def _role_fields(form) -> tuple[str, list[str], list[str]]:
    return (form.get("nama", ""), admin.parse_lanes(form.getlist("lajur"), form.get("lajur_lain", "")),
            admin.parse_lanes(form.getlist("mengawasi"), form.get("mengawasi_lain", "")))


@bp.route("/unit/<int:unit_id>/peran", methods=["POST"])
def add_role(unit_id: int):
    name, lanes, supervises = _role_fields(request.form)
    if _apply(lambda s: admin.add_role(s, current_user.username, unit_id, name, lanes, supervises),
              f"Peran {name.strip()} ditambahkan."):
        return redirect(url_for("admin.unit", unit_id=unit_id), 303)
    return _unit_page(unit_id, role_form=request.form, status=400)


@bp.route("/peran/<int:role_id>", methods=["GET", "POST"])
def role(role_id: int):
    status = 200
    if request.method == "POST":
        name, lanes, supervises = _role_fields(request.form)
        if _apply(lambda s: admin.update_role(s, current_user.username, role_id, name, lanes, supervises),
                  "Peran disimpan."):
            _warn_of_stranded_tasks()
            return redirect(url_for("admin.role", role_id=role_id), 303)
        status = 400
    with services().db.session() as session:
        found = _or_404(admin.get_role, session, role_id)
        unit_row = admin.get_unit(session, found.unit_id) if found.unit_id else None
        lanes = admin.deployed_lanes(session, services().processes.specs)
    return render_template("admin/role.html", role=found, unit=unit_row, lanes=lanes), status


# -- users ---------------------------------------------------------------------------------------
@bp.route("/pengguna")
def users():
    with services().db.session() as session:
        rows = admin.list_users(session)
    return render_template("admin/users.html", users=rows, now=utcnow())


def _user_form(form) -> UserForm:
    return UserForm(full_name=form.get("nama_lengkap", ""), email=form.get("email", ""),
                    unit_id=_int(form.get("unit")), role_ids=tuple(filter(None, map(_int, form.getlist("peran")))),
                    is_admin=form.get("admin") == "1", is_designer=form.get("perancang") == "1",
                    active=form.get("aktif") == "1")


def _user_page(template: str, status: int, **context):
    with services().db.session() as session:
        units = admin.list_units(session)
        roles = [(role, unit.code) for unit in units for role in admin.roles_of_unit(session, unit.id)]
    return render_template(template, units=units, roles=roles, **context), status


@bp.route("/pengguna/baru", methods=["GET", "POST"])
def new_user():
    if request.method == "POST":
        form = request.form
        username = form.get("username", "")
        if _apply(lambda s: admin.add_user(s, current_user.username, username, form.get("password", ""),
                                           _user_form(form)), f"Pengguna {username.strip()} ditambahkan."):
            return redirect(url_for("admin.users"), 303)
        return _user_page("admin/user_new.html", 400, form=form, chosen=_user_form(form))
    return _user_page("admin/user_new.html", 200, form={}, chosen=UserForm())


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    status, chosen = 200, None
    if request.method == "POST":
        chosen = _user_form(request.form)
        if _apply(lambda s: admin.update_user(s, current_user.username, user_id, chosen), "Data pengguna disimpan."):
            _warn_of_stranded_tasks()
            return redirect(url_for("admin.user", user_id=user_id), 303)
        status = 400
    with services().db.session() as session:
        found = _or_404(admin.get_user_by_id, session, user_id)
    if chosen is None:
        chosen = UserForm(found.full_name, found.email or "", found.unit_id, tuple(r.id for r in found.roles),
                          found.is_admin, found.is_designer, found.active)
    return _user_page("admin/user.html", status, user=found, chosen=chosen, now=utcnow())


@bp.route("/pengguna/<int:user_id>/sandi", methods=["POST"])
def reset_password(user_id: int):
    _apply(lambda s: admin.reset_password(s, current_user.username, user_id, request.form.get("password", "")),
           "Kata sandi diganti; kunci akun (bila ada) dibuka.")
    return redirect(url_for("admin.user", user_id=user_id), 303)


@bp.route("/pengguna/<int:user_id>/buka-kunci", methods=["POST"])
def unlock(user_id: int):
    _apply(lambda s: admin.unlock_user(s, current_user.username, user_id), "Kunci akun dibuka.")
    return redirect(url_for("admin.user", user_id=user_id), 303)


# -- office closures -----------------------------------------------------------------------------
@bp.route("/libur", methods=["GET", "POST"])
def closures():
    year = _int(request.values.get("tahun"))
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:  # an address typed by hand: show this year
        year = utcnow().astimezone(WIB).year
    if request.method == "POST":
        day = _day(request.form.get("tanggal"))
        if _apply(lambda s: admin.add_office_closure(s, current_user.username, day, request.form.get("alasan", "")),
                  "Hari kantor tutup dicatat; batas waktu baru menghitungnya mulai menit berikutnya."):
            return redirect(url_for("admin.closures", tahun=day.year), 303)
    with services().db.session() as session:
        rows = list_closures(session, year)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/closures.html", closures=rows, year=year, form=request.form), status


@bp.route("/libur/hapus", methods=["POST"])
def remove_closure():
    day = _day(request.form.get("tanggal"))
    _apply(lambda s: admin.remove_office_closure(s, current_user.username, day), "Hari kantor tutup dihapus.")
    return redirect(url_for("admin.closures", tahun=day.year if day else None), 303)
