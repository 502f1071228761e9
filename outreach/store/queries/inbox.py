"""Inbound mail: the dedupe record, matching to our enrollments, IMAP cursors, inbox health.

Every function runs inside the caller's transaction. The effect of an inbound message and its
`inbound` row are written in one transaction (RELIABILITY 3.1), and the unique `dedupe_key`
makes a second writer of the same message fail instead of applying the effect twice.
Times are stored as naive UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from outreach.clock import naive_utc
from outreach.domain.outbox import OutboxState
from outreach.store.schema import (
    campaign,
    enrollment,
    inbound,
    inbox_cursor,
    influencer,
    mailbox,
    outbox,
    stage_history,
)

LIVE_STATUSES = ("active", "paused")
# Outbox rows not yet handed to SMTP: a stop condition may still cancel them.
UNSENT_STATES = (OutboxState.QUEUED.value, OutboxState.RETRY.value)


@dataclass(frozen=True)
class Target:
    """The enrollment an inbound message concerns, with what its effects need."""

    enrollment_id: int
    influencer_id: int
    email: str
    manager_email: str
    timezone: str
    campaign: str
    stage: str
    status: str
    next_due_at: datetime | None


def is_processed(conn: Connection, dedupe_key: str) -> bool:
    """One unique-index lookup; no writes."""
    found = conn.execute(select(inbound.c.id).where(inbound.c.dedupe_key == dedupe_key)).first()
    return found is not None


def record_inbound(conn: Connection, **values: Any) -> int:
    """Insert the processed-message row; IntegrityError when another poller stored it first."""
    values["processed_at"] = naive_utc(values["processed_at"])
    if values.get("received_at") is not None:
        values["received_at"] = naive_utc(values["received_at"])
    key = conn.execute(insert(inbound).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _target_query() -> Any:
    return (
        select(
            enrollment.c.id,
            enrollment.c.influencer_id,
            influencer.c.email,
            influencer.c.manager_email,
            influencer.c.timezone,
            campaign.c.slug,
            enrollment.c.stage,
            enrollment.c.status,
            enrollment.c.next_due_at,
        )
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
    )


def _target(row: Any) -> Target:
    return Target(
        enrollment_id=int(row.id),
        influencer_id=int(row.influencer_id),
        email=row.email,
        manager_email=row.manager_email,
        timezone=row.timezone,
        campaign=row.slug,
        stage=row.stage,
        status=row.status,
        next_due_at=row.next_due_at,
    )


def target_by_message_ids(conn: Connection, message_ids: Sequence[str]) -> Target | None:
    """The enrollment one of our sent Message-IDs belongs to; earlier ids in the list win."""
    ids = [m for m in message_ids if m]
    if not ids:
        return None
    rows = conn.execute(
        _target_query()
        .add_columns(outbox.c.message_id)
        .join(outbox, outbox.c.enrollment_id == enrollment.c.id)
        .where(outbox.c.message_id.in_(ids))
    ).all()
    if not rows:
        return None
    best = min(rows, key=lambda r: ids.index(r.message_id))
    return _target(best)


def target_by_address(conn: Connection, address: str) -> Target | None:
    """The most recent live enrollment of the influencer with this address or managed by it."""
    norm = address.strip().lower()
    if not norm:
        return None
    row = conn.execute(
        _target_query()
        .where(
            or_(influencer.c.email_norm == norm, func.lower(influencer.c.manager_email) == norm),
            enrollment.c.status.in_(LIVE_STATUSES),
        )
        .order_by(enrollment.c.created_at.desc(), enrollment.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _target(row)


def cancel_unsent(
    conn: Connection, enrollment_ids: Sequence[int], *, reason: str, at: datetime
) -> int:
    """Cancel the queued or retrying outbox rows of these enrollments; returns how many."""
    if not enrollment_ids:
        return 0
    res = conn.execute(
        update(outbox)
        .where(outbox.c.enrollment_id.in_(list(enrollment_ids)), outbox.c.state.in_(UNSENT_STATES))
        .values(state=OutboxState.CANCELLED.value, last_error=reason, updated_at=naive_utc(at))
    )
    return int(res.rowcount or 0)


def defer_enrollment(conn: Connection, enrollment_id: int, until: datetime, *, at: datetime) -> int:
    """Push the next step, and any unsent rendered step, to `until`; the status stays live.

    An unsent row keeps its relevance window: its expiry moves by the same amount.
    Returns how many outbox rows moved.
    """
    until_n = naive_utc(until)
    conn.execute(
        update(enrollment)
        .where(
            enrollment.c.id == enrollment_id,
            enrollment.c.next_due_at.is_not(None),
            enrollment.c.next_due_at < until_n,
        )
        .values(next_due_at=until_n)
    )
    rows = conn.execute(
        select(outbox.c.id, outbox.c.due_at, outbox.c.expires_at).where(
            outbox.c.enrollment_id == enrollment_id,
            outbox.c.state.in_(UNSENT_STATES),
            outbox.c.due_at < until_n,
        )
    ).all()
    for row in rows:
        shift = until_n - row.due_at
        conn.execute(
            update(outbox)
            .where(outbox.c.id == row.id)
            .values(
                due_at=until_n,
                expires_at=None if row.expires_at is None else row.expires_at + shift,
                updated_at=naive_utc(at),
            )
        )
    return len(rows)


def note_history(
    conn: Connection, enrollment_id: int, *, stage: str, cause: str, note: str, at: datetime
) -> None:
    """A history row that records an event without a stage move (from = to)."""
    conn.execute(
        insert(stage_history).values(
            enrollment_id=enrollment_id,
            from_stage=stage,
            to_stage=stage,
            cause=cause,
            note=note,
            at=naive_utc(at),
        )
    )


@dataclass(frozen=True)
class Cursor:
    uidvalidity: int | None
    last_uid: int


def get_cursor(conn: Connection, box: str, folder: str) -> Cursor | None:
    row = conn.execute(
        select(inbox_cursor.c.uidvalidity, inbox_cursor.c.last_uid).where(
            inbox_cursor.c.mailbox == box, inbox_cursor.c.folder == folder
        )
    ).first()
    return None if row is None else Cursor(row.uidvalidity, int(row.last_uid))


def set_cursor(
    conn: Connection, box: str, folder: str, *, uidvalidity: int, last_uid: int, at: datetime
) -> None:
    """Remember how far a folder was read (upsert)."""
    values = {"uidvalidity": uidvalidity, "last_uid": last_uid, "polled_at": naive_utc(at)}
    res = conn.execute(
        update(inbox_cursor)
        .where(inbox_cursor.c.mailbox == box, inbox_cursor.c.folder == folder)
        .values(**values)
    )
    if not res.rowcount:
        conn.execute(insert(inbox_cursor).values(mailbox=box, folder=folder, **values))


def mark_polled(conn: Connection, box: str, *, at: datetime, error: str) -> None:
    """After a poll: success sets inbox_polled_at and clears the error; failure keeps the last
    good time (the freshness window counts from it) and stores the error."""
    values: dict[str, Any] = {"inbox_error": error}
    if not error:
        values["inbox_polled_at"] = naive_utc(at)
    res = conn.execute(update(mailbox).where(mailbox.c.name == box).values(**values))
    if not res.rowcount:
        conn.execute(insert(mailbox).values(name=box, **values))


def list_inbound(
    conn: Connection, *, kind: str | None = None, unmatched: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """Processed messages newest first, with the influencer they matched."""
    query = (
        select(
            inbound.c.id,
            inbound.c.processed_at,
            inbound.c.mailbox,
            inbound.c.kind,
            inbound.c.from_addr,
            inbound.c.subject,
            inbound.c.effect,
            influencer.c.handle,
            campaign.c.slug.label("campaign"),
        )
        .select_from(inbound)
        .outerjoin(enrollment, enrollment.c.id == inbound.c.enrollment_id)
        .outerjoin(influencer, influencer.c.id == enrollment.c.influencer_id)
        .outerjoin(campaign, campaign.c.id == enrollment.c.campaign_id)
        .order_by(inbound.c.processed_at.desc(), inbound.c.id.desc())
        .limit(limit)
    )
    if kind:
        query = query.where(inbound.c.kind == kind)
    if unmatched:
        query = query.where(inbound.c.enrollment_id.is_(None))
    return [dict(row._mapping) for row in conn.execute(query)]


def get_inbound(conn: Connection, inbound_id: int) -> dict[str, Any] | None:
    """One processed message with its stored own text and details (not the raw bytes)."""
    row = conn.execute(
        select(
            *[c for c in inbound.c if c.name != "raw"],
            influencer.c.handle,
            influencer.c.name.label("influencer_name"),
            campaign.c.slug.label("campaign"),
        )
        .select_from(inbound)
        .outerjoin(enrollment, enrollment.c.id == inbound.c.enrollment_id)
        .outerjoin(influencer, influencer.c.id == enrollment.c.influencer_id)
        .outerjoin(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(inbound.c.id == inbound_id)
    ).first()
    return None if row is None else dict(row._mapping)


def inbox_health(conn: Connection) -> dict[str, tuple[datetime | None, str]]:
    """Mailbox name -> (last successful inbox read, last error); one small table scan."""
    rows = conn.execute(select(mailbox.c.name, mailbox.c.inbox_polled_at, mailbox.c.inbox_error))
    return {r.name: (r.inbox_polled_at, r.inbox_error) for r in rows}


def inbox_fresh(conn: Connection, box: str, *, since: datetime) -> bool:
    """True when the mailbox's inbox was read successfully at or after `since`.

    Follow-ups wait while this is false: an opt-out reply is only seen when the inbox is read.
    """
    found = conn.execute(
        select(mailbox.c.id).where(
            mailbox.c.name == box, mailbox.c.inbox_polled_at >= naive_utc(since)
        )
    ).first()
    return found is not None
