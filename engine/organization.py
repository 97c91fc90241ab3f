"""Units, roles and users, and the one rule that joins them to processes: who serves which lane."""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.security import generate_password_hash

from engine.errors import EngineError, NotFound
from engine.models import Role, Unit, User, user_roles


def get_or_create_unit(session: Session, code: str, name: str | None = None) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        unit = Unit(code=code, name=name or code)
        session.add(unit)
        session.flush()
    elif name and unit.name != name:
        unit.name = name
    return unit


def find_unit(session: Session, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"unit '{code}' does not exist")
    return unit


def get_or_create_role(session: Session, unit: Unit | None, name: str, lanes: list[str]) -> Role:
    unit_id = unit.id if unit else None
    role = session.scalar(select(Role).where(Role.unit_id == unit_id, Role.name == name))
    if role is None:
        role = Role(unit_id=unit_id, name=name, lanes=list(lanes))
        session.add(role)
        session.flush()
    else:
        role.lanes = sorted(set(role.lanes) | set(lanes))
    return role


def create_user(session: Session, username: str, password: str, unit: Unit | None = None,
                roles: list[Role] = (), full_name: str = "", is_admin: bool = False,
                is_designer: bool = False) -> User:
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise EngineError(f"invalid username {username!r}: use letters, digits, '.', '_' or '-'")
    if len(password) < 8:
        raise EngineError("a password needs at least 8 characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise EngineError(f"user '{username}' already exists")
    user = User(username=username, full_name=full_name or username, unit_id=unit.id if unit else None,
                password_hash=generate_password_hash(password), is_admin=is_admin, is_designer=is_designer)
    user.roles = list(roles)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).options(joinedload(User.roles)).where(User.username == username)).unique().one_or_none()
    if user is None or not user.active:
        raise NotFound(f"user '{username}' does not exist or is inactive")
    return user


def users_serving(session: Session, unit_id: int | None, lane: str) -> list[User]:
    """The active users of a unit holding a role that names the lane."""
    users = session.scalars(
        select(User).options(selectinload(User.roles)).where(User.unit_id == unit_id, User.active.is_(True))
    )
    return [user for user in users if lane in user.lanes_in(unit_id)]


@dataclass(frozen=True)
class Actor:
    """Who is acting and which lanes they serve: all the runtime needs to authorize a call.

    Read with one narrow query instead of loading the user and role objects, because every task
    operation needs it.
    """

    id: int
    username: str
    unit_id: int | None
    is_admin: bool
    lanes: frozenset[str]

    def serves(self, unit_id: int | None, lane: str | None) -> bool:
        return unit_id is not None and unit_id == self.unit_id and lane in self.lanes


def get_actor(session: Session, username: str) -> Actor:
    rows = session.execute(
        select(User.id, User.unit_id, User.is_admin, Role.unit_id, Role.lanes)
        .select_from(User).outerjoin(user_roles, user_roles.c.user_id == User.id)
        .outerjoin(Role, Role.id == user_roles.c.role_id)
        .where(User.username == username, User.active.is_(True))
    ).all()
    if not rows:
        raise NotFound(f"user '{username}' does not exist or is inactive")
    user_id, unit_id, is_admin = rows[0][:3]
    lanes = frozenset(lane for *_, role_unit, role_lanes in rows
                      if role_lanes and role_unit in (None, unit_id) for lane in role_lanes)
    return Actor(user_id, username, unit_id, is_admin, lanes)


class ActorCache:
    """Actors of recent calls, kept a few seconds: a clerk working through a queue of tasks
    does not re-read their roles on every click. A role change takes effect within ``ttl``."""

    def __init__(self, ttl_seconds: float = 5.0):
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, Actor]] = {}

    def get(self, session: Session, username: str) -> Actor:
        now = time.monotonic()
        entry = self._entries.get(username)
        if entry is not None and now - entry[0] < self._ttl:
            return entry[1]
        actor = get_actor(session, username)
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[username] = (now, actor)
        return actor


def supervised_lanes(session: Session, username: str) -> tuple[int | None, frozenset[str]]:
    """The user's unit and the lanes whose late work escalates to them (their roles' ``supervises``)."""
    rows = session.execute(
        select(User.unit_id, Role.unit_id, Role.supervises)
        .select_from(User).join(user_roles, user_roles.c.user_id == User.id)
        .join(Role, Role.id == user_roles.c.role_id)
        .where(User.username == username, User.active.is_(True))
    ).all()
    lanes = frozenset(lane for unit_id, role_unit, supervises in rows
                      if supervises and role_unit in (None, unit_id) for lane in supervises)
    return (rows[0][0] if rows else None), lanes
