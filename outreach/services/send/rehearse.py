"""`outreach rehearse`: the real planner, dispatch and send windows run on a throw-away copy of
the database, with a simulated clock and a capture SMTP server on 127.0.0.1.

The copy's settings point every mailbox at the capture server (no login, no TLS), redirect
every envelope to a capture address ([safety]), read no inbox and serve no unsubscribe link:
nothing of the workspace's database, mailboxes or recipients is touched. The clock jumps from
one due time to the next (a step, a retry, the mailbox's next slot, the next sending day when a
cap is used up); nothing sleeps.

Longer than 400 lines on purpose: the simulated clock, the throw-away copy and the event stream
are one simulation.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, insert, select

from outreach.clock import FixedClock, naive_utc, utc
from outreach.config import Config, DatabaseConfig, InboxSourceConfig, SafetyConfig
from outreach.domain.enrollment import EnrollmentStatus
from outreach.domain.influencer import Influencer
from outreach.domain.outbox import CLAIMABLE, OutboxState
from outreach.domain.sending_day import day_start, next_day_start, sending_day
from outreach.domain.sequence import Sequence as SequenceFile
from outreach.domain.windows import DAY_NAMES, Window, is_holiday, next_send_time
from outreach.errors import InputError, UserError
from outreach.render.compose import Composed, Composer
from outreach.services.send.dispatch import dispatch_once
from outreach.services.send.plan import plan_due, sent_hook
from outreach.services.sequence.campaigns import campaign_closures, load_campaign
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.services.sequence.files import Recipient, recipient_of, sequence_or_error, window_for
from outreach.store.queries.schedule import day_load
from outreach.store.schema import campaign as campaign_t
from outreach.store.schema import enrollment, influencer, mailbox, metadata, outbox
from outreach.store.session import make_engine, migrate, reading, writing
from outreach.transport.sink import LOOPBACK, CaptureSink
from outreach.transport.smtp import SmtpTransport

DEFAULT_DAYS = 30
MAX_PASSES = 20_000  # a rehearsal stops by itself even if something keeps waking it
CAPTURE_ADDRESS = "rehearsal@capture.test"  # RFC 2606 .test: never a real mailbox
_COPY_BATCH = 2_000


@dataclass(frozen=True)
class RehearsedSend:
    """A message the copy sent to the capture server."""

    kind: ClassVar[str] = "sent"  # what `rehearse --format json` calls it
    at: datetime  # UTC
    handle: str
    step: int
    template: str
    tz: str
    mailbox: str
    waited: str = ""  # why it went later than it was ready (window, holiday, closure, cap)


@dataclass(frozen=True)
class RehearsedHold:
    """A step that will not go out as planned, and why."""

    kind: ClassVar[str] = "held"
    at: datetime
    handle: str
    step: int
    reason: str
    tz: str


@dataclass(frozen=True)
class Note:
    kind: ClassVar[str] = "note"
    at: datetime
    text: str


Event = RehearsedSend | RehearsedHold | Note


@dataclass
class Summary:
    campaign: str
    start: datetime
    until: datetime
    end: datetime | None = None  # the simulated time the rehearsal stopped at
    sent: Counter[int] = field(default_factory=Counter)  # the campaign's sends by step
    others: int = 0  # sends of other campaigns sharing the mailboxes
    held: int = 0
    enrolled: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    completed: bool = False  # every enrolment of the campaign finished its sequence
    waiting: int = 0  # enrolments still scheduled past the horizon
    next_at: datetime | None = None
    captured: int = 0
    passes: int = 0


class _Recording(Composer):
    """The real Composer, remembering which template each step of each influencer used."""

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.used: dict[tuple[int, int], str] = {}

    def compose(self, campaign: Any, influencer: Influencer, **kw: Any) -> Composed:
        composed = super().compose(campaign, influencer, **kw)
        self.used[(int(influencer.id or 0), int(kw["step"]))] = composed.template
        return composed


def copy_database(config: Config, target: Path) -> None:
    """The workspace's database into a new SQLite file at `target`, read-only on the source.

    SQLite: the online backup API (a consistent snapshot, WAL included; the source is opened
    read-only, so not one byte of it changes). PostgreSQL: every table, read in one
    REPEATABLE READ transaction (a consistent snapshot), inserted into the new file."""
    url = config.database_url
    if url.startswith("sqlite:///"):
        source = Path(url[len("sqlite:///") :])
        if not source.is_file():
            raise InputError(
                f"no database at {source}",
                field="database.url",
                hint="run `outreach init` or `outreach migrate` first",
            )
        src = sqlite3.connect(source.as_uri() + "?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        engine = make_engine(f"sqlite:///{target}")
        migrate(engine)  # a copy of an older database gets the current schema
        engine.dispose()
        return
    if not url.startswith("postgresql"):
        raise InputError(
            f"rehearse cannot copy a {url.split(':', 1)[0]} database",
            field="database.url",
            hint="SQLite and PostgreSQL are supported",
        )
    _copy_tables(make_engine(url), target)


def _copy_tables(source: Engine, target: Path) -> None:
    engine = make_engine(f"sqlite:///{target}")
    migrate(engine)
    try:
        with source.connect() as src, writing(engine) as dst:
            src = src.execution_options(isolation_level="REPEATABLE READ", yield_per=_COPY_BATCH)
            with src.begin():
                for table in metadata.sorted_tables:
                    rows = src.execute(select(table)).mappings()
                    for chunk in rows.partitions(_COPY_BATCH):
                        dst.execute(insert(table), [dict(r) for r in chunk])
    finally:
        engine.dispose()
        source.dispose()


def rehearsal_config(config: Config, database: Path, port: int) -> Config:
    """The workspace's settings with everything that reaches out pointed at the capture server."""
    boxes = {
        name: box.model_copy(
            update={
                "smtp": box.smtp.model_copy(
                    update={
                        "host": LOOPBACK,
                        "port": port,
                        "security": "none",
                        "username": "",
                        "password_env": "",
                        "ca_file": "",
                        "connections": 1,
                    }
                ),
                "inbox": InboxSourceConfig(),  # no inbox: nothing is read, no follow-up waits on it
            }
        )
        for name, box in config.mailboxes.items()
    }
    return config.model_copy(
        update={
            "database": DatabaseConfig(url=f"sqlite:///{database}"),
            "mailboxes": boxes,
            "safety": SafetyConfig(redirect_all_to=CAPTURE_ADDRESS),
            "unsubscribe": config.unsubscribe.model_copy(update={"serve": False}),
        }
    )


