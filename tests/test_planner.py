"""The plan job's worker process (`[sending] planner = "process"`): it plans into the same
database as the daemon, its log lines reach the daemon's loggers, a dead worker is replaced,
and it never outlives the daemon (SIGTERM drains it; SIGKILL of the daemon makes it exit)."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from outreach.clock import FixedClock
from outreach.daemon.planner import ProcessPlanner
from outreach.daemon.run import AppContext, plan_job, run_daemon
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store.schema import enrollment, outbox
from outreach.transport.sink import CaptureSink
from outreach.transport.smtp import SmtpTransport
from tests.support.daemon import outreach, wait_until, write_config
from tests.support.sequence import (
    ENROLLED,
    TUE_0905_UTC,
    add_influencer,
    enrolled,
    main_mailbox,
    make_workspace,
)
from tests.support.smtp import with_bytes


@pytest.fixture
def planner_of() -> Iterator[list[ProcessPlanner]]:
    made: list[ProcessPlanner] = []
    yield made
    for planner in made:
        planner.close()


def test_the_worker_process_queues_the_due_steps(
    db: Engine, tmp_path: Path, planner_of: list[ProcessPlanner]
) -> None:
    config = enrolled(db, tmp_path)
    planner = ProcessPlanner(config)
    planner_of.append(planner)
    assert asyncio.run(planner.plan(TUE_0905_UTC, 100)) == 2
    assert planner.worker_pids and os.getpid() not in planner.worker_pids
    with db.connect() as conn:
        rows = conn.execute(with_bytes()).all()
        taken = conn.execute(select(enrollment.c.next_due_at)).scalars().all()
    assert [(r.state, r.step) for r in rows] == [("queued", 1), ("queued", 1)]
    assert all(b"Message-ID: <" in r.raw for r in rows)
    assert taken == [None, None]  # handed to the outbox
    assert asyncio.run(planner.plan(TUE_0905_UTC, 100)) == 0  # nothing twice


def test_the_workers_warnings_reach_the_daemons_log(
    db: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture, planner_of: list[ProcessPlanner]
) -> None:
    config = enrolled(db, tmp_path, ("hanako",))
    pitch = tmp_path / "templates" / "pitch.ja.j2"
    pitch.write_text(
        pitch.read_text(encoding="utf-8") + "{{ no_such_variable }}\n", encoding="utf-8"
    )
    planner = ProcessPlanner(config)
    planner_of.append(planner)
    with caplog.at_level(logging.INFO, logger="outreach"):
        assert asyncio.run(planner.plan(TUE_0905_UTC, 100)) == 0
        assert wait_until(lambda: any("not composed" in r.getMessage() for r in caplog.records), 5)
    record = next(r for r in caplog.records if "not composed" in r.getMessage())
    assert record.name == "outreach.services.send.plan" and record.levelno == logging.WARNING
    assert record.process != os.getpid() and "no_such_variable" in record.getMessage()
    with db.connect() as conn:
        assert conn.execute(select(enrollment.c.status)).scalar_one() == "error"


def test_a_dead_worker_is_replaced(
    db: Engine, tmp_path: Path, planner_of: list[ProcessPlanner], caplog: pytest.LogCaptureFixture
) -> None:
    config = enrolled(db, tmp_path)
    planner = ProcessPlanner(config)
    planner_of.append(planner)
    assert (
        asyncio.run(planner.plan(ENROLLED, 100)) == 0
    )  # started; nothing due yet on Monday's holiday
    [first] = planner.worker_pids
    os.kill(first, signal.SIGKILL)
    assert wait_until(lambda: not _alive(first), 5)
    with caplog.at_level(logging.WARNING, logger="outreach"):
        assert asyncio.run(planner.plan(TUE_0905_UTC, 100)) == 2
    assert planner.worker_pids and planner.worker_pids != [first]
    assert "worker process died" in caplog.text


def _alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by its parent, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (
        OSError
    ):  # gone before the open (FileNotFoundError) or reaped between open and read (ESRCH)
        return False


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@needs_proc
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_the_worker_never_outlives_the_daemon(sqlite_db: Engine, tmp_path: Path, sig: int) -> None:
    """SIGTERM: the daemon drains and shuts its worker down, exit 0. SIGKILL: nobody shuts the
    worker down; it sees its parent gone and exits by itself."""
    config = write_config(tmp_path, 9, sqlite_db.url.render_as_string(hide_password=False))
    daemon = outreach(config, "run")
    assert wait_until(
        lambda: any("spawn_main" in _cmdline(c) for c in _children(daemon.proc.pid)), 30
    ), "no worker process started"
    left = _children(daemon.proc.pid)  # the worker, and multiprocessing's resource tracker
    daemon.signal(sig)
    code, err = daemon.wait(30)
    assert code == (0 if sig == signal.SIGTERM else -signal.SIGKILL), err
    assert wait_until(lambda: not any(_alive(pid) for pid in left), 5), (
        f"outlived the daemon: {[_cmdline(pid) for pid in left if _alive(pid)]}"
    )


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_what_the_plan_job_queues_goes_out_in_the_same_tick(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    """The plan job hands each batch to dispatch as it lands: with a one-minute tick and batches
    of two, five due steps are all sent within seconds of start-up, not a tick per batch."""
    handles = ("hanako", "yui", "mio", "rin", "sora")
    with CaptureSink(tmp_path / "sent") as sink:
        url = sqlite_db.url.render_as_string(hide_password=False)
        mailboxes = main_mailbox(
            limits={"daily_cap": 50, "min_gap_seconds": 0, "jitter_seconds": 0}
        )
        mailboxes["main"]["smtp"]["port"] = sink.port
        config = make_workspace(
            tmp_path,
            mailboxes=mailboxes,
            database={"url": url},
            sending={"tick_seconds": 60, "batch_size": 2, "jitter_seconds": 0, "planner": "thread"},
        )
        for handle in handles:
            add_influencer(sqlite_db, handle)
        enroll(
            sqlite_db,
            config,
            "spring",
            EnrollFilters(),
            dry_run=False,
            now=ENROLLED,
            rng=random.Random(3),
        )
        ctx = AppContext(
            config, sqlite_db, FixedClock(TUE_0905_UTC), SmtpTransport(config.mailboxes)
        )

        async def go() -> float:
            stop = asyncio.Event()
            daemon = asyncio.create_task(run_daemon(ctx, once=False, stop=stop))
            started = time.monotonic()
            while sink.handler.accepted < len(handles) and time.monotonic() - started < 20:
                await asyncio.sleep(0.05)
            took = time.monotonic() - started
            stop.set()
            assert await daemon == 0
            return took

        took = asyncio.run(go())
    assert (
        sink.handler.accepted == len(handles) and took < 20
    )  # a tick per batch would take minutes
    with sqlite_db.connect() as conn:
        assert sorted(conn.execute(select(outbox.c.state)).scalars()) == ["sent"] * len(handles)


def test_the_plan_job_starts_small_and_doubles_up_to_the_batch_size(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    """Sending can start after the first hundred renders: batches of 100, 200, then batch_size."""
    config = make_workspace(
        tmp_path,
        mailboxes=main_mailbox(),
        database={"url": str(sqlite_db.url)},
        sending={"batch_size": 300},
    )
    asked: list[int] = []

    class Counting:  # stands in for the worker: what matters here is what plan_job asks of it
        async def plan(self, now: datetime, limit: int) -> int:
            asked.append(limit)
            return limit if len(asked) < 4 else 7

        def close(self) -> None:
            pass

    ctx = AppContext(
        config,
        sqlite_db,
        FixedClock(TUE_0905_UTC),
        SmtpTransport(config.mailboxes),
        planner=Counting(),
    )
    asyncio.run(plan_job(ctx))
    assert asked == [100, 200, 300, 300]
    assert ctx.queued.is_set() and not ctx.planning


def holiday_tables_loaded() -> bool:
    return "holidays.countries" in sys.modules


def test_both_processes_load_the_holiday_tables_at_start_up(
    sqlite_db: Engine, tmp_path: Path, planner_of: list[ProcessPlanner]
) -> None:
    """`holidays` imports every country at its first lookup (about 0.15 s). Paid inside a tick,
    it stalled the daemon's event loop (the first settle) and delayed the first batch; the
    daemon and its worker pay it while they start instead."""
    config = make_workspace(
        tmp_path, mailboxes=main_mailbox(), database={"url": str(sqlite_db.url)}
    )
    code = (
        "import sys\n"
        "from outreach.clock import SystemClock\n"
        "from outreach.config import load_config\n"
        "from outreach.daemon.run import AppContext\n"
        "from outreach.store.session import make_engine\n"
        "from outreach.transport.smtp import SmtpTransport\n"
        f"config = load_config({str(tmp_path / 'config.toml')!r})\n"
        "assert 'holidays.countries' not in sys.modules\n"
        f"AppContext(config, make_engine({str(sqlite_db.url)!r}), SystemClock(), SmtpTransport(config.mailboxes))\n"
        "print('holidays.countries' in sys.modules)\n"
    )
    daemon = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert daemon.stdout.strip() == "True", daemon.stderr
    planner = ProcessPlanner(config)
    planner_of.append(planner)

    async def in_worker() -> bool:
        await planner.plan(TUE_0905_UTC, 0)  # starts the worker, plans nothing
        return await asyncio.get_running_loop().run_in_executor(
            planner._pool, holiday_tables_loaded
        )

    assert asyncio.run(in_worker())
