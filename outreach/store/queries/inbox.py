"""Inbound mail: the dedupe record, matching to our enrollments, IMAP cursors, inbox health.

Every function runs inside the caller's transaction. The effect of an inbound message and its
`inbound` row are written in one transaction (so a crash cannot leave an effect without its
record, or a record without its effect), and the unique `dedupe_key` makes a second writer of
the same message fail instead of applying the effect twice.
Times are stored as naive UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update

from outreach.clock import naive_utc
from outreach.domain.outbox import OutboxState
from outreach.store.queries.outbox import ensure_mailboxes
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


@dataclass(frozen=True)
class Sent:
    """One message we sent (an outbox row) and the enrollment it belongs to."""

    message_id: str
    mailbox: str
    recipients: frozenset[str]  # lower-cased: the envelope recipients and the influencer's address
    owners: frozenset[str]  # who may write in its thread: recipients, influencer, manager
    target: Target


def is_processed(conn: Connection, dedupe_key: str) -> bool:
    """One unique-index lookup; no writes."""
    found = conn.execute(select(inbound.c.id).where(inbound.c.dedupe_key == dedupe_key)).first()
    return found is not None


_KNOWN = select(inbound.c.dedupe_key).where(
    inbound.c.dedupe_key.in_(bindparam("keys", expanding=True))
)


def known_keys(conn: Connection, keys: Iterable[str]) -> set[str]:
    """Which of these dedupe keys are already recorded: one indexed query per 500."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(conn.execute(_KNOWN, {"keys": wanted[start : start + 500]}).scalars())
    return found


# The statements a poll runs for most messages, built once: building one costs several times
# executing it, and a first poll runs them thousands of times.
_INSERT_INBOUND = insert(inbound)
_SET_EFFECT = (
    update(inbound).where(inbound.c.id == bindparam("_id")).values(effect=bindparam("_effect"))
)
_STOP = (
    update(enrollment)
    .where(enrollment.c.id == bindparam("_id"), enrollment.c.status.in_(("active", "paused")))
    .values(status="stopped", stop_reason=bindparam("_reason"), next_due_at=None)
)
_MOVE = (
    update(enrollment)
    .where(enrollment.c.id == bindparam("_id"), enrollment.c.stage == bindparam("_expected"))
    .values(stage=bindparam("_to"), stage_changed_at=bindparam("_at"))
)
_HISTORY = insert(stage_history)
_PENDING_HISTORY = "outreach.inbox.pending_history"


def _history(conn: Connection, row: dict[str, Any]) -> None:
    """A stage-history row: now, or with the batch when inside `history_batched`."""
    pending = conn.info.get(_PENDING_HISTORY)
    if pending is None:
        conn.execute(_HISTORY, row)
    else:
        pending.append(row)


@contextmanager
def history_batched(conn: Connection) -> Iterator[None]:
    """Inside the caller's transaction: the history rows this module writes are inserted in one
    executemany when the block ends (nothing in a poll reads them back meanwhile)."""
    conn.info[_PENDING_HISTORY] = []
    try:
        yield
        rows = conn.info[_PENDING_HISTORY]
        if rows:
            conn.execute(_HISTORY, rows)
    finally:
        conn.info.pop(_PENDING_HISTORY, None)


def record_inbound(conn: Connection, **values: Any) -> int:
    """Insert the processed-message row; IntegrityError when another poller stored it first."""
    values["processed_at"] = naive_utc(values["processed_at"])
    if values.get("received_at") is not None:
        values["received_at"] = naive_utc(values["received_at"])
    key = conn.execute(_INSERT_INBOUND, values).inserted_primary_key
    assert key is not None
    return int(key[0])


_STOP_AND_MOVE = (
    update(enrollment)
    .where(
        enrollment.c.id == bindparam("_id"),
        enrollment.c.stage == bindparam("_expected"),
        enrollment.c.status.in_(("active", "paused")),
    )
    .values(
        status="stopped",
        stop_reason=bindparam("_reason"),
        next_due_at=None,
        stage=bindparam("_to"),
        stage_changed_at=bindparam("_at"),
    )
)


