"""What an admin changes: units, the roles of a unit and their lanes, users, office closures.

Every function checks its whole input first and raises AdminError with a message in Bahasa
Indonesia before it changes anything; every change is recorded in the audit trail by the
acting admin's username, in the same transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.security import generate_password_hash

from engine import audit
from engine.closures import OfficeClosure, add_closure, remove_closure
from engine.deployment import latest_models
from engine.errors import EngineError
from engine.models import HumanTask, Role, Unit, User
from engine.organization import create_user
from engine.spec_cache import SpecCache

MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,80}$")
_UNIT_CODE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class AdminError(EngineError):
    """Bad input for an admin change, explained in Bahasa Indonesia; nothing was changed."""


# -- units ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnitRow:
    id: int
    code: str
    name: str
    users: int
    roles: int


def list_units(session: Session) -> list[UnitRow]:
    users = (select(User.unit_id, func.count().label("n")).group_by(User.unit_id)).subquery()
    roles = (select(Role.unit_id, func.count().label("n")).group_by(Role.unit_id)).subquery()
    query = (select(Unit, func.coalesce(users.c.n, 0), func.coalesce(roles.c.n, 0))
             .outerjoin(users, users.c.unit_id == Unit.id).outerjoin(roles, roles.c.unit_id == Unit.id)
             .order_by(Unit.code))
    return [UnitRow(unit.id, unit.code, unit.name, n_users, n_roles)
            for unit, n_users, n_roles in session.execute(query)]


def get_unit(session: Session, unit_id: int | None) -> Unit:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None:
        raise AdminError("Unit kerja tidak dikenal.")
    return unit


def add_unit(session: Session, actor: str, code: str, name: str) -> Unit:
    code, name = (code or "").strip(), (name or "").strip()
    if not _UNIT_CODE.match(code):
        raise AdminError("Kode unit wajib diisi: huruf, angka, titik, garis bawah atau tanda hubung (maks. 40).")
    if not name or len(name) > 300:
        raise AdminError("Nama unit wajib diisi (maks. 300 karakter).")
    if session.scalar(select(Unit.id).where(func.lower(Unit.code) == code.lower())) is not None:
        raise AdminError(f"Kode unit \u201c{code}\u201d sudah dipakai.")
    unit = Unit(code=code, name=name)
    session.add(unit)
    session.flush()
    audit.record(session, actor, "admin.unit.added", "unit", unit.id, code=code, name=name)
    return unit


def rename_unit(session: Session, actor: str, unit_id: int, name: str) -> Unit:
    unit = get_unit(session, unit_id)
    name = (name or "").strip()
    if not name or len(name) > 300:
        raise AdminError("Nama unit wajib diisi (maks. 300 karakter).")
    if name != unit.name:
        audit.record(session, actor, "admin.unit.renamed", "unit", unit.id, before=unit.name, after=name)
        unit.name = name
    return unit


# -- roles ---------------------------------------------------------------------------------------
def deployed_lanes(session: Session, specs: SpecCache) -> list[str]:
    """The lane names of the latest deployed version of every process model, for the role form."""
    return sorted({lane for model in latest_models(session) for lane in specs.get(model).lanes if lane})


def parse_lanes(chosen: list[str], free_text: str = "") -> list[str]:
    """The lanes ticked in a form plus those typed (one per line or separated by ';')."""
    typed = re.split(r"[;\n]", free_text or "")
    lanes: list[str] = []
    for lane in [*chosen, *typed]:
        lane = " ".join(lane.split())
        if lane and lane not in lanes:
            lanes.append(lane)
    return lanes


def roles_of_unit(session: Session, unit_id: int) -> list[Role]:
    return list(session.scalars(select(Role).where(Role.unit_id == unit_id).order_by(Role.name)))


def get_role(session: Session, role_id: int) -> Role:
    role = session.get(Role, role_id)
    if role is None:
        raise AdminError("Peran tidak dikenal.")
    return role


def _check_role(session: Session, unit_id: int, name: str, lanes: list[str], supervises: list[str],
                role_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise AdminError("Nama peran wajib diisi (maks. 200 karakter).")
    if any(len(lane) > 200 for lane in [*lanes, *supervises]):
        raise AdminError("Nama lajur terlalu panjang (maks. 200 karakter).")
    clash = session.scalar(select(Role.id).where(Role.unit_id == unit_id, Role.name == name, Role.id != (role_id or 0)))
    if clash is not None:
        raise AdminError(f"Peran \u201c{name}\u201d sudah ada di unit ini.")
    return name


def add_role(session: Session, actor: str, unit_id: int, name: str, lanes: list[str],
             supervises: list[str]) -> Role:
    unit = get_unit(session, unit_id)
    name = _check_role(session, unit.id, name, lanes, supervises)
    role = Role(unit_id=unit.id, name=name, lanes=list(lanes), supervises=list(supervises))
    session.add(role)
    session.flush()
    audit.record(session, actor, "admin.role.added", "role", role.id, unit=unit.code, name=name,
                 lanes=list(lanes), supervises=list(supervises))
    return role


def update_role(session: Session, actor: str, role_id: int, name: str, lanes: list[str],
                supervises: list[str]) -> Role:
    role = get_role(session, role_id)
    name = _check_role(session, role.unit_id, name, lanes, supervises, role.id)
    before = {"name": role.name, "lanes": list(role.lanes or []), "supervises": list(role.supervises or [])}
    after = {"name": name, "lanes": list(lanes), "supervises": list(supervises)}
    if before != after:
        role.name, role.lanes, role.supervises = name, list(lanes), list(supervises)
        audit.record(session, actor, "admin.role.changed", "role", role.id, before=before, after=after)
    return role


def stranded_tasks(session: Session) -> list[tuple[str, str, int]]:
    """(unit code, lane, ready tasks) for every lane with ready tasks that no active user of the unit
    serves: after a role loses a lane or a user a role, those cases wait for nobody. Shown as a warning
    rather than refused: the admin may be moving the lane to another role next."""
    ready = session.execute(select(HumanTask.unit_id, HumanTask.lane, func.count())
                            .where(HumanTask.state == "ready").group_by(HumanTask.unit_id, HumanTask.lane)).all()
    if not ready:
        return []
    users = session.scalars(select(User).options(selectinload(User.roles)).where(User.active.is_(True)))
    served: set[tuple[int, str]] = {(user.unit_id, lane) for user in users for lane in user.lanes_in(user.unit_id)}
    codes = dict(session.execute(select(Unit.id, Unit.code)).all())
    return sorted((codes.get(unit_id, "?"), lane, count) for unit_id, lane, count in ready
                  if (unit_id, lane) not in served)


# -- users ---------------------------------------------------------------------------------------
def list_users(session: Session) -> list[User]:
    query = (select(User).options(joinedload(User.unit), selectinload(User.roles))
             .order_by(User.username))
    return list(session.scalars(query))


def get_user_by_id(session: Session, user_id: int) -> User:
    user = session.scalars(select(User).options(joinedload(User.unit), selectinload(User.roles))
                           .where(User.id == user_id)).one_or_none()
    if user is None:
        raise AdminError("Pengguna tidak dikenal.")
    return user


@dataclass(frozen=True)
class UserForm:
    """What the user form sends; the same for adding and editing (username only when adding)."""

    full_name: str = ""
    email: str = ""
    unit_id: int | None = None
    role_ids: tuple[int, ...] = ()
    is_admin: bool = False
    is_designer: bool = False
    active: bool = True


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AdminError(f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter.")


def _checked_form(session: Session, form: UserForm) -> tuple[Unit | None, list[Role], str | None]:
    """The unit and roles the form names, checked: every role must belong to the user's unit."""
    if len(form.full_name.strip()) > 200:
        raise AdminError("Nama lengkap terlalu panjang (maks. 200 karakter).")
    email = form.email.strip() or None
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise AdminError(f"Alamat e-mail \u201c{email}\u201d tidak valid.")
    unit = get_unit(session, form.unit_id) if form.unit_id is not None else None
    roles = list(session.scalars(select(Role).where(Role.id.in_(form.role_ids)))) if form.role_ids else []
    if len(roles) != len(set(form.role_ids)):
        raise AdminError("Peran tidak dikenal.")
    foreign = [role.name for role in roles if role.unit_id not in (None, unit.id if unit else None)]
    if foreign:
        raise AdminError("Peran berikut bukan milik unit pengguna: " + ", ".join(sorted(foreign)) + ".")
    return unit, roles, email


