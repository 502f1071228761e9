"""What `outreach doctor` reads from our own data: a mailbox's sends, bounces and complaints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from outreach.clock import naive_utc
from outreach.domain.outbox import OutboxState
from outreach.store.schema import inbound, outbox


@dataclass(frozen=True)
class MailRates:
    sent: int
    bounces: int
    complaints: int


def mail_rates(conn: Connection, mailbox: str, since: datetime) -> MailRates:
    """Messages the mailbox sent since `since`, and the bounces and complaints (feedback
    reports) its inbox read in that time; an operator's review decision counts as the kind."""
    sent = conn.execute(
        select(func.count())
        .select_from(outbox)
        .where(
            outbox.c.sent_at >= naive_utc(since),
            outbox.c.mailbox == mailbox,
            outbox.c.state == OutboxState.SENT,
        )
    ).scalar_one()
    kind = func.coalesce(inbound.c.resolved_as, inbound.c.kind)
    counts: dict[str, int] = dict(
        conn.execute(
            select(kind, func.count())
            .where(
                inbound.c.mailbox == mailbox,
                inbound.c.processed_at >= naive_utc(since),
                kind.in_(("bounce", "complaint")),
            )
            .group_by(kind)
        ).all()
    )
    return MailRates(int(sent), int(counts.get("bounce", 0)), int(counts.get("complaint", 0)))
