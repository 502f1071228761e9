"""Metric snapshots of posts, imported orders, and what the KPIs are computed from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from outreach.store.queries import tally
from outreach.store.queries.campaign import in_campaigns
from outreach.store.schema import (
    agency,
    campaign,
    conversion,
    deal,
    deliverable,
    enrollment,
    influencer,
    result,
)

METRICS = ("reach", "impressions", "views", "likes", "comments", "shares", "saves", "clicks")


def posts_by_url(conn: Connection) -> dict[str, int]:
    """Every recorded post URL and its deliverable id."""
    rows = conn.execute(
        select(deliverable.c.post_url, deliverable.c.id).where(deliverable.c.post_url.is_not(None))
    )
    return {r.post_url: int(r.id) for r in rows}


def save_snapshot(
    conn: Connection,
    deliverable_id: int,
    captured_at: datetime,
    values: dict[str, int | None],
    source: str,
) -> bool:
    """Insert the snapshot or replace the one taken at the same time; True when new."""
    done = conn.execute(
        update(result)
        .where(result.c.deliverable_id == deliverable_id, result.c.captured_at == captured_at)
        .values(**values, source=source)
    )
    if done.rowcount:
        return False
    conn.execute(
        insert(result).values(
            deliverable_id=deliverable_id, captured_at=captured_at, source=source, **values
        )
    )
    return True


def campaign_people(conn: Connection, campaign_id: int) -> list[dict[str, Any]]:
    """Enrolments with an accepted deal: terms, handle, platform, tier, manager, custom and
    the name of the person's agency record (None when they have none)."""
    rows = conn.execute(
        select(
            enrollment.c.id.label("enrollment_id"),
            deal.c.id.label("deal_id"),
            deal.c.terms,
            influencer.c.handle,
            influencer.c.platform,
            influencer.c.tier,
            influencer.c.manager_email,
            influencer.c.custom,
            agency.c.name.label("agency_name"),
        )
        .select_from(deal)
        .join(enrollment, enrollment.c.id == deal.c.enrollment_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .outerjoin(agency, agency.c.id == influencer.c.agency_id)
        .where(in_campaigns([campaign_id]), deal.c.status == "accepted")
        .order_by(influencer.c.handle)
    )
    return [dict(r._mapping) for r in rows]


def first_posts(conn: Connection, campaign_id: int) -> dict[int, datetime]:
    """Enrolment id -> the time of its first live post in the campaign."""
    rows = conn.execute(
        select(deal.c.enrollment_id, func.min(deliverable.c.posted_at))
        .select_from(deliverable)
        .join(deal, deal.c.id == deliverable.c.deal_id)
        .join(enrollment, enrollment.c.id == deal.c.enrollment_id)
        .where(enrollment.c.campaign_id == campaign_id, deliverable.c.posted_at.is_not(None))
        .group_by(deal.c.enrollment_id)
    )
    return {int(r[0]): r[1] for r in rows if r[1] is not None}


def posts_with_latest(conn: Connection, campaign_id: int) -> list[dict[str, Any]]:
    """Every posted deliverable of the campaign with its latest metric snapshot (or None)."""
    latest = (
        select(result.c.deliverable_id, func.max(result.c.captured_at).label("at"))
        .group_by(result.c.deliverable_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            deal.c.enrollment_id,
            deliverable.c.id,
            deliverable.c.n,
            deliverable.c.state,
            deliverable.c.platform,
            *[result.c[m] for m in METRICS],
            result.c.captured_at,
        )
        .select_from(deliverable)
        .join(deal, deal.c.id == deliverable.c.deal_id)
        .join(enrollment, enrollment.c.id == deal.c.enrollment_id)
        .outerjoin(latest, latest.c.deliverable_id == deliverable.c.id)
        .outerjoin(
            result,
            (result.c.deliverable_id == deliverable.c.id) & (result.c.captured_at == latest.c.at),
        )
        .where(in_campaigns([campaign_id]), deliverable.c.post_url.is_not(None))
        .order_by(deal.c.enrollment_id, deliverable.c.n)
    )
    return [dict(r._mapping) for r in rows]


def known_orders(conn: Connection, campaign_id: int) -> set[str]:
    return set(
        conn.execute(
            select(conversion.c.order_id).where(conversion.c.campaign_id == campaign_id)
        ).scalars()
    )


def insert_orders(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Orders attributed to a person count in the report's funnel (converted)."""
    if rows:
        conn.execute(insert(conversion), rows)
        tally.touch(conn, (r.get("enrollment_id") for r in rows))


def orders_by_enrollment(
    conn: Connection, campaign_id: int
) -> tuple[bool, dict[int, tuple[int, float]]]:
    """(any order imported for the campaign, enrolment id -> (orders, revenue))."""
    any_order = (
        conn.execute(
            select(conversion.c.id).where(conversion.c.campaign_id == campaign_id).limit(1)
        ).first()
        is not None
    )
    rows = conn.execute(
        select(conversion.c.enrollment_id, func.count(), func.sum(conversion.c.revenue))
        .where(conversion.c.campaign_id == campaign_id, conversion.c.enrollment_id.is_not(None))
        .group_by(conversion.c.enrollment_id)
    )
    return any_order, {int(r[0]): (int(r[1]), float(r[2])) for r in rows}


def campaign_row(conn: Connection, slug: str) -> int | None:
    return conn.execute(select(campaign.c.id).where(campaign.c.slug == slug)).scalar()
