"""The SLA report page, for admins and for the Atasan who supervise a lane (their unit only)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Flask, abort, flash, g, render_template, request
from flask_login import current_user, login_required

from engine.closures import calendar_from_db
from engine.sla import SlaFilter, SlaViewer, sla_report, sla_viewer
from engine.timeutil import utcnow
from web.app import services
from web.filters import WIB
from web.nav import add_guarded_link

bp = Blueprint("reports", __name__)
DEFAULT_PERIOD_DAYS = 30


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    add_guarded_link(app, "reports.sla", "Laporan SLA", lambda: _viewer() is not None)


def _viewer() -> SlaViewer | None:
    """Who reads the report, looked up once per request (the menu asks on every page)."""
    if "alur_sla_viewer" not in g:
        with services().db.session() as session:
            g.alur_sla_viewer = sla_viewer(session, current_user.username)
    return g.alur_sla_viewer


def _parse(args) -> tuple[SlaFilter, list[str]]:
    today = utcnow().astimezone(WIB).date()
    problems = []
    days = {}
    for name, default in (("dari", today - timedelta(days=DEFAULT_PERIOD_DAYS - 1)), ("sampai", today)):
        try:
            days[name] = date.fromisoformat(args[name]) if args.get(name) else default
        except ValueError:
            problems.append(f"Tanggal \u201c{args[name]}\u201d tidak valid; gunakan format TTTT-BB-HH.")
            days[name] = default
    if days["dari"] > days["sampai"]:
        problems.append("Tanggal awal periode jatuh setelah tanggal akhir; keduanya ditukar.")
        days["dari"], days["sampai"] = days["sampai"], days["dari"]
    unit = args.get("unit", "")
    return SlaFilter(days["dari"], days["sampai"], int(unit) if unit.isdigit() else None), problems


@bp.route("/laporan/sla")
@login_required
def sla():
    viewer = _viewer()
    if viewer is None:
        abort(404)
    filters, problems = _parse(request.args)
    for problem in problems:
        flash(problem, "error")
    with services().db.session() as session:
        report = sla_report(session, viewer, filters, calendar_from_db(session), utcnow(), services().processes.specs)
    return render_template("reports/sla.html", report=report, viewer=viewer)
