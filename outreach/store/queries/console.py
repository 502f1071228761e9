"""The web console's own tables (users, sessions, audit log, notes) and the reads its pages
need that no command has: a person's whole file, the board a page at a time, people of a
campaign a page at a time. Every read is bounded (LIMIT) and goes through an index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, literal, select, union_all, update

from outreach.store.schema import (
    audit_log,
    campaign,
    deal,
    deliverable,
    enrollment,
    inbound,
    influencer,
    outbox,
    person_note,
    post,
    stage_history,
    web_session,
    web_user,
)

# --- users and sessions -------------------------------------------------------------------


def insert_user(conn: Connection, name: str, password_hash: str, role: str, at: datetime) -> None:
    conn.execute(
        insert(web_user).values(name=name, password_hash=password_hash, role=role, created_at=at)
    )


def update_user(conn: Connection, name: str, password_hash: str, role: str) -> None:
    conn.execute(
        update(web_user)
        .where(web_user.c.name == name)
        .values(password_hash=password_hash, role=role)
    )


def get_user(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(web_user).where(web_user.c.name == name)).first()
    return dict(row._mapping) if row else None


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(web_user)).scalar_one())


def list_users(conn: Connection) -> list[dict[str, Any]]:
    query = select(web_user.c.name, web_user.c.role, web_user.c.created_at).order_by(
        web_user.c.name
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def insert_session(
    conn: Connection,
    token_hash: str,
    user_name: str,
    role: str,
    csrf: str,
    at: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        insert(web_session).values(
            token_hash=token_hash,
            user_name=user_name,
            role=role,
            csrf=csrf,
            created_at=at,
            expires_at=expires_at,
        )
    )


def get_session(conn: Connection, token_hash: str, now: datetime) -> dict[str, Any] | None:
    row = conn.execute(
        select(web_session).where(
            web_session.c.token_hash == token_hash, web_session.c.expires_at > now
        )
    ).first()
    return dict(row._mapping) if row else None


def delete_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(web_session).where(web_session.c.token_hash == token_hash))


def delete_expired_sessions(conn: Connection, now: datetime) -> None:
    conn.execute(delete(web_session).where(web_session.c.expires_at <= now))


# --- audit log and notes ------------------------------------------------------------------


def insert_audit(
    conn: Connection,
    *,
    at: datetime,
    user_name: str,
    action: str,
    target: str,
    outcome: str,
    influencer_id: int | None = None,
) -> None:
    conn.execute(
        insert(audit_log).values(
            at=at,
            user_name=user_name,
            action=action,
            target=target[:500],
            outcome=outcome,
            influencer_id=influencer_id,
        )
    )


def audit_rows(
    conn: Connection, *, influencer_id: int | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if influencer_id is not None:
        query = query.where(audit_log.c.influencer_id == influencer_id)
    return [dict(r._mapping) for r in conn.execute(query)]


def notes_of(conn: Connection, influencer_id: int) -> list[dict[str, Any]]:
    query = (
        select(person_note.c.at, person_note.c.user_name, person_note.c.body)
        .where(person_note.c.influencer_id == influencer_id)
        .order_by(person_note.c.at.desc(), person_note.c.id.desc())
    )
    return [dict(r._mapping) for r in conn.execute(query)]


# --- a person's file ----------------------------------------------------------------------


def influencer_row(conn: Connection, influencer_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(influencer).where(influencer.c.id == influencer_id)).first()
    return dict(row._mapping) if row else None


def person_enrollments(conn: Connection, influencer_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            enrollment.c.id,
            campaign.c.slug.label("campaign"),
            enrollment.c.stage,
            enrollment.c.status,
            enrollment.c.stop_reason,
            enrollment.c.next_step,
            enrollment.c.next_due_at,
            enrollment.c.stage_changed_at,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.influencer_id == influencer_id)
        .order_by(enrollment.c.created_at, enrollment.c.id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def posts_of(conn: Connection, influencer_id: int, limit: int = 20) -> list[dict[str, Any]]:
    query = (
        select(post.c.url, post.c.title, post.c.published_at, post.c.likes, post.c.comments)
        .where(post.c.influencer_id == influencer_id)
        .order_by(post.c.published_at.desc().nulls_last(), post.c.id.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def thread_of(
    conn: Connection, enrollment_ids: list[int], limit: int = 200
) -> list[dict[str, Any]]:
    """Sent (and planned) messages and received ones of these enrolments, oldest first."""
    if not enrollment_ids:
        return []
    sent = select(
        literal("out").label("direction"),
        func.coalesce(outbox.c.sent_at, outbox.c.due_at).label("at"),
        outbox.c.enrollment_id,
        outbox.c.step,
        outbox.c.subject,
        outbox.c.state.label("state"),
        literal("").label("text"),
        outbox.c.id.label("ref"),
    ).where(outbox.c.enrollment_id.in_(enrollment_ids))
    received = select(
        literal("in").label("direction"),
        func.coalesce(inbound.c.received_at, inbound.c.processed_at).label("at"),
        inbound.c.enrollment_id,
        literal(None).label("step"),
        inbound.c.subject,
        inbound.c.kind.label("state"),
        func.substr(inbound.c.text, 1, 2000).label("text"),
        inbound.c.id.label("ref"),
    ).where(inbound.c.enrollment_id.in_(enrollment_ids))
    both = union_all(sent, received).subquery()
    query = select(both).order_by(both.c.at, both.c.ref).limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


def deals_of(conn: Connection, enrollment_ids: list[int]) -> list[dict[str, Any]]:
    if not enrollment_ids:
        return []
    query = select(deal).where(deal.c.enrollment_id.in_(enrollment_ids)).order_by(deal.c.id)
    return [dict(r._mapping) for r in conn.execute(query)]


def deliverables_of(conn: Connection, deal_ids: list[int]) -> list[dict[str, Any]]:
    if not deal_ids:
        return []
    query = (
        select(deliverable)
        .where(deliverable.c.deal_id.in_(deal_ids))
        .order_by(deliverable.c.deal_id, deliverable.c.n)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def find_people(conn: Connection, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """People whose handle or address starts with `text` (a prefix: the unique index on the
    address and a range on handle serve it)."""
    text = text.strip().lstrip("@").lower()
    if not text:
        return []
    upper = text + "\uffff"
    query = (
        select(influencer.c.id, influencer.c.name, influencer.c.handle, influencer.c.platform)
        .where(
            ((influencer.c.handle >= text) & (influencer.c.handle < upper))
            | ((influencer.c.email_norm >= text) & (influencer.c.email_norm < upper))
        )
        .order_by(influencer.c.handle)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


# --- the board and campaigns a page at a time ----------------------------------------------


def stage_counts(conn: Connection, campaign_slug: str | None = None) -> dict[str, int]:
    query = select(enrollment.c.stage, func.count()).group_by(enrollment.c.stage)
    if campaign_slug:
        query = query.join(campaign, campaign.c.id == enrollment.c.campaign_id).where(
            campaign.c.slug == campaign_slug
        )
    return {str(stage): int(n) for stage, n in conn.execute(query)}


def campaign_stage_counts(conn: Connection) -> list[dict[str, Any]]:
    query = (
        select(campaign.c.slug, campaign.c.status, enrollment.c.stage, func.count().label("n"))
        .select_from(campaign)
        .outerjoin(enrollment, enrollment.c.campaign_id == campaign.c.id)
        .group_by(campaign.c.slug, campaign.c.status, enrollment.c.stage)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def stage_cards(
    conn: Connection, stage: str, campaign_slug: str | None, limit: int, offset: int = 0
) -> list[dict[str, Any]]:
    """The enrolments longest in `stage` (the board's oldest cards first)."""
    query = (
        select(
            enrollment.c.id,
            enrollment.c.influencer_id,
            campaign.c.slug.label("campaign"),
            influencer.c.name,
            influencer.c.handle,
            influencer.c.platform,
            enrollment.c.stage,
            enrollment.c.stage_changed_at,
            enrollment.c.status,
            enrollment.c.stop_reason,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(enrollment.c.stage == stage)
        .order_by(enrollment.c.stage_changed_at, enrollment.c.id)
        .limit(limit)
        .offset(offset)
    )
    if campaign_slug:
        query = query.where(campaign.c.slug == campaign_slug)
    return [dict(r._mapping) for r in conn.execute(query)]


def campaign_people(
    conn: Connection, campaign_slug: str, limit: int, offset: int = 0
) -> list[dict[str, Any]]:
    """A campaign's people in roster order, a page at a time (the drafts list)."""
    query = (
        select(
            influencer.c.id,
            influencer.c.handle,
            influencer.c.platform,
            influencer.c.name,
            enrollment.c.stage,
            enrollment.c.next_step,
            enrollment.c.status,
        )
        .join(enrollment, enrollment.c.influencer_id == influencer.c.id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(campaign.c.slug == campaign_slug)
        # In the unique (campaign_id, influencer_id) index's order: no sort of the campaign.
        .order_by(enrollment.c.influencer_id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def ping(conn: Connection) -> tuple[Any, ...]:
    return (conn.execute(select(literal(1))).scalar(),)


def last_change(conn: Connection) -> tuple[Any, ...]:
    """A cheap fingerprint of what the funnel and the report read: the newest stage move,
    outbox change, inbound message and deal change. Equal fingerprints, equal reports."""
    return (
        conn.execute(select(func.max(stage_history.c.id))).scalar(),
        conn.execute(select(func.max(outbox.c.sent_at))).scalar(),  # ix_outbox_sent_at
        conn.execute(select(func.max(inbound.c.id))).scalar(),
        conn.execute(select(func.max(deal.c.updated_at))).scalar(),
        conn.execute(select(func.max(deliverable.c.posted_at))).scalar(),
        conn.execute(select(func.max(enrollment.c.id))).scalar(),
    )
