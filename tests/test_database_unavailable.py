"""A database that cannot be used for a while delays the daemon; it loses nothing.

On SQLite, another process can hold the write lock past the busy timeout (a large `outreach
import` is one transaction); PostgreSQL can restart, fail over or refuse connections. A group
commit that nothing of ran (refused at BEGIN, or its connection lost before its first statement)
keeps its results and retries, so a message the server accepted is recorded `sent`, never left to
become `unknown`; a job that cannot reach the database is a warning and the next tick does the
work; `run --once` says so with exit status 75. A one-click unsubscribe waits, and when it
cannot it answers 503 with Retry-After instead of dropping the opt-out in silence.
Real aiosmtpd and HTTP on 127.0.0.1, real SQLite files, the machine's PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from outreach.clock import FixedClock
from outreach.config import Config
from outreach.daemon.run import EX_TEMPFAIL, AppContext, run_daemon
from outreach.domain.optout import sign_unsubscribe
from outreach.services.public import endpoint as unsubscribe
from outreach.services.send.dispatch import DispatchReport, dispatch_once
from outreach.store import session
from outreach.store.queries.suppression import is_suppressed
from outreach.store.schema import attempt
from outreach.store.session import make_engine, migrate
from outreach.transport.smtp import SmtpTransport
from tests.support import inbox as fixtures_inbox
from tests.support.db import PG_ADMIN_URL, sqlite_engine
from tests.support.net import free_port
from tests.support.smtp import T0, make_config, outbox_states, seed_outbox, smtp_server
from tests.support.unsubscribe import KEY, ONE_CLICK, request

__all__ = ["smtp_server"]

ROWS = 8
BUSY_MS = 100  # the daemon's busy timeout here (10 s in production): the lock is held past it


class Importer:
    """Another process's long write transaction: BEGIN IMMEDIATE on its own connection."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)

    def hold(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("COMMIT")


def one_pass(engine: Engine, config: Config) -> DispatchReport:
    """One dispatch pass, as the daemon's dispatch job runs it."""

    async def go() -> DispatchReport:
        transport = SmtpTransport(config.mailboxes)
        try:
            return await dispatch_once(
                engine, config, FixedClock(T0), transport, worker="w1", rng=random.Random(1)
            )
        finally:
            await transport.close()

    return asyncio.run(go())


@pytest.fixture
def busy_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setattr(session, "BUSY_TIMEOUT_MS", BUSY_MS)  # read when each connection opens
    engine = sqlite_engine(tmp_path / "outreach.db")
    yield engine
    engine.dispose()


def test_accepted_messages_are_recorded_sent_after_the_lock_is_released(
    busy_db: Engine, tmp_path: Path, smtp_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sink, handler = smtp_server
    config = make_config(tmp_path, sink.port, smtp={"connections": 2})
    seed_outbox(busy_db, ROWS)
    importer = Importer(tmp_path / "outreach.db")

    def import_starts(stored: int) -> None:
        # The first message is accepted; before its 250 reaches us, an import takes the lock
        # and keeps it for ten busy timeouts.
        if stored == 1:
            importer.hold()
            threading.Timer(10 * BUSY_MS / 1000, importer.release).start()

    handler.script.after_data = import_starts

    with caplog.at_level(logging.WARNING, logger="outreach.send"):
        report = one_pass(busy_db, config)
    assert report.sent == ROWS
    assert outbox_states(busy_db) == {"sent": ROWS}  # none `sending` (unknown later) or `claimed`
    assert sorted(handler.message_ids()) == sorted(
        f"<m{i}@sakura.test>" for i in range(ROWS)
    )  # each once
    with busy_db.connect() as conn:
        assert conn.execute(select(attempt.c.outcome)).scalars().all() == ["sent"] * ROWS
    said = caplog.text
    assert (
        "locked by another writer" in said
        and "retrying" in said
        and "database available again" in said
    )


def test_the_retry_gives_up_at_the_lease_and_the_rows_stay_fenced(
    busy_db: Engine, tmp_path: Path, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lock that outlasts the claim lease: the group commit stops retrying and raises, as before;
    # the accepted message is left `sending` (so `unknown` when the reaper comes), never resent.
    sink, handler = smtp_server
    config = make_config(
        tmp_path, sink.port, smtp={"connections": 1}, sending={"lease_seconds": 0.5}
    )
    seed_outbox(busy_db, 2)
    importer = Importer(tmp_path / "outreach.db")
    handler.script.after_data = lambda stored: importer.hold() if stored == 1 else None

    with pytest.raises(Exception, match="database is locked"):
        one_pass(busy_db, config)
    importer.release()
    assert len(handler.received) == 1
    assert outbox_states(busy_db) == {"sending": 1, "claimed": 1}


def test_a_job_refused_by_the_lock_warns_and_run_once_exits_75(
    busy_db: Engine, tmp_path: Path, smtp_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sink, handler = smtp_server
    config = make_config(tmp_path, sink.port)
    seed_outbox(busy_db, 3)
    importer = Importer(tmp_path / "outreach.db")

    def once() -> int:
        ctx = AppContext(config, busy_db, FixedClock(T0), SmtpTransport(config.mailboxes))
        return asyncio.run(run_daemon(ctx, once=True))

    importer.hold()
    with caplog.at_level(logging.WARNING):
        assert once() == EX_TEMPFAIL
    importer.release()
    assert "stayed locked by another writer" in caplog.text
    assert "Traceback" not in caplog.text
    assert handler.received == [] and outbox_states(busy_db) == {"queued": 3}
    assert once() == 0  # the lock is gone: the next run does the work
    assert len(handler.received) == 3 and outbox_states(busy_db) == {"sent": 3}


def test_busy_is_told_apart_from_other_database_errors(busy_db: Engine, tmp_path: Path) -> None:
    importer = Importer(tmp_path / "outreach.db")
    importer.hold()
    try:
        with pytest.raises(Exception) as refused, session.writing(busy_db):
            pass
    finally:
        importer.release()
    assert session.is_busy(refused.value) and refused.value.statement.startswith(
        "BEGIN"
    )  # refused at BEGIN
    with pytest.raises(Exception) as other, session.writing(busy_db) as conn:
        conn.exec_driver_sql("SELECT * FROM no_such_table")
    assert not session.is_busy(other.value)
    assert not session.is_busy(RuntimeError("database is locked"))


def _endpoint(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> unsubscribe.ServerHandle:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", KEY)
    config = fixtures_inbox.make_config(
        tmp_path, {"source": "none"}, unsubscribe={"listen": f"127.0.0.1:{free_port()}"}
    )
    return unsubscribe.start_unsubscribe_server(engine, config, FixedClock(T0))


def _suppressed(engine: Engine, address: str) -> bool:
    with engine.connect() as conn:
        return is_suppressed(conn, address)


def test_one_click_unsubscribe_waits_for_the_lock(
    busy_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = _endpoint(busy_db, tmp_path, monkeypatch)
    fixtures_inbox.enrol(busy_db, "taro@example.jp", message_id="<p1@brand.example>")
    token = sign_unsubscribe(KEY, campaign="spring", email="taro@example.jp")
    importer = Importer(tmp_path / "outreach.db")
    importer.hold()
    threading.Timer(5 * BUSY_MS / 1000, importer.release).start()
    try:
        status, text, _ = request(handle, "POST", token, ONE_CLICK)
    finally:
        handle.stop()
    assert status == 200 and "unsubscribed" in text
    assert _suppressed(busy_db, "taro@example.jp")


def test_one_click_unsubscribe_that_cannot_be_recorded_answers_503_and_a_retry_records_it(
    busy_db: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(unsubscribe, "BUSY_WAIT_SECONDS", 3 * BUSY_MS / 1000)
    handle = _endpoint(busy_db, tmp_path, monkeypatch)
    fixtures_inbox.enrol(busy_db, "taro@example.jp", message_id="<p1@brand.example>")
    token = sign_unsubscribe(KEY, campaign="spring", email="taro@example.jp")
    importer = Importer(tmp_path / "outreach.db")
    importer.hold()
    try:
        with caplog.at_level(logging.ERROR, logger="outreach.services.public.endpoint"):
            status, text, resp = request(handle, "POST", token, ONE_CLICK)
        assert status == 503 and resp.getheader("Retry-After") == "60" and "try again" in text
        assert (
            "not recorded, answered 503" in caplog.text
            and "taro" not in caplog.text
            and token not in caplog.text
        )
        importer.release()
        assert not _suppressed(busy_db, "taro@example.jp")
        status, _, _ = request(handle, "POST", token, ONE_CLICK)  # the client's retry
    finally:
        handle.stop()
    assert status == 200 and _suppressed(busy_db, "taro@example.jp")


# --- PostgreSQL: a lost connection, a refused one ---------------------------------------------

CLOSED = "postgresql://postgres@127.0.0.1:9/test"  # nothing listens on the discard port


def test_a_postgres_connection_lost_mid_pass_is_reconnected_and_nothing_becomes_unknown(
    pg_url: str, tmp_path: Path, smtp_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The daemon's connection is terminated by the server (what a restart or failover does to
    # it) between the first message's final dot and its 250: the group commit that records it
    # finds the connection gone at its first statement, and tries again on a new one.
    app = f"outreach-test-{uuid.uuid4().hex[:8]}"
    url = f"{pg_url}&application_name={app}"
    engine = make_engine(url)
    migrate(engine)
    admin = make_engine(PG_ADMIN_URL)
    sink, handler = smtp_server
    config = make_config(tmp_path, sink.port, db_url=url, smtp={"connections": 2})
    seed_outbox(engine, ROWS)
    killed: list[int] = []

    def restart(stored: int) -> None:
        if stored == 1:
            with admin.begin() as conn:
                killed.extend(
                    conn.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :app"
                        ),
                        {"app": app},
                    ).scalars()
                )

    handler.script.after_data = restart

    try:
        with caplog.at_level(logging.WARNING, logger="outreach.send"):
            report = one_pass(engine, config)
        assert killed and all(killed)  # the pass's connection really was terminated
        assert report.sent == ROWS
        assert outbox_states(engine) == {"sent": ROWS}
        assert sorted(handler.message_ids()) == sorted(f"<m{i}@sakura.test>" for i in range(ROWS))
        with engine.connect() as conn:
            assert conn.execute(select(attempt.c.outcome)).scalars().all() == ["sent"] * ROWS
        assert "the database is unavailable (" in caplog.text and "retrying" in caplog.text
        assert "database available again" in caplog.text
    finally:
        engine.dispose()
        admin.dispose()


def test_run_once_with_postgres_refusing_connections_warns_and_exits_75(
    tmp_path: Path, smtp_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sink, _ = smtp_server
    config = make_config(tmp_path, sink.port, db_url=CLOSED)
    engine = make_engine(CLOSED)
    ctx = AppContext(config, engine, FixedClock(T0), SmtpTransport(config.mailboxes))
    with caplog.at_level(logging.WARNING):
        assert asyncio.run(run_daemon(ctx, once=True)) == EX_TEMPFAIL
    assert "the database is unavailable (connection failed" in caplog.text
    assert "Traceback" not in caplog.text


def test_one_click_unsubscribe_with_postgres_down_answers_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unsubscribe, "BUSY_WAIT_SECONDS", 1.5)
    monkeypatch.setattr(unsubscribe, "RECONNECT_PAUSE_SECONDS", 0.5)
    handle = _endpoint(make_engine(CLOSED), tmp_path, monkeypatch)
    try:
        status, _, resp = request(
            handle, "POST", sign_unsubscribe(KEY, campaign="spring", email="a@b.jp"), ONE_CLICK
        )
    finally:
        handle.stop()
    assert status == 503 and resp.getheader("Retry-After") == "60"
