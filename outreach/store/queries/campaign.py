"""The campaign row: created at first enrolment; its status (active, paused, archived)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, insert, select, update

from outreach.clock import naive_utc, utc
from outreach.store.schema import campaign, enrollment


def campaign_id(conn: Connection, slug: str) -> int | None:
    return conn.execute(select(campaign.c.id).where(campaign.c.slug == slug)).scalar_one_or_none()


def in_campaigns(campaign_ids: Sequence[int] | Any) -> ColumnElement[bool]:
    """The enrolment is in one of these campaigns (ids, or a query of them), written so that
    no index serves it: a query joining a small table (deals, posts, links) to enrolments then
    starts from the small table and reads enrolments by key. SQLite has no table statistics
    and would otherwise walk all of a campaign's enrolments (100,000) through the campaign
    index to find the few with a deal."""
    chosen = list(campaign_ids) if isinstance(campaign_ids, Sequence) else campaign_ids
    return (enrollment.c.campaign_id + 0).in_(chosen)


def ensure_campaign(conn: Connection, slug: str, now: datetime) -> int:
    """The campaign row's id, inserted on first use."""
    found = campaign_id(conn, slug)
    if found is not None:
        return found
    return int(
        conn.execute(
            insert(campaign).values(slug=slug, created_at=naive_utc(now)).returning(campaign.c.id)
        ).scalar_one()
    )


def campaign_status(conn: Connection, slug: str) -> str:
    """'active', 'paused' or 'archived'; a campaign never enrolled in is active."""
    found = conn.execute(select(campaign.c.status).where(campaign.c.slug == slug)).scalar()
    return str(found) if found else "active"


def set_campaign_status(conn: Connection, slug: str, status: str, *, at: datetime) -> None:
    """Record the campaign's status (the row exists once anyone was enrolled)."""
    conn.execute(
        update(campaign)
        .where(campaign.c.slug == slug)
        .values(status=status, status_changed_at=naive_utc(at))
    )


def held_campaigns(conn: Connection) -> dict[str, tuple[str, datetime | None]]:
    """Campaigns not active -> (status, since)."""
    rows = conn.execute(
        select(campaign.c.slug, campaign.c.status, campaign.c.status_changed_at).where(
            campaign.c.status != "active"
        )
    )
    return {
        r.slug: (r.status, utc(r.status_changed_at) if r.status_changed_at else None) for r in rows
    }