@dataclass
class _Person:
    handle: str
    tz: str
    where: Recipient
    sequence: SequenceFile | UserError
    mine: bool


class _Rehearsal:
    def __init__(
        self,
        config: Config,
        engine: Engine,
        slug: str,
        clock: FixedClock,
        emit: Callable[[Event], None],
        summary: Summary,
    ) -> None:
        self.config, self.engine, self.slug, self.clock = config, engine, slug, clock
        self.emit, self.summary = emit, summary
        self.composer = _Recording(config)
        self.rng = random.Random(0)  # the same rehearsal twice prints the same times
        self.hook = sent_hook(config)
        self.sent: list[tuple[int, int, datetime]] = []
        self.ready: dict[int, datetime] = {}  # enrolment -> when its next step was ready
        self.previous: dict[int, datetime] = {}  # enrolment -> when its last step went
        self.full: dict[str, set[date]] = {}  # mailbox -> sending days its cap was used up
        self.people: dict[int, _Person] = {}
        self.sequences: dict[str, SequenceFile | UserError] = {}
        self.states: dict[int, tuple[str, str, int]] = {}

    def on_sent(self, conn: Connection, sent: Sequence[tuple[int, int, datetime]]) -> None:
        self.hook(conn, sent)
        self.sent.extend(sent)

    def person(self, conn: Connection, ids: Sequence[int]) -> None:
        missing = [i for i in ids if i not in self.people]
        if not missing:
            return
        rows = conn.execute(
            select(
                enrollment.c.id,
                influencer.c.handle,
                influencer.c.timezone,
                influencer.c.country,
                enrollment.c.sequence,
                campaign_t.c.slug,
            )
            .join(influencer, influencer.c.id == enrollment.c.influencer_id)
            .join(campaign_t, campaign_t.c.id == enrollment.c.campaign_id)
            .where(enrollment.c.id.in_(missing))
        )
        for eid, handle, tz, country, seq, slug in rows:
            where = recipient_of(self.config, tz, country, campaign_closures(self.config, slug))
            self.people[eid] = _Person(
                handle,
                where.tz,
                where,
                sequence_or_error(self.config, seq, self.sequences),
                slug == self.slug,
            )

    def window(self, person: _Person, step: int) -> Window | None:
        seq = person.sequence
        found = seq.step(step) if isinstance(seq, SequenceFile) else None
        return window_for(self.config, found) if found is not None else None

    def snapshot(self, conn: Connection) -> dict[int, tuple[str, str, int]]:
        rows = conn.execute(
            select(
                enrollment.c.id,
                enrollment.c.status,
                enrollment.c.stop_reason,
                enrollment.c.next_step,
            )
            .join(campaign_t, campaign_t.c.id == enrollment.c.campaign_id)
            .where(
                campaign_t.c.slug == self.slug,
                enrollment.c.status.in_(
                    (EnrollmentStatus.PAUSED, EnrollmentStatus.ERROR, EnrollmentStatus.STOPPED)
                ),
            )
        )  # only the held ones: the cost follows the holds, not the campaign's size
        return {eid: (status, reason, step) for eid, status, reason, step in rows}

    def report_states(self, conn: Connection, *, first: bool = False) -> None:
        """Enrolments of the campaign whose status changed to one that holds them."""
        now = self.clock.now()
        states = self.snapshot(conn)
        changed = [eid for eid, state in states.items() if self.states.get(eid) != state]
        self.person(conn, changed)
        for eid in sorted(changed):
            status, reason, step = states[eid]
            before = self.states.get(eid)
            if status == EnrollmentStatus.PAUSED and (
                first or before is None or before[0] != EnrollmentStatus.PAUSED
            ):
                why = reason or "paused: waits for `outreach resume`"
            elif status == EnrollmentStatus.ERROR and (
                before is None or before[0] != EnrollmentStatus.ERROR
            ):
                why = f"needs attention: {reason}"
            elif (
                status == EnrollmentStatus.STOPPED
                and not first
                and (before is None or before[0] != EnrollmentStatus.STOPPED)
            ):
                why = reason.removeprefix(f"step {step} held: ")
            else:
                continue
            person = self.people[eid]
            self.summary.held += 1
            self.emit(RehearsedHold(now, person.handle, step, why, person.tz))
        self.states = states

    def note_waiting(self, conn: Connection) -> None:
        """Steps of the campaign still due after planning: their mailbox's daily cap is used up
        for today, said once per mailbox and day."""
        now = self.clock.now()
        rows = conn.execute(
            select(enrollment.c.mailbox, func.count())
            .join(campaign_t, campaign_t.c.id == enrollment.c.campaign_id)
            .where(
                campaign_t.c.slug == self.slug,
                enrollment.c.status == EnrollmentStatus.ACTIVE,
                enrollment.c.next_due_at <= naive_utc(now),
            )
            .group_by(enrollment.c.mailbox)
        ).all()
        if not rows:
            return
        today = sending_day(self.config, now)
        load = day_load(conn, list(self.config.mailboxes), day_start(self.config, today))
        for box, count in sorted(rows):
            limits = self.config.mailboxes.get(box)
            if limits is None or load.get(box, 0) < limits.limits.daily_cap:
                continue
            if today in self.full.setdefault(box, set()):
                continue
            self.full[box].add(today)
            self.emit(
                Note(
                    now,
                    f"daily cap of mailbox {box} ({limits.limits.daily_cap}) reached "
                    f"for {today}: {count} step(s) due now wait for the next sending day",
                )
            )

    def capped(
        self, box: str, person: _Person, window: Window, ready: datetime, at: datetime
    ) -> date | None:
        """The full day of `box` that held a step back: the day its window first opened after
        it was ready, when that is before the day it went."""
        where = person.where
        opens = next_send_time(
            ready, window, tz=where.tz, country=where.country, closed=where.closed
        )
        day = sending_day(self.config, opens)
        return day if day in self.full.get(box, ()) and day < sending_day(self.config, at) else None

    def report_sent(self, conn: Connection) -> None:
        sent, self.sent = sorted(self.sent, key=lambda s: (s[2], s[0])), []
        if not sent:
            return
        self.person(conn, [eid for eid, _, _ in sent])
        boxes = dict(
            conn.execute(
                select(enrollment.c.id, enrollment.c.mailbox).where(
                    enrollment.c.id.in_([eid for eid, _, _ in sent])
                )
            ).all()
        )
        ids = dict(
            conn.execute(
                select(enrollment.c.id, enrollment.c.influencer_id).where(
                    enrollment.c.id.in_([eid for eid, _, _ in sent])
                )
            ).all()
        )
        for eid, step, at in sent:
            person = self.people[eid]
            ready = self.ready.pop(eid, None)
            if not person.mine:
                self.summary.others += 1
            else:
                waited = []
                window = self.window(person, step)
                since = self.previous.pop(eid, None)
                if since is not None and ready is not None:
                    waited = days_off(since, ready, person.where)
                if ready is not None and window is not None:
                    waited += why_later(ready, at, window, person.where)
                spilled = None
                if ready is not None and window is not None:
                    spilled = self.capped(boxes[eid], person, window, ready, at)
                if spilled is not None:
                    waited.append(f"daily cap used up on {spilled}")
                template = self.composer.used.get((int(ids[eid]), step), "?")
                self.summary.sent[step] += 1
                self.emit(
                    RehearsedSend(
                        at, person.handle, step, template, person.tz, boxes[eid], "; ".join(waited)
                    )
                )
            seq = person.sequence
            following = seq.step(step + 1) if isinstance(seq, SequenceFile) else None
            if following is not None:
                where = person.where
                self.ready[eid] = following.delay.after(
                    at, tz=where.tz, country=where.country, closed=where.closed
                )
                if following.delay.business:
                    self.previous[eid] = at

    def next_time(self, conn: Connection) -> datetime | None:
        """The next instant anything can happen in the copy, after now."""
        now = self.clock.now()
        t = naive_utc(now)
        found: list[datetime] = []
        # A mailbox whose daily cap is used up plans nothing more today: its steps coming due
        # later today wake nothing before the next sending day.
        today = sending_day(self.config, now)
        load = day_load(conn, list(self.config.mailboxes), day_start(self.config, today))
        full = [
            name
            for name, box in self.config.mailboxes.items()
            if load.get(name, 0) >= box.limits.daily_cap
        ]
        query = select(func.min(enrollment.c.next_due_at)).where(
            enrollment.c.status == EnrollmentStatus.ACTIVE, enrollment.c.next_due_at > t
        )
        if full:
            query = query.where(enrollment.c.mailbox.not_in(full))
            found.append(next_day_start(self.config, today))
        due = conn.execute(query).scalar()
        if due is not None:
            found.append(utc(due))
        queued = conn.execute(
            select(func.min(outbox.c.due_at)).where(
                outbox.c.state.in_(CLAIMABLE), outbox.c.due_at > t
            )
        ).scalar()
        if queued is not None:
            found.append(utc(queued))
        # Whether any exists, not how many: one index probe each, whatever the backlog.
        waiting = conn.execute(
            select(enrollment.c.id)
            .where(enrollment.c.status == EnrollmentStatus.ACTIVE, enrollment.c.next_due_at <= t)
            .limit(1)
        ).first()
        unsent = conn.execute(
            select(outbox.c.id)
            .where(outbox.c.state.in_((*CLAIMABLE, OutboxState.CLAIMED)), outbox.c.due_at <= t)
            .limit(1)
        ).first()
        if waiting is not None or unsent is not None:
            found.append(next_day_start(self.config, sending_day(self.config, now)))
        if unsent is not None:
            for slot, paused in conn.execute(
                select(mailbox.c.next_slot_at, mailbox.c.paused_until)
            ):
                found += [utc(x) for x in (slot, paused) if x is not None and utc(x) > now]
        later = [x for x in found if x > now]
        return min(later) if later else None

    def campaign_done(self, conn: Connection) -> bool:
        active = conn.execute(
            select(enrollment.c.id)
            .join(campaign_t, campaign_t.c.id == enrollment.c.campaign_id)
            .where(campaign_t.c.slug == self.slug, enrollment.c.status == EnrollmentStatus.ACTIVE)
            .limit(1)
        ).first()
        return active is None

    def waiting_count(self, conn: Connection) -> int:
        return int(
            conn.execute(
                select(func.count())
                .select_from(enrollment)
                .join(campaign_t, campaign_t.c.id == enrollment.c.campaign_id)
                .where(
                    campaign_t.c.slug == self.slug, enrollment.c.status == EnrollmentStatus.ACTIVE
                )
            ).scalar()
            or 0
        )

    async def run(
        self,
        transport: SmtpTransport,
        fresh: set[int],
        progress: Callable[[datetime, int], None] | None,
    ) -> None:
        summary, config, clock = self.summary, self.config, self.clock
        batch = config.sending.batch_size
        with reading(self.engine) as conn:
            self.report_states(conn, first=True)
        for eid in fresh:
            self.ready[eid] = summary.start  # enrolled by the rehearsal: ready at its start
        while summary.passes < MAX_PASSES:
            summary.passes += 1
            while (
                plan_due(self.engine, config, clock, self.composer, limit=batch, rng=self.rng)
                >= batch
            ):
                pass
            with reading(self.engine) as conn:
                self.report_states(conn)
                self.note_waiting(conn)
            while True:
                report = await dispatch_once(
                    self.engine,
                    config,
                    clock,
                    transport,
                    worker="rehearsal",
                    on_sent=self.on_sent,
                    rng=self.rng,
                )
                if report.claimed < batch:
                    break
            with reading(self.engine) as conn:
                self.report_sent(conn)
                self.report_states(conn)
                if self.campaign_done(conn):
                    summary.completed = True
                    break
                nxt = self.next_time(conn)
                if nxt is None:
                    break
                if nxt > summary.until:
                    summary.next_at = nxt
                    break
            clock.set(nxt)
            if progress is not None:
                progress(nxt, sum(summary.sent.values()))
        summary.end = clock.now()
        with reading(self.engine) as conn:
            summary.waiting = 0 if summary.completed else self.waiting_count(conn)


