"""Read-only queries behind the funnel, the report and `outreach todo`.

Each returns plain rows keyed by enrolment id; the service joins them in memory, so a report
over 100,000 people is a handful of scans, not a query per person."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, literal, or_, select

from outreach.store.schema import (
    campaign,
    conversion,
    deal,
    deal_offer,
    deliverable,
    enrollment,
    inbound,
    influencer,
    mailbox,
    outbox,
    stage_history,
)

# Inbound kinds written by a person (an operator's resolution of `needs_review` counts).
HUMAN_KINDS = ("reply", "decline", "opt_out")
# Stages whose first entry marks a funnel step.
FUNNEL_STAGES = ("negotiating", "declined", "unsubscribed", "contracted", "posted", "bounced")
_kind = func.coalesce(inbound.c.resolved_as, inbound.c.kind)
_inbound_at = func.coalesce(inbound.c.received_at, inbound.c.processed_at)


def campaigns(conn: Connection, slug: str | None = None) -> list[tuple[int, str]]:
    """(id, slug) of one campaign, or of every campaign when slug is None."""
    query = select(campaign.c.id, campaign.c.slug).order_by(campaign.c.slug)
    if slug is not None:
        query = query.where(campaign.c.slug == slug)
    return [(int(r.id), str(r.slug)) for r in conn.execute(query)]


def _in(ids: Sequence[int]) -> Any:
    return enrollment.c.campaign_id.in_(list(ids))


def people(
    conn: Connection, campaign_ids: Sequence[int], since: datetime | None = None
) -> list[dict[str, Any]]:
    """Every enrolment of the campaigns (enrolled at or after `since`), with who it is."""
    query = (
        select(
            enrollment.c.id.label("enrollment_id"),
            campaign.c.slug.label("campaign"),
            influencer.c.id.label("influencer_id"),
            influencer.c.name,
            influencer.c.handle,
            influencer.c.email,
            influencer.c.platform,
            influencer.c.tier,
            influencer.c.language,
            influencer.c.followers,
            influencer.c.manager_email,
            influencer.c.custom,
            enrollment.c.mailbox,
            enrollment.c.stage,
            enrollment.c.created_at.label("enrolled_at"),
        )
        .select_from(enrollment)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(_in(campaign_ids))
        .order_by(enrollment.c.id)
    )
    if since is not None:
        query = query.where(enrollment.c.created_at >= since)
    return [dict(r._mapping) for r in conn.execute(query)]


def sends(conn: Connection, campaign_ids: Sequence[int]) -> Iterator[Any]:
    """(enrollment_id, step, template_hash, mailbox, sent_at) of every message sent, in order of
    enrolment and send time."""
    query = (
        select(
            outbox.c.enrollment_id,
            outbox.c.step,
            outbox.c.template_hash,
            outbox.c.mailbox,
            outbox.c.sent_at,
        )
        .join(enrollment, enrollment.c.id == outbox.c.enrollment_id)
        .where(_in(campaign_ids), outbox.c.sent_at.is_not(None))
        .order_by(outbox.c.enrollment_id, outbox.c.sent_at)
    )
    yield from conn.execute(query)


def human_replies(conn: Connection, campaign_ids: Sequence[int]) -> Iterator[Any]:
    """(enrollment_id, at, kind) of every message a person wrote to us, oldest first."""
    query = (
        select(inbound.c.enrollment_id, _inbound_at.label("at"), _kind.label("kind"))
        .join(enrollment, enrollment.c.id == inbound.c.enrollment_id)
        .where(_in(campaign_ids), _kind.in_(HUMAN_KINDS))
        .order_by(inbound.c.enrollment_id, _inbound_at)
    )
    yield from conn.execute(query)


def first_stages(conn: Connection, campaign_ids: Sequence[int]) -> Iterator[Any]:
    """(enrollment_id, to_stage, first time it was entered) for the funnel's stages."""
    query = (
        select(
            stage_history.c.enrollment_id, stage_history.c.to_stage, func.min(stage_history.c.at)
        )
        .join(enrollment, enrollment.c.id == stage_history.c.enrollment_id)
        .where(_in(campaign_ids), stage_history.c.to_stage.in_(FUNNEL_STAGES))
        .group_by(stage_history.c.enrollment_id, stage_history.c.to_stage)
    )
    yield from conn.execute(query)


