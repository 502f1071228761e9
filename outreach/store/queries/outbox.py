"""Every lock and compare-and-set on the outbox: queueing, claims, fenced state writes, the
reaper, cancelling and deferring unsent rows. (Longer than 400 lines on purpose: the fence is
reviewed in one file. Rate tokens and the breaker are in queries.mailbox.)

Claims are short transactions that never span SMTP. On SQLite the caller runs them inside
`store.session.writing()` (BEGIN IMMEDIATE: the database write lock is the claim lock, because
SQLAlchemy renders FOR UPDATE SKIP LOCKED as nothing there); on PostgreSQL the mailbox row is
locked FOR UPDATE (rate-limit tokens are reserved under it) and outbox rows are taken with
FOR UPDATE SKIP LOCKED. Every later write names (id, attempt, worker, state): a worker whose
lease was reaped cannot overwrite the next owner's result.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Update,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from outreach.clock import naive_utc, utc
from outreach.domain.enrollment import ENDED, EnrollmentStatus
from outreach.domain.outbox import (
    CLAIMABLE,
    LEASED,
    NewOutboxRow,
    OutboxState,
    Outcome,
    expired_stop_reason,
)
from outreach.domain.people import domain_of
from outreach.store.queries import tally
from outreach.store.queries.enrollment import stop_enrollment
from outreach.store.queries.mailbox import (
    HELD_UNTIL,
    OVERVIEW_COLUMNS,
    MailboxLimits,
    available_tokens,
    refund_token,
    reserve_tokens,
)
from outreach.store.queries.suppression import (
    DOMAIN_SUPPRESSED,
    HASH_SUPPRESSED,
    domain_suppressed,
    email_hash,
    is_suppressed,
    suppressed_among,
)
from outreach.store.schema import (
    attempt,
    enrollment,
    outbox,
    outbox_claimable,
    outbox_message,
)
from outreach.store.schema import campaign as campaign_table
from outreach.store.session import is_sqlite

S = OutboxState


@dataclass(frozen=True)
class Claimed:
    """One leased row: everything needed to send it and to fence every later write."""

    id: int
    attempt: int
    worker: str
    enrollment_id: int
    step: int
    mailbox: str
    mail_from: str
    rcpt_to: list[str]
    email_norm: str
    message_id: str
    raw: bytes
    created_at: datetime


# --- Reaper -----------------------------------------------------------------------------


def reap(conn: Connection, now: datetime, today: date) -> dict[str, int]:
    """Expired leases: `claimed` -> queued (nothing was sent; its rate-limit token is given
    back); `sending` -> unknown (bytes may have gone). Rows past their relevance window ->
    expired."""
    t = naive_utc(now)
    lapsed = conn.execute(
        select(outbox.c.id, outbox.c.mailbox).where(
            outbox.c.state == S.CLAIMED.value, outbox.c.lease_until < t
        )
    ).all()
    requeued = 0
    for row in lapsed:
        res = conn.execute(
            update(outbox)
            .where(outbox.c.id == row.id, outbox.c.state == S.CLAIMED.value)
            .values(state=S.QUEUED.value, worker=None, lease_until=None, updated_at=t)
        )
        refund_token(conn, row.mailbox, today)
        requeued += res.rowcount
    unknown = conn.execute(
        update(outbox)
        .where(outbox.c.state == S.SENDING.value, outbox.c.lease_until < t)
        .values(
            state=S.UNKNOWN.value,
            lease_until=None,
            last_error="lease expired while sending: the message may have been delivered",
            updated_at=t,
        )
    ).rowcount
    late = conn.execute(
        select(
            outbox.c.id,
            outbox.c.enrollment_id,
            outbox.c.step,
            outbox.c.created_at,
            outbox.c.expires_at,
        ).where(
            outbox.c.state.in_(CLAIMABLE),
            outbox.c.expires_at.is_not(None),
            outbox.c.expires_at <= t,
        )
    ).all()  # two ranges of ix_outbox_state_expires: the rows past their age, not the whole queue
    expired = 0
    for (
        late_row
    ) in late:  # each one's enrollment stops too: it would otherwise wait for a send forever
        if conn.execute(
            update(outbox)
            .where(outbox.c.id == late_row.id, outbox.c.state.in_(CLAIMABLE))
            .values(state=S.EXPIRED.value, updated_at=t)
        ).rowcount:
            expired += 1
            hours = round((late_row.expires_at - late_row.created_at).total_seconds() / 3600, 1)
            stop_enrollment(
                conn, late_row.enrollment_id, reason=expired_stop_reason(late_row.step, hours)
            )
    return {"requeued": requeued, "unknown": unknown, "expired": expired}


# --- Claim ------------------------------------------------------------------------------


def _claim_stop_reason(status: str, suppressed: bool) -> str:
    if status in ENDED:
        return f"enrollment {status}"
    return "address suppressed" if suppressed else ""


def _stop_reason(conn: Connection, status: str, email_norm: str) -> str:
    return _claim_stop_reason(status, is_suppressed(conn, email_norm))


def _recipients(row: Any) -> list[str]:
    return [row.email_norm, *row.rcpt_to]


def _domain_reason(mailbox: str, hits: Sequence[str]) -> str:
    if not hits:
        return ""
    domains = sorted({a.rpartition("@")[2].lower() for a in hits})
    return f"domain {', '.join(domains)} suppressed for mailbox {mailbox}"


def _domain_stops(conn: Connection, claimed: Sequence[Claimed]) -> dict[int, str]:
    """Rows an agency's domain rule stops now, by outbox id, with the reason: the last check
    before DATA, in the transaction that marks the others `sending`."""
    pairs = [(c.mailbox, a) for c in claimed for a in (c.email_norm, *c.rcpt_to)]
    blocked = domain_suppressed(conn, pairs)
    if not blocked:
        return {}
    out: dict[int, str] = {}
    for c in claimed:
        reason = _domain_reason(
            c.mailbox, [a for a in (c.email_norm, *c.rcpt_to) if (c.mailbox, a) in blocked]
        )
        if reason:
            out[c.id] = reason
    return out


def claim(
    conn: Connection,
    *,
    worker: str,
    now: datetime,
    lease_seconds: float,
    limits: dict[str, MailboxLimits],
    limit: int,
    rng: random.Random,
) -> list[Claimed]:
    """Lease due rows for each mailbox in `limits`, cancelling any whose stop condition holds.

    Run inside `writing()`. Tokens are reserved before rows are taken, so several workers
    sharing the database never exceed a mailbox's cap or gap."""
    t = naive_utc(now)
    lease = naive_utc(now + timedelta(seconds=lease_seconds))
    claimed_ids: list[int] = []
    for name, lim in limits.items():
        tokens = available_tokens(conn, name, lim, now, limit - len(claimed_ids))
        if tokens <= 0:
            continue
        q = (
            select(
                outbox.c.id,
                outbox.c.email_norm,
                enrollment.c.status,
                enrollment.c.next_due_at,
                outbox.c.rcpt_to,
            )
            .join(enrollment, enrollment.c.id == outbox.c.enrollment_id)
            .where(outbox_claimable, outbox.c.due_at <= t, outbox.c.mailbox == name)
            .order_by(outbox.c.due_at, outbox.c.id)
            .limit(tokens)
        )
        if not is_sqlite(conn):
            q = q.with_for_update(of=outbox, skip_locked=True)
        taken = 0
        due = conn.execute(q).all()
        # the claim's stop check for a whole batch: one lookup instead of one per row
        suppressed = suppressed_among(conn, {row.email_norm for row in due})
        # an agency's domain stopped for this mailbox: checked on every envelope recipient
        blocked = domain_suppressed(conn, [(name, a) for row in due for a in _recipients(row)])
        for outbox_id, email_norm, status, next_due_at, rcpt_to in due:
            if status == EnrollmentStatus.PAUSED:  # auto-reply: wait until the enrollment resumes
                resume = next_due_at or (now + timedelta(hours=1))
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == outbox_id)
                    .values(due_at=naive_utc(utc(resume)))
                )
                continue
            reason = _claim_stop_reason(status, email_norm in suppressed) or _domain_reason(
                name, [a for a in [email_norm, *rcpt_to] if (name, a) in blocked]
            )
            if reason:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == outbox_id)
                    .values(
                        state=S.CANCELLED.value,
                        last_error=f"cancelled at claim: {reason}",
                        updated_at=t,
                    )
                )
                continue
            claimed_ids.append(outbox_id)
            taken += 1
        if taken:
            reserve_tokens(conn, name, lim, now, taken, rng)
        if len(claimed_ids) >= limit:
            break
    if not claimed_ids:
        return []
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(claimed_ids))
        .values(
            state=S.CLAIMED.value,
            worker=worker,
            lease_until=lease,
            attempt=outbox.c.attempt + 1,
            updated_at=t,
        )
    )
    rows = conn.execute(
        select(
            outbox.c.id,
            outbox.c.attempt,
            outbox.c.enrollment_id,
            outbox.c.step,
            outbox.c.mailbox,
            outbox.c.mail_from,
            outbox.c.rcpt_to,
            outbox.c.email_norm,
            outbox.c.message_id,
            outbox_message.c.raw,
            outbox.c.created_at,
        )
        .join(outbox_message, outbox_message.c.outbox_id == outbox.c.id)
        .where(outbox.c.id.in_(claimed_ids))
        .order_by(outbox.c.due_at, outbox.c.id)
    )
    # Unpacked as tuples: attribute access on SQLAlchemy's Row costs about 1 us per field.
    return [
        Claimed(
            id_,
            attempt_,
            worker,
            enrollment_id,
            step,
            mailbox_,
            mail_from,
            list(rcpt_to),
            email_norm,
            message_id,
            bytes(raw),
            utc(created_at),
        )
        for (
            id_,
            attempt_,
            enrollment_id,
            step,
            mailbox_,
            mail_from,
            rcpt_to,
            email_norm,
            message_id,
            raw,
            created_at,
        ) in rows
    ]


