"""`outreach schedule`: the timeline a campaign will follow, before anything is sent.

Simulates every active enrollment sharing the campaign's mailbox (other campaigns use the
same daily cap), step by step in time order: each step at the first in-window, non-holiday
instant after its delay, in the recipient's zone. A step that would exceed the mailbox's
daily cap (counted per sending day, like dispatch) moves to the next day with room and is marked
as spilled. Jitter is left out: times shown are the earliest each send may start.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from outreach.config import Config
from outreach.domain.sending_day import day_start, next_day_start, sending_day
from outreach.domain.sequence import Sequence, Step
from outreach.domain.windows import next_send_time
from outreach.errors import UserError
from outreach.services.campaigns import load_campaign
from outreach.services.sequences import Recipient, recipient_of, sequence_or_error, window_for
from outreach.store.queries import sequence as q
from outreach.store.session import reading

HORIZON_DAYS = 366  # a cap too small for the backlog stops the simulation a year out


@dataclass(frozen=True)
class Send:
    handle: str
    platform: str
    step: int
    template: str
    at: datetime  # UTC
    tz: str
    mailbox: str
    queued: bool  # already composed into the outbox
    spilled: bool  # moved to a later day by the mailbox's daily cap

    def local(self, tz: str | None = None) -> str:
        return self.at.astimezone(ZoneInfo(tz or self.tz)).strftime("%Y-%m-%d %a %H:%M")


@dataclass
class Timeline:
    campaign: str
    operator_tz: str
    caps: dict[str, int]
    sends: list[Send] = field(default_factory=list)
    unplanned: list[tuple[str, str]] = field(default_factory=list)  # (handle, why)

    @property
    def spilled(self) -> int:
        return sum(s.spilled for s in self.sends)


@dataclass(order=True)
class _Event:
    at: datetime
    fresh: bool  # spilled sends (False) go first at the same instant: their due time is older
    order: int
    pending: q.Pending = field(compare=False)
    step: Step = field(compare=False)
    where: Recipient = field(compare=False)
    queued: bool = field(compare=False, default=False)

    @property
    def spilled(self) -> bool:
        return not self.fresh


def schedule(engine: Engine, config: Config, campaign_slug: str, now: datetime) -> Timeline:
    """Who gets which step when; only the campaign's sends are listed."""
    campaign = load_campaign(config, campaign_slug)
    mailbox = campaign.mailbox
    cap = config.mailbox(mailbox).limits.daily_cap
    timeline = Timeline(campaign.slug, config.sending.timezone, {mailbox: cap})
    with reading(engine) as conn:
        pending = q.pending_on(conn, [mailbox])
        timeline.unplanned += [
            (handle, f"{status}: {reason}" if reason else status)
            for handle, status, reason in q.halted(conn, campaign.slug)
        ]
        today = sending_day(config, now)
        used: dict[date, int] = {
            today: q.sent_since(conn, [mailbox], day_start(config, today))
            .get(mailbox, 0)
        }
    sequences: dict[str, Sequence | UserError] = {}
    events: list[_Event] = []
    for order, p in enumerate(pending):
        seq = sequence_or_error(config, p.sequence, sequences)
        mine = p.campaign_slug == campaign.slug
        step = seq.step(p.next_step) if isinstance(seq, Sequence) else None
        if step is None:
            if mine:
                timeline.unplanned.append((p.handle, str(seq) if isinstance(seq, UserError)
                                           else f"no step {p.next_step} in {p.sequence}"))
            continue
        where = recipient_of(config, p.timezone, p.country)
        start = p.queued_at or p.next_due_at
        if start is None:
            if mine:
                timeline.unplanned.append((p.handle, f"step {p.next_step} waits for a send"))
            continue
        at = next_send_time(max(start, now), window_for(config, step), tz=where.tz,
                            country=where.country, closed=where.closed)
        events.append(_Event(at, True, order, p, step, where, queued=p.queued_at is not None))
    heapq.heapify(events)
    horizon = now + timedelta(days=HORIZON_DAYS)
    while events:
        ev = heapq.heappop(events)
        day = sending_day(config, ev.at)
        if used.get(day, 0) >= cap:
            later = next_send_time(next_day_start(config, day), window_for(config, ev.step),
                                   tz=ev.where.tz, country=ev.where.country, closed=ev.where.closed)
            if later <= horizon:
                heapq.heappush(events, _Event(later, False, ev.order, ev.pending, ev.step,
                                              ev.where, ev.queued))
            elif ev.pending.campaign_slug == campaign.slug:
                timeline.unplanned.append((ev.pending.handle, "beyond a year at this cap"))
            continue
        used[day] = used.get(day, 0) + 1
        p = ev.pending
        if p.campaign_slug == campaign.slug:
            timeline.sends.append(Send(p.handle, p.platform, ev.step.number, ev.step.template,
                                       ev.at, ev.where.tz, p.mailbox, ev.queued, ev.spilled))
        seq = sequences[p.sequence]
        following = seq.step(ev.step.number + 1) if isinstance(seq, Sequence) else None
        if following is not None:
            after = following.delay.after(
                ev.at, tz=ev.where.tz, country=ev.where.country, closed=ev.where.closed
            )
            at = next_send_time(after, window_for(config, following), tz=ev.where.tz,
                                country=ev.where.country, closed=ev.where.closed)
            heapq.heappush(events, _Event(at, True, ev.order, p, following, ev.where))
    return timeline
