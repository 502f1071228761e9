"""A new mailbox's daily cap: the `[mailboxes.NAME.limits] ramp` for its first days, then
`daily_cap`. Day 1 is the sending day of its first sent message (none yet: today is day 1).

Days are calendar days of `[sending] timezone`, the days the cap counts in; a ramp value above
`daily_cap` is held to `daily_cap`, so the ramp never raises the normal limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from outreach.config import Config, LimitsConfig
from outreach.domain.sending_day import sending_day


def cap_on(limits: LimitsConfig, first_day: date | None, today: date) -> int:
    """The daily cap on `today` for a mailbox that first sent on `first_day`."""
    if not limits.ramp:
        return limits.daily_cap
    index = 0 if first_day is None else max((today - first_day).days, 0)
    if index >= len(limits.ramp):
        return limits.daily_cap
    return min(limits.ramp[index], limits.daily_cap)


def caps_on(config: Config, first_sent: Mapping[str, datetime], today: date) -> dict[str, int]:
    """Every mailbox's cap on the sending day `today`, given when each first sent (UTC)."""
    caps: dict[str, int] = {}
    for name, box in config.mailboxes.items():
        first = first_sent.get(name)
        caps[name] = cap_on(
            box.limits, None if first is None else sending_day(config, first), today
        )
    return caps
