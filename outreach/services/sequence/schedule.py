"""`outreach schedule`: the timeline a campaign will follow, before anything is sent.

Simulates every active enrollment sharing the campaign's mailbox (other campaigns use the
same daily cap), step by step in time order: each step at the first in-window, non-holiday
instant after its delay, in the recipient's zone. A step that would exceed the mailbox's
daily cap (counted per sending day, like dispatch) moves to the next day with room and is marked
as spilled. Jitter is left out: times shown are the earliest each send may start.

The campaign's sends come out as they are found, in time order, so the first N cost about N:
enrollments are read earliest first, only as far as the simulated time has reached, and the
sends a full day holds back wait together in one backlog per calendar (window, zone, holidays)
that moves a day at a time, instead of one by one.

Longer than 400 lines on purpose: the simulation and its per-calendar backlog are one algorithm.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import attrgetter
from types import TracebackType
from typing import Any, cast
from zoneinfo import ZoneInfo

from sortedcontainers import SortedList
from sqlalchemy import Connection, Engine

from outreach.closures import NO_CLOSURES, Closures
from outreach.config import Config
from outreach.domain.ramp import cap_on
from outreach.domain.sending_day import day_start, next_day_start, sending_day
from outreach.domain.sequence import Sequence, Step, Variant
from outreach.domain.variants import resolve_in
from outreach.domain.windows import Window, next_send_time
from outreach.errors import UserError
from outreach.services.sequence.campaigns import campaign_closures, load_campaign
from outreach.services.sequence.files import (
    Recipient,
    default_window,
    list_sequences,
    recipient_of,
    sequence_or_error,
)
from outreach.store.queries import campaign as campaign_q
from outreach.store.queries import caps as caps_q
from outreach.store.queries import enrollment as enrollment_q
from outreach.store.queries import schedule as q
from outreach.store.queries import variants as variant_q

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
    variant: str = ""  # the step's variant this person is given ("" = no variants)

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


class _Enrolled:
    """One enrollment in the simulation (read once, shared by its steps' events)."""

    __slots__ = ("handle", "mine", "platform", "sequence", "where")

    def __init__(
        self, handle: str, platform: str, mine: bool, sequence: Sequence, where: Recipient
    ) -> None:
        self.handle, self.platform, self.mine = handle, platform, mine
        self.sequence, self.where = sequence, where


# A step waiting to go: (enrollment id, who, the step, its window, already queued). The id
# comes first and is unique among waiting steps, so tuples order by it alone.
_Item = tuple[int, _Enrolled, Step, Window, bool]


class _Backlog:
    """Steps of one calendar (window and recipient) that a full day moved to the same instant,
    by enrollment id: they move on together while the days stay full."""

    __slots__ = ("items", "where", "window")

    def __init__(self, window: Window, where: Recipient, items: SortedList[_Item]) -> None:
        self.window, self.where, self.items = window, where, items


class _Overdue:
    """The mailbox's enrollments already due at the start, a chunk at a time by id: all of them
    count from the start, so among those of one calendar the id decides (as among any steps
    due at one instant)."""

    def __init__(self, conn: Connection, mailbox: str, now: datetime) -> None:
        self._conn, self._mailbox, self._now = conn, mailbox, now
        self._ids = q.overdue_ids(conn, now)
        self._rows: deque[q.PendingRow] = deque()
        self._size = 64  # ids per read, doubling: the first rows come quickly

    def next_id(self) -> int | None:
        """The lowest id not taken yet (every one left is at least this); None when none is."""
        while not self._rows:
            ids = list(itertools.islice(self._ids, self._size))
            if not ids:
                return None
            self._size = min(self._size * 2, 4096)
            self._rows.extend(q.overdue_rows(self._conn, self._mailbox, self._now, ids))
        return self._rows[0][0]

    def take(self) -> q.PendingRow:
        return self._rows.popleft()

    def close(self) -> None:
        self._ids.close()


class _Unread:
    """Where the unread enrollments already due at the start, of one calendar, would be: at
    `at`, fresh (their first instant in the window) or held back there by full days; `gone`:
    held past the horizon (at that instant, fresh or not)."""

    __slots__ = ("at", "fresh", "gone", "where", "window")

    def __init__(self, at: datetime, window: Window, where: Recipient) -> None:
        self.at, self.fresh, self.window, self.where = at, True, window, where
        self.gone: tuple[datetime, bool] | None = None


class ScheduleRun:
    """The campaign's sends in time order, simulated as they are asked for. Iterate it; `close()`
    (or a `with` block) ends the database read. `unplanned` and `spilled` grow as it runs;
    `finished` says whether the whole horizon was simulated."""

    def __init__(self, engine: Engine, config: Config, campaign_slug: str, now: datetime) -> None:
        campaign = load_campaign(config, campaign_slug)
        self.campaign = campaign.slug
        self.mailboxes = campaign.senders  # each with its own cap: simulated apart, merged
        self.operator_tz = config.sending.timezone
        self.caps = {name: config.mailbox(name).limits.daily_cap for name in self.mailboxes}
        self._halted: list[tuple[str, str]] = []
        self._early: list[tuple[int, str, str]] = []  # (id, handle, why)
        self._beyond: list[tuple[tuple[datetime, bool, int], str]] = []  # (when, handle)
        self.count = 0  # sends of the campaign produced so far
        self.spilled = 0  # of those, moved by the cap
        self.finished = False
        self.read = 0  # enrollments read from the database
        self.steps = 0  # steps put in time order (each enrollment's current one and the next)
        self.events = 0  # entries taken in time order: a step, or a backlog held back a day
        self._config, self._now = config, now
        self._sequences: dict[str, Sequence | UserError] = {}
        own = self._sequence(campaign.sequence)
        # steps with variants name the one each person is given (recorded, else the pick)
        self.has_variants = isinstance(own, Sequence) and any(s.variants for s in own.all_steps)
        self._arms: dict[int, tuple[int, dict[str, str]]] = {}
        self._stops: dict[tuple[str, int], frozenset[str]] = {}
        self._places: list[tuple[str, str]] | None = None
        self._sims: list[Generator[Send, None, None]] = []
        self._stack = ExitStack()
        try:
            conn = self._stack.enter_context(engine.connect())
            if conn.dialect.name == "postgresql":  # one snapshot for all the reads, as SQLite's
                conn.execution_options(isolation_level="REPEATABLE READ")
            self._stack.enter_context(conn.begin())
            self._conn = conn
            if self.has_variants:
                self._arms = variant_q.arms_of_campaign(conn, campaign.slug)
                self._stops = variant_q.stopped(conn, [campaign.slug])
            self._halted = [
                (handle, f"{status}: {reason}" if reason else status)
                for handle, status, reason in enrollment_q.halted(conn, campaign.slug)
            ]
            self._untimed(conn)
            today = sending_day(config, now)
            sent = q.sent_since(conn, list(self.mailboxes), day_start(config, today))
            first = caps_q.first_sends(
                conn, [m for m in self.mailboxes if config.mailbox(m).limits.ramp]
            )
            for name in self.mailboxes:
                rows = q.pending_by_time(conn, name, now)
                self._stack.callback(rows.close)
                overdue = _Overdue(conn, name, now)
                self._stack.callback(overdue.close)
                first_day = sending_day(config, first[name]) if name in first else None
                self._sims.append(
                    self._simulate(name, {today: sent.get(name, 0)}, rows, overdue, first_day)
                )
        except BaseException:
            self._stack.close()
            raise
        self._sends: Iterator[Send] = (
            self._sims[0]
            if len(self._sims) == 1
            else heapq.merge(*self._sims, key=attrgetter("at"))
        )

    def _variant(self, enrollment_id: int, sequence: Sequence, step: Step) -> Variant | None:
        influencer_id, recorded = self._arms.get(enrollment_id, (0, {}))
        return resolve_in(
            sequence.all_steps,
            step,
            self.campaign,
            influencer_id,
            recorded,
            lambda number: self._stops.get((self.campaign, number), frozenset()),
        )

    def _sequence(self, name: str) -> Sequence | UserError:
        return sequence_or_error(self._config, name, self._sequences)

    def _why_not(self, name: str, number: int) -> str | None:
        """Why an enrollment at step `number` of sequence `name` cannot be simulated, if so."""
        seq = self._sequence(name)
        if isinstance(seq, UserError):
            return str(seq)
        return None if seq.find(number) is not None else f"no step {number} in {name}"

    def _untimed(self, conn: Any) -> None:
        """The campaign's enrollments whose step has no time to start from."""
        found = campaign_q.campaign_id(conn, self.campaign)
        if found is None:
            return
        for mailbox in self.mailboxes:
            for eid, handle, name, number in q.pending_untimed(conn, found, mailbox):
                why = self._why_not(name, number) or f"step {number} waits for a send"
                self._early.append((eid, handle, why))

    @property
    def unplanned(self) -> list[tuple[str, str]]:
        """(handle, why) of the campaign's enrollments left out: stopped, paused or in error;
        those that cannot be simulated (by id); those the cap pushes past the horizon. Until the
        run is finished, only those it has reached."""
        return (
            self._halted
            + [(h, why) for _, h, why in sorted(self._early)]
            + [(h, "beyond a year at this cap") for _, h in sorted(self._beyond)]
        )

    def __iter__(self) -> Iterator[Send]:
        return self

    def __next__(self) -> Send:
        try:
            send = next(self._sends)
        except StopIteration:
            self.finished = True
            raise
        self.count += 1
        self.spilled += send.spilled
        return send

    def close(self) -> None:
        for sim in self._sims:
            sim.close()
        self._stack.close()

    def __enter__(self) -> ScheduleRun:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _simulate(  # one event loop, kept in one place
        self,
        mailbox: str,
        used: dict[date, int],
        rows: Iterator[q.PendingRow],
        overdue: _Overdue,
        first_day: date | None,
    ) -> Generator[Send, None, None]:
        """One mailbox's sends in time order; `first_day`: the day it first sent, if it has."""
        config, now = self._config, self._now
        limits = config.mailbox(mailbox).limits
        horizon = now + timedelta(days=HORIZON_DAYS)
        default = default_window(config)
        windows: dict[int, Window] = {}  # id(step) -> its window
        places: dict[tuple[str, str, Closures], Recipient] = {}
        closures: dict[str, Closures] = {}  # per campaign, read once per run
        targets: dict[tuple[int, int, date], datetime] = {}
        opening: dict[tuple[int, int], datetime] = {}  # (window, where) ids -> first from now
        # Events, earliest first. At one instant, backlogs (False) go before fresh steps (True),
        # as a held-back step's due time is older; fresh steps then go by enrollment id.
        # A fresh step: (at, True, id, item); a backlog: (at, False, serial, _Backlog).
        heap: list[tuple[Any, ...]] = []
        waiting: dict[tuple[datetime, int, int], _Backlog] = {}  # (at, window, where) ids
        serial = itertools.count()

        def place(tz: str, country: str, closed: Closures = NO_CLOSURES) -> Recipient:
            """One Recipient object per calendar (zone, country, the campaign's closures)."""
            found = places.get((tz, country, closed))
            if found is None:
                found = places[(tz, country, closed)] = recipient_of(config, tz, country, closed)
            return found

        def window_of(step: Step) -> Window:
            found = windows.get(id(step))
            if found is None:
                found = windows[id(step)] = step.window or default
            return found

        def spill_target(window: Window, where: Recipient, day: date) -> datetime:
            """The first instant in the window after `day` (a full sending day) ends."""
            key = (id(window), id(where), day)
            found = targets.get(key)
            if found is None:
                found = targets[key] = next_send_time(
                    next_day_start(config, day),
                    window,
                    tz=where.tz,
                    country=where.country,
                    closed=where.closed,
                )
            return found

        def backlog_at(at: datetime, window: Window, where: Recipient) -> _Backlog | None:
            return waiting.get((at, id(window), id(where)))

        def push_backlog(at: datetime, backlog: _Backlog) -> None:
            found = backlog_at(at, backlog.window, backlog.where)
            if found is None:
                waiting[(at, id(backlog.window), id(backlog.where))] = backlog
                heapq.heappush(heap, (at, False, next(serial), backlog))
            elif len(found.items) >= len(backlog.items):
                found.items.update(backlog.items)
            else:
                backlog.items.update(found.items)
                found.items = backlog.items

        def consume(at: datetime, item: _Item, spilled: bool) -> Iterator[Send]:
            eid, who, step, _window, queued = item
            where = who.where
            if who.mine:
                variant = self._variant(eid, who.sequence, step) if step.variants else None
                yield Send(
                    who.handle,
                    who.platform,
                    step.number,
                    variant.template if variant else step.template,
                    at,
                    where.tz,
                    mailbox,
                    queued,
                    spilled,
                    variant.name if variant else "",
                )
            # within its phase: the reminder's time comes from due dates, not a delay after
            following = who.sequence.following(step.number)
            if following is not None:
                after = following.delay.after(
                    at, tz=where.tz, country=where.country, closed=where.closed
                )
                nxt_window = window_of(following)
                nxt = next_send_time(
                    after, nxt_window, tz=where.tz, country=where.country, closed=where.closed
                )
                heapq.heappush(heap, (nxt, True, eid, (eid, who, following, nxt_window, False)))
                self.steps += 1

        def enrolled(row: q.PendingRow) -> _Item | None:
            eid, slug, handle, platform, tz, country, name, number, _, queued = row
            seq = self._sequence(name)
            step = seq.find(number) if isinstance(seq, Sequence) else None
            if step is None or not isinstance(seq, Sequence):
                if slug == self.campaign:
                    self._early.append((eid, handle, self._why_not(name, number) or ""))
                return None
            if slug not in closures:
                closures[slug] = campaign_closures(config, slug)
            where = place(tz, country, closures[slug])
            who = _Enrolled(handle, platform, slug == self.campaign, seq, where)
            return (eid, who, step, window_of(step), queued)

        def from_now(window: Window, where: Recipient) -> datetime:
            key = (id(window), id(where))
            found = opening.get(key)
            if found is None:
                found = opening[key] = next_send_time(
                    now, window, tz=where.tz, country=where.country, closed=where.closed
                )
            return found

        def load(row: q.PendingRow) -> None:
            item = enrolled(row)
            if item is None:
                return
            start, window, where = row[8], item[3], item[1].where
            at = (
                from_now(window, where)
                if start <= now
                else next_send_time(
                    start, window, tz=where.tz, country=where.country, closed=where.closed
                )
            )
            heapq.heappush(heap, (at, True, item[0], item))
            self.steps += 1

        def load_overdue() -> None:
            """The next enrollment due at the start: fresh at its first instant, or straight
            into the backlog where its calendar's unread ones are held."""
            self.read += 1
            item = enrolled(overdue.take())
            if item is None:
                return
            window, where = item[3], item[1].where
            unread = presence.get((id(window), id(where)))
            # A calendar missing from `presence` (a sequence outside sequences/*.toml) is
            # taken as fresh: exact only while nothing has gone past its first instant.
            if unread is None or unread.fresh:
                heapq.heappush(heap, (from_now(window, where), True, item[0], item))
            elif unread.gone is not None:
                if item[1].mine:
                    self._beyond.append(((*unread.gone, item[0]), item[1].handle))
                return
            else:
                found = backlog_at(unread.at, window, where)
                if found is not None:
                    found.items.add(item)
                else:
                    push_backlog(unread.at, _Backlog(window, where, SortedList([item])))
            self.steps += 1

        def calendars() -> dict[tuple[int, int], _Unread]:
            """Every calendar an enrollment due at the start may have: each window of each
            sequence, for each zone and country on the roster."""
            sequences = [self._sequence(name) for name in list_sequences(config)]
            windows = {default} | {
                window_of(step)
                for seq in sequences
                if isinstance(seq, Sequence)
                for step in seq.steps
            }
            if self._places is None:
                self._places = q.places(self._conn)
            closures = {NO_CLOSURES} | {
                campaign_closures(config, path.stem) for path in config.campaigns_dir.glob("*.toml")
            }
            wheres = {
                id(w): w
                for w in (place(tz, c, closed) for tz, c in self._places for closed in closures)
            }
            return {
                (id(w), id(where)): _Unread(from_now(w, where), w, where)
                for w in windows
                for where in wheres.values()
            }

        def lowest() -> tuple[datetime, bool] | None:
            return min(((u.at, u.fresh) for u in presence.values() if u.gone is None), default=None)

        def hold(at: datetime, fresh: bool, day: date) -> None:
            """The unread ones at (at, fresh) meet a full day: they move on to the next."""
            for u in presence.values():
                if u.gone is None and u.at == at and u.fresh == fresh:
                    later = spill_target(u.window, u.where, day)
                    if later > horizon:
                        u.gone = (at, fresh)
                    else:
                        u.at, u.fresh = later, False

        def held_below(at: datetime, left: int) -> int:
            """How many read steps held back to `at` have an id below `left`."""
            probe = cast(_Item, (left,))
            return sum(b.items.bisect_left(probe) for key, b in waiting.items() if key[0] == at)

        def cap_of(day: date) -> int:
            """The cap on `day`: the ramp's while the mailbox is new (day 1: its first send)."""
            return cap_on(limits, first_day, day) if limits.ramp else limits.daily_cap

        ahead = next(rows, None)
        presence: dict[tuple[int, int], _Unread] = {}
        low: tuple[datetime, bool] | None = None
        day: date | None = None
        day_end = now
        while True:
            # Nothing is read before it could matter. A step never goes before its start (or
            # now), so rows due later are read in time order up to the earliest event. Rows
            # already due all count from now, so within a calendar the id decides: they are
            # read by id until the earliest event comes before any left unread, or until a
            # full day makes all those left wait together (then only where they wait moves).
            if ahead is not None and (not heap or max(ahead[8], now) <= heap[0][0]):
                load(ahead)
                self.read += 1
                ahead = next(rows, None)
                continue
            left = overdue.next_id()
            if left is not None:
                if not presence:
                    presence = calendars()
                    low = lowest()
                if not heap:
                    load_overdue()
                    continue
                top = heap[0]
                if low is not None and (top[0], top[1]) >= low:
                    at_u, fresh_u = low
                    on = sending_day(config, at_u)
                    room = cap_of(on) - used.get(on, 0)
                    if (top[0], top[1]) == low and (
                        top[2] < left if fresh_u else room <= held_below(at_u, left)
                    ):
                        if not fresh_u:
                            hold(at_u, False, on)  # the read ones fill the day; the rest wait
                            low = lowest()
                    elif room <= 0:
                        hold(at_u, fresh_u, on)
                        low = lowest()
                        continue
                    else:
                        load_overdue()
                        continue
            if not heap:
                break
            at, fresh, _, payload = heapq.heappop(heap)
            self.events += 1
            if day is None or at >= day_end:
                day = sending_day(config, at)
                day_end = next_day_start(config, day)
            if fresh:
                item: _Item = payload
                if used.get(day, 0) < cap_of(day):
                    used[day] = used.get(day, 0) + 1
                    first_day = first_day or day
                    yield from consume(at, item, False)
                    continue
                window, where = item[3], item[1].where
                later = spill_target(window, where, day)
                if later > horizon:
                    if item[1].mine:
                        self._beyond.append(((at, True, item[0]), item[1].handle))
                    continue
                found = backlog_at(later, window, where)
                if found is not None:
                    found.items.add(item)
                else:
                    push_backlog(later, _Backlog(window, where, SortedList([item])))
                continue
            # Every backlog due at this instant, merged by enrollment id.
            backlogs: list[_Backlog] = [payload]
            while heap and heap[0][0] == at and heap[0][1] is False:
                backlogs.append(heapq.heappop(heap)[3])
                self.events += 1
            for backlog in backlogs:
                del waiting[(at, id(backlog.window), id(backlog.where))]
            room = cap_of(day) - used.get(day, 0)
            if room > 0:
                if len(backlogs) == 1:
                    taken: list[_Item] = list(backlogs[0].items.islice(0, room))
                    del backlogs[0].items[: len(taken)]
                else:
                    taken = list(
                        itertools.islice(
                            heapq.merge(*(b.items.islice(0, room) for b in backlogs)), room
                        )
                    )
                    for backlog in backlogs:  # ids are unique: the last one taken splits each
                        del backlog.items[: backlog.items.bisect_right(taken[-1])]
                used[day] = used.get(day, 0) + len(taken)
                first_day = first_day or day
                for item in taken:
                    yield from consume(at, item, True)
            # The day is full: the rest move on together, each to its calendar's next opening.
            past: list[SortedList[_Item]] = []
            for backlog in backlogs:
                if not backlog.items:
                    continue
                later = spill_target(backlog.window, backlog.where, day)
                if later > horizon:
                    past.append(backlog.items)
                else:
                    push_backlog(later, backlog)
            for items in past:
                self._beyond += [((at, False, i[0]), i[1].handle) for i in items if i[1].mine]


def schedule_run(engine: Engine, config: Config, campaign_slug: str, now: datetime) -> ScheduleRun:
    """The campaign's sends as a stream, earliest first; close it when done."""
    return ScheduleRun(engine, config, campaign_slug, now)


def schedule(engine: Engine, config: Config, campaign_slug: str, now: datetime) -> Timeline:
    """Who gets which step when; only the campaign's sends are listed."""
    with ScheduleRun(engine, config, campaign_slug, now) as run:
        sends = list(run)
        return Timeline(run.campaign, run.operator_tz, run.caps, sends, run.unplanned)
