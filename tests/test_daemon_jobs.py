"""The daemon in-process: the one-click unsubscribe endpoint lives and dies with `run_daemon`,
and APScheduler never runs an overrunning tick twice at once (max_instances=1 + our shielded
tasks). Real AsyncIOScheduler, real HTTP on 127.0.0.1, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import http.client
import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from outreach.clock import FixedClock
from outreach.config import Config
from outreach.daemon.run import AppContext, DaemonJob, build_scheduler, run_daemon
from outreach.domain.optout import sign_unsubscribe
from outreach.store.queries.suppression import is_suppressed
from outreach.store.session import reading
from outreach.transport.smtp import SmtpTransport
from tests.support.inbox import T0, enrol, make_config
from tests.support.net import free_port

KEY = "daemon-unsubscribe-key-0123456789"


def _context(engine: Engine, config: Config) -> AppContext:
    return AppContext(config, engine, FixedClock(T0), SmtpTransport(config.mailboxes))


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _post(port: int, token: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request(
        "POST",
        f"/unsubscribe?t={token}",
        body=b"List-Unsubscribe=One-Click",
        headers={"Host": "127.0.0.1", "Content-Type": "application/x-www-form-urlencoded"},
    )
    resp = conn.getresponse()
    text = resp.read().decode("utf-8")
    conn.close()
    return resp.status, text


def test_the_daemon_serves_one_click_unsubscribe_and_closes_it_on_shutdown(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", KEY)
    port = free_port()
    config = make_config(
        tmp_path, {"source": "none"}, unsubscribe={"serve": True, "listen": f"127.0.0.1:{port}"}
    )
    enrol(db, "taro@example.jp", message_id="<p1@brand.example>")
    token = sign_unsubscribe(KEY, campaign="spring", email="taro@example.jp")

    async def scenario() -> tuple[int, int, str]:
        stop = asyncio.Event()
        daemon = asyncio.create_task(run_daemon(_context(db, config), once=False, stop=stop))
        deadline = time.monotonic() + 10
        while not await asyncio.to_thread(_accepts, port):
            assert time.monotonic() < deadline and not daemon.done(), "endpoint never came up"
            await asyncio.sleep(0.05)
        status, text = await asyncio.to_thread(_post, port, token)
        stop.set()
        return await asyncio.wait_for(daemon, 10), status, text

    code, status, text = asyncio.run(scenario())
    assert (code, status) == (0, 200) and "unsubscribed" in text
    with reading(db) as conn:
        assert is_suppressed(conn, "taro@example.jp")
    assert not _accepts(port)


def test_no_endpoint_unless_serve_is_set(sqlite_db: Engine, tmp_path: Path) -> None:
    port = free_port()
    config = make_config(tmp_path, {"source": "none"}, unsubscribe={"listen": f"127.0.0.1:{port}"})

    async def scenario() -> tuple[int, bool]:
        stop = asyncio.Event()
        daemon = asyncio.create_task(run_daemon(_context(sqlite_db, config), once=False, stop=stop))
        await asyncio.sleep(0.3)
        listening = await asyncio.to_thread(_accepts, port)
        stop.set()
        return await asyncio.wait_for(daemon, 10), listening

    assert asyncio.run(scenario()) == (0, False)


def test_a_tick_overrunning_its_interval_never_runs_twice_at_once(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    config = make_config(tmp_path, {"source": "none"})
    ctx = _context(sqlite_db, config)
    running = 0
    most = 0
    runs = 0

    async def slow(_: AppContext) -> None:
        nonlocal running, most, runs
        running += 1
        runs += 1
        most = max(most, running)
        try:
            await asyncio.sleep(0.35)  # 3.5 intervals
        finally:
            running -= 1

    async def scenario() -> None:
        scheduler = build_scheduler(ctx, [DaemonJob("slow", lambda c: 0.1, slow)])
        scheduler.start()
        await asyncio.sleep(1.3)
        scheduler.shutdown(wait=False)  # cancels the job's coroutine; our task runs on
        await ctx.drain()
        await ctx.transport.close()

    asyncio.run(scenario())
    assert most == 1
    assert 2 <= runs <= 5  # it kept ticking: overruns were skipped, not queued or doubled
    assert running == 0  # the tick in flight at shutdown finished its work
