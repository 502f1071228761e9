"""Tracking links and their clicks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update

from outreach.store.queries.campaign import in_campaigns
from outreach.store.schema import campaign, click, deal, enrollment, influencer, tracking_link


def people_without_link(conn: Connection, slug: str) -> list[dict[str, Any]]:
    """Enrolments of the campaign with an accepted deal and no link yet."""
    rows = conn.execute(
        select(enrollment.c.id, influencer.c.handle, influencer.c.platform)
        .select_from(enrollment)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .join(deal, (deal.c.enrollment_id == enrollment.c.id) & (deal.c.status == "accepted"))
        .outerjoin(tracking_link, tracking_link.c.enrollment_id == enrollment.c.id)
        .where(campaign.c.slug == slug, tracking_link.c.id.is_(None))
    )
    return [dict(r._mapping) for r in rows]


def add_link(conn: Connection, enrollment_id: int, token: str, location: str, at: datetime) -> None:
    conn.execute(
        insert(tracking_link).values(
            enrollment_id=enrollment_id, token=token, location=location, created_at=at
        )
    )


def link_rows(conn: Connection, slug: str) -> list[dict[str, Any]]:
    """Every link of the campaign with its human clicks, bot hits and distinct visitors."""
    human = case((click.c.bot.is_(False), 1))
    rows = conn.execute(
        select(
            enrollment.c.id.label("enrollment_id"),
            influencer.c.handle,
            influencer.c.platform,
            tracking_link.c.token,
            tracking_link.c.location,
            func.count(human).label("clicks"),
            func.count(case((click.c.bot.is_(True), 1))).label("bots"),
            func.count(func.distinct(case((click.c.bot.is_(False), click.c.visitor)))).label(
                "visitors"
            ),
        )
        .select_from(tracking_link)
        .join(enrollment, enrollment.c.id == tracking_link.c.enrollment_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .outerjoin(click, click.c.link_id == tracking_link.c.id)
        .where(in_campaigns(select(campaign.c.id).where(campaign.c.slug == slug)))
        .group_by(
            enrollment.c.id,
            influencer.c.handle,
            influencer.c.platform,
            tracking_link.c.token,
            tracking_link.c.location,
        )
        .order_by(influencer.c.handle)
    )
    return [dict(r._mapping) for r in rows]


def find_link(conn: Connection, token: str) -> tuple[int, str] | None:
    row = conn.execute(
        select(tracking_link.c.id, tracking_link.c.location).where(tracking_link.c.token == token)
    ).first()
    return (int(row[0]), str(row[1])) if row else None


def record_clicks(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(click), rows)


def accepted_terms(conn: Connection, slug: str) -> list[dict[str, Any]]:
    """(deal id, handle, terms) of the campaign's accepted deals."""
    rows = conn.execute(
        select(deal.c.id, influencer.c.handle, deal.c.terms)
        .select_from(deal)
        .join(enrollment, enrollment.c.id == deal.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(campaign.c.slug == slug, deal.c.status == "accepted")
        .order_by(deal.c.id)
    )
    return [dict(r._mapping) for r in rows]


def set_terms(conn: Connection, deal_id: int, terms: dict[str, Any]) -> None:
    conn.execute(update(deal).where(deal.c.id == deal_id).values(terms=terms))
