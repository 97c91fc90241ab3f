"""Who does the work: units (agencies), roles (which lanes they serve) and users."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, UtcDateTime
from engine.timeutil import utcnow

user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Unit(Base):
    """An agency (perangkat daerah / biro); cases and their staff belong to one."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))


class Role(Base):
    """A role within a unit, serving the lanes it names.

    Role names differ per agency (domain.md), so a role is data: it lists the lane names
    (as the SOPs write them) whose tasks its holders may do.
    """

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    lanes: Mapped[list[str]] = mapped_column(JSON, default=list)
    supervises: Mapped[list[str]] = mapped_column(JSON, default=list)  # lanes whose late work escalates here
    unit: Mapped[Unit | None] = relationship()


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_designer: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    unit: Mapped[Unit | None] = relationship()
    roles: Mapped[list[Role]] = relationship(secondary=user_roles)

    def lanes_in(self, unit_id: int | None) -> set[str]:
        """The lanes this user serves in cases of the given unit."""
        if unit_id is None or unit_id != self.unit_id:
            return set()
        return {lane for role in self.roles if role.unit_id in (None, unit_id) for lane in role.lanes}
