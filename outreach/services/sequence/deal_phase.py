"""When the steps of a sequence's deal phase are due: the first after `deal accept`, and the
reminder from the deliverables' due dates.

A deliverable due on a day is late from the next day in the recipient's zone (`outreach late`
lists it then); the reminder is due its delay after that, inside its window.
"""

from __future__ import annotations

import random
from collections.abc import Sequence as Seq
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from outreach.config import Config
from outreach.domain.deal import Piece
from outreach.domain.sequence import Sequence, Step
from outreach.domain.windows import next_send_time
from outreach.services.sequence.files import Recipient, window_for


def step_due(
    config: Config,
    step: Step,
    earliest: datetime,
    where: Recipient,
    rng: random.Random | None,
) -> datetime:
    """When `step` goes out: its delay after `earliest`, then the first moment in its send
    window, in the recipient's time zone and business days."""
    return next_send_time(
        step.delay.after(earliest, tz=where.tz, country=where.country, closed=where.closed),
        window_for(config, step),
        tz=where.tz,
        country=where.country,
        closed=where.closed,
        jitter_seconds=config.sending.jitter_seconds,
        rng=rng,
    )


def late_from(day: date, tz: str) -> datetime:
    """The first instant a deliverable due on `day` is late: the next midnight in `tz`."""
    nxt = day + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=ZoneInfo(tz))


def reminder_due(
    config: Config,
    sequence: Sequence,
    where: Recipient,
    pieces: Seq[Piece],
    rng: random.Random | None = None,
) -> datetime | None:
    """When the reminder is due: the delay after the earliest unposted piece with a due date
    turns late; None when there is no reminder or no such piece."""
    reminder = sequence.reminder
    open_days = [p.due for p in pieces if p.state == "planned" and p.due is not None]
    if reminder is None or not open_days:
        return None
    return step_due(config, reminder, late_from(min(open_days), where.tz), where, rng)


def first_due(
    config: Config,
    sequence: Sequence,
    where: Recipient,
    accepted_at: datetime,
    pieces: Seq[Piece],
    rng: random.Random | None = None,
) -> tuple[Step, datetime] | None:
    """The deal phase's first step and when it is due, once a deal was accepted at
    `accepted_at`: the first after_deal step its delay later, else the reminder (None when
    the sequence has neither, or only a reminder and nothing has a due date)."""
    if sequence.after_deal:
        first = sequence.after_deal[0]
        return first, step_due(config, first, accepted_at, where, rng)
    due = reminder_due(config, sequence, where, pieces, rng)
    if sequence.reminder is None or due is None:
        return None
    return sequence.reminder, due