# --- Fenced state writes ------------------------------------------------------------------


def _fenced(
    conn: Connection, c: Claimed, from_states: Sequence[OutboxState], **values: Any
) -> bool:
    res = conn.execute(
        update(outbox)
        .where(
            outbox.c.id == c.id,
            outbox.c.attempt == c.attempt,
            outbox.c.worker == c.worker,
            outbox.c.state.in_([s.value for s in from_states]),
        )
        .values(**values)
    )
    return res.rowcount == 1


def _fenced_update(from_state: OutboxState) -> Update:
    """A fenced UPDATE built once: statement construction costs ~8x its execution on SQLite, and
    these run for every message (`_fence` supplies the parameters)."""
    return update(outbox).where(
        outbox.c.id == bindparam("f_id"),
        outbox.c.attempt == bindparam("f_attempt"),
        outbox.c.worker == bindparam("f_worker"),
        outbox.c.state == from_state.value,
    )


def _fence(c: Claimed) -> dict[str, Any]:
    return {"f_id": c.id, "f_attempt": c.attempt, "f_worker": c.worker}


_MARK_SENT = _fenced_update(S.SENDING).values(
    state=S.SENT.value,
    sent_at=bindparam("v_now"),
    lease_until=None,
    updated_at=bindparam("v_now"),
    last_error="",
)


