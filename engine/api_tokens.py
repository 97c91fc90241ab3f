"""Bearer tokens for the REST API: issued after a password check, stored only as a SHA-256 hash.

The plaintext is shown to the client once, at issue time. A database leak therefore yields no
usable token; an expired or revoked token, or one of an inactive user, authenticates nobody.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from engine import audit
from engine.db import Base
from engine.models import User
from engine.timeutil import as_utc, utcnow

DEFAULT_TTL = timedelta(hours=8)
LAST_USED_RESOLUTION = timedelta(minutes=1)  # at most one write per token and minute


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(default=False)
    user: Mapped[User] = relationship()


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, ttl: timedelta = DEFAULT_TTL,
                now: datetime | None = None) -> tuple[str, ApiToken]:
    """A new token for the user; the plaintext is returned here and never stored."""
    now = now or utcnow()
    plaintext = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=hash_token(plaintext), created_at=now, expires_at=now + ttl)
    session.add(token)
    session.flush()
    audit.record(session, user.username, "api_token.issued", "api_token", token.id)
    return plaintext, token


def _find(session: Session, plaintext: str) -> ApiToken | None:
    if not plaintext:
        return None
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))


def user_for_token(session: Session, plaintext: str, now: datetime | None = None) -> User | None:
    """The active user a valid token belongs to; None for unknown, expired or revoked tokens."""
    now = now or utcnow()
    token = _find(session, plaintext)
    if token is None or token.revoked or as_utc(token.expires_at) <= now:
        return None
    user = session.scalars(
        select(User).options(joinedload(User.roles)).where(User.id == token.user_id)
    ).unique().one_or_none()
    if user is None or not user.active:
        return None
    last_used = as_utc(token.last_used_at)
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return user


def revoke(session: Session, plaintext: str) -> bool:
    """Revoke a token; False if it does not exist. Revoking twice is harmless."""
    token = _find(session, plaintext)
    if token is None:
        return False
    if not token.revoked:
        token.revoked = True
        audit.record(session, token.user.username, "api_token.revoked", "api_token", token.id)
    return True
