"""What `outreach status` and `outreach outbox ...` show and do: the operator's side of sending.

`resend` is the only way an `unknown` row (maybe delivered) goes out again, and it sends the
same stored bytes with the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from outreach.clock import Clock, naive_utc, utc
from outreach.config import Config
from outreach.domain.outbox import OutboxState
from outreach.domain.sending_day import sending_day
from outreach.errors import UserError
from outreach.services.inbox.poll import InboxHealth, inbox_status
from outreach.store.queries import mailbox as mailbox_q
from outreach.store.queries import outbox as q
from outreach.store.queries.campaign import held_campaigns
from outreach.store.queries.caps import daily_caps
from outreach.store.queries.enrollment import (
    failure_stops,
    needing_attention,
    resume_after_failure,
    stop_enrollment,
)
from outreach.store.queries.mailbox import HELD_UNTIL
from outreach.store.queries.sent_copy import Backlog
from outreach.store.queries.sent_copy import backlog as sent_copy_backlog
from outreach.store.session import reading, writing

S = OutboxState


class OutboxError(UserError):
    """An outbox command that does not apply to this row."""


@dataclass(frozen=True)
class Status:
    mailboxes: list[dict[str, Any]]  # name, sent_today, cap, next_slot, paused_until, pause_reason
    counts: dict[str, int]
    due_now: int
    unknown: list[dict[str, Any]]
    inboxes: list[InboxHealth]  # stale ones hold follow-ups
    failure_stops: int  # enrollments stopped because a step failed or expired
    latest_failure_stops: list[dict[str, Any]]  # handle, campaign, stop_reason
    held_campaigns: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)
    attention: int = 0  # enrollments whose step could not be written
    latest_attention: list[dict[str, Any]] = field(default_factory=list)
    sent_copies: list[Backlog] = field(default_factory=list)  # Sent-folder copies not appended


def status(engine: Engine, config: Config, clock: Clock) -> Status:
    now = clock.now()
    today = sending_day(config, now)
    with reading(engine) as conn:
        stored = {m["name"]: m for m in mailbox_q.mailboxes(conn)}
        counts = q.state_counts(conn)
        due = q.due_now(conn, now)
        unknown = q.list_rows(conn, state=S.UNKNOWN.value, limit=1000)
        stops, latest_stops = failure_stops(conn, limit=20)
        held = held_campaigns(conn)
        attention, latest_attention = needing_attention(conn, limit=20)
        caps = daily_caps(conn, config, today)  # a new mailbox's ramp, as dispatch counts it
        copies = sent_copy_backlog(conn)
    boxes = []
    for name, mb in sorted(config.mailboxes.items()):
        row = stored.get(name, {})
        paused = row.get("paused_until")
        paused = utc(paused) if paused is not None and utc(paused) > now else None
        nxt = row.get("next_slot_at")
        boxes.append(
            {
                "mailbox": name,
                "sent_today": row.get("sent_today", 0) if row.get("day") == today else 0,
                "cap": caps.get(name, mb.limits.daily_cap),
                "next_slot": utc(nxt) if nxt is not None and utc(nxt) > now else "now",
                "paused_until": (
                    "until resumed" if paused and paused.year >= HELD_UNTIL.year else paused or ""
                ),
                "why": row.get("pause_reason", "") if paused else "",
            }
        )
    return Status(
        boxes,
        counts,
        due,
        unknown,
        inbox_status(engine, config, clock),
        stops,
        latest_stops,
        held,
        attention,
        latest_attention,
        copies,
    )


def list_outbox(engine: Engine, *, state: str | None, limit: int = 200) -> list[dict[str, Any]]:
    if state is not None and state not in {s.value for s in S}:
        raise OutboxError(
            f"unknown state {state!r}", field="--state", hint=", ".join(s.value for s in S)
        )
    with reading(engine) as conn:
        return q.list_rows(conn, state=state, limit=limit)


def show_outbox(engine: Engine, outbox_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The row (with its raw bytes) and its attempt log."""
    with reading(engine) as conn:
        row = q.get_row(conn, outbox_id)
        if row is None:
            raise OutboxError(f"no outbox row {outbox_id}", hint="see `outreach outbox list`")
        return row, q.attempts_of(conn, outbox_id)


def _change(
    engine: Engine,
    clock: Clock,
    outbox_id: int,
    allowed: tuple[OutboxState, ...],
    verb: str,
    then: Callable[[Connection, dict[str, Any]], None] | None = None,
    **values: Any,
) -> None:
    """Move one row between states; `then(conn, row)` runs in the same transaction."""
    with writing(engine) as conn:
        row = q.get_row(conn, outbox_id)
        if row is None:
            raise OutboxError(f"no outbox row {outbox_id}", hint="see `outreach outbox list`")
        if not q.set_state_if(conn, outbox_id, [s.value for s in allowed], clock.now(), **values):
            raise OutboxError(
                f"row {outbox_id} is {row['state']}: only {'/'.join(allowed)} rows can be {verb}",
            )
        if then is not None:
            then(conn, row)


def cancel_outbox(engine: Engine, clock: Clock, outbox_id: int) -> None:
    """Never send this row; its sequence stops there (a later step would follow a message the
    influencer never got), with the reason shown by `outreach schedule`."""

    def stop(conn: Connection, row: dict[str, Any]) -> None:
        stop_enrollment(
            conn, row["enrollment_id"], reason=f"step {row['step']} cancelled by operator"
        )

    _change(
        engine,
        clock,
        outbox_id,
        (S.QUEUED, S.RETRY, S.CLAIMED, S.UNKNOWN, S.FAILED),
        "cancelled",
        stop,
        state=S.CANCELLED.value,
        last_error="cancelled by operator",
    )


def resend_outbox(engine: Engine, config: Config, clock: Clock, outbox_id: int) -> None:
    """Queue an unknown/failed row again: the same bytes and Message-ID, due now; an enrollment
    its failure stopped is active again."""
    now = clock.now()
    expires = now + timedelta(hours=config.sending.retry.max_age_hours)

    def resume(conn: Connection, row: dict[str, Any]) -> None:
        """A failed step stopped its enrollment; sending it again resumes the sequence."""
        resume_after_failure(conn, row["enrollment_id"], row["step"])

    _change(
        engine,
        clock,
        outbox_id,
        (S.UNKNOWN, S.FAILED),
        "resent",
        resume,
        state=S.QUEUED.value,
        worker=None,
        lease_until=None,
        due_at=naive_utc(now),
        expires_at=naive_utc(expires),
        last_error="resend by operator",
    )


def replan(engine: Engine, *, campaign: str | None = None) -> int:
    """Drop queued rows that were never tried (of one campaign, or all) and make their steps
    due again at the same time, so the planner renders them with today's templates."""
    with writing(engine) as conn:
        return q.replan_untried(conn, campaign=campaign)
