"""Login and logout for staff (session cookie), with lockout after repeated failures."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engine.accounts import authenticate
from engine.models import User
from web.app import login_manager, services
from web.filters import format_datetime

bp = Blueprint("auth", __name__)


class SessionUser(UserMixin):
    """The logged-in user as the web layer sees it: a detached snapshot, never a live ORM row."""

    def __init__(self, user: User):
        self.id = user.id
        self.username = user.username
        self.full_name = user.full_name
        self.unit_id = user.unit_id
        self.unit_name = user.unit.name if user.unit else ""
        self.is_admin = user.is_admin
        self.is_designer = user.is_designer

    def get_id(self) -> str:
        return self.username


@login_manager.user_loader
def load_user(username: str) -> SessionUser | None:
    with services().db.session() as session:
        user = session.scalar(select(User).options(joinedload(User.unit)).where(User.username == username))
        return SessionUser(user) if user is not None and user.active else None


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        with services().db.session() as session:
            result = authenticate(session, username, request.form.get("password", ""))
            user = SessionUser(result.user) if result.ok else None
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("index"))
        if result.locked_until:
            flash(f"Akun dikunci karena terlalu banyak percobaan gagal. Coba lagi setelah "
                  f"{format_datetime(result.locked_until)}.", "error")
        else:
            flash("Nama pengguna atau kata sandi salah.", "error")
        return render_template("login.html", username=username), 401
    return render_template("login.html", username="")


@bp.route("/keluar", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
