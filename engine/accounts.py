"""Password checks with lockout, and API bearer tokens.

Lockout protects the weak passwords real offices have: after MAX_FAILURES wrong passwords the
account is locked for LOCKOUT, and a locked account is refused even with the right password.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine import audit
from engine.models import User
from engine.timeutil import as_utc, utcnow

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
_DUMMY_HASH = generate_password_hash("not-a-password")


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt. Not an exception: a failure must still be committed."""

    user: User | None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def authenticate(session: Session, username: str, password: str, now: datetime | None = None) -> LoginResult:
    """Check a password; the caller commits the session either way so failures are counted."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)  # the same cost as a real check: no user enumeration
        return LoginResult(None)
    locked_until = as_utc(user.locked_until)
    if locked_until and locked_until > now:
        audit.record(session, username, "login.refused_locked", "user", user.id)
        return LoginResult(None, locked_until)
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
            audit.record(session, username, "login.locked", "user", user.id)
            return LoginResult(None, user.locked_until)
        audit.record(session, username, "login.failed", "user", user.id)
        return LoginResult(None)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, username, "login.succeeded", "user", user.id)
    return LoginResult(user)
