"""Deals, their offer trail and deliverables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from outreach.clock import naive_utc
from outreach.domain.deal import Piece
from outreach.domain.enrollment import EnrollmentStatus
from outreach.store.queries import tally
from outreach.store.schema import (
    campaign,
    deal,
    deal_offer,
    deliverable,
    enrollment,
    influencer,
)


def deal_of(conn: Connection, enrollment_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(deal).where(deal.c.enrollment_id == enrollment_id)).first()
    return dict(row._mapping) if row else None


def accepted_deal_id(conn: Connection, enrollment_id: int) -> int | None:
    """The id of the enrolment's accepted deal, or None."""
    return conn.execute(
        select(deal.c.id).where(deal.c.enrollment_id == enrollment_id, deal.c.status == "accepted")
    ).scalar()


def insert_deal(
    conn: Connection, enrollment_id: int, status: str, terms: dict[str, Any], at: datetime
) -> int:
    return int(
        conn.execute(
            insert(deal)
            .values(
                enrollment_id=enrollment_id,
                status=status,
                terms=terms,
                created_at=at,
                updated_at=at,
            )
            .returning(deal.c.id)
        ).scalar_one()
    )


def update_deal_if(
    conn: Connection,
    deal_id: int,
    expected: str,
    *,
    status: str,
    terms: dict[str, Any],
    at: datetime,
) -> bool:
    """Compare-and-set the deal's status; False when another writer changed it first."""
    values: dict[str, Any] = {"status": status, "terms": terms, "updated_at": at}
    if status == "accepted":
        values["accepted_at"] = at
    done = conn.execute(
        update(deal).where(deal.c.id == deal_id, deal.c.status == expected).values(**values)
    )
    return done.rowcount == 1


def add_offer(
    conn: Connection,
    deal_id: int,
    kind: str,
    by: str,
    terms: dict[str, Any],
    note: str,
    at: datetime,
) -> None:
    conn.execute(
        insert(deal_offer).values(
            deal_id=deal_id, kind=kind, proposed_by=by, terms=terms, note=note, at=at
        )
    )


def offers(conn: Connection, deal_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(deal_offer)
        .where(deal_offer.c.deal_id == deal_id)
        .order_by(deal_offer.c.at, deal_offer.c.id)
    )
    return [dict(r._mapping) for r in rows]


def add_deliverables(conn: Connection, deal_id: int, items: list[dict[str, Any]]) -> None:
    """Number them 1.. in the order given."""
    conn.execute(
        insert(deliverable),
        [{"deal_id": deal_id, "n": n, **item} for n, item in enumerate(items, 1)],
    )
    if any(item.get("posted_at") is not None for item in items):  # already live: counted
        tally.touch(
            conn, conn.execute(select(deal.c.enrollment_id).where(deal.c.id == deal_id)).scalars()
        )


def deliverables(conn: Connection, deal_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(deliverable).where(deliverable.c.deal_id == deal_id).order_by(deliverable.c.n)
    )
    return [dict(r._mapping) for r in rows]


def record_post(
    conn: Connection,
    deliverable_id: int,
    *,
    url: str,
    posted_at: datetime,
    caption: str,
    disclosure: str,
    state: str,
) -> bool:
    """Write a live post on a deliverable still without one; False if it already has one.
    The post counts in the report's funnel (posted)."""
    done = conn.execute(
        update(deliverable)
        .where(deliverable.c.id == deliverable_id, deliverable.c.post_url.is_(None))
        .values(
            post_url=url, posted_at=posted_at, caption=caption, disclosure=disclosure, state=state
        )
        .returning(deliverable.c.deal_id)
    ).all()
    if done:
        tally.touch(
            conn,
            conn.execute(select(deal.c.enrollment_id).where(deal.c.id == done[0][0])).scalars(),
        )
    return len(done) == 1


def deliverable_by_url(conn: Connection, url: str) -> dict[str, Any] | None:
    row = conn.execute(select(deliverable).where(deliverable.c.post_url == url)).first()
    return dict(row._mapping) if row else None


