"""Enrollments: enrolment, their status (domain.enrollment.EnrollmentStatus), stops and the
ones an operator must look at.

Every function runs in the caller's transaction. Times are stored naive UTC (see clock.utc).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from outreach.clock import naive_utc, utc
from outreach.domain.enrollment import HALTED, LIVE, EnrollmentStatus
from outreach.domain.outbox import CONTACTED, FAILURE_STOP_PATTERNS, failed_stop_reason
from outreach.domain.stages import Stage
from outreach.store.queries import tally
from outreach.store.queries.due import DUE_STATUSES
from outreach.store.queries.suppression import email_hash
from outreach.store.schema import (
    campaign,
    enrollment,
    influencer,
    outbox,
    suppression_audit,
)

_ENDED_STAGES = (Stage.BOUNCED.value, Stage.UNSUBSCRIBED.value)

_CHUNK = 500  # ids per IN (...): well under SQLite's bound-parameter limit


# An outbox row in these states has reached, or may yet reach, the recipient.


@dataclass(frozen=True)
class Candidate:
    """What enrolment needs to decide about one influencer (no posts, no custom fields)."""

    id: int
    handle: str
    platform: str
    email_norm: str
    basis: str
    refuses_ads: bool
    timezone: str
    country: str
    tier: str | None
    niche: str
    tags: tuple[str, ...]
    er_rank_pct: float | None
    source: str = ""  # `file:line` of the roster row it was last imported from


def candidates(
    conn: Connection,
    *,
    platform: str | None = None,
    tier: str | None = None,
    niche: str | None = None,
    min_er_pct: float | None = None,
    handles: Sequence[str] | None = None,
) -> Iterator[Candidate]:
    """Influencers matching the column filters, in id order, streamed in chunks.

    Tags are a JSON list and are filtered by the caller (portable across both databases).
    """
    cols = (
        influencer.c.id,
        influencer.c.handle,
        influencer.c.platform,
        influencer.c.email_norm,
        influencer.c.basis,
        influencer.c.refuses_ads,
        influencer.c.timezone,
        influencer.c.country,
        influencer.c.tier,
        influencer.c.niche,
        influencer.c.tags,
        influencer.c.er_rank_pct,
        influencer.c.source_file,
        influencer.c.source_line,
    )
    query = select(*cols).order_by(influencer.c.id)
    if platform:
        query = query.where(influencer.c.platform == platform)
    if tier:
        query = query.where(influencer.c.tier == tier)
    if niche:
        query = query.where(func.lower(influencer.c.niche) == niche.lower())
    if min_er_pct is not None:
        query = query.where(influencer.c.er_rank_pct >= min_er_pct)
    if handles is not None:
        query = query.where(influencer.c.handle.in_([h.lstrip("@") for h in handles]))
    last = 0
    while True:
        rows = conn.execute(query.where(influencer.c.id > last).limit(_CHUNK)).all()
        if not rows:
            return
        for r in rows:
            yield Candidate(
                id=r.id,
                handle=r.handle,
                platform=r.platform,
                email_norm=r.email_norm,
                basis=r.basis,
                refuses_ads=bool(r.refuses_ads),
                timezone=r.timezone,
                country=r.country,
                tier=r.tier,
                niche=r.niche,
                tags=tuple(r.tags or ()),
                er_rank_pct=r.er_rank_pct,
                source=f"{r.source_file}:{r.source_line}" if r.source_file else "",
            )
        last = rows[-1].id


def enrolled_in(conn: Connection, campaign_id: int, ids: Sequence[int]) -> set[int]:
    """Which of these influencers already have an enrollment in the campaign."""
    rows = conn.execute(
        select(enrollment.c.influencer_id).where(
            enrollment.c.campaign_id == campaign_id, enrollment.c.influencer_id.in_(ids)
        )
    )
    return set(rows.scalars())


def ended(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """Influencers who bounced or unsubscribed in any campaign -> that stage.

    A bounce stops counting once a person lifted that address's suppression after it (`outreach
    suppression remove`): they judged the mailbox deliverable again. An opt-out always counts."""
    rows = conn.execute(
        select(
            enrollment.c.influencer_id,
            enrollment.c.stage,
            enrollment.c.stage_changed_at,
            influencer.c.email_norm,
        )
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(enrollment.c.influencer_id.in_(ids), enrollment.c.stage.in_(_ENDED_STAGES))
        .order_by(enrollment.c.stage_changed_at)
    ).all()
    bounced = {email_hash(r.email_norm) for r in rows if r.stage == Stage.BOUNCED.value}
    lifted: dict[str, datetime] = {}
    if bounced:
        lifts = conn.execute(
            select(suppression_audit.c.email_hash, func.max(suppression_audit.c.at))
            .where(
                suppression_audit.c.email_hash.in_(bounced), suppression_audit.c.action == "remove"
            )
            .group_by(suppression_audit.c.email_hash)
        )
        lifted = {h: at for h, at in lifts}
    out: dict[int, str] = {}
    for r in rows:
        if r.stage == Stage.BOUNCED.value:
            at = lifted.get(email_hash(r.email_norm))
            if at is not None and at >= r.stage_changed_at:
                continue
        if out.get(r.influencer_id) != Stage.UNSUBSCRIBED.value:
            out[r.influencer_id] = r.stage
    return out


def recent_contacts(
    conn: Connection, ids: Sequence[int], *, since: datetime, exclude_campaign: int | None
) -> dict[int, tuple[str, datetime]]:
    """Influencers another campaign mailed, or enrolled, at or after `since` -> (slug, when).

    A message counts from its sending time, or its creation while still in flight; an
    enrolment counts from its creation, since it will mail soon.
    """
    at = naive_utc(since)
    mailed = (
        select(
            enrollment.c.influencer_id,
            campaign.c.slug,
            func.coalesce(outbox.c.sent_at, outbox.c.created_at).label("at"),
        )
        .join(enrollment, enrollment.c.id == outbox.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(
            enrollment.c.influencer_id.in_(ids),
            outbox.c.state.in_(CONTACTED),
            func.coalesce(outbox.c.sent_at, outbox.c.created_at) >= at,
        )
    )
    joined = (
        select(enrollment.c.influencer_id, campaign.c.slug, enrollment.c.created_at.label("at"))
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.influencer_id.in_(ids), enrollment.c.created_at >= at)
    )
    if exclude_campaign is not None:
        mailed = mailed.where(enrollment.c.campaign_id != exclude_campaign)
        joined = joined.where(enrollment.c.campaign_id != exclude_campaign)
    out: dict[int, tuple[str, datetime]] = {}
    for row in conn.execute(mailed.union_all(joined)):
        when = utc(row.at)
        if row.influencer_id not in out or when > out[row.influencer_id][1]:
            out[row.influencer_id] = (row.slug, when)
    return out


def insert_enrollments(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert; each row: campaign_id, influencer_id, sequence, mailbox, next_due_at.
    Each new person is counted as enrolled in the report's counters."""
    if rows:
        tally.touch(
            conn, conn.execute(insert(enrollment).returning(enrollment.c.id), list(rows)).scalars()
        )


def mark_error(conn: Connection, enrollment_id: int, reason: str) -> None:
    """A step that cannot be composed for this influencer: visible, not retried each tick."""
    conn.execute(
        update(enrollment)
        .where(enrollment.c.id == enrollment_id, enrollment.c.status.in_(DUE_STATUSES))
        .values(status=EnrollmentStatus.ERROR, stop_reason=reason[:200], next_due_at=None)
    )


@dataclass(frozen=True)
class EnrollmentState:
    id: int
    influencer_id: int
    sequence: str
    mailbox: str
    next_step: int
    status: str
    timezone: str
    country: str
    campaign: str  # its slug


def enrollment_states(conn: Connection, ids: Sequence[int]) -> dict[int, EnrollmentState]:
    """Where each enrollment is in its sequence, with its recipient's zone (one query)."""
    rows = conn.execute(
        select(
            enrollment.c.id,
            enrollment.c.influencer_id,
            enrollment.c.sequence,
            enrollment.c.mailbox,
            enrollment.c.next_step,
            enrollment.c.status,
            influencer.c.timezone,
            influencer.c.country,
            campaign.c.slug,
        )
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.id.in_(list(ids)))
    )
    return {row[0]: EnrollmentState(*row) for row in rows}  # the columns in the dataclass's order


def errored(conn: Connection, campaign_slug: str) -> list[tuple[int, int, str, int]]:
    """(enrollment id, influencer id, sequence, next step) of the campaign's enrollments that
    need attention (a step could not be written)."""
    rows = conn.execute(
        select(
            enrollment.c.id,
            enrollment.c.influencer_id,
            enrollment.c.sequence,
            enrollment.c.next_step,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(campaign.c.slug == campaign_slug, enrollment.c.status == EnrollmentStatus.ERROR)
        .order_by(enrollment.c.id)
    )
    return [(r.id, r.influencer_id, r.sequence, r.next_step) for r in rows]


def needing_attention(conn: Connection, *, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """Enrollments whose step could not be written: how many, and the latest `limit`
    (handle, campaign, stop_reason)."""
    stuck = enrollment.c.status == EnrollmentStatus.ERROR
    total = conn.execute(select(func.count()).select_from(enrollment).where(stuck)).scalar_one()
    rows = conn.execute(
        select(influencer.c.handle, campaign.c.slug.label("campaign"), enrollment.c.stop_reason)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(stuck)
        .order_by(enrollment.c.id.desc())
        .limit(limit)
    ).mappings()
    return int(total), [dict(r) for r in rows]


def reactivate(conn: Connection, enrollment_id: int, due: datetime) -> bool:
    """error -> active, its step due at `due`; False when it was no longer in error."""
    return bool(
        conn.execute(
            update(enrollment)
            .where(enrollment.c.id == enrollment_id, enrollment.c.status == EnrollmentStatus.ERROR)
            .values(status=EnrollmentStatus.ACTIVE, stop_reason="", next_due_at=naive_utc(due))
        ).rowcount
    )


def halted(conn: Connection, campaign_slug: str) -> list[tuple[str, str, str]]:
    """(handle, status, stop_reason) of the campaign's stopped, errored or paused enrollments."""
    rows = conn.execute(
        select(influencer.c.handle, enrollment.c.status, enrollment.c.stop_reason)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        # `+ 0`: through ix_enrollment_due (these statuses), not every enrollment of the
        # campaign, which SQLite without statistics prefers (https://sqlite.org/optoverview.html
        # "Disqualifying WHERE clause terms using unary-+").
        .where(
            enrollment.c.campaign_id + 0
            == select(campaign.c.id).where(campaign.c.slug == campaign_slug).scalar_subquery(),
            enrollment.c.status.in_(HALTED),
        )
        .order_by(enrollment.c.id)
    )
    return [(r.handle, r.status, r.stop_reason) for r in rows]


def failure_stops(conn: Connection, *, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """Enrollments stopped because a step's row failed or expired (FAILURE_STOP_PATTERNS):
    how many, and the latest `limit` of them (handle, campaign, stop_reason)."""
    stopped = and_(
        enrollment.c.status == EnrollmentStatus.STOPPED,
        or_(*(enrollment.c.stop_reason.like(p) for p in FAILURE_STOP_PATTERNS)),
    )
    total = conn.execute(select(func.count()).select_from(enrollment).where(stopped)).scalar_one()
    rows = conn.execute(
        select(influencer.c.handle, campaign.c.slug.label("campaign"), enrollment.c.stop_reason)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(stopped)
        .order_by(enrollment.c.id.desc())
        .limit(limit)
    ).mappings()
    return total, [dict(r) for r in rows]


def resume_after_failure(conn: Connection, enrollment_id: int, step: int) -> None:
    """Undo the stop a failed `step` caused (the operator sends the row again); any other stop
    (a reply, an opt-out, a hard bounce) stands."""
    conn.execute(
        update(enrollment)
        .where(
            enrollment.c.id == enrollment_id,
            enrollment.c.status == EnrollmentStatus.STOPPED,
            enrollment.c.stop_reason.like(failed_stop_reason(step, "%")),
        )
        .values(status=EnrollmentStatus.ACTIVE, stop_reason="")
    )


LIVE_STATUSES = LIVE


_STOP = (
    update(enrollment)
    .where(enrollment.c.id == bindparam("_id"), enrollment.c.status.in_(LIVE))
    .values(status=EnrollmentStatus.STOPPED, stop_reason=bindparam("_reason"), next_due_at=None)
)


def stop_one_enrollment(conn: Connection, enrollment_id: int, *, reason: str) -> None:
    """`stop_enrollment` with a statement built once."""
    conn.execute(_STOP, {"_id": enrollment_id, "_reason": reason})


def stop_enrollment(conn: Connection, enrollment_id: int, *, reason: str) -> None:
    """Stop one enrollment's sequence: no further steps are planned for it."""
    conn.execute(
        update(enrollment)
        .where(enrollment.c.id == enrollment_id, enrollment.c.status.in_(LIVE))
        .values(status=EnrollmentStatus.STOPPED, stop_reason=reason, next_due_at=None)
    )