def add_user(session: Session, actor: str, username: str, password: str, form: UserForm) -> User:
    username = (username or "").strip()
    if not _USERNAME.match(username):
        raise AdminError("Nama pengguna wajib diisi: huruf, angka, titik, garis bawah atau tanda hubung (maks. 80).")
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        raise AdminError(f"Nama pengguna \u201c{username}\u201d sudah dipakai.")
    _check_password(password)
    unit, roles, email = _checked_form(session, form)
    user = create_user(session, username, password, unit, roles, full_name=form.full_name.strip(),
                       is_admin=form.is_admin, is_designer=form.is_designer)
    user.email, user.active = email, form.active
    audit.record(session, actor, "admin.user.added", "user", user.id, username=username, **_snapshot(user))
    return user


def update_user(session: Session, actor: str, user_id: int, form: UserForm) -> User:
    user = get_user_by_id(session, user_id)
    unit, roles, email = _checked_form(session, form)
    if user.username == actor and user.is_admin and not form.is_admin:
        raise AdminError("Anda tidak dapat mencabut hak admin Anda sendiri; minta admin lain melakukannya.")
    if user.username == actor and not form.active:
        raise AdminError("Anda tidak dapat menonaktifkan akun Anda sendiri.")
    before = _snapshot(user)
    user.full_name = form.full_name.strip() or user.username
    user.email, user.unit_id, user.roles = email, unit.id if unit else None, roles
    user.is_admin, user.is_designer, user.active = form.is_admin, form.is_designer, form.active
    session.flush()
    after = _snapshot(user)
    if before != after:
        audit.record(session, actor, "admin.user.changed", "user", user.id, username=user.username,
                     before=before, after=after)
    return user


