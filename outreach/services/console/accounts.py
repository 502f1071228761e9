"""Console users, sign-in and sessions.

Passwords are kept as argon2id hashes (argon2-cffi's defaults, RFC 9106's second recommended
option). A session cookie is 32 random bytes; the store keeps its sha256, so a copy of the
database signs nobody in. Each session has its own CSRF token (a synchroniser token, OWASP
CSRF Prevention Cheat Sheet)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine

from outreach.clock import naive_utc
from outreach.errors import InputError
from outreach.store.queries import console as q
from outreach.store.session import reading, writing

ROLES = ("viewer", "operator", "admin")
SESSION_HOURS = 12
LOCAL_USER = "local"  # who acts on a loopback console that has no users
_hasher = PasswordHasher()
# Verifying a name that does not exist still costs one argon2 verification, so the time of a
# failed sign-in does not tell which names exist.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Session:
    user: str
    role: str
    csrf: str
    token_hash: str

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def add_user(engine: Engine, name: str, password: str, role: str, now: datetime) -> bool:
    """Create the user, or set a new password and role for an existing one: True if created."""
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InputError(f"bad user name {name!r}", field="name", hint="one word, no spaces")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}", field="role", hint="one of " + ", ".join(ROLES))
    if len(password) < 10:
        raise InputError(
            "the password is too short", field="password", hint="10 characters or more"
        )
    hashed = _hasher.hash(password)
    with writing(engine) as conn:
        if q.get_user(conn, name) is None:
            q.insert_user(conn, name, hashed, role, naive_utc(now))
            created = True
        else:
            q.update_user(conn, name, hashed, role)
            created = False
        q.insert_audit(
            conn,
            at=naive_utc(now),
            user_name="(command line)",
            action="adduser" if created else "setuser",
            target=name,
            outcome=f"role {role}",
        )
    return created


def users(engine: Engine) -> list[dict[str, object]]:
    with reading(engine) as conn:
        return q.list_users(conn)


def user_count(engine: Engine) -> int:
    with reading(engine) as conn:
        return q.count_users(conn)


def check_password(engine: Engine, name: str, password: str) -> str | None:
    """The user's role when the password is right, else None (same cost either way)."""
    with reading(engine) as conn:
        user = q.get_user(conn, name)
    try:
        _hasher.verify(user["password_hash"] if user else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    return str(user["role"]) if user else None


def open_session(engine: Engine, user: str, role: str, now: datetime) -> tuple[str, Session]:
    """A new session: (the cookie value, the session)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    at = naive_utc(now)
    with writing(engine) as conn:
        q.delete_expired_sessions(conn, at)
        q.insert_session(
            conn, _digest(token), user, role, csrf, at, at + timedelta(hours=SESSION_HOURS)
        )
    return token, Session(user, role, csrf, _digest(token))


def find_session(engine: Engine, token: str, now: datetime) -> Session | None:
    with reading(engine) as conn:
        row = q.get_session(conn, _digest(token), naive_utc(now))
    if row is None:
        return None
    return Session(row["user_name"], row["role"], row["csrf"], row["token_hash"])


def close_session(engine: Engine, session: Session) -> None:
    with writing(engine) as conn:
        q.delete_session(conn, session.token_hash)
