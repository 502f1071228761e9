"""Outbox row states, send outcomes and the retry backoff policy (DESIGN invariant 1)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class OutboxState(StrEnum):
    QUEUED = "queued"  # bytes and Message-ID stored; waiting for due_at
    CLAIMED = "claimed"  # leased by a worker; no SMTP yet (a crash requeues)
    SENDING = "sending"  # RCPT accepted, DATA under way (a crash here becomes unknown)
    SENT = "sent"
    RETRY = "retry"  # 4xx / drop before the dot; due again at due_at
    FAILED = "failed"  # permanent, or gave up; an operator may look
    UNKNOWN = "unknown"  # dropped after the dot: maybe delivered; only `outbox resend` sends again
    CANCELLED = "cancelled"  # stop condition seen (reply, opt-out, bounce, suppression, by hand)
    EXPIRED = "expired"  # missed its relevance window; never send hours late


TERMINAL = frozenset(
    {OutboxState.SENT, OutboxState.FAILED, OutboxState.CANCELLED, OutboxState.EXPIRED}
)

CLAIMABLE = frozenset({OutboxState.QUEUED, OutboxState.RETRY})
"""Rows a claim may take; nothing has been attempted since the last outcome."""

LEASED = frozenset({OutboxState.CLAIMED, OutboxState.SENDING})
"""Rows a worker holds: only the claimant writes them (the fence)."""

UNSETTLED = CLAIMABLE | LEASED
"""Rows not yet sent nor ended: a stop condition cancels the claimable ones."""

CONTACTED = UNSETTLED | {OutboxState.SENT, OutboxState.UNKNOWN}
"""Rows that count as mail to the person: sent, maybe sent, or on its way."""


@dataclass(frozen=True)
class NewOutboxRow:
    """One rendered step to queue: a new `queued` outbox row (attempt 0) and its message bytes.
    Times are naive UTC, as stored."""

    enrollment_id: int
    step: int
    mailbox: str
    mail_from: str
    rcpt_to: tuple[str, ...]  # envelope recipients
    email_norm: str  # the influencer's address, for the stop checks
    message_id: str
    subject: str
    raw: bytes = field(repr=False)
    due_at: datetime
    created_at: datetime
    expires_at: datetime | None = None  # missed its relevance window after this
    template_hash: str = ""
    variant: str = ""  # the step's variant it was rendered from ("" = a step without variants)


class Outcome(StrEnum):
    """How one attempt ended; every ending is a row in the attempt log."""

    SENT = "sent"
    TRANSIENT = "transient"  # 4xx, timeout or drop before the dot: retry
    HARD_BOUNCE = "hard_bounce"  # 5.1.x on RCPT: address is bad
    SOFT_BOUNCE = "soft_bounce"  # 5.2.x: mailbox full/disabled: retry, then fail
    REJECTED = "rejected"  # content or policy 5xx on this message: failed, no suppression
    SENDER_FAULT = "sender_fault"  # auth, relaying, quota, TLS: pause the mailbox
    AMBIGUOUS = "ambiguous"  # drop/timeout after the dot: unknown
    CANCELLED = "cancelled"


def backoff_seconds(
    attempt: int, *, first: float, cap: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter in [base/2, base]: attempt 1 -> first."""
    base = min(cap, first * 2.0 ** max(0, attempt - 1))
    r = (rng or random).random()
    return base / 2 + r * base / 2


STOP_REASON_MAX = 200  # enrollment.stop_reason's width
FAILURE_STOP_PATTERNS = ("step % failed: %", "step % expired after %", "step % held: %")
"""SQL LIKE patterns of the reasons below: `outreach status` lists these stops."""


def held_stop_reason(step: int, why: str) -> str:
    """Why an enrollment stopped before a step whose text would contradict its send date."""
    return f"step {step} held: {why}"[:STOP_REASON_MAX]


def failed_stop_reason(step: int, said: str) -> str:
    """Why an enrollment stopped when its step's row ended `failed` (not a hard bounce)."""
    return f"step {step} failed: {said}"[:STOP_REASON_MAX]


def expired_stop_reason(step: int, hours: float) -> str:
    """Why an enrollment stopped when its step's row was not sent within its relevance window."""
    return f"step {step} expired after {hours:g}h"[:STOP_REASON_MAX]
