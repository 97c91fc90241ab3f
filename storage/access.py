"""Who may see which document: the one rule, expressed as a SQL condition.

Exempt information (dikecualikan, UU 14/2008 Pasal 17) must never reach anyone not entitled to it,
so the rule is a WHERE clause that every catalog query includes (search hits, facet counts,
snippets, lists, get by id) rather than a filter applied to results: a document the viewer may not
see is never read, counted or summarized for them, and asking for it by id is indistinguishable
from asking for an id that does not exist.

Entitled to exempt documents: admins; holders of a role whose lanes (or whose name) is one of
``ALUR_EXEMPT_ROLES`` (default below: the PPID roles of Permendagri 3/2017 and the seeds' names);
and the staff of the unit that holds the document. A document not yet classified is treated as
possibly exempt. A public visitor (no account) sees only published documents of a public class.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.models import Role, User, user_roles
from engine.organization import Actor, get_actor
from storage.models import PUBLIC_CLASSES, Document

EXEMPT_ROLES_VARIABLE = "ALUR_EXEMPT_ROLES"
DEFAULT_EXEMPT_ROLES = ("PPID", "PPID Utama", "PPID Pelaksana", "PPID Pembantu", "Atasan PPID",
                        "TIM PPID Pembantu")


def exempt_roles(env: dict[str, str] | None = None) -> frozenset[str]:
    """Role or lane names entitled to exempt documents: comma-separated in ALUR_EXEMPT_ROLES."""
    raw = (os.environ if env is None else env).get(EXEMPT_ROLES_VARIABLE, "")
    names = [name.strip() for name in raw.split(",") if name.strip()]
    return frozenset(names or DEFAULT_EXEMPT_ROLES)


@dataclass(frozen=True)
class Viewer:
    """The person a catalog query is run for; ``username`` is what the audit trail records."""

    username: str
    unit_id: int | None
    is_admin: bool = False
    sees_exempt: bool = False  # admin or holder of an exempt role
    is_public: bool = False    # an anonymous visitor of the published DIP

    @classmethod
    def from_actor(cls, actor: Actor, role_names: frozenset[str] | set[str] | tuple = (),
                   entitled: frozenset[str] | None = None) -> "Viewer":
        entitled = exempt_roles() if entitled is None else entitled
        holds = bool((set(actor.lanes) | set(role_names)) & entitled)
        return cls(actor.username, actor.unit_id, actor.is_admin, actor.is_admin or holds)

    @classmethod
    def public(cls) -> "Viewer":
        return cls("anonymous", None, is_public=True)

    @classmethod
    def system(cls) -> "Viewer":
        """The archive itself (scheduled expiry, the OCR worker): sees everything, audited as 'system'."""
        return cls("system", None, is_admin=True, sees_exempt=True)


def load_viewer(session: Session, username: str, entitled: frozenset[str] | None = None) -> Viewer:
    """The viewer for an active user: lanes from :func:`get_actor`, plus the names of their roles."""
    actor = get_actor(session, username)
    names = session.scalars(
        select(Role.name).join(user_roles, user_roles.c.role_id == Role.id)
        .join(User, User.id == user_roles.c.user_id)
        .where(User.id == actor.id, or_(Role.unit_id.is_(None), Role.unit_id == actor.unit_id)))
    return Viewer.from_actor(actor, frozenset(names), entitled)


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """The condition a Document row must meet to be seen by ``viewer``; include it in every query."""
    public_class = Document.klasifikasi.in_(PUBLIC_CLASSES)
    if viewer.is_public:
        return and_(public_class, Document.published.is_(True))
    if viewer.sees_exempt:
        return true()
    own_unit = Document.unit_id == viewer.unit_id if viewer.unit_id is not None else false()
    return or_(public_class, own_unit)


def may_add_to(viewer: Viewer, unit_id: int) -> bool:
    """Staff file documents for their own unit; the PPID roles and admins for any unit."""
    return not viewer.is_public and (viewer.sees_exempt or viewer.unit_id == unit_id)


def may_administer(viewer: Viewer) -> bool:
    """Reclassify, hold, delete: setting or lifting an exemption is the PPID's and Atasan PPID's
    decision (UU 14/2008 Pasal 19, uji konsekuensi), so it is theirs (and admins') alone."""
    return not viewer.is_public and viewer.sees_exempt
