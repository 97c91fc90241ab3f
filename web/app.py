"""Application factory: configuration, extensions, services and blueprints."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from alur import wiring
from alur.config import Settings
from engine.db import Database
from engine.runtime import ProcessService

csrf = CSRFProtect()
login_manager = LoginManager()


@dataclass
class Services:
    """What request handlers may call. Built once per app; no HTTP knowledge inside."""

    settings: Settings
    db: Database
    processes: ProcessService


def services() -> Services:
    return current_app.extensions["alur"]


def create_app(settings: Settings | None = None, db: Database | None = None, **overrides) -> Flask:
    settings = settings or Settings.from_env()
    db = db or Database(settings.database_url)
    wiring.install()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not settings.dev_mode,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        MAX_CONTENT_LENGTH=50 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update(overrides)
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.extensions["alur"] = Services(settings, db, ProcessService(db))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Silakan masuk terlebih dahulu."
    from web import auth, errors, filters
    filters.register(app)
    errors.register(app)  # before the blueprints: the API's routing errors fall back to these pages
    app.register_blueprint(auth.bp)
    _register_optional_blueprints(app)
    app.add_url_rule("/", "index", _index)
    app.context_processor(_layout_context)
    return app


def _layout_context() -> dict:
    """What every page's layout shows: the menu and the count of my open tasks."""
    from flask_login import current_user
    links = [(endpoint, label) for endpoint, label in current_app.config.get("ALUR_NAV", [])
             if endpoint in current_app.view_functions]
    count = None
    if current_user.is_authenticated and "alur_open_task_count" in current_app.extensions:
        count = current_app.extensions["alur_open_task_count"](current_user.username)
    return {"nav_links": links, "open_task_count": count}


def _index():
    from flask import redirect, render_template, url_for
    from flask_login import current_user
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if "inbox" in current_app.blueprints:
        return redirect(url_for("inbox.tasks"))
    return render_template("home.html")


def _register_optional_blueprints(app: Flask) -> None:
    """Blueprints of the parts that other issues build; each registers itself when present."""
    import importlib
    for module_name in ("web.inbox", "web.api", "web.health", "web.admin", "web.notifications", "web.reports",
                        "web.modeler", "web.sop_import", "web.archive", "web.public"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        module.register(app)
