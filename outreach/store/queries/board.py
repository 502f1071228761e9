"""Reading the pipeline: an influencer's enrollments, the board, the stage history. No writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from outreach.store.schema import campaign, enrollment, influencer, stage_history


def enrollments_of(
    conn: Connection, influencer_id: int, campaign_slug: str | None = None
) -> list[dict[str, Any]]:
    """The influencer's enrollments (id, campaign, stage, status), oldest first."""
    query = (
        select(
            enrollment.c.id,
            campaign.c.slug.label("campaign"),
            enrollment.c.stage,
            enrollment.c.status,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.influencer_id == influencer_id)
        .order_by(enrollment.c.created_at, enrollment.c.id)
    )
    if campaign_slug:
        query = query.where(campaign.c.slug == campaign_slug)
    return [dict(r._mapping) for r in conn.execute(query)]


def board_rows(conn: Connection, campaign_slug: str | None = None) -> list[dict[str, Any]]:
    """Every enrollment with its influencer, stage and when it entered that stage."""
    query = (
        select(
            enrollment.c.id,
            campaign.c.slug.label("campaign"),
            influencer.c.name,
            influencer.c.handle,
            enrollment.c.stage,
            enrollment.c.stage_changed_at,
            enrollment.c.status,
            enrollment.c.stop_reason,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .order_by(enrollment.c.stage_changed_at, enrollment.c.id)
    )
    if campaign_slug:
        query = query.where(campaign.c.slug == campaign_slug)
    return [dict(r._mapping) for r in conn.execute(query)]


def history_rows(conn: Connection, influencer_id: int) -> list[dict[str, Any]]:
    """Every stage move of the influencer's enrollments, oldest first."""
    query = (
        select(
            stage_history.c.at,
            campaign.c.slug.label("campaign"),
            stage_history.c.from_stage,
            stage_history.c.to_stage,
            stage_history.c.cause,
            stage_history.c.note,
        )
        .join(enrollment, enrollment.c.id == stage_history.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.influencer_id == influencer_id)
        .order_by(stage_history.c.at, stage_history.c.id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]