def stop_and_move(
    conn: Connection,
    enrollment_id: int,
    *,
    reason: str,
    to: str,
    expected: str,
    cause: str,
    note: str,
    at: datetime,
) -> bool:
    """Stop a live enrollment and move its stage from `expected` in one statement (a reply's
    usual effect); False, with nothing written, when it is not live or not at `expected`."""
    at_n = naive_utc(at)
    done = conn.execute(
        _STOP_AND_MOVE,
        {"_id": enrollment_id, "_expected": expected, "_to": to, "_reason": reason, "_at": at_n},
    )
    if done.rowcount != 1:
        return False
    _history(
        conn,
        {
            "enrollment_id": enrollment_id,
            "from_stage": expected,
            "to_stage": to,
            "cause": cause,
            "note": note,
            "at": at_n,
        },
    )
    return True


def record_inbound_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert processed-message rows in one executemany (the same columns in each)."""
    if not rows:
        return
    for values in rows:
        values["processed_at"] = naive_utc(values["processed_at"])
        if values.get("received_at") is not None:
            values["received_at"] = naive_utc(values["received_at"])
    conn.execute(_INSERT_INBOUND, list(rows))


def set_manager_email(conn: Connection, influencer_id: int, address: str, *, at: datetime) -> str:
    """Record the address an influencer's replies refer us to; returns the one it replaces."""
    before = conn.execute(
        select(influencer.c.manager_email).where(influencer.c.id == influencer_id)
    ).scalar_one()
    if before.strip().lower() != address:
        conn.execute(
            update(influencer)
            .where(influencer.c.id == influencer_id)
            .values(manager_email=address, updated_at=naive_utc(at))
        )
    return str(before)


def stop_one_enrollment(conn: Connection, enrollment_id: int, *, reason: str) -> None:
    """`pipeline.stop_enrollment` with a statement built once."""
    conn.execute(_STOP, {"_id": enrollment_id, "_reason": reason})


def move_if(
    conn: Connection,
    enrollment_id: int,
    to: str,
    *,
    expected: str,
    cause: str,
    note: str,
    at: datetime,
) -> bool:
    """Move the stage when it is still `expected` (compare-and-set) and write its history row."""
    at_n = naive_utc(at)
    moved = conn.execute(
        _MOVE, {"_id": enrollment_id, "_expected": expected, "_to": to, "_at": at_n}
    )
    if moved.rowcount != 1:
        return False
    _history(
        conn,
        {
            "enrollment_id": enrollment_id,
            "from_stage": expected,
            "to_stage": to,
            "cause": cause,
            "note": note,
            "at": at_n,
        },
    )
    return True


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


_SENT = (
    _target_query()
    .add_columns(outbox.c.message_id, outbox.c.mailbox, outbox.c.rcpt_to, outbox.c.email_norm)
    .join(outbox, outbox.c.enrollment_id == enrollment.c.id)
    .where(outbox.c.message_id.in_(bindparam("ids", expanding=True)))
)


def sent_by_message_ids(conn: Connection, message_ids: Iterable[str]) -> list[Sent]:
    """Our sent messages among these Message-IDs, in the order of the list."""
    ids = list(dict.fromkeys(m for m in message_ids if m))
    rows: list[Any] = []
    for start in range(0, len(ids), 500):
        rows += conn.execute(_SENT, {"ids": ids[start : start + 500]}).all()
    order = {m: n for n, m in enumerate(ids)}
    out = []
    for row in sorted(rows, key=lambda r: order[r.message_id]):
        recipients = {row.email_norm.lower(), *(str(a).strip().lower() for a in row.rcpt_to or ())}
        owners = recipients | {row.email.strip().lower(), (row.manager_email or "").strip().lower()}
        out.append(
            Sent(
                row.message_id,
                row.mailbox,
                frozenset(recipients),
                frozenset(owners - {""}),
                _target(row),
            )
        )
    return out


_BY_ENROLLMENT = _target_query().where(enrollment.c.id == bindparam("_id"))


def target_by_enrollment(conn: Connection, enrollment_id: int) -> Target | None:
    row = conn.execute(_BY_ENROLLMENT, {"_id": enrollment_id}).first()
    return None if row is None else _target(row)


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
    row = conn.execute(_BY_ADDRESS, {"_norm": norm}).first()
    return None if row is None else _target(row)


