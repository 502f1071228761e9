"""How many more messages each mailbox can take today."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from outreach.config import Config
from outreach.domain.sending_day import day_start, sending_day
from outreach.store.queries import schedule as q
from outreach.store.queries.caps import daily_caps


def room_today(conn: Connection, config: Config, now: datetime) -> dict[str, int]:
    """Per mailbox, how many more rows today's daily cap (the sending day, as dispatch counts
    it) can take. Planning no more than that keeps queued rows from going out days late at night."""
    today = sending_day(config, now)
    load = q.day_load(conn, list(config.mailboxes), day_start(config, today))
    caps = daily_caps(conn, config, today)  # a new mailbox's ramp, else daily_cap
    return {name: caps[name] - load.get(name, 0) for name in config.mailboxes}
