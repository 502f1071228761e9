"""How far a campaign has come: what `outreach demo` waits on before it prints the board."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select

from outreach.domain.enrollment import LIVE, EnrollmentStatus
from outreach.domain.outbox import UNSETTLED, OutboxState
from outreach.store.queries.outbox import unsettled_sends
from outreach.store.schema import campaign, enrollment, outbox

IN_FLIGHT = UNSETTLED


def sent_pitches(conn: Connection) -> int:
    """First steps accepted by the server."""
    query = select(func.count()).where(outbox.c.step == 1, outbox.c.state == OutboxState.SENT)
    return int(conn.execute(query).scalar_one())


def pending_work(conn: Connection, *, now: datetime, horizon_seconds: float) -> int:
    """Outbox rows still on their way, accepted sends whose next step is not scheduled yet,
    plus active enrollments due within the horizon.

    The middle term matters: a dispatch pass records `sent` in one transaction and schedules
    the next step in another at the end of its batch, so between the two an enrollment has
    nothing in flight and no due time, and looks finished when it is not."""
    until = (now + timedelta(seconds=horizon_seconds)).astimezone(UTC).replace(tzinfo=None)
    rows = select(func.count()).where(outbox.c.state.in_(IN_FLIGHT))
    due = select(func.count()).where(
        enrollment.c.status == EnrollmentStatus.ACTIVE, enrollment.c.next_due_at <= until
    )
    return (
        int(conn.execute(rows).scalar_one())
        + len(unsettled_sends(conn))
        + int(conn.execute(due).scalar_one())
    )


def live_campaigns(conn: Connection) -> list[str]:
    """Slugs of campaigns with an enrollment still going (what `outreach run` will send)."""
    query = (
        select(campaign.c.slug)
        .join(enrollment, enrollment.c.campaign_id == campaign.c.id)
        .where(enrollment.c.status.in_(LIVE))
        .distinct()
        .order_by(campaign.c.slug)
    )
    return list(conn.execute(query).scalars())
