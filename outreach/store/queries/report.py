"""Read-only queries behind the funnel, the report and `outreach todo`.

The funnel's per-person facts (first send, first reply, first entry into each stage, first
post, first order) are aggregated by the database in one query, one row per enrolment, with
times as seconds since the epoch (UTC): 100,000 people are one scan of each table, not a
query per person, and no timestamp is parsed in Python."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Select,
    Text,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
)

from outreach.domain.funnel import BUCKET, FUNNEL_STAGES, HUMAN_KINDS, RESPONSE_STAGES
from outreach.store.queries.campaign import in_campaigns
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

_kind = func.coalesce(inbound.c.resolved_as, inbound.c.kind)
_inbound_at = func.coalesce(inbound.c.received_at, inbound.c.processed_at)


def epoch(conn: Connection | str, column: Any) -> ColumnElement[float]:
    """A stored (naive UTC) time as seconds since 1970-01-01 UTC, computed by the database
    (`conn` or its dialect's name)."""
    if (conn if isinstance(conn, str) else conn.dialect.name) == "sqlite":
        return cast((func.julianday(column) - 2440587.5) * 86400.0, Float)
    return cast(extract("epoch", column), Float)


def campaigns(conn: Connection, slug: str | None = None) -> list[tuple[int, str]]:
    """(id, slug) of one campaign, or of every campaign when slug is None."""
    query = select(campaign.c.id, campaign.c.slug).order_by(campaign.c.slug)
    if slug is not None:
        query = query.where(campaign.c.slug == slug)
    return [(int(r.id), str(r.slug)) for r in conn.execute(query)]


def _chosen(campaign_ids: Sequence[int], since: datetime | None) -> Any:
    """The enrolments of the report: these campaigns, enrolled at or after `since`."""
    query = select(enrollment.c.id).where(enrollment.c.campaign_id.in_(list(campaign_ids)))
    if since is not None:
        query = query.where(enrollment.c.created_at >= since)
    return query


def _responses(chosen: Any) -> Any:
    """Enrolment id -> the first time the person answered: a human reply, or a move to
    negotiating, declined or unsubscribed (an opt-out by link, a reply recorded by hand)."""
    both = union_all(
        select(inbound.c.enrollment_id.label("eid"), _inbound_at.label("at")).where(
            _kind.in_(HUMAN_KINDS), inbound.c.enrollment_id.in_(chosen)
        ),
        select(stage_history.c.enrollment_id.label("eid"), stage_history.c.at.label("at")).where(
            stage_history.c.to_stage.in_(RESPONSE_STAGES), stage_history.c.enrollment_id.in_(chosen)
        ),
    ).subquery()
    return select(both.c.eid, func.min(both.c.at).label("at")).group_by(both.c.eid).subquery()


def facts(
    conn: Connection, campaign_ids: Sequence[int], since: datetime | None = None
) -> Iterator[Any]:
    """One row per enrolment: who (campaign, handle, name, email, platform, tier, language,
    manager, custom as text, mailbox, stage, followers) and the first time (epoch seconds,
    None if never) of: enrolled, sent, bounced, replied (any answer), negotiating, declined,
    unsubscribed, contracted, posted (stage), post (a recorded post), order; then the step
    and template hash of the last message sent, and its variant ('' for none)."""
    chosen = _chosen(campaign_ids, since)
    sent = (
        select(
            outbox.c.enrollment_id.label("eid"),
            func.min(outbox.c.sent_at).label("at"),
            func.max(outbox.c.step).label("last_step"),
        )
        .where(outbox.c.sent_at.is_not(None), outbox.c.enrollment_id.in_(chosen))
        .group_by(outbox.c.enrollment_id)
        .subquery()
    )
    stages = (
        select(
            stage_history.c.enrollment_id.label("eid"),
            *[
                func.min(case((stage_history.c.to_stage == s, stage_history.c.at))).label(s)
                for s in FUNNEL_STAGES
            ],
        )
        .where(
            stage_history.c.to_stage.in_(FUNNEL_STAGES), stage_history.c.enrollment_id.in_(chosen)
        )
        .group_by(stage_history.c.enrollment_id)
        .subquery()
    )
    answered = _responses(chosen)
    last_sent = outbox.alias("last_sent")
    posted = (
        select(deal.c.enrollment_id.label("eid"), func.min(deliverable.c.posted_at).label("at"))
        .join(deal, deal.c.id == deliverable.c.deal_id)
        .where(deliverable.c.posted_at.is_not(None), deal.c.enrollment_id.in_(chosen))
        .group_by(deal.c.enrollment_id)
        .subquery()
    )
    ordered = (
        select(
            conversion.c.enrollment_id.label("eid"), func.min(conversion.c.ordered_at).label("at")
        )
        .where(conversion.c.enrollment_id.in_(chosen))
        .group_by(conversion.c.enrollment_id)
        .subquery()
    )
    query = (
        select(
            enrollment.c.id,
            campaign.c.slug,
            influencer.c.handle,
            influencer.c.name,
            influencer.c.email,
            influencer.c.platform,
            influencer.c.tier,
            influencer.c.language,
            influencer.c.manager_email,
            cast(influencer.c.custom, Text),
            enrollment.c.mailbox,
            enrollment.c.stage,
            influencer.c.followers,
            epoch(conn, enrollment.c.created_at),
            epoch(conn, sent.c.at),
            epoch(conn, stages.c.bounced),
            epoch(conn, answered.c.at),
            *[epoch(conn, stages.c[s]) for s in ("negotiating", "declined", "unsubscribed")],
            *[epoch(conn, stages.c[s]) for s in ("contracted", "posted")],
            epoch(conn, posted.c.at),
            epoch(conn, ordered.c.at),
            sent.c.last_step,
            last_sent.c.template_hash,
            last_sent.c.variant,
        )
        .select_from(enrollment)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .outerjoin(sent, sent.c.eid == enrollment.c.id)
        .outerjoin(stages, stages.c.eid == enrollment.c.id)
        .outerjoin(answered, answered.c.eid == enrollment.c.id)
        .outerjoin(posted, posted.c.eid == enrollment.c.id)
        .outerjoin(ordered, ordered.c.eid == enrollment.c.id)
        .outerjoin(
            last_sent,
            and_(last_sent.c.enrollment_id == sent.c.eid, last_sent.c.step == sent.c.last_step),
        )
        .where(enrollment.c.id.in_(chosen))
        .order_by(enrollment.c.id)
    )
    yield from conn.execute(query)


def answered_messages(
    conn: Connection, campaign_ids: Sequence[int], since: datetime | None = None
) -> Iterator[Any]:
    """(enrollment_id, step, template_hash, variant) of the message each person's first answer
    answered: the last one sent before it (people who never answered are left out)."""
    yield from conn.execute(answered_query(_chosen(campaign_ids, since)))


def answered_query(chosen: Any) -> Select[Any]:
    """`answered_messages` of the enrolments `chosen` names (a list of ids, or a query of
    them)."""
    answered = _responses(chosen)
    # Steps are sent in order, so the last message before a time is the highest step sent by
    # then; joining back on (enrolment, step) uses the outbox's unique index.
    last = (
        select(outbox.c.enrollment_id.label("eid"), func.max(outbox.c.step).label("step"))
        .join(answered, answered.c.eid == outbox.c.enrollment_id)
        .where(outbox.c.sent_at.is_not(None), outbox.c.sent_at <= answered.c.at)
        .group_by(outbox.c.enrollment_id)
        .subquery()
    )
    return select(
        outbox.c.enrollment_id, outbox.c.step, outbox.c.template_hash, outbox.c.variant
    ).join(last, and_(last.c.eid == outbox.c.enrollment_id, last.c.step == outbox.c.step))


def _delivered_sends(campaign_ids: Sequence[int], since: datetime | None) -> Any:
    bounced = select(stage_history.c.enrollment_id).where(stage_history.c.to_stage == "bounced")
    return (
        outbox.c.sent_at.is_not(None),
        outbox.c.enrollment_id.in_(_chosen(campaign_ids, since)),
        outbox.c.enrollment_id.not_in(bounced),
    )


def arm_trials(
    conn: Connection, campaign_ids: Sequence[int], since: datetime | None = None
) -> list[tuple[int, str, str, int]]:
    """(step, template_hash, variant, people it reached) over the messages sent to people who
    did not bounce."""
    query = (
        select(outbox.c.step, outbox.c.template_hash, outbox.c.variant, func.count())
        .where(*_delivered_sends(campaign_ids, since))
        .group_by(outbox.c.step, outbox.c.template_hash, outbox.c.variant)
    )
    return [(int(a), str(b), str(v), int(c)) for a, b, v, c in conn.execute(query)]


def sends_per_bucket(
    conn: Connection, campaign_ids: Sequence[int], since: datetime | None = None
) -> list[tuple[float, int]]:
    """(bucket start in epoch seconds, messages sent in it)."""
    bucket = func.floor(epoch(conn, outbox.c.sent_at) / BUCKET)
    query = (
        select(bucket, func.count())
        .where(
            outbox.c.sent_at.is_not(None), outbox.c.enrollment_id.in_(_chosen(campaign_ids, since))
        )
        .group_by(bucket)
    )
    return [(float(b) * BUCKET, int(n)) for b, n in conn.execute(query)]


def replies_per_bucket(
    conn: Connection, campaign_ids: Sequence[int], since: datetime | None = None
) -> list[tuple[float, int]]:
    """(bucket start in epoch seconds, human replies received in it)."""
    bucket = func.floor(epoch(conn, _inbound_at) / BUCKET)
    query = (
        select(bucket, func.count())
        .where(_kind.in_(HUMAN_KINDS), inbound.c.enrollment_id.in_(_chosen(campaign_ids, since)))
        .group_by(bucket)
    )
    return [(float(b) * BUCKET, int(n)) for b, n in conn.execute(query)]


def posts(
    conn: Connection, campaign_ids: Sequence[int], since: datetime | None = None
) -> list[dict[str, Any]]:
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
        .where(in_campaigns(campaign_ids), deliverable.c.post_url.is_not(None))
        .order_by(deal.c.enrollment_id, deliverable.c.n)
    )
    if since is not None:
        query = query.where(enrollment.c.created_at >= since)
    return [dict(r._mapping) for r in conn.execute(query)]


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


def people_by_handle(
    conn: Connection, campaign_ids: Sequence[int], handles: Sequence[str]
) -> list[Any]:
    """(enrollment_id, handle, name, platform, tier, stage) of the campaigns' people with these
    handles, in enrolment order."""
    if not handles:
        return []
    query = (
        select(
            enrollment.c.id,
            influencer.c.handle,
            influencer.c.name,
            influencer.c.platform,
            influencer.c.tier,
            enrollment.c.stage,
        )
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(
            enrollment.c.campaign_id.in_(list(campaign_ids)),
            influencer.c.handle.in_(list(handles)),
        )
        .order_by(enrollment.c.id)
    )
    return list(conn.execute(query))
