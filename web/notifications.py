"""The notification bell: the unread count on every page, the list of recent notifications,
and "tandai semua dibaca"."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from engine.notifications import mark_all_read, notifications_for, unread_count
from web.app import services

bp = Blueprint("notifications", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(_bell)


def _bell() -> dict:
    """The unread count for the layout's bell (None when nobody is logged in)."""
    if not current_user.is_authenticated or "notifications" not in current_app.blueprints:
        return {"unread_notifications": None}
    with services().db.session() as session:
        return {"unread_notifications": unread_count(session, current_user.id)}


@bp.route("/notifikasi")
@login_required
def index():
    with services().db.session() as session:
        notes = notifications_for(session, current_user.username)
    return render_template("notifications/index.html", notes=notes)


@bp.route("/notifikasi/dibaca", methods=["POST"])
@login_required
def read_all():
    with services().db.session() as session:
        mark_all_read(session, current_user.id)
    flash("Semua pemberitahuan ditandai sudah dibaca.", "success")
    return redirect(url_for("notifications.index"), 303)