def _fenced_many(
    conn: Connection,
    stmt: Update,
    params: list[dict[str, Any]],
    rows: Sequence[Claimed],
    to_state: OutboxState,
) -> list[bool]:
    """Run a fenced UPDATE for several rows at once (one executemany) and tell which took.

    Usually all did (the summed rowcount says so); otherwise the rows are read back: a row is
    ours in `to_state` only if this statement put it there, since only its owner writes it."""
    if not rows:
        return []
    if conn.execute(stmt, params).rowcount == len(rows):
        return [True] * len(rows)
    now_in = {
        r.id: (r.state, r.attempt, r.worker)
        for r in conn.execute(
            select(outbox.c.id, outbox.c.state, outbox.c.attempt, outbox.c.worker).where(
                outbox.c.id.in_([c.id for c in rows])
            )
        )
    }
    return [now_in.get(c.id) == (to_state.value, c.attempt, c.worker) for c in rows]


def mark_sent_many(conn: Connection, rows: Sequence[Claimed], now: datetime) -> list[bool]:
    """`sent` for the rows whose 250 arrived together: one statement, one commit (which
    counts them in the report's counters)."""
    at = naive_utc(now)
    took = _fenced_many(conn, _MARK_SENT, [{**_fence(c), "v_now": at} for c in rows], rows, S.SENT)
    tally.sent(conn, [(c.enrollment_id, c.id) for c, ok in zip(rows, took, strict=True) if ok])
    return took


