"""Menu entries shown only to the users they concern (admin pages, the SLA report).

ALUR_NAV entries are shown to everyone logged in; a page that must not reveal itself to other
users (an admin page answers them 404) is linked from here instead, with a check per request.
"""
from __future__ import annotations

from typing import Callable

from flask import Flask, current_app
from flask_login import current_user

GUARDED = "ALUR_GUARDED_NAV"


def add_guarded_link(app: Flask, endpoint: str, label: str, allowed: Callable[[], bool]) -> None:
    entries = app.config.setdefault(GUARDED, [])
    if not entries:
        app.context_processor(_guarded_links)
    if all(entry[0] != endpoint for entry in entries):
        entries.append((endpoint, label, allowed))


def _guarded_links() -> dict:
    if not current_user.is_authenticated:
        return {"guarded_nav_links": []}
    return {"guarded_nav_links": [(endpoint, label) for endpoint, label, allowed in current_app.config[GUARDED]
                                  if endpoint in current_app.view_functions and allowed()]}