def days_off(since: datetime, ready: datetime, where: Recipient) -> list[str]:
    """The closures and public holidays a business-day delay from `since` to `ready` counted
    out, in the recipient's zone (weekends are left unsaid)."""
    zone = ZoneInfo(where.tz)
    day, last = since.astimezone(zone).date() + timedelta(days=1), ready.astimezone(zone).date()
    closed: list[date] = []
    holidays: list[date] = []
    while day < last:
        if where.closed.is_closed(day):
            closed.append(day)
        elif is_holiday(day, where.country) and day.weekday() < 5:
            holidays.append(day)
        day += timedelta(days=1)
    out = []
    if closed:
        out.append(
            f"delay skips closed {closed[0]}" + (f"..{closed[-1]}" if len(closed) > 1 else "")
        )
    if holidays:
        out.append(
            f"delay skips public holiday(s) {', '.join(map(str, holidays))} ({where.country})"
        )
    return out


def why_later(ready: datetime, at: datetime, window: Window, where: Recipient) -> list[str]:
    """Why a step ready at `ready` went at `at`: the days skipped (closures, public holidays,
    days outside the window) and the hours outside it, in the recipient's zone."""
    if at - ready < timedelta(minutes=5):
        return []
    zone = ZoneInfo(window.tz or where.tz)
    first, last = ready.astimezone(zone), at.astimezone(zone)
    reasons: list[str] = []
    closed: list[date] = []
    day = first.date()
    while day < last.date():
        if where.closed.is_closed(day):
            closed.append(day)
        elif is_holiday(day, where.country):
            reasons.append(f"{day} public holiday ({where.country})")
        elif day.weekday() not in window.days:
            reasons.append(f"{day} {DAY_NAMES[day.weekday()]} outside the window")
        day += timedelta(days=1)
    if closed:
        span = f"{closed[0]}" if len(closed) == 1 else f"{closed[0]}..{closed[-1]}"
        reasons.insert(0, f"closed {span} ([sending] closed)")
    weekdays = [r for r in reasons if r.endswith("outside the window")]
    if weekdays:
        reasons = [r for r in reasons if r not in weekdays]
        names = ", ".join(r.split()[1] for r in weekdays)
        reasons.append(f"{names} outside the window ({window.describe()})")
    hours = first.time().replace(tzinfo=None)
    if first.date().weekday() in window.days and not window.start <= hours < window.end:
        reasons.append(f"ready at {first:%H:%M}, window {window.start:%H:%M}-{window.end:%H:%M}")
    return reasons


