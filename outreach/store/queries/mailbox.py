"""The mailbox row: per-mailbox rate tokens, the sender-fault circuit breaker, a pause by hand,
its configuration fingerprint and its inbox's health.

Every function runs in the caller's transaction. Times are stored naive UTC.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from outreach.clock import naive_utc, utc
from outreach.store.schema import (
    mailbox,
    outbox,
)
from outreach.store.session import is_sqlite

HELD_UNTIL = datetime(2999, 1, 1)  # naive UTC: "until resumed", for a paused mailbox or enrollment


def stale_inboxes(conn: Connection, names: Iterable[str], *, polled_before: datetime) -> set[str]:
    """Mailboxes (of `names`) whose inbox was never read or not since `polled_before`."""
    names = list(names)
    if not names:
        return set()
    fresh = conn.execute(
        select(mailbox.c.name).where(
            mailbox.c.name.in_(names), mailbox.c.inbox_polled_at >= naive_utc(polled_before)
        )
    )
    return set(names) - set(fresh.scalars())


@dataclass(frozen=True)
class MailboxLimits:
    """Per-mailbox rate limits (from config) and the day they count in."""

    daily_cap: int
    min_gap_seconds: float
    jitter_seconds: float
    today: date


def ensure_mailboxes(conn: Connection, names: Iterable[str]) -> None:
    """A row for each mailbox. Two workers starting together both insert: the second insert
    does nothing (ON CONFLICT), rather than failing on the unique name."""
    have = set(conn.execute(select(mailbox.c.name)).scalars())
    missing = sorted(set(names) - have)
    if missing:
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            dialect_insert(mailbox).on_conflict_do_nothing(index_elements=["name"]),
            [{"name": name} for name in missing],
        )


def available_tokens(
    conn: Connection, name: str, limits: MailboxLimits, now: datetime, want: int
) -> int:
    """How many sends the mailbox allows now (daily cap, gap, pause); locks its row on PostgreSQL
    so concurrent claimers serialise on it (SQLite: the BEGIN IMMEDIATE lock does that)."""
    query = select(mailbox).where(mailbox.c.name == name)
    if not is_sqlite(conn):
        query = query.with_for_update()
    row = conn.execute(query).mappings().one()
    if row["paused_until"] is not None and utc(row["paused_until"]) > now:
        return 0
    sent_today = row["sent_today"] if row["day"] == limits.today else 0
    tokens = min(want, limits.daily_cap - sent_today)
    if limits.min_gap_seconds > 0:
        if row["next_slot_at"] is not None and utc(row["next_slot_at"]) > now:
            return 0
        tokens = min(tokens, 1)
    return max(tokens, 0)


def reserve_tokens(
    conn: Connection,
    name: str,
    limits: MailboxLimits,
    now: datetime,
    taken: int,
    rng: random.Random,
) -> None:
    """Count `taken` sends against today's cap and push the next slot out by gap + jitter."""
    day, sent = conn.execute(
        select(mailbox.c.day, mailbox.c.sent_today).where(mailbox.c.name == name)
    ).one()
    values: dict[str, Any] = {
        "day": limits.today,
        "sent_today": (sent if day == limits.today else 0) + taken,
    }
    if limits.min_gap_seconds > 0:
        gap = limits.min_gap_seconds + rng.random() * limits.jitter_seconds
        values["next_slot_at"] = naive_utc(now + timedelta(seconds=gap))
    conn.execute(update(mailbox).where(mailbox.c.name == name).values(**values))


def refund_token(conn: Connection, name: str, today: date) -> None:
    """Give back a token a claim reserved but never used on the wire (released or cancelled)."""
    conn.execute(
        update(mailbox)
        .where(mailbox.c.name == name, mailbox.c.day == today, mailbox.c.sent_today > 0)
        .values(sent_today=mailbox.c.sent_today - 1)
    )


