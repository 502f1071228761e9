"""`outreach run`: APScheduler 3.x ticks the jobs; every durable state lives in our tables.

APScheduler only says "now": MemoryJobStore (its job stores must not be shared between
processes), max_instances=1 and coalesce so an overrunning tick is skipped, not doubled. Each
job body runs as our own task, shielded from APScheduler's executor (which cancels running
coroutines on shutdown), so SIGINT/SIGTERM can drain: stop claiming, let the SMTP transactions
in flight finish and record, release unstarted claims, exit 0.

Adding a job is one line in JOBS: `DaemonJob(name, every(config) -> seconds, run(ctx))`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from outreach.clock import Clock
from outreach.config import Config
from outreach.daemon.planner import Planner, make_planner
from outreach.domain.display import protect_logging
from outreach.domain.windows import load_holiday_tables
from outreach.errors import UserError
from outreach.render.compose import Composer
from outreach.services.inbox import poll as inbox
from outreach.services.public.endpoint import ServerHandle, start_unsubscribe_server
from outreach.services.report import digest, numbers
from outreach.services.send import plan, sent_copy
from outreach.services.send.dispatch import OnSent, dispatch_due, release_worker
from outreach.store.session import BUSY_TIMEOUT_MS, describe_unavailable, is_busy, is_unavailable
from outreach.transport.smtp import SmtpTransport

log = logging.getLogger("outreach.daemon.run")

FIRST_PLAN_BATCH = 100
"""The plan job's first batch of a tick (then doubling up to sending.batch_size)."""

EX_TEMPFAIL = 75
"""`run --once` exit status when a job found the database unavailable: nothing was lost, try
later."""


@dataclass
class AppContext:
    """What jobs share in one daemon process."""

    config: Config
    engine: Engine
    clock: Clock
    transport: SmtpTransport
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    on_sent: OnSent | None = None  # default: the sequence schedules the next step
    composer: Composer | None = None
    planner: Planner | None = None  # made at first use: planner_for
    lint_gate: bool = False  # hold a campaign with lint errors on every plan pass (`outreach run`)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    inflight: set[asyncio.Task[None]] = field(default_factory=set)
    # Plan -> dispatch hand-off: what the plan job queues goes out now, not a tick later.
    planning: bool = False  # a plan job is running (more may be queued)
    queued: asyncio.Event = field(
        default_factory=asyncio.Event
    )  # rows were queued (or planning ended)
    wake: Callable[[str], None] | None = None  # run a job now (set by build_scheduler)

    def __post_init__(self) -> None:
        if self.on_sent is None:
            self.on_sent = plan.sent_hook(self.config)
        if self.composer is None:
            self.composer = Composer(self.config)
        load_holiday_tables()  # at start-up, not inside the first tick's settle

    def planner_for(self, *, once: bool) -> Planner:
        """The planner `[sending] planner` asks for, made at first use (`make_planner`)."""
        if self.planner is None:
            assert self.composer is not None
            self.planner = make_planner(
                self.engine, self.config, self.composer, once=once, lint_gate=self.lint_gate
            )
        return self.planner

    async def shielded(self, work: Awaitable[None]) -> None:
        """Run `work` as our own task: a cancelled scheduler job leaves it running to the end."""
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self.inflight.add(task)
        task.add_done_callback(self.inflight.discard)
        await asyncio.shield(task)

    async def drain(self) -> None:
        self.stopping.set()
        while self.inflight:
            await asyncio.gather(*list(self.inflight), return_exceptions=True)


@dataclass(frozen=True)
class DaemonJob:
    name: str
    every: Callable[[Config], float]
    run: Callable[[AppContext], Awaitable[None]]


async def dispatch_job(ctx: AppContext) -> None:
    """Send what is due, pass after pass (`dispatch_due`). While a plan job is queueing, keep
    going as its batches land instead of leaving them for the next tick."""
    while True:
        ctx.queued.clear()
        report = await dispatch_due(
            ctx.engine,
            ctx.config,
            ctx.clock,
            ctx.transport,
            worker=ctx.worker,
            on_sent=ctx.on_sent,
            stopping=ctx.stopping,
        )
        if report.claimed:
            log.info("dispatch: claimed %d, %s", report.claimed, dict(report.outcomes))
        if ctx.stopping.is_set() or not (ctx.planning or ctx.queued.is_set()):
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ctx.queued.wait(), timeout=ctx.config.sending.tick_seconds)