def _snapshot(user: User) -> dict:
    return {"full_name": user.full_name, "email": user.email, "unit_id": user.unit_id,
            "roles": sorted(role.id for role in user.roles), "is_admin": user.is_admin,
            "is_designer": user.is_designer, "active": user.active}


def reset_password(session: Session, actor: str, user_id: int, password: str) -> User:
    user = get_user_by_id(session, user_id)
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor, "admin.user.password_reset", "user", user.id, username=user.username)
    return user


def unlock_user(session: Session, actor: str, user_id: int) -> User:
    user = get_user_by_id(session, user_id)
    if user.locked_until is None and not user.failed_logins:
        raise AdminError(f"Akun {user.username} tidak sedang dikunci.")
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor, "admin.user.unlocked", "user", user.id, username=user.username)
    return user


# -- office closures -----------------------------------------------------------------------------
def add_office_closure(session: Session, actor: str, day: date | None, reason: str) -> OfficeClosure:
    reason = (reason or "").strip()
    if day is None:
        raise AdminError("Tanggal wajib diisi (format TTTT-BB-HH).")
    if not reason or len(reason) > 300:
        raise AdminError("Alasan penutupan kantor wajib diisi (maks. 300 karakter).")
    if session.scalar(select(OfficeClosure.id).where(OfficeClosure.day == day)) is not None:
        raise AdminError("Tanggal itu sudah tercatat sebagai hari kantor tutup; hapus dulu untuk mengubah alasannya.")
    closure = add_closure(session, day, reason, actor)
    audit.record(session, actor, "admin.closure.added", "office_closure", day.isoformat(), reason=reason)
    return closure


def remove_office_closure(session: Session, actor: str, day: date | None) -> None:
    if day is None or session.scalar(select(OfficeClosure.id).where(OfficeClosure.day == day)) is None:
        raise AdminError("Tanggal itu tidak tercatat sebagai hari kantor tutup.")
    remove_closure(session, day)
    audit.record(session, actor, "admin.closure.removed", "office_closure", day.isoformat())