_BY_ADDRESS = (
    _target_query()
    .where(
        or_(
            influencer.c.email_norm == bindparam("_norm"),
            func.lower(influencer.c.manager_email) == bindparam("_norm"),
        ),
        enrollment.c.status.in_(LIVE_STATUSES),
    )
    .order_by(enrollment.c.created_at.desc(), enrollment.c.id.desc())
    .limit(1)
)


def soft_bounce_count(conn: Connection, recipient_norm: str, *, since: datetime) -> int:
    """Transient bounces recorded for this recipient at or after `since` and after its last
    successful delivery report (a `delivered` row resets the count). "After" is by row id:
    rows are written in the order messages are read, and one poll's rows share a time."""
    last_success = conn.execute(
        select(func.max(inbound.c.id)).where(
            inbound.c.recipient_norm == recipient_norm, inbound.c.kind == "delivered"
        )
    ).scalar()
    count = conn.execute(
        select(func.count()).where(
            inbound.c.recipient_norm == recipient_norm,
            or_(inbound.c.kind == "bounce", inbound.c.resolved_as == "bounce"),
            inbound.c.processed_at >= naive_utc(since),
            inbound.c.id > (last_success or 0),
        )
    ).scalar_one()
    return int(count)


def set_effects(conn: Connection, effects: Sequence[tuple[int, str]]) -> None:
    """Each row's effect line, in one executemany."""
    if effects:
        conn.execute(_SET_EFFECT, [{"_id": i, "_effect": e} for i, e in effects])


def set_effect(conn: Connection, inbound_id: int, effect: str) -> None:
    set_effects(conn, [(inbound_id, effect)])


def resolve_inbound(
    conn: Connection, inbound_id: int, *, kind: str, effect: str, at: datetime
) -> bool:
    """Mark a needs-review message resolved, once: False when it was resolved already."""
    res = conn.execute(
        update(inbound)
        .where(
            inbound.c.id == inbound_id,
            inbound.c.kind == "needs_review",
            inbound.c.resolved_as.is_(None),
        )
        .values(resolved_as=kind, resolved_at=naive_utc(at), effect=effect)
    )
    return res.rowcount == 1


def ensure_mailbox(conn: Connection, box: str) -> None:
    """The mailbox row that counts sender faults, created when a bounce arrives first."""
    ensure_mailboxes(conn, [box])


def cancel_unsent(
    conn: Connection, enrollment_ids: Sequence[int], *, reason: str, at: datetime
) -> int:
    """Cancel the queued or retrying outbox rows of these enrollments; returns how many."""
    if not enrollment_ids:
        return 0
    values = {"_reason": reason, "_at": naive_utc(at)}
    if len(enrollment_ids) == 1:  # the usual case, without an IN list to compile
        res = conn.execute(_CANCEL_ONE, {"_eid": enrollment_ids[0], **values})
    else:
        res = conn.execute(_CANCEL, {"ids": list(enrollment_ids), **values})
    return int(res.rowcount or 0)


_CANCEL = (
    update(outbox)
    .where(
        outbox.c.enrollment_id.in_(bindparam("ids", expanding=True)),
        outbox.c.state.in_(UNSENT_STATES),
    )
    .values(
        state=OutboxState.CANCELLED.value,
        last_error=bindparam("_reason"),
        updated_at=bindparam("_at"),
    )
)
_CANCEL_ONE = (
    update(outbox)
    .where(outbox.c.enrollment_id == bindparam("_eid"), outbox.c.state.in_(UNSENT_STATES))
    .values(
        state=OutboxState.CANCELLED.value,
        last_error=bindparam("_reason"),
        updated_at=bindparam("_at"),
    )
)