async def plan_job(ctx: AppContext) -> None:
    """Render the due steps into queued outbox rows, off the event loop (SQLite and Jinja2
    block): in the planner's worker process, or in a thread (`outreach.daemon.planner`). Batches go
    back to back until less than a full one was queued (nothing else due, or today's caps
    reached), as dispatch's passes do: what is due now is queued in this tick, not one batch
    per tick. Each batch is handed to dispatch as it lands (`ctx.queued`; the dispatch job is
    woken if it is between ticks). The first batch is small and each next one twice as big, up
    to `batch_size`: sending starts after a few dozen renders, not a whole batch."""
    planner = ctx.planner_for(once=True)  # run_daemon made it already; a lone call gets a thread
    size = min(FIRST_PLAN_BATCH, ctx.config.sending.batch_size)
    total = 0
    ctx.planning = True
    try:
        while not ctx.stopping.is_set():
            queued = await planner.plan(ctx.clock.now(), size)
            if queued:
                ctx.queued.set()
                if not total and ctx.wake is not None:
                    ctx.wake("dispatch")
            total += queued
            if queued < size:
                break
            size = min(size * 2, ctx.config.sending.batch_size)
    finally:
        ctx.planning = False
        ctx.queued.set()
    if total:
        log.info("plan: queued %d step(s)", total)


async def inbox_job(ctx: AppContext) -> None:
    """Read every mailbox's inbox: replies, bounces and opt-outs stop sequences."""
    report = await asyncio.to_thread(inbox.poll, ctx.engine, ctx.config, ctx.clock)
    if report.new:
        log.info(
            "inbox: %d new (%s), %d unmatched", report.new, dict(report.kinds), report.unmatched
        )
    for box, error in report.errors.items():
        log.warning("inbox %s: %s", box, error)


async def sent_copy_job(ctx: AppContext) -> None:
    """Append what was accepted to each mailbox's Sent folder; retried on its own schedule."""
    report = await asyncio.to_thread(sent_copy.append_pass, ctx.engine, ctx.config, ctx.clock)
    if report.appended or report.found or report.failed:
        log.info(
            "sent copies: %d appended, %d already there, %d retrying, %d failed",
            report.appended,
            report.found,
            report.retried,
            report.failed,
        )
    for box, error in report.errors.items():
        log.warning("sent copy %s: %s", box, error)


async def digest_job(ctx: AppContext) -> None:
    """`[digest]`: the team's summary mail, once per period (`services.report.digest`)."""
    if ctx.config.digest is None:
        return
    try:
        sent = await digest.send_due(ctx.config, ctx.engine, ctx.clock)
    except UserError as exc:  # a broken template or setting: nothing was sent or claimed
        log.error("digest not sent: %s", exc)
        return
    if sent is not None:
        if sent.accepted:
            log.info("digest %s sent", sent.period)
        else:
            log.warning("digest %s refused: %s; the next tick tries again", sent.period, sent.reply)


DIGEST_SECONDS = 60.0
"""How often the digest job looks whether a period's digest is due."""

COUNT_SECONDS = 60.0
"""How often the count job counts the sends the report's counters have not counted yet."""


async def count_job(ctx: AppContext) -> None:
    """The report's counters, caught up with what was sent: the sending path only records each
    send, so a group commit of sends does not wait on counting (`store.queries.tally`)."""
    counted = await asyncio.to_thread(numbers.catch_up, ctx.engine)
    if counted:
        log.debug("count: %d send(s) counted", counted)