# `sending` (written once the envelope is accepted, before the message: from here a crash
# means `unknown`, never a resend), guarded by the last stop check (enrollment still going,
# address not suppressed) in the same statement: the check and the write cannot be separated
# by another writer.
_ENROLLMENT_STOPPED = exists().where(
    enrollment.c.id == outbox.c.enrollment_id,
    or_(*(enrollment.c.status == literal_column(f"'{status}'") for status in sorted(ENDED))),
)
_MARK_SENDING_UNLESS_STOPPED = (
    _fenced_update(S.CLAIMED)
    .where(~_ENROLLMENT_STOPPED, ~HASH_SUPPRESSED, ~DOMAIN_SUPPRESSED)
    .values(state=S.SENDING.value, lease_until=bindparam("v_lease"), updated_at=bindparam("v_now"))
)


def mark_sending_unless_stopped(
    conn: Connection, rows: Sequence[tuple[Claimed, float]], now: datetime
) -> list[str | None]:
    """The last stop check and `sending`, for rows about to send DATA (each with its lease).

    Per row: None when it is now `sending` (go on with DATA); else why not: the stop reason, or
    "" when the claim was lost. One executemany for the group; a row that did not take is
    explained by `stop_reason_now`."""
    at = naive_utc(now)
    # a domain rule on a recipient other than the influencer (an agency in CC): checked here,
    # in the transaction of the UPDATE, which itself checks the influencer's address's domain
    stops = _domain_stops(conn, [c for c, _ in rows])
    go = [(c, lease) for c, lease in rows if c.id not in stops]
    claimed = [c for c, _ in go]
    params = [
        {
            **_fence(c),
            "h": email_hash(c.email_norm),
            "d": domain_of(c.email_norm),
            "v_now": at,
            "v_lease": naive_utc(now + timedelta(seconds=lease)),
        }
        for c, lease in go
    ]
    took = dict(
        zip(
            [c.id for c in claimed],
            _fenced_many(conn, _MARK_SENDING_UNLESS_STOPPED, params, claimed, S.SENDING),
            strict=True,
        )
    )
    return [
        stops[c.id] if c.id in stops else None if took[c.id] else stop_reason_now(conn, c)
        for c, _ in rows
    ]


def mark_retry(conn: Connection, c: Claimed, now: datetime, due_at: datetime, error: str) -> bool:
    return _fenced(
        conn,
        c,
        [S.CLAIMED, S.SENDING],
        state=S.RETRY.value,
        due_at=naive_utc(due_at),
        lease_until=None,
        last_error=error,
        updated_at=naive_utc(now),
    )


def mark_requeued(conn: Connection, c: Claimed, now: datetime, error: str) -> bool:
    """Back to queued without blame (drain, a paused mailbox): nothing reached the recipient."""
    return _fenced(
        conn,
        c,
        [S.CLAIMED, S.SENDING],
        state=S.QUEUED.value,
        worker=None,
        lease_until=None,
        last_error=error,
        updated_at=naive_utc(now),
    )


