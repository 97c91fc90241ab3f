"""Demo organization for the five seed SOPs: one unit per seed agency, one officer per lane.

Used by `make run` so a new user can log in and walk a case at once. Passwords are printed,
never used outside development mode.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deployment import latest_models
from engine.models import User
from engine.organization import create_user, get_or_create_role, get_or_create_unit
from engine.spec_cache import SpecCache

DEMO_PASSWORD = "alur-demo-2026"
SEED_UNITS = {
    "sop_000": ("BKD", "Badan Kepegawaian Daerah Provinsi Kalimantan Tengah"),
    "sop_001": ("BKD", "Badan Kepegawaian Daerah Provinsi Kalimantan Tengah"),
    "sop_002": ("BPOD", "Biro Pemerintahan dan Otonomi Daerah Setda Provinsi Kalimantan Tengah"),
    "sop_003": ("ADPIM", "Biro Administrasi Pimpinan Setda Provinsi Kalimantan Tengah"),
    "sop_004": ("ORG", "Biro Organisasi Setda Provinsi Kalimantan Tengah"),
}
# The request and objection processes (engine.ppid) run in every agency: their lanes get an
# officer in each seed unit.
PPID_PROCESS_PREFIX = "ppid_"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    unit: str
    lanes: tuple[str, ...]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def seed_demo_organization(session: Session, specs: SpecCache | None = None) -> list[DemoLogin]:
    """Create (idempotently) the units, lane roles and officers for every deployed seed SOP."""
    specs = specs or SpecCache()
    logins: dict[str, DemoLogin] = {}
    for model in latest_models(session):
        if model.key.startswith(PPID_PROCESS_PREFIX):
            targets = sorted(set(SEED_UNITS.values()))
        else:
            targets = [SEED_UNITS[model.key[:7]]] if model.key[:7] in SEED_UNITS else []
        for unit_code, unit_name, lane in ((c, n, lane) for c, n in targets for lane in specs.get(model).lanes):
            unit = get_or_create_unit(session, unit_code, unit_name)
            username = f"{unit_code.lower()}.{slug(lane)}"
            role = get_or_create_role(session, unit, lane, [lane])
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                create_user(session, username, DEMO_PASSWORD, unit, [role], full_name=f"{lane} ({unit_code})")
            elif role not in user.roles:
                user.roles.append(role)
            logins[username] = DemoLogin(username, unit_code, (lane,))
    for username, flags in (("admin", {"is_admin": True}), ("perancang", {"is_designer": True})):
        if session.scalar(select(User).where(User.username == username)) is None:
            create_user(session, username, DEMO_PASSWORD, full_name=username.capitalize(), **flags)
        logins[username] = DemoLogin(username, "-", ())
    return sorted(logins.values(), key=lambda login: (login.unit, login.username))
