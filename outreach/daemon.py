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

from outreach.clock import Clock
from outreach.config import Config
from outreach.services.campaigns import list_campaigns
from outreach.services.compose import Composer
from outreach.services.lint import Finding, has_errors, lint_campaign
from outreach.services.dispatch import OnSent, dispatch_due, release_worker
from outreach.services.plan import plan_due
from outreach.transport.smtp import SmtpTransport

log = logging.getLogger("outreach.daemon")


@dataclass
class AppContext:
    """What jobs share in one daemon process."""

    config: Config
    engine: Engine
    clock: Clock
    transport: SmtpTransport
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    on_sent: OnSent | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    inflight: set[asyncio.Task[None]] = field(default_factory=set)

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


async def plan_job(ctx: AppContext) -> None:
    """Due enrollment steps -> queued outbox rows (composed with the templates as they are now)."""
    queued = plan_due(ctx.engine, ctx.config, ctx.clock, Composer(ctx.config), limit=ctx.config.sending.batch_size)
    if queued:
        log.info("plan: queued %d message(s)", queued)


async def dispatch_job(ctx: AppContext) -> None:
    report = await dispatch_due(
        ctx.engine, ctx.config, ctx.clock, ctx.transport, worker=ctx.worker, on_sent=ctx.on_sent,
        stopping=ctx.stopping,
    )
    if report.claimed:
        log.info("dispatch: claimed %d, %s", report.claimed, dict(report.outcomes))


JOBS: list[DaemonJob] = [
    DaemonJob("plan", lambda c: c.sending.tick_seconds, plan_job),
    DaemonJob("dispatch", lambda c: c.sending.tick_seconds, dispatch_job),
]


def build_scheduler(ctx: AppContext, jobs: list[DaemonJob] | None = None) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(jobstores={"default": MemoryJobStore()}, timezone="UTC")
    for job in JOBS if jobs is None else jobs:

        async def tick(job: DaemonJob = job) -> None:
            if not ctx.stopping.is_set():
                await ctx.shielded(job.run(ctx))

        scheduler.add_job(
            tick, "interval", seconds=job.every(ctx.config), id=job.name, name=job.name,
            max_instances=1, coalesce=True, misfire_grace_time=max(30, int(job.every(ctx.config) * 4)),
            next_run_time=datetime.now(UTC),  # first tick at start-up, not one interval later
        )
    return scheduler


def lint_errors(config: Config) -> list[Finding]:
    """Error-severity lint findings of every campaign's templates: `outreach run` refuses to
    start on them (a pitch that breaks a rule marked error must not go out unattended)."""
    findings = [f for c in list_campaigns(config) for f in lint_campaign(config, c.slug)]
    return [f for f in findings if has_errors([f])]


async def run_daemon(ctx: AppContext, *, once: bool) -> int:
    """The daemon's life: one pass of every job (--once), or ticks until SIGINT/SIGTERM."""
    try:
        if once:
            for job in JOBS:
                await ctx.shielded(job.run(ctx))
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        # A tick that runs until idle overlaps the next ones by design (max_instances=1 skips
        # them); APScheduler would log each skip.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        scheduler = build_scheduler(ctx)
        scheduler.start()
        log.info("outreach run: worker %s started (%s)", ctx.worker, ", ".join(j.name for j in JOBS))
        await stop.wait()
        log.info("stopping: no new claims; finishing transactions in flight")
        await ctx.drain()
        scheduler.shutdown(wait=False)
        return 0
    finally:
        released = release_worker(ctx.engine, ctx.config, ctx.clock, ctx.worker)
        if released:
            log.info("released %d unstarted claim(s)", released)
        await ctx.transport.close()
