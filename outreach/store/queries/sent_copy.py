"""`sent_copy`: accepted messages waiting to be appended to their mailbox's Sent folder.

A row is queued in the transaction that records the send. A pass claims due rows by moving
`next_attempt_at` one lease ahead and counting the attempt (compare-and-set on `attempts`, so
two workers never take the same row), then marks each appended, for retry, failed or skipped,
again only while `attempts` is still its own. The outbox row is never written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from outreach.clock import naive_utc, utc
from outreach.store.schema import outbox, outbox_message, sent_copy

QUEUED = "queued"
APPENDED = "appended"
FAILED = "failed"
SKIPPED = "skipped"


@dataclass(frozen=True)
class Copy:
    outbox_id: int
    mailbox: str
    attempts: int  # this attempt's number (1 = first): the fencing token of its marks
    message_id: str
    sent_at: datetime | None
    raw: bytes | None  # None when the outbox's bytes are gone (the person was forgotten)


def queue(conn: Connection, rows: Sequence[tuple[int, str]], now: datetime) -> None:
    """A copy to append for each (outbox_id, mailbox). A row sent again by `outbox resend`
    already has one: the insert then does nothing."""
    if not rows:
        return
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    at = naive_utc(now)
    conn.execute(
        dialect_insert(sent_copy).on_conflict_do_nothing(index_elements=["outbox_id"]),
        [
            {
                "outbox_id": outbox_id,
                "mailbox": box,
                "state": QUEUED,
                "attempts": 0,
                "next_attempt_at": at,
                "created_at": at,
            }
            for outbox_id, box in rows
        ],
    )


def has_due(conn: Connection, mailbox: str, now: datetime) -> bool:
    return (
        conn.execute(
            select(sent_copy.c.outbox_id)
            .where(
                sent_copy.c.state == QUEUED,
                sent_copy.c.next_attempt_at <= naive_utc(now),
                sent_copy.c.mailbox == mailbox,
            )
            .limit(1)
        ).first()
        is not None
    )


def claim(
    conn: Connection, mailbox: str, now: datetime, *, lease_seconds: float, limit: int
) -> list[Copy]:
    """Take up to `limit` due copies of `mailbox`, oldest first, each with its bytes."""
    due = conn.execute(
        select(
            sent_copy.c.outbox_id,
            sent_copy.c.attempts,
            outbox.c.message_id,
            outbox.c.sent_at,
            outbox_message.c.raw,
        )
        .join(outbox, outbox.c.id == sent_copy.c.outbox_id)
        .outerjoin(outbox_message, outbox_message.c.outbox_id == sent_copy.c.outbox_id)
        .where(
            sent_copy.c.state == QUEUED,
            sent_copy.c.next_attempt_at <= naive_utc(now),
            sent_copy.c.mailbox == mailbox,
        )
        .order_by(sent_copy.c.next_attempt_at, sent_copy.c.outbox_id)
        .limit(limit)
    ).all()
    lease = naive_utc(now + timedelta(seconds=lease_seconds))
    taken = []
    for row in due:
        took = conn.execute(
            update(sent_copy)
            .where(
                sent_copy.c.outbox_id == row.outbox_id,
                sent_copy.c.state == QUEUED,
                sent_copy.c.attempts == row.attempts,
            )
            .values(attempts=row.attempts + 1, next_attempt_at=lease)
        ).rowcount
        if took:
            taken.append(
                Copy(
                    row.outbox_id,
                    mailbox,
                    row.attempts + 1,
                    row.message_id,
                    utc(row.sent_at) if row.sent_at is not None else None,
                    row.raw,
                )
            )
    return taken


def _mark(conn: Connection, copy: Copy, **values: Any) -> bool:
    return (
        conn.execute(
            update(sent_copy)
            .where(
                sent_copy.c.outbox_id == copy.outbox_id,
                sent_copy.c.state == QUEUED,
                sent_copy.c.attempts == copy.attempts,
            )
            .values(**values)
        ).rowcount
        == 1
    )


def mark_appended(conn: Connection, copy: Copy, folder: str, now: datetime) -> bool:
    return _mark(
        conn,
        copy,
        state=APPENDED,
        folder=folder,
        next_attempt_at=None,
        last_error="",
        done_at=naive_utc(now),
    )


def mark_retry(conn: Connection, copy: Copy, at: datetime, error: str) -> bool:
    return _mark(conn, copy, next_attempt_at=naive_utc(at), last_error=error)


def mark_final(conn: Connection, copy: Copy, state: str, error: str, now: datetime) -> bool:
    """`failed` (gave up) or `skipped` (nothing to append), with the reason."""
    return _mark(
        conn, copy, state=state, next_attempt_at=None, last_error=error, done_at=naive_utc(now)
    )


def skip_queued(conn: Connection, mailbox: str, why: str, now: datetime) -> int:
    """Every queued copy of `mailbox`, claimed or not: its Sent folder is not ours to fill."""
    return conn.execute(
        update(sent_copy)
        .where(sent_copy.c.mailbox == mailbox, sent_copy.c.state == QUEUED)
        .values(state=SKIPPED, next_attempt_at=None, last_error=why, done_at=naive_utc(now))
    ).rowcount


def retry_failed(conn: Connection, now: datetime, mailbox: str | None = None) -> int:
    """Failed copies queued again, due now, with their attempts counted from 1 (after the
    cause was fixed): the next is a second attempt, which looks for the message in the folder
    before appending (one that failed may have been stored by an attempt whose answer was
    lost), and max_attempts - 1 more follow before it fails again."""
    query = update(sent_copy).where(sent_copy.c.state == FAILED)
    if mailbox is not None:
        query = query.where(sent_copy.c.mailbox == mailbox)
    return conn.execute(
        query.values(state=QUEUED, attempts=1, next_attempt_at=naive_utc(now), done_at=None)
    ).rowcount


@dataclass(frozen=True)
class Backlog:
    mailbox: str
    queued: int
    failed: int
    oldest_queued: datetime | None
    last_error: str  # of the latest failed copy, else of the latest queued one that failed once


def backlog(conn: Connection) -> list[Backlog]:
    """Queued and failed copies per mailbox (mailboxes with neither are left out)."""
    open_rows = sent_copy.c.state.in_([QUEUED, FAILED])
    counts = conn.execute(
        select(
            sent_copy.c.mailbox,
            func.count().filter(sent_copy.c.state == QUEUED),
            func.count().filter(sent_copy.c.state == FAILED),
            func.min(sent_copy.c.created_at).filter(sent_copy.c.state == QUEUED),
        )
        .where(open_rows)
        .group_by(sent_copy.c.mailbox)
        .order_by(sent_copy.c.mailbox)
    ).all()
    out = []
    for box, queued, failed, oldest in counts:
        error = conn.execute(
            select(sent_copy.c.last_error)
            .where(and_(open_rows, sent_copy.c.mailbox == box, sent_copy.c.last_error != ""))
            .order_by((sent_copy.c.state == FAILED).desc(), sent_copy.c.outbox_id.desc())
            .limit(1)
        ).scalar()
        out.append(
            Backlog(
                box,
                int(queued),
                int(failed),
                utc(oldest) if oldest is not None else None,
                error or "",
            )
        )
    return out
