"""Erasure (`outreach forget`): delete a person's data, keep only the suppression hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, or_, select, update

from outreach.store.queries.pipeline import email_hash, suppress
from outreach.store.schema import enrollment, inbound, influencer, suppression


@dataclass(frozen=True)
class Erased:
    influencers: int
    inbound: int


def forget(conn: Connection, address: str, *, at: datetime) -> Erased:
    """Delete the influencer(s) with this address (posts, enrollments, outbox rows, history,
    deals cascade) and every stored inbound mail from or about them; suppress the address and
    blank the readable address of its suppression entries, so only the hash remains and a
    re-import stays suppressed (RELIABILITY 4.7 #10)."""
    norm = address.strip().lower()
    ids = list(conn.execute(select(influencer.c.id).where(influencer.c.email_norm == norm)).scalars())
    enrolled = select(enrollment.c.id).where(enrollment.c.influencer_id.in_(ids))
    gone_mail = conn.execute(
        delete(inbound).where(or_(inbound.c.from_addr == norm, inbound.c.enrollment_id.in_(enrolled)))
    ).rowcount
    gone = conn.execute(delete(influencer).where(influencer.c.id.in_(ids))).rowcount if ids else 0
    suppress(conn, norm, reason="erasure", source="forget", at=at)
    conn.execute(
        update(suppression).where(suppression.c.email_hash == email_hash(norm)).values(email_norm=None)
    )
    return Erased(influencers=gone or 0, inbound=gone_mail or 0)