def mark_final(conn: Connection, c: Claimed, now: datetime, state: OutboxState, error: str) -> bool:
    """failed | unknown | cancelled."""
    return _fenced(
        conn,
        c,
        [S.CLAIMED, S.SENDING],
        state=state.value,
        lease_until=None,
        last_error=error,
        updated_at=naive_utc(now),
    )


_INSERT_ATTEMPT = insert(attempt)


@dataclass(frozen=True)
class AttemptLog:
    """One line of the attempt log: how an SMTP attempt of a claimed row ended."""

    row: Claimed
    outcome: Outcome
    code: int | None = None
    enhanced: str = ""
    text: str = ""
    exception_type: str = ""


def record_attempts(conn: Connection, now: datetime, entries: Sequence[AttemptLog]) -> None:
    """Append attempt log rows (one executemany for a group that finished together)."""
    at = naive_utc(now)
    conn.execute(
        _INSERT_ATTEMPT,
        [
            {
                "outbox_id": e.row.id,
                "attempt": e.row.attempt,
                "worker": e.row.worker,
                "at": at,
                "outcome": e.outcome.value,
                "smtp_code": e.code,
                "enhanced_status": e.enhanced,
                "server_text": e.text[:2000],
                "exception_type": e.exception_type,
            }
            for e in entries
        ],
    )


def delivery_attempts(conn: Connection, outbox_id: int) -> int:
    """Attempts that reached the recipient's side and failed temporarily (what max_attempts
    caps)."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(attempt)
            .where(
                attempt.c.outbox_id == outbox_id,
                attempt.c.outcome.in_((Outcome.TRANSIENT.value, Outcome.SOFT_BOUNCE.value)),
            )
        ).scalar_one()
    )


_ENROLLMENT_STATUS = select(enrollment.c.status).where(enrollment.c.id == bindparam("e_id"))


def stop_reason_now(conn: Connection, c: Claimed) -> str:
    """The re-check just before the message: one enrollment read and one suppression lookup."""
    status = conn.execute(_ENROLLMENT_STATUS, {"e_id": c.enrollment_id}).scalar_one()
    return _stop_reason(conn, status, c.email_norm) or _domain_stops(conn, [c]).get(c.id, "")


def release_claims(
    conn: Connection, worker: str, now: datetime, today_by_mailbox: dict[str, date]
) -> int:
    """Drain: this worker's `claimed` rows (never started SMTP) go back to queued."""
    rows = conn.execute(
        select(outbox.c.id, outbox.c.mailbox).where(
            outbox.c.state == S.CLAIMED.value, outbox.c.worker == worker
        )
    ).all()
    for row in rows:
        conn.execute(
            update(outbox)
            .where(outbox.c.id == row.id, outbox.c.state == S.CLAIMED.value)
            .values(state=S.QUEUED.value, worker=None, lease_until=None, updated_at=naive_utc(now))
        )
        if row.mailbox in today_by_mailbox:
            refund_token(conn, row.mailbox, today_by_mailbox[row.mailbox])
    return len(rows)


# --- Circuit breaker ----------------------------------------------------------------------


# --- Operator views and commands ------------------------------------------------------------


def state_counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all()
    return {state: int(n) for state, n in rows}


def due_now(conn: Connection, now: datetime) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.state.in_(CLAIMABLE), outbox.c.due_at <= naive_utc(now))
        ).scalar_one()
    )


def list_rows(conn: Connection, *, state: str | None, limit: int) -> list[dict[str, Any]]:
    query = select(*OVERVIEW_COLUMNS).order_by(outbox.c.id).limit(limit)
    if state:
        query = query.where(outbox.c.state == state)
    return [dict(r) for r in conn.execute(query).mappings()]