_DEFER = (
    update(enrollment)
    .where(
        enrollment.c.id == bindparam("_id"),
        enrollment.c.next_due_at.is_not(None),
        enrollment.c.next_due_at < bindparam("_until"),
    )
    .values(next_due_at=bindparam("_until"))
)
_UNSENT_BEFORE = select(outbox.c.id, outbox.c.due_at, outbox.c.expires_at).where(
    outbox.c.enrollment_id == bindparam("_id"),
    outbox.c.state.in_(UNSENT_STATES),
    outbox.c.due_at < bindparam("_until"),
)
_MOVE_ROW = (
    update(outbox)
    .where(outbox.c.id == bindparam("_id"))
    .values(
        due_at=bindparam("_until"), expires_at=bindparam("_expires"), updated_at=bindparam("_at")
    )
)


def defer_enrollment(conn: Connection, enrollment_id: int, until: datetime, *, at: datetime) -> int:
    """Push the next step, and any unsent rendered step, to `until`; the status stays live.

    An unsent row keeps its relevance window: its expiry moves by the same amount.
    Returns how many outbox rows moved.
    """
    until_n = naive_utc(until)
    conn.execute(_DEFER, {"_id": enrollment_id, "_until": until_n})
    rows = conn.execute(_UNSENT_BEFORE, {"_id": enrollment_id, "_until": until_n}).all()
    if rows:
        conn.execute(
            _MOVE_ROW,
            [
                {
                    "_id": row.id,
                    "_until": until_n,
                    "_at": naive_utc(at),
                    "_expires": None
                    if row.expires_at is None
                    else row.expires_at + (until_n - row.due_at),
                }
                for row in rows
            ],
        )
    return len(rows)


def note_history(
    conn: Connection, enrollment_id: int, *, stage: str, cause: str, note: str, at: datetime
) -> None:
    """A history row that records an event without a stage move (from = to)."""
    _history(
        conn,
        {
            "enrollment_id": enrollment_id,
            "from_stage": stage,
            "to_stage": stage,
            "cause": cause,
            "note": note,
            "at": naive_utc(at),
        },
    )


_OF_ADDRESS = (
    select(enrollment.c.id, enrollment.c.stage)
    .join(influencer, influencer.c.id == enrollment.c.influencer_id)
    .where(influencer.c.email_norm == bindparam("_norm"))
)


def stop_everywhere(
    conn: Connection, address: str, *, reason: str, stage: str, cause: str, at: datetime
) -> list[int]:
    """`pipeline.stop_everywhere` with statements built once: every enrollment of the
    influencer with this address stops and moves to `stage` (history written)."""
    rows = conn.execute(_OF_ADDRESS, {"_norm": address.strip().lower()}).all()
    for row in rows:
        if row.stage != stage and stop_and_move(
            conn,
            row.id,
            reason=reason,
            to=stage,
            expected=row.stage,
            cause=cause,
            note=reason,
            at=at,
        ):
            continue
        stop_one_enrollment(conn, row.id, reason=reason)
        if row.stage != stage:
            move_if(conn, row.id, stage, expected=row.stage, cause=cause, note=reason, at=at)
    return [int(row.id) for row in rows]


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
    ensure_mailboxes(conn, [box])  # two pollers' first pass must not both insert it
    conn.execute(update(mailbox).where(mailbox.c.name == box).values(**values))


def list_inbound(
    conn: Connection,
    *,
    kind: str | None = None,
    unmatched: bool = False,
    limit: int = 100,
    needs_review: bool = False,
) -> list[dict[str, Any]]:
    """Processed messages newest first, with the influencer they matched; `needs_review`:
    only messages waiting for an operator's `inbox resolve`."""
    query = (
        select(
            inbound.c.id,
            inbound.c.processed_at,
            inbound.c.mailbox,
            inbound.c.kind,
            inbound.c.from_addr,
            inbound.c.subject,
            inbound.c.effect,
            inbound.c.confidence,
            inbound.c.resolved_as,
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
    if needs_review:
        query = query.where(inbound.c.kind == "needs_review", inbound.c.resolved_as.is_(None))
    return [dict(row._mapping) for row in conn.execute(query)]


def get_inbound(conn: Connection, inbound_id: int) -> dict[str, Any] | None:
    """One processed message with its stored own text and details (not the raw bytes)."""
    row = conn.execute(
        select(
            *[c for c in inbound.c if c.name != "raw"],
            func.length(inbound.c.raw).label("raw_kept"),  # < raw_size when it was truncated
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