class _NoteHandler(logging.Handler):
    """The engine's warnings during a rehearsal, each printed once as a note; those about one
    enrolment are left out (its hold is reported with the influencer's handle)."""

    def __init__(self, clock: FixedClock, emit: Callable[[Event], None]) -> None:
        super().__init__(logging.WARNING)
        self.clock, self.emit_event, self.seen = clock, emit, set[str]()

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.startswith("enrollment ") or text in self.seen:
            return
        self.seen.add(text)
        self.emit_event(Note(self.clock.now(), text))


@contextmanager
def _warnings_as_notes(clock: FixedClock, emit: Callable[[Event], None]) -> Iterator[None]:
    logger = logging.getLogger("outreach")
    handler = _NoteHandler(clock, emit)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def rehearse(
    config: Config,
    slug: str,
    *,
    start: datetime,
    days: int = DEFAULT_DAYS,
    enrol: bool = True,
    emit: Callable[[Event], None],
    progress: Callable[[datetime, int], None] | None = None,
    keep: Path | None = None,
) -> Summary:
    """Rehearse CAMPAIGN from `start` for at most `days` days (or until its sequences end)."""
    load_campaign(config, slug)  # a missing or broken campaign file: its error, before any copy
    if start.tzinfo is None:
        raise ValueError("rehearse needs an aware start time")
    start = start.astimezone(UTC)
    summary = Summary(slug, start, start + timedelta(days=days))
    with tempfile.TemporaryDirectory(prefix="outreach-rehearse-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        database = folder / "rehearsal.db"
        copy_database(config, database)
        with CaptureSink(folder / "captured") as sink:
            copy = rehearsal_config(config, database, sink.port)
            engine = make_engine(copy.database_url)
            try:
                clock = FixedClock(start)
                with reading(engine) as conn:
                    before = set(conn.execute(select(enrollment.c.id)).scalars())
                if enrol:
                    report = enroll(
                        engine,
                        copy,
                        slug,
                        EnrollFilters(),
                        dry_run=False,
                        now=start,
                        rng=random.Random(0),
                    )
                    summary.enrolled = len(report.enrolled)
                    summary.skipped = [
                        (s.handle, s.reason)
                        for s in report.skipped
                        if s.reason != "already enrolled"
                    ]
                    for handle, reason in summary.skipped:
                        emit(
                            RehearsedHold(
                                start, handle, 1, f"not enrolled: {reason}", config.display_timezone
                            )
                        )
                with reading(engine) as conn:
                    fresh = set(conn.execute(select(enrollment.c.id)).scalars()) - before
                run = _Rehearsal(copy, engine, slug, clock, emit, summary)
                transport = SmtpTransport(copy.mailboxes)

                async def go() -> None:
                    try:
                        await run.run(transport, fresh, progress)
                    finally:
                        await transport.close()

                with _warnings_as_notes(clock, emit):
                    asyncio.run(go())
            finally:
                engine.dispose()
            summary.captured = sink.handler.accepted
    return summary
