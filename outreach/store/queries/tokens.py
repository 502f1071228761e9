"""`oauth_token`: each OAuth2 mailbox's sealed tokens. The bytes are opaque here: sealing and
opening them is the caller's (services.mailbox.oauth), so no clear token passes through SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from outreach.clock import naive_utc, utc
from outreach.store.schema import mailbox, oauth_token


@dataclass(frozen=True)
class StoredToken:
    mailbox: str
    provider: str
    account: str
    sealed: bytes = field(repr=False)
    access_expires_at: datetime | None  # aware UTC
    obtained_at: datetime
    refreshed_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str


def _aware(value: datetime | None) -> datetime | None:
    return utc(value) if value is not None else None


def get_token(conn: Connection, mailbox: str) -> StoredToken | None:
    row = conn.execute(select(oauth_token).where(oauth_token.c.mailbox == mailbox)).first()
    if row is None:
        return None
    return StoredToken(
        row.mailbox,
        row.provider,
        row.account,
        bytes(row.sealed),
        _aware(row.access_expires_at),
        utc(row.obtained_at),
        _aware(row.refreshed_at),
        _aware(row.revoked_at),
        row.revoked_reason,
    )


def save_login(
    conn: Connection,
    mailbox: str,
    *,
    provider: str,
    account: str,
    sealed: bytes,
    access_expires_at: datetime | None,
    at: datetime,
) -> None:
    """A new login replaces whatever was stored (a revoked login included)."""
    conn.execute(delete(oauth_token).where(oauth_token.c.mailbox == mailbox))
    conn.execute(
        insert(oauth_token).values(
            mailbox=mailbox,
            provider=provider,
            account=account,
            sealed=sealed,
            access_expires_at=naive_utc(access_expires_at) if access_expires_at else None,
            obtained_at=naive_utc(at),
        )
    )


def save_refresh(
    conn: Connection,
    mailbox: str,
    *,
    was: bytes,
    sealed: bytes,
    access_expires_at: datetime | None,
    at: datetime,
) -> bool:
    """Store refreshed tokens if the row still holds `was` (compare-and-set: another process
    that refreshed first wins, and its tokens are the ones kept). True when stored."""
    done = conn.execute(
        update(oauth_token)
        .where(
            oauth_token.c.mailbox == mailbox,
            oauth_token.c.sealed == was,
            oauth_token.c.revoked_at.is_(None),
        )
        .values(
            sealed=sealed,
            access_expires_at=naive_utc(access_expires_at) if access_expires_at else None,
            refreshed_at=naive_utc(at),
        )
    ).rowcount
    return bool(done)


def mark_revoked(conn: Connection, mailbox: str, *, was: bytes, reason: str, at: datetime) -> bool:
    """The provider refused the stored refresh token: keep the row (for `mailbox status`) but
    mark it, unless another process replaced it meanwhile. True when marked."""
    done = conn.execute(
        update(oauth_token)
        .where(oauth_token.c.mailbox == mailbox, oauth_token.c.sealed == was)
        .values(revoked_at=naive_utc(at), revoked_reason=reason)
    ).rowcount
    return bool(done)


def lift_revoked_pause(conn: Connection, name: str, reason_prefix: str) -> str:
    """Lift the mailbox's pause if a revoked login made it (its reason starts with
    `reason_prefix`), not a pause by hand or the breaker's; returns the reason lifted or ''."""
    row = conn.execute(
        select(mailbox.c.paused_until, mailbox.c.pause_reason).where(mailbox.c.name == name)
    ).first()
    if row is None or row.paused_until is None or not row.pause_reason.startswith(reason_prefix):
        return ""
    conn.execute(
        update(mailbox)
        .where(mailbox.c.name == name)
        .values(paused_until=None, pause_reason="", sender_faults=0)
    )
    return str(row.pause_reason)
