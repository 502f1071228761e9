"""Holding and releasing enrollments: paused by hand or with their campaign, archived.

A paused enrollment is never due: its `next_due_at` is cleared and its unsent rendered rows
wait at `HELD_UNTIL`, their expiry moved by the same amount, so neither the planner nor a
claim takes them and the reaper does not expire them. A row already claimed or sending is
in flight and is not recalled. Resuming puts the rows (or the next step) at the time the
service computed, and moves their expiry back by the same amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from outreach.clock import naive_utc
from outreach.domain.enrollment import LIVE, EnrollmentStatus
from outreach.store.queries.outbox import cancel_unsent, hold_unsent, leased_count, release_held
from outreach.store.schema import campaign, enrollment, influencer

PAUSED_BY_HAND = "paused by hand"
PAUSED_WITH_CAMPAIGN = "campaign paused"
CAMPAIGN_ARCHIVED = "campaign archived"


@dataclass(frozen=True)
class Held:
    """A paused enrollment, with what resuming it needs."""

    id: int
    campaign: str
    handle: str
    sequence: str
    next_step: int
    timezone: str
    country: str
    reason: str


def live_enrollments(
    conn: Connection,
    *,
    influencer_id: int | None = None,
    campaign_slug: str | None = None,
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
) -> list[int]:
    """Enrollments in `status` of one influencer and/or one campaign, oldest first."""
    query = (
        select(enrollment.c.id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.status == status)
        .order_by(enrollment.c.id)
    )
    if influencer_id is not None:
        query = query.where(enrollment.c.influencer_id == influencer_id)
    if campaign_slug is not None:
        query = query.where(campaign.c.slug == campaign_slug)
    return list(conn.execute(query).scalars())


def pause_enrollments(conn: Connection, ids: Sequence[int], *, reason: str, at: datetime) -> int:
    """active -> paused for these enrollments; their unsent rows wait at HELD_UNTIL. Returns
    how many rows are in flight (claimed or sending) and will still go out."""
    if not ids:
        return 0
    conn.execute(
        update(enrollment)
        .where(enrollment.c.id.in_(list(ids)), enrollment.c.status == EnrollmentStatus.ACTIVE)
        .values(status=EnrollmentStatus.PAUSED, stop_reason=reason, next_due_at=None)
    )
    hold_unsent(conn, ids, at=at)
    return leased_count(conn, ids)


def held(
    conn: Connection,
    *,
    reasons: Sequence[str],
    influencer_id: int | None = None,
    campaign_slug: str | None = None,
) -> list[Held]:
    """Paused enrollments held for one of `reasons`, of one influencer and/or campaign."""
    query = (
        select(
            enrollment.c.id,
            campaign.c.slug,
            influencer.c.handle,
            enrollment.c.sequence,
            enrollment.c.next_step,
            influencer.c.timezone,
            influencer.c.country,
            enrollment.c.stop_reason,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(
            enrollment.c.status == EnrollmentStatus.PAUSED,
            enrollment.c.stop_reason.in_(list(reasons)),
        )
        .order_by(enrollment.c.id)
    )
    if influencer_id is not None:
        query = query.where(enrollment.c.influencer_id == influencer_id)
    if campaign_slug is not None:
        query = query.where(campaign.c.slug == campaign_slug)
    return [Held(*row) for row in conn.execute(query)]


def resume_enrollment(
    conn: Connection, enrollment_id: int, until: datetime, *, at: datetime
) -> bool:
    """paused -> active; the held rows (else the next step) are due at `until`. False when it
    was no longer paused (a reply stopped it meanwhile)."""
    moved = conn.execute(
        update(enrollment)
        .where(enrollment.c.id == enrollment_id, enrollment.c.status == EnrollmentStatus.PAUSED)
        .values(status=EnrollmentStatus.ACTIVE, stop_reason="")
    ).rowcount
    if not moved:
        return False
    if not release_held(conn, enrollment_id, until, at=at):
        conn.execute(
            update(enrollment)
            .where(enrollment.c.id == enrollment_id)
            .values(next_due_at=naive_utc(until))
        )
    return True


def archive_enrollments(conn: Connection, ids: Sequence[int], *, at: datetime) -> int:
    """Stop these enrollments for good (campaign archived) and cancel their unsent rows.
    Returns how many rows are in flight and will still go out."""
    if not ids:
        return 0
    conn.execute(
        update(enrollment)
        .where(enrollment.c.id.in_(list(ids)), enrollment.c.status.in_(LIVE))
        .values(status=EnrollmentStatus.STOPPED, stop_reason=CAMPAIGN_ARCHIVED, next_due_at=None)
    )
    cancel_unsent(conn, ids, reason=CAMPAIGN_ARCHIVED, at=at)
    return leased_count(conn, ids)


def stage_of(conn: Connection, enrollment_id: int) -> str:
    return str(
        conn.execute(
            select(enrollment.c.stage).where(enrollment.c.id == enrollment_id)
        ).scalar_one()
    )


# --- Campaigns ----------------------------------------------------------------------------


# --- Mailboxes ----------------------------------------------------------------------------
