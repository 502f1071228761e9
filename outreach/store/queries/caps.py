"""Each mailbox's effective daily cap (its ramp while new, then daily_cap), for dispatch's
claim and the planner alike, and the per-campaign mailbox load that rotation balances."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection, func, select

from outreach.clock import utc
from outreach.config import Config
from outreach.domain.ramp import caps_on
from outreach.store.schema import enrollment, outbox

# A mailbox's first send never changes once made, so it is kept per process; a one-row probe
# of ix_outbox_sent_at confirms it still holds (another database, a restored copy).
_FIRST: dict[tuple[str, str], datetime] = {}


def first_sends(conn: Connection, names: Sequence[str]) -> dict[str, datetime]:
    """When each mailbox first sent (its earliest `sent_at`), for those that have sent."""
    found: dict[str, datetime] = {}
    where = conn.engine.url.render_as_string(hide_password=True)
    for name in names:
        known = _FIRST.get((where, name))
        if (
            known is not None
            and conn.execute(
                select(outbox.c.id)
                .where(outbox.c.sent_at == known, outbox.c.mailbox == name)
                .limit(1)
            ).first()
            is not None
        ):
            found[name] = utc(known)
            continue
        # MIN along the sent_at index until this mailbox's first row: the whole index only
        # while the mailbox has never sent.
        first = conn.execute(
            select(func.min(outbox.c.sent_at)).where(
                outbox.c.mailbox == name, outbox.c.sent_at.is_not(None)
            )
        ).scalar_one_or_none()
        if first is not None:
            _FIRST[(where, name)] = first
            found[name] = utc(first)
    return found


def daily_caps(conn: Connection, config: Config, today: date) -> dict[str, int]:
    """The one place a mailbox's cap for the sending day `today` is computed."""
    ramped = [name for name, box in config.mailboxes.items() if box.limits.ramp]
    return caps_on(config, first_sends(conn, ramped), today)


def enrollments_per_mailbox(conn: Connection, campaign_id: int | None) -> dict[str, int]:
    """How many of the campaign's enrolments each mailbox holds."""
    if campaign_id is None:
        return {}
    rows = conn.execute(
        select(enrollment.c.mailbox, func.count())
        .where(enrollment.c.campaign_id == campaign_id)
        .group_by(enrollment.c.mailbox)
    )
    return {str(r[0]): int(r[1]) for r in rows}
