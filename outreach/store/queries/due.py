"""The planner's due scan and step advancement.

Every function runs in the caller's transaction. The due scan reads `ix_enrollment_due`
(status, next_due_at) so its cost follows the number of due rows, not the roster size.
Times are stored naive UTC (see clock.utc).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, or_, select, update

from outreach.clock import naive_utc, utc
from outreach.domain.enrollment import EnrollmentStatus
from outreach.domain.outbox import CONTACTED
from outreach.store.schema import (
    campaign,
    enrollment,
    outbox,
)

_CHUNK = 500


# Enrollments the due scan picks. An out-of-office keeps its enrollment active and moves
# next_due_at; a paused one is held until resumed (queries.pause).
DUE_STATUSES = frozenset({EnrollmentStatus.ACTIVE})  # a paused one waits for `outreach resume`


@dataclass(frozen=True)
class Due:
    """One enrollment whose next step is due."""

    id: int
    campaign_slug: str
    influencer_id: int
    sequence: str
    mailbox: str
    step: int
    due_at: datetime
    stage: str
    send_to: str = ""  # this enrolment's `to` rule ("" = the campaign's, else the roster's)
    variants: str = ""  # JSON step -> the variant given (enrollment.variants)


def due_enrollments(
    conn: Connection,
    *,
    now: datetime,
    limit: int,
    hold_followups: Iterable[str] = (),
    skip_mailboxes: Iterable[str] = (),
    skip_campaigns: Iterable[str] = (),
) -> list[Due]:
    """Active enrollments with next_due_at <= now, oldest first (index range scan).

    Follow-ups (step > 1) on the `hold_followups` mailboxes and everything on `skip_mailboxes`
    or of `skip_campaigns` are left out, so rows that must wait never crowd out the rest of
    the batch.
    """
    query = (
        select(
            enrollment.c.id,
            campaign.c.slug,
            enrollment.c.influencer_id,
            enrollment.c.sequence,
            enrollment.c.mailbox,
            enrollment.c.next_step,
            enrollment.c.next_due_at,
            enrollment.c.stage,
            enrollment.c.send_to,
            enrollment.c.variants,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.status.in_(DUE_STATUSES), enrollment.c.next_due_at <= naive_utc(now))
        .order_by(enrollment.c.next_due_at)
        .limit(limit)
    )
    skipped = list(skip_mailboxes)
    if skipped:
        query = query.where(enrollment.c.mailbox.not_in(skipped))
    campaigns_held = list(skip_campaigns)
    if campaigns_held:
        query = query.where(campaign.c.slug.not_in(campaigns_held))
    held = list(hold_followups)
    if held:
        query = query.where(or_(enrollment.c.next_step == 1, enrollment.c.mailbox.not_in(held)))
    return [
        Due(id_, slug, influencer_id, sequence, mailbox, step, utc(due_at), stage, send_to, vs)
        for id_, slug, influencer_id, sequence, mailbox, step, due_at, stage, send_to, vs in (
            conn.execute(query)
        )
    ]


def threads(conn: Connection, dues: Sequence[Due]) -> dict[int, list[tuple[str, str]]]:
    """Per enrollment, (message_id, subject) of the steps before its due one that went out
    (CONTACTED), oldest first: a follow-up cancelled by a reply never reached the recipient,
    so a deal-phase step must not name it in In-Reply-To or References."""
    before = {d.id: d.step for d in dues if d.step > 1}
    out: dict[int, list[tuple[str, str]]] = {eid: [] for eid in before}
    ids = list(before)
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            select(outbox.c.enrollment_id, outbox.c.step, outbox.c.message_id, outbox.c.subject)
            .where(
                outbox.c.enrollment_id.in_(ids[start : start + _CHUNK]),
                outbox.c.state.in_(CONTACTED),
            )
            .order_by(outbox.c.enrollment_id, outbox.c.step)
        )
        for r in rows:
            if r.step < before[r.enrollment_id]:
                out[r.enrollment_id].append((r.message_id, r.subject))
    return out


def still_due(conn: Connection, dues: Sequence[Due]) -> dict[int, str]:
    """Of these due enrollments, those still active/paused at the same step and due time,
    locked until commit (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds
    the write lock) -> their current stage. A reply, stop or another planner since the due
    scan drops a row."""
    wanted = {d.id: d for d in dues}
    found: dict[int, str] = {}
    ids = list(wanted)
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            select(
                enrollment.c.id,
                enrollment.c.status,
                enrollment.c.next_step,
                enrollment.c.next_due_at,
                enrollment.c.stage,
            )
            .where(enrollment.c.id.in_(ids[start : start + _CHUNK]))
            .with_for_update()
        )
        for id_, status, next_step, next_due_at, stage in rows:
            due = wanted[id_]
            if (
                status in DUE_STATUSES
                and next_step == due.step
                and next_due_at is not None
                and utc(next_due_at) == due.due_at
            ):
                found[id_] = stage
    return found


def take(conn: Connection, ids: Sequence[int]) -> None:
    """Mark locked, still-due enrollments as handed to the outbox (next_due_at NULL)."""
    for start in range(0, len(ids), _CHUNK):  # one statement per chunk, not one per row:
        conn.execute(  # this runs under the write lock the daemon's group commits wait for
            update(enrollment)
            .where(enrollment.c.id.in_(ids[start : start + _CHUNK]))
            .values(next_due_at=None, status=EnrollmentStatus.ACTIVE)
        )


def reschedule(conn: Connection, due: Due, at: datetime) -> None:
    """Move a due step to a later time (its window is closed now)."""
    conn.execute(
        update(enrollment)
        .where(
            enrollment.c.id == due.id,
            enrollment.c.next_step == due.step,
            enrollment.c.status.in_(DUE_STATUSES),
        )
        .values(next_due_at=naive_utc(at))
    )


_ADVANCE_MANY = update(enrollment).where(
    enrollment.c.id == bindparam("e_id"),
    enrollment.c.next_step == bindparam("e_sent"),
    enrollment.c.status == EnrollmentStatus.ACTIVE,
)


def advance_many(conn: Connection, moves: Sequence[tuple[int, int, datetime | None]]) -> None:
    """After each (enrollment, sent_step, next_due_at) was accepted: schedule its next step, or
    complete it when next_due_at is None. One executemany per shape; each row a compare-and-set
    on next_step and status, so a repeat or a stop recorded meanwhile is kept."""
    scheduled = [
        {"e_id": e, "e_sent": s, "e_next": s + 1, "e_due": naive_utc(due)}
        for e, s, due in moves
        if due is not None
    ]
    completed = [{"e_id": e, "e_sent": s, "e_next": s + 1} for e, s, due in moves if due is None]
    if scheduled:
        conn.execute(
            _ADVANCE_MANY.values(next_step=bindparam("e_next"), next_due_at=bindparam("e_due")),
            scheduled,
        )
    if completed:
        conn.execute(
            _ADVANCE_MANY.values(
                next_step=bindparam("e_next"), next_due_at=None, status=EnrollmentStatus.COMPLETED
            ),
            completed,
        )
