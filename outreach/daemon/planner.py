"""Where the plan job renders: a thread of the daemon, or a worker process beside it.

Rendering (Jinja2, building the 7-bit message, queueing its bytes) is pure CPU. In a thread it
shares the interpreter lock with the sending loop, so a big batch slows every SMTP lane; in a
worker process it runs on another core while the loop sends (`[sending] planner = "process"`,
the default for `outreach run`). Both run the same `plan.plan_due` on the same database: the
worker has its own engine and `Composer`, and every durable effect is one write transaction of
`plan_due`, so a worker that dies mid-batch loses nothing (the batch is planned again).

The worker process is started by `spawn` (a fork of the threaded daemon could copy a held lock),
once, at the first plan tick, and:
- ignores SIGINT and SIGTERM: a Ctrl-C or a signal to the whole process group (systemd) lets the
  daemon drain, which lets the batch in flight finish and then shuts the worker down;
- exits by itself when the daemon dies without shutting it down (SIGKILL, OOM): it watches its
  parent, so no orphan keeps a database connection;
- logs through the daemon's own loggers (a queue back to a listener thread), so its warnings
  appear in the daemon's log, with the daemon's format and level;
- stops any one render that runs past `RENDER_SECONDS` (an alarm) and caps its own address space
  at its size after start-up plus `RENDER_MEMORY` (RLIMIT_AS): the template budgets
  (`outreach.render.sandbox`) stop every known bomb long before, and this backs them up. A render
  stopped either way fails that influencer's draft (`render error: ... (influencer @handle)`,
  the enrollment marked `error`) and the batch carries on with the others.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import logging.handlers
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine

from outreach.clock import FixedClock
from outreach.config import Config
from outreach.domain.windows import load_holiday_tables
from outreach.render.compose import Composer
from outreach.render.sandbox import install_hard_limits
from outreach.services.lint.gate import LintGate
from outreach.services.send import plan
from outreach.store.session import make_engine

log = logging.getLogger("outreach.daemon.planner")

ORPHAN_CHECK_SECONDS = 0.5
RENDER_SECONDS = 2.0  # one render takes well under a millisecond
RENDER_MEMORY = 1024 * 1024 * 1024  # address space the worker may add after start-up


class Planner(Protocol):
    async def plan(self, now: datetime, limit: int) -> int: ...

    def close(self) -> None: ...


class ThreadPlanner:
    """`plan_due` in a thread of the daemon's process (`run --once`, `planner = "thread"`)."""

    def __init__(
        self, engine: Engine, config: Config, composer: Composer, *, lint_gate: bool = False
    ) -> None:
        self.engine, self.config, self.composer = engine, config, composer
        self.gate = LintGate() if lint_gate else None

    async def plan(self, now: datetime, limit: int) -> int:
        return await asyncio.to_thread(
            functools.partial(
                plan.plan_due,
                self.engine,
                self.config,
                FixedClock(now),
                self.composer,
                limit=limit,
                gate=self.gate,
            )
        )

    def close(self) -> None:
        pass


class ProcessPlanner:
    """`plan_due` in one worker process, started at the first call and kept for the daemon's
    life."""

    def __init__(
        self,
        config: Config,
        *,
        render_seconds: float = RENDER_SECONDS,
        render_memory: int | None = RENDER_MEMORY,
        lint_gate: bool = False,
    ) -> None:
        self.config = config
        self.lint_gate = lint_gate
        self.render_limits = (render_seconds, render_memory)
        self._pool: ProcessPoolExecutor | None = None
        self._listener: logging.handlers.QueueListener | None = None

    def _start(self) -> ProcessPoolExecutor:
        spawn = multiprocessing.get_context("spawn")
        records: Any = spawn.Queue()
        self._listener = logging.handlers.QueueListener(records, _ToOwnLoggers())
        self._listener.start()
        level = logging.getLogger("outreach").getEffectiveLevel()
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=spawn,
            initializer=_worker_start,
            initargs=(self.config, os.getpid(), records, level, self.render_limits, self.lint_gate),
        )

    async def plan(self, now: datetime, limit: int) -> int:
        """One batch in the worker. A worker that died (killed, out of memory) is replaced and
        the batch planned again once: what it was writing was rolled back, and planning is
        idempotent (`plan_due`). A second death in a row is raised (the next tick tries again)."""
        for last in (False, True):
            if self._pool is None:
                self._pool = self._start()
            try:
                return await asyncio.get_running_loop().run_in_executor(
                    self._pool, _worker_plan, now, limit
                )
            except BrokenProcessPool:
                self.close()
                if last:
                    raise
                log.warning("the planner's worker process died; starting a new one")
        raise AssertionError("unreachable")

    @property
    def worker_pids(self) -> list[int]:
        """The worker's process id once started, else none (for tests and diagnostics)."""
        return list(self._pool._processes) if self._pool is not None else []

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()


def make_planner(
    engine: Engine, config: Config, composer: Composer, *, once: bool, lint_gate: bool = False
) -> Planner:
    """The planner `[sending] planner` asks for; a one-pass run (`--once`) renders in a thread,
    since starting a process costs more than the one batch it would render. With `lint_gate`,
    a campaign with lint errors is held on every pass until fixed."""
    if config.sending.planner == "process" and not once:
        return ProcessPlanner(config, lint_gate=lint_gate)
    return ThreadPlanner(engine, config, composer, lint_gate=lint_gate)


class _ToOwnLoggers(logging.Handler):
    """In the daemon: a record from the worker goes through the daemon's logger of that name."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


# --- in the worker process ---------------------------------------------------------------

_worker: tuple[Engine, Config, Composer, LintGate | None] | None = None


def _worker_start(
    config: Config,
    parent: int,
    records: Any,
    level: int,
    render_limits: tuple[float, int | None],
    lint_gate: bool = False,
) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(
        target=_exit_when_orphaned, args=(parent,), name="orphan-watch", daemon=True
    ).start()
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    root.setLevel(level)
    load_holiday_tables()  # part of the worker's start-up, not of its first batch
    _worker = (
        make_engine(config.database_url),
        config,
        Composer(config),
        LintGate() if lint_gate else None,
    )
    install_hard_limits(*render_limits)  # last: the address space cap counts from here


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(0)  # the daemon is gone; a plan transaction cut short here is rolled back whole


def _worker_plan(now: datetime, limit: int) -> int:
    assert _worker is not None, "the planner process was not initialised"
    engine, config, composer, gate = _worker
    return plan.plan_due(engine, config, FixedClock(now), composer, limit=limit, gate=gate)