def posts(conn: Connection, campaign_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Every recorded post of the campaigns: enrolment, url, state, when."""
    query = (
        select(
            deal.c.enrollment_id,
            deliverable.c.n,
            deliverable.c.platform,
            deliverable.c.format,
            deliverable.c.state,
            deliverable.c.post_url,
            deliverable.c.posted_at,
        )
        .select_from(deliverable)
        .join(deal, deal.c.id == deliverable.c.deal_id)
        .join(enrollment, enrollment.c.id == deal.c.enrollment_id)
        .where(_in(campaign_ids), deliverable.c.post_url.is_not(None))
        .order_by(deal.c.enrollment_id, deliverable.c.n)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def orders(conn: Connection, campaign_ids: Sequence[int]) -> Iterator[Any]:
    """(enrollment_id, ordered_at, revenue) of every attributed order, oldest first."""
    query = (
        select(conversion.c.enrollment_id, conversion.c.ordered_at, conversion.c.revenue)
        .where(conversion.c.campaign_id.in_(list(campaign_ids)))
        .where(conversion.c.enrollment_id.is_not(None))
        .order_by(conversion.c.ordered_at)
    )
    yield from conn.execute(query)


# --- Work queues (`outreach todo`) ---------------------------------------------------------


def _campaign_filter(query: Select[Any], slug: str | None) -> Select[Any]:
    return query.where(campaign.c.slug == slug) if slug else query


def waiting_on_us(conn: Connection, slug: str | None = None) -> list[dict[str, Any]]:
    """People whose last reply (reply or decline) is newer than our last message to them, in
    a stage where an answer is due (not opted out, bounced or declined)."""
    last_in = (
        select(
            inbound.c.enrollment_id.label("eid"),
            func.max(_inbound_at).label("at"),
            func.max(inbound.c.id).label("inbound_id"),
        )
        .where(_kind.in_(("reply", "decline")), inbound.c.enrollment_id.is_not(None))
        .group_by(inbound.c.enrollment_id)
        .subquery()
    )
    last_out = (
        select(outbox.c.enrollment_id.label("eid"), func.max(outbox.c.sent_at).label("at"))
        .where(outbox.c.sent_at.is_not(None))
        .group_by(outbox.c.enrollment_id)
        .subquery()
    )
    query = (
        select(
            enrollment.c.id.label("enrollment_id"),
            campaign.c.slug.label("campaign"),
            influencer.c.handle,
            influencer.c.email,
            enrollment.c.stage,
            last_in.c.at.label("since"),
            last_in.c.inbound_id,
            last_out.c.at.label("last_sent_at"),
        )
        .select_from(last_in)
        .join(enrollment, enrollment.c.id == last_in.c.eid)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .outerjoin(last_out, last_out.c.eid == enrollment.c.id)
        .where(
            or_(last_out.c.at.is_(None), last_in.c.at > last_out.c.at),
            enrollment.c.stage.not_in(("unsubscribed", "bounced", "declined")),
        )
    )
    return [dict(r._mapping) for r in conn.execute(_campaign_filter(query, slug))]


def deals_awaiting_us(conn: Connection, slug: str | None = None) -> list[dict[str, Any]]:
    """Open deals whose latest offer came from the creator: our answer is due."""
    latest = (
        select(deal_offer.c.deal_id, func.max(deal_offer.c.id).label("offer_id"))
        .group_by(deal_offer.c.deal_id)
        .subquery()
    )
    query = (
        select(
            deal.c.id.label("deal_id"),
            campaign.c.slug.label("campaign"),
            influencer.c.handle,
            deal.c.status,
            deal_offer.c.kind,
            deal_offer.c.at.label("since"),
        )
        .select_from(deal)
        .join(latest, latest.c.deal_id == deal.c.id)
        .join(deal_offer, deal_offer.c.id == latest.c.offer_id)
        .join(enrollment, enrollment.c.id == deal.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(deal.c.status.in_(("offered", "countered")), deal_offer.c.proposed_by == "creator")
    )
    return [dict(r._mapping) for r in conn.execute(_campaign_filter(query, slug))]


def needs_review(conn: Connection) -> list[dict[str, Any]]:
    """Inbound messages the classifier was not sure of, not yet resolved."""
    query = select(
        inbound.c.id,
        inbound.c.mailbox,
        inbound.c.from_addr,
        inbound.c.subject,
        inbound.c.processed_at.label("since"),
    ).where(inbound.c.kind == "needs_review", inbound.c.resolved_as.is_(None))
    return [dict(r._mapping) for r in conn.execute(query)]


def unknown_outbox(conn: Connection, slug: str | None = None) -> list[dict[str, Any]]:
    """Messages dropped after the final dot: maybe delivered, an operator decides."""
    query = (
        select(
            outbox.c.id,
            campaign.c.slug.label("campaign"),
            influencer.c.handle,
            outbox.c.step,
            outbox.c.mailbox,
            outbox.c.updated_at.label("since"),
        )
        .select_from(outbox)
        .join(enrollment, enrollment.c.id == outbox.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(outbox.c.state == "unknown")
    )
    return [dict(r._mapping) for r in conn.execute(_campaign_filter(query, slug))]


def late_deliverables(
    conn: Connection, today: datetime, slug: str | None = None
) -> list[dict[str, Any]]:
    """Deliverables of accepted deals still without a post after their due date."""
    query = (
        select(
            deal.c.id.label("deal_id"),
            campaign.c.slug.label("campaign"),
            influencer.c.handle,
            deliverable.c.n,
            deliverable.c.platform,
            deliverable.c.format,
            deliverable.c.due_date,
        )
        .select_from(deliverable)
        .join(deal, deal.c.id == deliverable.c.deal_id)
        .join(enrollment, enrollment.c.id == deal.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(
            deliverable.c.state == "planned",
            deliverable.c.due_date < today.date(),
            deal.c.status == "accepted",
        )
    )
    return [dict(r._mapping) for r in conn.execute(_campaign_filter(query, slug))]


def held_campaigns(conn: Connection, slug: str | None = None) -> list[dict[str, Any]]:
    """Campaigns paused or archived, with live enrolments they hold."""
    live = (
        select(enrollment.c.campaign_id, func.count().label("held"))
        .where(enrollment.c.status.in_(("active", "paused")))
        .group_by(enrollment.c.campaign_id)
        .subquery()
    )
    query = (
        select(
            campaign.c.slug.label("campaign"),
            campaign.c.status,
            campaign.c.status_changed_at.label("since"),
            func.coalesce(live.c.held, literal(0)).label("held"),
        )
        .outerjoin(live, live.c.campaign_id == campaign.c.id)
        .where(campaign.c.status == "paused")
    )
    return [dict(r._mapping) for r in conn.execute(_campaign_filter(query, slug))]


def paused_mailboxes(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Mailboxes that cannot send now: paused by hand or by the breaker."""
    query = select(mailbox.c.name, mailbox.c.paused_until, mailbox.c.pause_reason).where(
        and_(mailbox.c.paused_until.is_not(None), mailbox.c.paused_until > now)
    )
    return [dict(r._mapping) for r in conn.execute(query)]
