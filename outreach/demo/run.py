"""`outreach demo`: the whole loop on a throw-away workspace, on the production code paths.

A sample workspace (`outreach init`), a capture SMTP server on 127.0.0.1 writing to a Maildir,
the sample roster imported, everyone eligible enrolled in the sample campaign, and the real
daemon (`outreach run`: plan, dispatch, inbox jobs) running until the sequence settles. Once
the pitches are out, four influencers "answer" into the workspace's Maildir inbox: a human
reply in Japanese, an out-of-office, an opt-out and a bounce. The daemon's inbox job reads them
like any mailbox, and their follow-ups stop or pause. Only the settings differ from production
(`outreach.demo_config`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from outreach.clock import Clock, SystemClock
from outreach.config import load_config
from outreach.daemon.run import AppContext, run_daemon
from outreach.demo.config import write_demo_config
from outreach.demo.mail import read_captured, script_replies
from outreach.services.roster.importer import ImportOptions, import_influencers, import_posts
from outreach.services.sequence.enroll import EnrollFilters, EnrollReport, enroll
from outreach.services.workspace.create import create_workspace
from outreach.store.queries.progress import pending_work, sent_pitches
from outreach.store.session import make_engine, reading
from outreach.transport.sink import CaptureSink
from outreach.transport.smtp import SmtpTransport

CAMPAIGN = "spring-serum"
SETTLE_HORIZON_SECONDS = 60  # work due further out (an out-of-office's return) is not waited for


@dataclass
class DemoRun:
    workspace: Path
    sent_maildir: Path
    enrolled: EnrollReport | None = None
    replies: list[tuple[str, str]] = field(default_factory=list)
    settled: bool = False


async def run_demo(
    workspace: Path, *, echo: Callable[[str], None], timeout: float = 120.0
) -> DemoRun:
    """Build the workspace, run the daemon until the sequence settles (or `timeout`)."""
    create_workspace(workspace, today=SystemClock().now().date())
    run = DemoRun(workspace, workspace / "sent-mail")
    sink = CaptureSink(run.sent_maildir).start()
    try:
        config = load_config(write_demo_config(workspace, smtp_port=sink.port))
        engine = make_engine(config.database_url)
        clock = SystemClock()
        echo(f"workspace: {workspace}")
        echo(f"capture SMTP server: 127.0.0.1:{sink.port} -> {run.sent_maildir}")
        for kind, load in (("influencers", import_influencers), ("posts", import_posts)):
            report = load(
                engine,
                workspace / "roster" / f"{kind}.csv",
                config=config,
                **({"clock": clock} if kind == "influencers" else {}),
                options=ImportOptions(),
            )
            echo(f"imported {report.inserted} {kind} from roster/{kind}.csv")
        run.enrolled = enroll(
            engine, config, CAMPAIGN, EnrollFilters(), dry_run=False, now=clock.now()
        )
        echo(
            f"enrolled {len(run.enrolled.enrolled)} in {CAMPAIGN} "
            f"(sequence {run.enrolled.sequence}: pitch, then two follow-ups seconds apart)"
        )
        for skipped in run.enrolled.skipped:
            echo(f"  skipped @{skipped.handle}: {skipped.reason}")
        ctx = AppContext(config, engine, clock, SmtpTransport(config.mailboxes))
        stop = asyncio.Event()
        daemon = asyncio.create_task(run_daemon(ctx, once=False, stop=stop))
        echo("daemon running (plan, dispatch and inbox jobs)...")
        try:
            await _watch(
                run,
                engine,
                clock,
                config.mailboxes["main"].inbox.path,
                len(run.enrolled.enrolled),
                echo=echo,
                timeout=timeout,
            )
        finally:
            stop.set()
            await daemon
        engine.dispose()
    finally:
        sink.stop()
    return run


async def _watch(
    run: DemoRun,
    engine: Engine,
    clock: Clock,
    inbox_path: str,
    enrolled: int,
    *,
    echo: Callable[[str], None],
    timeout: float,
) -> None:
    """Deliver the scripted replies once every pitch is out; return when nothing is due soon."""
    inbox = run.workspace / inbox_path
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        with reading(engine) as conn:
            pitches = sent_pitches(conn)
            pending = pending_work(conn, now=clock.now(), horizon_seconds=SETTLE_HORIZON_SECONDS)
        if not run.replies and pitches >= enrolled:
            captured = [c for c in read_captured(run.sent_maildir) if not c.in_thread]
            # Japanese recipients first: the scripted human reply is written in Japanese.
            order = sorted(captured, key=lambda c: (not c.to_addr.endswith(".jp"), c.to_addr))
            run.replies = script_replies(order, inbox, clock.now())
            for address, what in run.replies:
                echo(f"  {address} answers: {what}")
            continue
        if run.replies and not pending:
            run.settled = True
            return
    echo(f"timed out after {timeout:.0f}s with work still pending")
