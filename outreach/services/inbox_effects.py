"""What each kind of inbound mail does to the enrollment it matched (issue 4, item 3).

Runs inside the transaction that records the message, so an effect is applied exactly when its
`inbound` row is written. Returns the effect as one line for `outreach inbox list`.

Out-of-office: the enrollment keeps status `active` and its next step (and any rendered,
unsent step) is pushed to the return date at the start of the send window, so the planner
resumes it with no extra state; the pause is written to the stage history (from = to).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from outreach.clock import naive_utc
from outreach.config import Config
from outreach.domain.stages import SENDABLE, TRANSITIONS, Stage
from outreach.inbound import AUTO_REPLY, BOUNCE, COMPLAINT, DECLINE, OPT_OUT, REPLY, Classified
from outreach.store.queries.inbox import (
    LIVE_STATUSES,
    Target,
    cancel_unsent,
    defer_enrollment,
    note_history,
)
from outreach.store.queries.pipeline import (
    move_stage_if,
    stop_enrollment,
    stop_everywhere,
    suppress,
)

UNMATCHED = "unmatched"


def resume_at(config: Config, target: Target, returns_on: date | None, now: datetime) -> datetime:
    """When a paused sequence resumes: the return day at the start of the send window in the
    influencer's zone, else now + ooo_default_days."""
    if returns_on is None:
        return now + timedelta(days=config.inbox.ooo_default_days)
    zone = ZoneInfo(target.timezone or config.sending.timezone)
    local = datetime.combine(returns_on, config.sending.window.start, tzinfo=zone)
    return max(local, now)


def _stop_address(
    conn: Connection, target: Target, *, reason: str, stage: Stage, cause: str, at: datetime
) -> str:
    ids = stop_everywhere(conn, target.email, reason=reason, stage=stage, cause=cause, at=at)
    cancelled = cancel_unsent(conn, ids, reason=reason, at=at)
    return f"{len(ids)} enrollment(s) stopped, {cancelled} unsent message(s) cancelled"


def _bounce(conn: Connection, found: Classified, target: Target, at: datetime) -> str:
    assert found.bounce is not None
    b = found.bounce
    if not b.permanent:
        return f"temporary bounce {b.status} recorded; nothing stopped"
    address = b.recipient or target.email
    suppress(conn, address, reason="hard_bounce", source=f"bounce {b.status}", at=at)
    if address.lower() != target.email.lower():
        suppress(
            conn, target.email, reason="hard_bounce", source=f"bounce {b.status} ({address})", at=at
        )
    done = _stop_address(
        conn, target, reason=f"hard bounce {b.status}", stage=Stage.BOUNCED, cause="bounce", at=at
    )
    return f"bounced {b.status}: {address} suppressed, {done}"


def _suppress_everywhere(
    conn: Connection, target: Target, *, reason: str, cause: str, at: datetime
) -> str:
    suppress(conn, target.email, reason=reason, source=f"inbound {cause}", at=at)
    done = _stop_address(conn, target, reason=reason, stage=Stage.UNSUBSCRIBED, cause=cause, at=at)
    return f"{reason}: {target.email} suppressed everywhere, {done}"


def _auto_reply(
    conn: Connection, config: Config, found: Classified, target: Target, now: datetime
) -> str:
    if target.status not in LIVE_STATUSES:
        return f"auto-reply: sequence already {target.status}; nothing to pause"
    until = resume_at(config, target, found.returns_on, now)
    moved = defer_enrollment(conn, target.enrollment_id, until, at=now)
    why = (
        f"returns {found.returns_on.isoformat()}"
        if found.returns_on
        else (f"no return date: {config.inbox.ooo_default_days} days")
    )
    note = f"out of office: paused until {naive_utc(until):%Y-%m-%d %H:%M} UTC ({why})"
    note_history(
        conn, target.enrollment_id, stage=target.stage, cause="auto_reply", note=note, at=now
    )
    return note + (f", {moved} unsent step(s) moved" if moved else "")


def _stop_one(conn: Connection, target: Target, *, reason: str, at: datetime) -> int:
    stop_enrollment(conn, target.enrollment_id, reason=reason)
    return cancel_unsent(conn, [target.enrollment_id], reason=reason, at=at)


def _decline(conn: Connection, target: Target, at: datetime) -> str:
    cancelled = _stop_one(conn, target, reason="declined", at=at)
    moved = Stage.DECLINED in TRANSITIONS[Stage(target.stage)] and move_stage_if(
        conn, target.enrollment_id, Stage.DECLINED, cause="reply", at=at, note="declined by reply"
    )
    stage = f"stage {target.stage} -> declined" if moved else f"stage stays {target.stage}"
    return (
        f"declined for {target.campaign}: sequence stopped, {cancelled} unsent cancelled, {stage}"
    )


def _reply(conn: Connection, config: Config, target: Target, at: datetime) -> str:
    cancelled = _stop_one(conn, target, reason="replied", at=at)
    to = Stage(config.inbox.reply_stage)
    current = Stage(target.stage)
    # Only an influencer still being pitched moves on a reply; later stages are moved by hand.
    moved = current in SENDABLE and move_stage_if(
        conn,
        target.enrollment_id,
        to,
        cause="reply",
        at=at,
        note="human reply",
        expected=current,
        check=False,
    )
    stage = f"stage {current} -> {to}" if moved else f"stage stays {current}"
    return f"reply: sequence stopped, {cancelled} unsent cancelled, {stage}"


def apply_effect(
    conn: Connection, config: Config, found: Classified, target: Target | None, now: datetime
) -> str:
    """Apply the effect of one classified message to its enrollment; unmatched mail is left alone."""
    if target is None:
        return UNMATCHED
    at = naive_utc(now)
    if found.kind == BOUNCE:
        return _bounce(conn, found, target, at)
    if found.kind == COMPLAINT:
        return _suppress_everywhere(conn, target, reason="complaint", cause="complaint", at=at)
    if found.kind == OPT_OUT:
        return _suppress_everywhere(conn, target, reason="opt_out", cause="opt_out", at=at)
    if found.kind == AUTO_REPLY:
        return _auto_reply(conn, config, found, target, now)
    if found.kind == DECLINE:
        return _decline(conn, target, at)
    if found.kind == REPLY:
        return _reply(conn, config, target, at)
    return f"kind {found.kind!r}: recorded only"
