"""`outreach run` as a real subprocess: failpoints, SIGKILL mid-batch, SIGTERM drain, two daemons."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.cli import cli
from outreach.failpoints import Failpoint
from outreach.store.queries.progress import pending_work
from outreach.store.schema import enrollment, outbox, stage_history
from outreach.transport.sink import CaptureSink
from tests.support.daemon import outreach, wait_until, write_config
from tests.support.smtp import (
    Script,
    ScriptedHandler,
    outbox_states,
    seed_outbox,
)

pytestmark = pytest.mark.slow
NOW = datetime.now(UTC)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[CaptureSink, ScriptedHandler]]:
    handler = ScriptedHandler()
    with CaptureSink(tmp_path / "sink", handler=handler) as sink:
        yield sink, handler


def sqlite_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_run_once_sends_and_status_shows_it(sqlite_db: Engine, tmp_path: Path, server: Any) -> None:
    sink, handler = server
    handler.script = Script(drop_after_dot=1)
    config = write_config(tmp_path, sink.port, sqlite_url(sqlite_db))
    seed_outbox(sqlite_db, 4, at=NOW)
    code, err = outreach(config, "run", "--once").wait(30)
    assert code == 0, err
    assert "sent id=" in err and "unknown" in err
    assert outbox_states(sqlite_db) == {"sent": 3, "unknown": 1}
    runner = CliRunner()
    out = runner.invoke(cli, ["--config", str(config), "status"])
    assert out.exit_code == 0, out.output
    assert "sent 3" in out.output and "unknown 1" in out.output and "100000" in out.output
    listed = runner.invoke(
        cli, ["--config", str(config), "outbox", "list", "--state", "unknown", "--format", "json"]
    )
    [line] = listed.output.splitlines()
    oid = __import__("json").loads(line)["id"]
    assert (
        runner.invoke(cli, ["--config", str(config), "outbox", "resend", str(oid)]).exit_code == 0
    )
    refused = runner.invoke(cli, ["--config", str(config), "outbox", "resend", str(oid)])
    assert refused.exit_code != 0 and "only unknown/failed" in str(refused.exception)
    raw = runner.invoke(cli, ["--config", str(config), "outbox", "show", str(oid), "--raw"])
    assert "Message-ID:" in raw.output


@pytest.mark.parametrize(
    ("failpoint", "final_state", "delivered"),
    [
        # lease expires -> queued -> sent once
        (Failpoint.AFTER_CLAIM, "sent", 1),
        # nothing transmitted: requeued, sent once
        (Failpoint.AFTER_RCPT, "sent", 1),
        # the dot went out: maybe delivered, never resent
        (Failpoint.BEFORE_DOT_REPLY, "unknown", 1),
        # accepted but not recorded: unknown, not resent
        (Failpoint.AFTER_250_BEFORE_COMMIT, "unknown", 1),
        # recorded `sent`, pass cut short: the next pass settles it
        (Failpoint.BEFORE_SETTLE, "sent", 1),
    ],
)
def test_failpoints_then_restart(
    sqlite_db: Engine,
    tmp_path: Path,
    server: Any,
    failpoint: Failpoint,
    final_state: str,
    delivered: int,
) -> None:
    sink, handler = server
    config = write_config(tmp_path, sink.port, sqlite_url(sqlite_db))
    [oid] = seed_outbox(sqlite_db, 1, at=NOW)
    code, err = outreach(config, "run", "--once", failpoint=failpoint).wait(30)
    assert code == 137, err
    time.sleep(2.2)  # leases: claimed 1 s, sending 1 s + data_timeout 1 s
    code, err = outreach(config, "run", "--once").wait(30)
    assert code == 0, err
    with sqlite_db.connect() as conn:
        assert (
            conn.execute(select(outbox.c.state).where(outbox.c.id == oid)).scalar_one()
            == final_state
        )
        if final_state == "sent":  # settled exactly once: contacted, one history row
            assert conn.execute(select(enrollment.c.stage)).scalar_one() == "contacted"
            assert conn.execute(select(stage_history.c.cause)).scalars().all() == ["sent"]
    assert wait_until(lambda: len(handler.received) == delivered, 2)
    assert len(handler.received) == delivered


def test_a_send_recorded_but_not_yet_settled_is_still_pending_work(
    sqlite_db: Engine, tmp_path: Path, server: Any
) -> None:
    """Between a pass's `sent` commit and its settle, the enrollment has nothing in flight
    and no due time; whoever waits for a campaign to finish (`outreach demo`) must not take
    that for the end of the sequence."""
    sink, _ = server
    config = write_config(tmp_path, sink.port, sqlite_url(sqlite_db))
    seed_outbox(sqlite_db, 1, at=NOW)
    code, err = outreach(config, "run", "--once", failpoint=Failpoint.BEFORE_SETTLE).wait(30)
    assert code == 137, err
    with sqlite_db.connect() as conn:
        assert outbox_states(sqlite_db) == {"sent": 1}
        assert conn.execute(select(enrollment.c.next_due_at)).scalar_one() is None
        assert pending_work(conn, now=datetime.now(UTC), horizon_seconds=60) == 1


def test_sigkill_mid_batch_then_restart_delivers_each_once_or_unknown(
    sqlite_db: Engine, tmp_path: Path, server: Any
) -> None:
    sink, handler = server
    config = write_config(tmp_path, sink.port, sqlite_url(sqlite_db))
    seed_outbox(sqlite_db, 300, at=NOW)
    proc = outreach(config, "run")
    assert wait_until(lambda: len(handler.received) >= 100, 30)
    proc.signal(signal.SIGKILL)
    proc.wait(10)
    time.sleep(2.2)
    code, err = outreach(config, "run", "--once").wait(60)
    assert code == 0, err
    ids = Counter(handler.message_ids())
    assert max(ids.values()) == 1
    with sqlite_db.connect() as conn:
        rows = conn.execute(select(outbox.c.message_id, outbox.c.state)).all()
    states = Counter(state for _, state in rows)
    assert set(states) <= {"sent", "unknown"}
    assert states["unknown"] <= 1  # at most the one transaction in flight at the kill
    assert {m for m, s in rows if s == "sent"} <= set(ids)


def test_sigterm_finishes_the_transaction_in_flight(
    sqlite_db: Engine, tmp_path: Path, server: Any
) -> None:
    sink, handler = server
    handler.script = Script(dot_delay=0.8)
    config = write_config(tmp_path, sink.port, sqlite_url(sqlite_db))
    seed_outbox(sqlite_db, 5, at=NOW)
    proc = outreach(config, "run")
    assert wait_until(lambda: handler.commands["DATA"] >= 1, 20)
    proc.signal(signal.SIGTERM)
    code, err = proc.wait(30)
    assert code == 0, err
    states = outbox_states(sqlite_db)
    assert states["sent"] == 1 and states["queued"] == 4, states
    assert len(handler.received) == 1


# 2,000 due messages: enough for two daemons to contend for the same rows for many passes
# (about 20 s per database here); OUTREACH_LOAD_N overrides.
LOAD_N = int(os.environ.get("OUTREACH_LOAD_N", "2000"))


def _two_daemons(
    url: str, engine: Engine, tmp_path: Path, port: int, handler: ScriptedHandler
) -> None:
    cap = LOAD_N
    config = write_config(tmp_path, port, url, lease=60, limits={"daily_cap": cap})
    seed_outbox(engine, cap + 50, at=NOW)
    procs = [outreach(config, "run"), outreach(config, "run")]
    try:
        assert wait_until(lambda: len(handler.received) >= cap, 100), len(handler.received)
        time.sleep(1.0)  # any excess would arrive now
    finally:
        for p in procs:
            p.signal(signal.SIGTERM)
        ends = [p.wait(30) for p in procs]
    assert [code for code, _ in ends] == [0, 0], ends[0][1][-2000:]
    errs = [err for _, err in ends]
    ids = Counter(handler.message_ids())
    assert len(ids) == cap and max(ids.values()) == 1  # no duplicates, none missed, cap held
    assert all("sent id=" in e for e in errs)  # both workers really sent
    assert outbox_states(engine) == {"sent": cap, "queued": 50}


def test_two_daemons_one_sqlite_file(sqlite_db: Engine, tmp_path: Path, server: Any) -> None:
    sink, handler = server
    _two_daemons(sqlite_url(sqlite_db), sqlite_db, tmp_path, sink.port, handler)


@pytest.mark.postgres
def test_two_daemons_on_postgresql(pg_db: Engine, pg_url: str, tmp_path: Path, server: Any) -> None:
    sink, handler = server
    _two_daemons(pg_url, pg_db, tmp_path, sink.port, handler)