async def run_job(ctx: AppContext, job: DaemonJob) -> bool:
    """One tick of `job`; False when it stopped because the database was unavailable.

    Another process (a large `outreach import` is one transaction) can hold SQLite's write lock
    past the busy timeout; PostgreSQL can restart or fail over. The job's transaction then wrote
    nothing, the rows it had leased come back with their lease, and the next tick does the work:
    a warning, not a traceback."""
    try:
        await ctx.shielded(job.run(ctx))
    except OperationalError as exc:
        if not is_unavailable(exc):
            raise
        waited = (
            f" for longer than the busy timeout ({BUSY_TIMEOUT_MS // 1000} s)"
            if is_busy(exc)
            else ""
        )
        log.warning(
            "%s: %s%s; the next tick tries again", job.name, describe_unavailable(exc), waited
        )
        return False
    return True


JOBS: list[DaemonJob] = [
    DaemonJob("inbox", lambda c: c.inbox.poll_seconds, inbox_job),
    DaemonJob("plan", lambda c: c.sending.tick_seconds, plan_job),
    DaemonJob("dispatch", lambda c: c.sending.tick_seconds, dispatch_job),
    DaemonJob("sent_copy", lambda c: c.sent_copy.every_seconds, sent_copy_job),
    DaemonJob("digest", lambda c: DIGEST_SECONDS, digest_job),
    DaemonJob("count", lambda c: COUNT_SECONDS, count_job),
]


def build_scheduler(ctx: AppContext, jobs: list[DaemonJob] | None = None) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(jobstores={"default": MemoryJobStore()}, timezone="UTC")
    for job in JOBS if jobs is None else jobs:

        async def tick(job: DaemonJob = job) -> None:
            if not ctx.stopping.is_set():
                await run_job(ctx, job)

        scheduler.add_job(
            tick,
            "interval",
            seconds=job.every(ctx.config),
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(30, int(job.every(ctx.config) * 4)),
            next_run_time=datetime.now(UTC),  # first tick at start-up, not one interval later
        )

    def wake(name: str) -> None:
        """Tick `name` now (skipped, as any overlapping tick, if it is running)."""
        job = scheduler.get_job(name)
        if job is not None and scheduler.running:
            job.modify(next_run_time=datetime.now(UTC))

    ctx.wake = wake
    return scheduler


async def run_daemon(ctx: AppContext, *, once: bool, stop: asyncio.Event | None = None) -> int:
    """The daemon's life: one pass of every job (--once), or ticks until SIGINT/SIGTERM
    (or until `stop` is set, for a daemon embedded in another program such as the demo).
    With `[unsubscribe] serve = true` the one-click endpoint is served for the daemon's life."""
    protect_logging()  # log lines quote inbound mail and SMTP replies: no terminal controls
    endpoint: ServerHandle | None = None
    planner = ctx.planner_for(once=once)
    try:
        if once:
            done = [await run_job(ctx, job) for job in JOBS]
            return 0 if all(done) else EX_TEMPFAIL
        if ctx.config.unsubscribe.serve:
            endpoint = start_unsubscribe_server(ctx.engine, ctx.config, ctx.clock)
            log.info("unsubscribe endpoint on %s:%d", *endpoint.address)
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        # A tick that runs until idle overlaps the next ones by design (max_instances=1 skips
        # them); APScheduler would log each skip.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        scheduler = build_scheduler(ctx)
        scheduler.start()
        log.info(
            "outreach run: worker %s started (%s)", ctx.worker, ", ".join(j.name for j in JOBS)
        )
        await stop.wait()
        log.info("stopping: no new claims; finishing transactions in flight")
        await ctx.drain()
        scheduler.shutdown(wait=False)
        return 0
    finally:
        if endpoint is not None:
            endpoint.stop()
        planner.close()  # after the drain: the batch in flight was planned and committed
        try:
            released = release_worker(ctx.engine, ctx.config, ctx.clock, ctx.worker)
        except OperationalError as exc:
            if not is_unavailable(exc):
                raise
            log.warning(
                "could not release unstarted claims: %s; they return to the queue when their lease"
                " lapses",
                describe_unavailable(exc),
            )
        else:
            if released:
                log.info("released %d unstarted claim(s)", released)
        await ctx.transport.close()