def get_row(conn: Connection, outbox_id: int) -> dict[str, Any] | None:
    """The row with its message bytes (`raw`)."""
    r = (
        conn.execute(
            select(outbox, outbox_message.c.raw)
            .outerjoin(outbox_message, outbox_message.c.outbox_id == outbox.c.id)
            .where(outbox.c.id == outbox_id)
        )
        .mappings()
        .first()
    )
    return dict(r) if r else None


def attempts_of(conn: Connection, outbox_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(attempt).where(attempt.c.outbox_id == outbox_id).order_by(attempt.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def set_state_if(
    conn: Connection, outbox_id: int, from_states: Sequence[str], now: datetime, **values: Any
) -> bool:
    """An operator's change, only from the states where it is safe (never a row in flight)."""
    res = conn.execute(
        update(outbox)
        .where(outbox.c.id == outbox_id, outbox.c.state.in_(list(from_states)))
        .values(updated_at=naive_utc(now), **values)
    )
    return res.rowcount == 1


def replan_untried(conn: Connection, *, campaign: str | None = None) -> int:
    """Delete queued rows with no attempt (nothing reached a server) of active enrollments,
    one campaign's or all, and set each enrollment's step due at the row's due time again.
    Run inside `writing()`; the planner renders them anew."""
    query = (
        select(outbox.c.id, outbox.c.enrollment_id, outbox.c.step, outbox.c.due_at)
        .join(enrollment, enrollment.c.id == outbox.c.enrollment_id)
        .where(
            outbox.c.state == S.QUEUED.value,
            outbox.c.attempt == 0,
            enrollment.c.status == EnrollmentStatus.ACTIVE,
            enrollment.c.next_step == outbox.c.step,
            ~exists().where(attempt.c.outbox_id == outbox.c.id),
        )
    )
    if campaign is not None:
        query = query.where(
            enrollment.c.campaign_id.in_(
                select(campaign_table.c.id).where(campaign_table.c.slug == campaign)
            )
        )
    rows = conn.execute(query).all()
    for row in rows:
        gone = conn.execute(
            delete(outbox).where(
                outbox.c.id == row.id, outbox.c.state == S.QUEUED.value, outbox.c.attempt == 0
            )
        ).rowcount
        if gone:
            conn.execute(delete(outbox_message).where(outbox_message.c.outbox_id == row.id))
            conn.execute(
                update(enrollment)
                .where(enrollment.c.id == row.enrollment_id)
                .values(next_due_at=row.due_at)
            )
    return len(rows)


def _new_row(r: NewOutboxRow) -> dict[str, Any]:
    return {
        "enrollment_id": r.enrollment_id,
        "step": r.step,
        "mailbox": r.mailbox,
        "mail_from": r.mail_from,
        "rcpt_to": list(r.rcpt_to),
        "email_norm": r.email_norm,
        "message_id": r.message_id,
        "subject": r.subject,
        "template_hash": r.template_hash,
        "variant": r.variant,
        "state": S.QUEUED.value,
        "attempt": 0,
        "due_at": r.due_at,
        "expires_at": r.expires_at,
        "created_at": r.created_at,
        "updated_at": r.created_at,
        "worker": None,
        "lease_until": None,
        "last_error": "",
        "sent_at": None,
    }


def queue_messages(conn: Connection, rows: Sequence[NewOutboxRow]) -> int:
    """Insert queued outbox rows, each with its message bytes (`raw`, kept in outbox_message),
    unless (enrollment_id, step) has one; returns how many new.

    The caller holds the enrollments' locks (still_due); ON CONFLICT DO NOTHING covers a row
    written without them, and RETURNING names the rows that are new.
    """
    if not rows:
        return 0
    raw = {(r.enrollment_id, r.step): r.raw for r in rows}
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        dialect_insert(outbox)
        .on_conflict_do_nothing(index_elements=["enrollment_id", "step"])
        .returning(outbox.c.id, outbox.c.enrollment_id, outbox.c.step)
    )
    inserted = conn.execute(stmt, [_new_row(r) for r in rows]).all()
    if not inserted:
        return 0
    # An upsert: bytes orphaned by a delete made without foreign keys (the sqlite3 shell has
    # them off) must not block a new row that reuses the id (SQLite reuses the largest rowid).
    body = dialect_insert(outbox_message)
    conn.execute(
        body.on_conflict_do_update(index_elements=["outbox_id"], set_={"raw": body.excluded.raw}),
        [
            {"outbox_id": outbox_id, "raw": raw[(enrollment_id, step)]}
            for outbox_id, enrollment_id, step in inserted
        ],
    )
    return len(inserted)


def unsettled_sends(conn: Connection) -> list[tuple[int, int, datetime]]:
    """Accepted sends whose sequence side was never settled (a worker stopped between its
    `sent` commit and the end of its pass): (enrollment, step, sent_at). Their enrollment is
    still active, waiting (next_due_at NULL) at the step that went out; the index on
    (status, next_due_at) keeps this to the enrollments in flight, which the daily caps bound."""
    rows = conn.execute(
        select(outbox.c.enrollment_id, outbox.c.step, outbox.c.sent_at)
        .select_from(
            enrollment.join(
                outbox,
                and_(
                    outbox.c.enrollment_id == enrollment.c.id,
                    outbox.c.step == enrollment.c.next_step,
                ),
            )
        )
        .where(
            enrollment.c.status == EnrollmentStatus.ACTIVE,
            enrollment.c.next_due_at.is_(None),
            outbox.c.state == OutboxState.SENT,
        )
    )
    return [(r.enrollment_id, r.step, utc(r.sent_at)) for r in rows]


# Outbox rows not yet handed to SMTP: a stop condition may still cancel them.
UNSENT_STATES = CLAIMABLE


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


# --- Paused enrollments' rows (queries.pause) ---------------------------------------------


def hold_unsent(conn: Connection, ids: Sequence[int], *, at: datetime) -> None:
    """The unsent rows of these (paused) enrollments wait at HELD_UNTIL, their expiry moved by
    the same amount, so neither a claim nor the reaper takes them."""
    t = naive_utc(at)
    rows = conn.execute(
        select(outbox.c.id, outbox.c.due_at, outbox.c.expires_at).where(
            outbox.c.enrollment_id.in_(list(ids)),
            outbox.c.state.in_(UNSENT_STATES),
            outbox.c.due_at < HELD_UNTIL,
        )
    ).all()
    for row in rows:
        shift = HELD_UNTIL - row.due_at
        conn.execute(
            update(outbox)
            .where(outbox.c.id == row.id, outbox.c.state.in_(UNSENT_STATES))
            .values(
                due_at=HELD_UNTIL,
                expires_at=None if row.expires_at is None else row.expires_at + shift,
                updated_at=t,
            )
        )


def release_held(conn: Connection, enrollment_id: int, until: datetime, *, at: datetime) -> int:
    """The enrollment's unsent rows are due at `until`, their expiry moved back by the same
    amount; returns how many there were."""
    u, t = naive_utc(until), naive_utc(at)
    rows = conn.execute(
        select(outbox.c.id, outbox.c.due_at, outbox.c.expires_at).where(
            outbox.c.enrollment_id == enrollment_id, outbox.c.state.in_(UNSENT_STATES)
        )
    ).all()
    for row in rows:
        shift = row.due_at - u
        conn.execute(
            update(outbox)
            .where(outbox.c.id == row.id)
            .values(
                due_at=u,
                expires_at=None if row.expires_at is None else row.expires_at - shift,
                updated_at=t,
            )
        )
    return len(rows)


def leased_count(conn: Connection, ids: Sequence[int]) -> int:
    """How many rows of these enrollments are claimed or sending: in flight, they still go out."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.enrollment_id.in_(list(ids)), outbox.c.state.in_(LEASED))
        ).scalar_one()
    )
