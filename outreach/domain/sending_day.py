"""The day a mailbox's daily cap counts in: the calendar day of `[sending] timezone`.

Dispatch (the cap it enforces at claim), the planner (how much it queues today) and
`outreach schedule` (which sends spill to tomorrow) must agree on where a day starts, or the
planner queues rows the cap then holds overnight. They all count through these functions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from outreach.config import Config


def sending_day(config: Config, now: datetime) -> date:
    """The calendar day of `now` in the sending timezone (not UTC)."""
    return now.astimezone(ZoneInfo(config.sending.timezone)).date()


def day_start(config: Config, day: date) -> datetime:
    """The aware UTC instant the sending day `day` begins."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(config.sending.timezone)).astimezone(UTC)


def next_day_start(config: Config, day: date) -> datetime:
    """The aware UTC instant the sending day after `day` begins."""
    return day_start(config, day + timedelta(days=1))