def record_sender_fault(
    conn: Connection, name: str, now: datetime, *, threshold: int, pause_minutes: float, reason: str
) -> bool:
    """Count a fault of ours in a row; at `threshold` pause the mailbox. True when it paused."""
    conn.execute(
        update(mailbox)
        .where(mailbox.c.name == name)
        .values(sender_faults=mailbox.c.sender_faults + 1)
    )
    faults = conn.execute(
        select(mailbox.c.sender_faults).where(mailbox.c.name == name)
    ).scalar_one()
    if faults < threshold:
        return False
    until = naive_utc(now + timedelta(minutes=pause_minutes))
    conn.execute(
        update(mailbox)
        # A longer pause already in force (by hand, or until an OAuth2 login) is kept.
        .where(
            mailbox.c.name == name,
            or_(mailbox.c.paused_until.is_(None), mailbox.c.paused_until < until),
        )
        .values(
            paused_until=until,
            pause_reason=reason,
            sender_faults=0,
        )
    )
    return True


def clear_sender_faults(conn: Connection, name: str) -> None:
    conn.execute(
        update(mailbox)
        .where(mailbox.c.name == name, mailbox.c.sender_faults > 0)
        .values(sender_faults=0)
    )


OVERVIEW_COLUMNS = (
    outbox.c.id,
    outbox.c.state,
    outbox.c.mailbox,
    outbox.c.email_norm,
    outbox.c.step,
    outbox.c.attempt,
    outbox.c.due_at,
    outbox.c.sent_at,
    outbox.c.subject,
    outbox.c.last_error,
)


def mailboxes(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(mailbox).order_by(mailbox.c.name)).mappings()]


def ensure_mailbox(conn: Connection, box: str) -> None:
    """The mailbox row that counts sender faults, created when a bounce arrives first."""
    ensure_mailboxes(conn, [box])


def mark_polled(conn: Connection, box: str, *, at: datetime, error: str) -> None:
    """After a poll: success sets inbox_polled_at and clears the error; failure keeps the last
    good time (the freshness window counts from it) and stores the error."""
    values: dict[str, Any] = {"inbox_error": error}
    if not error:
        values["inbox_polled_at"] = naive_utc(at)
    ensure_mailboxes(conn, [box])  # two pollers' first pass must not both insert it
    conn.execute(update(mailbox).where(mailbox.c.name == box).values(**values))


def inbox_health(conn: Connection) -> dict[str, tuple[datetime | None, str]]:
    """Mailbox name -> (last successful inbox read, last error); one small table scan."""
    rows = conn.execute(select(mailbox.c.name, mailbox.c.inbox_polled_at, mailbox.c.inbox_error))
    return {r.name: (r.inbox_polled_at, r.inbox_error) for r in rows}


MAILBOX_PAUSED_BY_HAND = "paused by hand (outreach mailbox pause)"


def pause_mailbox(conn: Connection, name: str, *, reason: str = MAILBOX_PAUSED_BY_HAND) -> None:
    """No claims for this mailbox until `resume_mailbox` (its row exists once it was used)."""
    ensure_mailbox(conn, name)
    conn.execute(
        update(mailbox)
        .where(mailbox.c.name == name)
        .values(paused_until=HELD_UNTIL, pause_reason=reason)
    )


def resume_mailbox(conn: Connection, name: str) -> str:
    """Lift any pause (by hand or by the breaker) and the fault count; returns what it was."""
    ensure_mailbox(conn, name)
    was = conn.execute(
        select(mailbox.c.paused_until, mailbox.c.pause_reason).where(mailbox.c.name == name)
    ).one()
    conn.execute(
        update(mailbox)
        .where(mailbox.c.name == name)
        .values(paused_until=None, pause_reason="", sender_faults=0)
    )
    return str(was.pause_reason) if was.paused_until is not None else ""


def note_mailbox_config(conn: Connection, name: str, fingerprint: str, now: datetime) -> str:
    """Store the settings' fingerprint; when it changed while the breaker held the mailbox,
    lift that pause and return its reason ('' otherwise). A pause by hand stays."""
    ensure_mailbox(conn, name)
    row = conn.execute(
        select(mailbox.c.config_hash, mailbox.c.paused_until, mailbox.c.pause_reason).where(
            mailbox.c.name == name
        )
    ).one()
    lifted = ""
    if row.config_hash != fingerprint:
        breaker = (
            row.paused_until is not None
            and utc(row.paused_until) > now
            and row.pause_reason != MAILBOX_PAUSED_BY_HAND
        )
        values: dict[str, object] = {"config_hash": fingerprint}
        if breaker and row.config_hash:
            values.update(paused_until=None, pause_reason="", sender_faults=0)
            lifted = str(row.pause_reason)
        conn.execute(update(mailbox).where(mailbox.c.name == name).values(**values))
    return lifted