def _people() -> Any:
    return (
        select(
            deal.c.id.label("deal"),
            campaign.c.slug.label("campaign"),
            influencer.c.handle,
            influencer.c.platform,
            influencer.c.tier,
            influencer.c.manager_email,
            enrollment.c.stage,
            deal.c.status,
            deal.c.terms,
            deal.c.updated_at,
        )
        .select_from(deal)
        .join(enrollment, enrollment.c.id == deal.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
    )


def deal_rows(
    conn: Connection, campaign_slug: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    query = _people().order_by(campaign.c.slug, influencer.c.handle)
    if campaign_slug:
        query = query.where(campaign.c.slug == campaign_slug)
    if status:
        query = query.where(deal.c.status == status)
    return [dict(r._mapping) for r in conn.execute(query)]


def late_rows(
    conn: Connection, today: date, campaign_slug: str | None = None
) -> list[dict[str, Any]]:
    """Deliverables of accepted deals still planned after their due date, most overdue first."""
    query = (
        select(
            deal.c.id.label("deal_id"),
            campaign.c.slug.label("campaign"),
            influencer.c.handle,
            deliverable.c.n,
            deliverable.c.platform,
            deliverable.c.format,
            deliverable.c.due_date,
            influencer.c.email,
        )
        .select_from(deliverable)
        .join(deal, deal.c.id == deliverable.c.deal_id)
        .join(enrollment, enrollment.c.id == deal.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(
            deliverable.c.state == "planned",
            deliverable.c.due_date < today,
            deal.c.status == "accepted",
        )
        .order_by(deliverable.c.due_date, influencer.c.handle, deliverable.c.n)
    )
    if campaign_slug:
        query = query.where(campaign.c.slug == campaign_slug)
    return [dict(r._mapping) for r in conn.execute(query)]


def campaign_id(conn: Connection, slug: str) -> int | None:
    return conn.execute(select(campaign.c.id).where(campaign.c.slug == slug)).scalar()


def count_posted(conn: Connection, deal_id: int) -> tuple[int, int]:
    """(deliverables with a live post, all deliverables) of a deal."""
    row = conn.execute(
        select(func.count(deliverable.c.post_url), func.count()).where(
            deliverable.c.deal_id == deal_id
        )
    ).one()
    return int(row[0]), int(row[1])


def set_caption(
    conn: Connection, deliverable_id: int, *, caption: str, disclosure: str, state: str
) -> None:
    conn.execute(
        update(deliverable)
        .where(deliverable.c.id == deliverable_id)
        .values(caption=caption, disclosure=disclosure, state=state)
    )


def deal_terms(conn: Connection, deal_id: int) -> dict[str, Any]:
    return dict(conn.execute(select(deal.c.terms).where(deal.c.id == deal_id)).scalar_one())


_PIECES_CHUNK = 500  # enrollment ids per IN (...)


def accepted_pieces(
    conn: Connection, enrollment_ids: Sequence[int]
) -> dict[int, tuple[dict[str, Any], list[Piece]]]:
    """Per enrollment with an accepted deal: (its terms as stored, its deliverable pieces in
    number order). Enrollments without one are absent."""
    ids = list(enrollment_ids)
    out: dict[int, tuple[dict[str, Any], list[Piece]]] = {}
    for start in range(0, len(ids), _PIECES_CHUNK):
        rows = conn.execute(
            select(
                deal.c.enrollment_id,
                deal.c.terms,
                deliverable.c.n,
                deliverable.c.platform,
                deliverable.c.format,
                deliverable.c.due_date,
                deliverable.c.state,
            )
            .select_from(deal)
            .outerjoin(deliverable, deliverable.c.deal_id == deal.c.id)
            .where(
                deal.c.enrollment_id.in_(ids[start : start + _PIECES_CHUNK]),
                deal.c.status == "accepted",
            )
            .order_by(deal.c.enrollment_id, deliverable.c.n)
        )
        for r in rows:
            pieces = out.setdefault(r.enrollment_id, (dict(r.terms), []))[1]
            if r.n is not None:
                pieces.append(Piece(r.n, r.platform, r.format, r.due_date, r.state))
    return out


@dataclass(frozen=True)
class DealPhaseTarget:
    """What `deal accept` needs to decide whether the enrollment's deal phase may start."""

    enrollment_id: int
    status: str
    stop_reason: str
    stage: str
    next_step: int
    sequence: str
    campaign: str
    timezone: str
    country: str
    email_norm: str
    mailbox: str = ""  # the From identity the conversation is sent from


def deal_phase_target(conn: Connection, enrollment_id: int) -> DealPhaseTarget:
    row = conn.execute(
        select(
            enrollment.c.id,
            enrollment.c.status,
            enrollment.c.stop_reason,
            enrollment.c.stage,
            enrollment.c.next_step,
            enrollment.c.sequence,
            campaign.c.slug,
            influencer.c.timezone,
            influencer.c.country,
            influencer.c.email_norm,
            enrollment.c.mailbox,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(enrollment.c.id == enrollment_id)
        .with_for_update(of=enrollment)
    ).one()
    return DealPhaseTarget(
        row.id,
        row.status,
        row.stop_reason,
        row.stage,
        row.next_step,
        row.sequence,
        row.slug,
        row.timezone,
        row.country,
        row.email_norm,
        row.mailbox or "",
    )


def open_deal_phase(
    conn: Connection,
    target: DealPhaseTarget,
    *,
    step: int,
    due: datetime,
) -> bool:
    """Make the enrollment active at its first deal-phase `step`, due at `due`: a
    compare-and-set on the status, stop reason and step `target` was read with, so a reply,
    opt-out or stop recorded since is kept. False when it did not take."""
    done = conn.execute(
        update(enrollment)
        .where(
            enrollment.c.id == target.enrollment_id,
            enrollment.c.status == target.status,
            enrollment.c.stop_reason == target.stop_reason,
            enrollment.c.next_step == target.next_step,
            enrollment.c.next_step < step,
        )
        .values(
            status=EnrollmentStatus.ACTIVE,
            stop_reason="",
            next_step=step,
            next_due_at=naive_utc(due),
        )
    )
    return done.rowcount == 1
