"""Sent-folder copies through real servers: dispatch sends into aiosmtpd, the sent-copy job
APPENDs to a real IMAP server (pymap; Dovecot where SPECIAL-USE is needed), on SQLite and
PostgreSQL. The copy is the bytes SMTP carried, marked \\Seen; a refused APPEND is retried on its
own schedule and never sends again; nothing is stored twice."""

from __future__ import annotations

import asyncio
import email
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.clock import FixedClock
from outreach.config import Config
from outreach.daemon.run import JOBS, AppContext, run_daemon
from outreach.errors import ConfigError
from outreach.services.send.dispatch import DispatchReport, dispatch_once
from outreach.services.send.outbox import status
from outreach.services.send.sent_copy import append_pass, keeps_copy, retry_failed
from outreach.store.queries import sent_copy as q
from outreach.store.schema import outbox, sent_copy
from outreach.store.session import writing
from outreach.transport.sink import CaptureSink
from outreach.transport.smtp import SmtpTransport
from tests.support.dovecot import running_dovecot
from tests.support.imap import PASSWORD_ENV, USER, ImapServer, running_imap
from tests.support.smtp import (
    T0,
    ScriptedHandler,
    config_data,
    outbox_states,
    seed_outbox,
    with_bytes,
)
from tests.support.workspace import config_from


def run_pass(engine: Engine, config: Config, clock: FixedClock) -> DispatchReport:
    """One dispatch pass through the real SMTP transport."""

    async def go() -> DispatchReport:
        transport = SmtpTransport(config.mailboxes)
        try:
            return await dispatch_once(engine, config, clock, transport, worker="w1")
        finally:
            await transport.close()

    return asyncio.run(go())


def row(engine: Engine, outbox_id: int) -> Any:
    """The outbox row with its message bytes (`raw`)."""
    with engine.connect() as conn:
        return conn.execute(with_bytes().where(outbox.c.id == outbox_id)).one()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[CaptureSink, ScriptedHandler]]:
    handler = ScriptedHandler()
    with CaptureSink(tmp_path / "sink", handler=handler) as sink:
        yield sink, handler


@pytest.fixture
def imap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ImapServer]:
    with running_imap(tmp_path, monkeypatch) as server:
        with server.client() as c:  # pymap's dict backend starts with INBOX alone
            c.create_folder("Sent")
        yield server


def make_config(
    tmp_path: Path, db: Engine, smtp_port: int, imap_port: int, **mailbox: Any
) -> Config:
    data = config_data(smtp_port, db_url=db.url.render_as_string(hide_password=False))
    data["mailboxes"]["main"]["inbox"] = {
        "source": "imap",
        "host": "127.0.0.1",
        "port": imap_port,
        "security": "none",
        "username": USER,
        "password_env": PASSWORD_ENV,
        "timeout": 5,
    }
    data["mailboxes"]["main"].update(mailbox)
    data["sent_copy"] = {"max_attempts": 3, "first_backoff_seconds": 60}
    return config_from(tmp_path, data)


def folder(server: Any, name: str) -> list[tuple[bytes, tuple[bytes, ...], Any]]:
    """Every message in `name`: (bytes, flags, internal date)."""
    with server.client() as c:
        c.select_folder(name, readonly=True)
        uids = c.search(["ALL"])
        data = c.fetch(uids, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"]) if uids else {}
    return [(d[b"BODY[]"], tuple(d[b"FLAGS"]), d[b"INTERNALDATE"]) for _, d in sorted(data.items())]


def ours(messages: list[tuple[bytes, tuple[bytes, ...], Any]]) -> list[tuple[bytes, Any, Any]]:
    """Of a folder's messages, those this test sent (pymap's demo data has others)."""
    return [m for m in messages if b"@sakura.test>" in m[0].split(b"\r\n\r\n", 1)[0]]


def copies(db: Engine) -> dict[int, Any]:
    with db.connect() as conn:
        return {r.outbox_id: r for r in conn.execute(select(sent_copy))}


def test_an_accepted_message_is_appended_with_the_bytes_smtp_sent_and_seen(
    db: Engine, tmp_path: Path, smtp: Any, imap: ImapServer
) -> None:
    sink, handler = smtp
    config = make_config(tmp_path, db, sink.port, imap.port, sent_folder="Sent")
    ids = seed_outbox(db, 3)
    clock = FixedClock(T0)
    assert run_pass(db, config, clock).sent == 3
    assert {c.state for c in copies(db).values()} == {"queued"}  # queued with the send

    report = append_pass(db, config, clock)
    assert (report.appended, report.retried, report.errors) == (3, 0, {})
    stored = ours(folder(imap, "Sent"))
    assert sorted(raw for raw, _, _ in stored) == sorted(handler.received)  # the exact bytes
    assert sorted(handler.received) == sorted(bytes(row(db, i).raw) for i in ids)
    assert all(b"\\Seen" in flags for _, flags, _ in stored)
    assert {date.date() for _, _, date in stored} == {T0.date()}  # internal date: the send
    assert {(c.state, c.folder, c.attempts) for c in copies(db).values()} == {
        ("appended", "Sent", 1)
    }
    assert append_pass(db, config, FixedClock(T0 + timedelta(hours=1))).appended == 0
    assert len(ours(folder(imap, "Sent"))) == 3
    assert status(db, config, clock).sent_copies == []


def test_a_refused_append_is_retried_later_without_sending_again(
    db: Engine, tmp_path: Path, smtp: Any, imap: ImapServer
) -> None:
    sink, handler = smtp
    config = make_config(tmp_path, db, sink.port, imap.port, sent_folder="Copies")
    [oid] = seed_outbox(db, 1)
    clock = FixedClock(T0)
    run_pass(db, config, clock)

    report = append_pass(db, config, clock)  # the folder does not exist: APPEND says NO
    assert (report.appended, report.retried) == (0, 1)
    copy = copies(db)[oid]
    assert (copy.state, copy.attempts) == ("queued", 1)
    assert "APPEND to 'Copies' refused" in copy.last_error
    assert row(db, oid).state == "sent"  # the outbox row is untouched
    [backlog] = status(db, config, clock).sent_copies
    assert (backlog.mailbox, backlog.queued, backlog.failed) == ("main", 1, 0)
    assert "refused" in backlog.last_error

    with imap.client() as c:
        c.create_folder("Copies")
    assert (
        append_pass(db, config, FixedClock(T0 + timedelta(seconds=5))).appended == 0
    )  # backing off
    clock.advance(timedelta(minutes=2))
    report = append_pass(db, config, clock)
    assert (report.appended, report.found) == (1, 0)
    assert [raw for raw, _, _ in folder(imap, "Copies")] == handler.received
    assert handler.commands["DATA"] == 1  # sent once, whatever the copy went through
    assert run_pass(db, config, clock).claimed == 0
    assert outbox_states(db) == {"sent": 1}
    assert copies(db)[oid].state == "appended"


def test_a_copy_whose_append_answer_was_lost_is_not_stored_twice(
    db: Engine, tmp_path: Path, smtp: Any, imap: ImapServer
) -> None:
    sink, _ = smtp
    config = make_config(tmp_path, db, sink.port, imap.port, sent_folder="Sent")
    [oid] = seed_outbox(db, 1)
    clock = FixedClock(T0)
    run_pass(db, config, clock)
    # A pass claimed the copy and its APPEND reached the server, then the process died before
    # the mark committed: the copy is in the folder, the row still queued under its lease.
    with writing(db) as conn:
        [claimed] = q.claim(conn, "main", clock.now(), lease_seconds=60, limit=10)
    imap.append([bytes(claimed.raw or b"")], folder="Sent")
    assert append_pass(db, config, clock).appended == 0  # leased: not taken again yet
    clock.advance(timedelta(minutes=2))
    report = append_pass(db, config, clock)
    assert (report.appended, report.found) == (0, 1)
    assert len(ours(folder(imap, "Sent"))) == 1
    assert (copies(db)[oid].state, copies(db)[oid].attempts) == ("appended", 2)


def test_attempts_are_bounded_then_failed_shows_in_status_and_can_be_retried(
    sqlite_db: Engine, tmp_path: Path, smtp: Any, imap: ImapServer
) -> None:
    sink, handler = smtp
    config = make_config(tmp_path, sqlite_db, sink.port, imap.port, sent_folder="Sent")
    [oid] = seed_outbox(sqlite_db, 1)
    clock = FixedClock(T0)
    run_pass(sqlite_db, config, clock)
    imap.stop()  # the IMAP server is down: every pass fails to connect
    for _ in range(3):  # sent_copy.max_attempts
        append_pass(sqlite_db, config, clock)
        clock.advance(timedelta(hours=1))
    copy = copies(sqlite_db)[oid]
    assert (copy.state, copy.attempts) == ("failed", 3)
    assert copy.last_error.startswith("gave up after 3 attempt(s): cannot log in to IMAP")
    assert row(sqlite_db, oid).state == "sent"
    [backlog] = status(sqlite_db, config, clock).sent_copies
    assert (backlog.queued, backlog.failed) == (0, 1)
    assert "gave up after 3" in backlog.last_error
    assert append_pass(sqlite_db, config, clock).failed == 0  # failed copies wait for an operator

    imap.start()  # a new in-memory server: make its Sent folder again
    with imap.client() as c:
        c.create_folder("Sent")
    assert retry_failed(sqlite_db, clock, "main") == 1
    assert append_pass(sqlite_db, config, clock).appended == 1
    assert (copies(sqlite_db)[oid].state, copies(sqlite_db)[oid].attempts) == ("appended", 2)
    assert len(ours(folder(imap, "Sent"))) == 1
    assert handler.commands["DATA"] == 1


def test_auto_on_a_server_without_special_use_takes_the_folder_named_sent(
    sqlite_db: Engine, tmp_path: Path, smtp: Any, imap: ImapServer
) -> None:
    """pymap marks no folder \\Sent (it has no SPECIAL-USE): auto falls back to the usual name."""
    sink, handler = smtp
    config = make_config(tmp_path, sqlite_db, sink.port, imap.port)  # sent_folder = "auto"
    with imap.client() as c:
        assert b"SPECIAL-USE" not in c.capabilities()
        assert not any(b"\\Sent" in flags for flags, _, _ in c.list_folders())
    seed_outbox(sqlite_db, 2)
    run_pass(sqlite_db, config, FixedClock(T0))
    assert append_pass(sqlite_db, config, FixedClock(T0)).appended == 2
    assert sorted(raw for raw, _, _ in ours(folder(imap, "Sent"))) == sorted(handler.received)


def test_auto_finds_the_folder_marked_sent_by_special_use(
    sqlite_db: Engine, tmp_path: Path, smtp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dovecot marks "Gesendet" \\Sent (RFC 6154); a plain folder named "Sent" is a decoy that
    the usual-name fallback would take."""
    sink, handler = smtp
    monkeypatch.setenv(PASSWORD_ENV, "demopass")
    with running_dovecot([("Gesendet", "\\Sent"), ("Sent", "")]) as server:
        config = make_config(tmp_path, sqlite_db, sink.port, server.port)
        seed_outbox(sqlite_db, 2)
        run_pass(sqlite_db, config, FixedClock(T0))
        assert append_pass(sqlite_db, config, FixedClock(T0)).appended == 2
        stored = server.messages("Gesendet")
        assert sorted(raw for raw, _ in stored) == sorted(handler.received)
        assert all(b"\\Seen" in flags for _, flags in stored)
        assert server.messages("Sent") == []
        assert {c.folder for c in copies(sqlite_db).values()} == {"Gesendet"}


def test_auto_appends_nothing_where_the_server_saves_sent_mail_itself(
    sqlite_db: Engine, tmp_path: Path, smtp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gmail: by its IMAP host, no copy is even queued; by its capability (X-GM-EXT-1, here
    announced by a Dovecot told to, as Gmail is not reachable from a test), queued copies are
    skipped. Both SMTP sends happen; nothing is appended."""
    sink, handler = smtp
    monkeypatch.setenv(PASSWORD_ENV, "demopass")
    data = config_data(sink.port, db_url="sqlite://")
    data["mailboxes"]["main"]["inbox"] = {"source": "imap", "host": "imap.gmail.com"}
    assert not keeps_copy(config_from(tmp_path, data).mailboxes["main"])
    data["mailboxes"]["main"]["sent_folder"] = "[Gmail]/Sent Mail"  # named: the operator's call
    assert keeps_copy(config_from(tmp_path, data).mailboxes["main"])

    with running_dovecot([("Sent", "\\Sent")], capabilities=["X-GM-EXT-1"]) as server:
        config = make_config(tmp_path, sqlite_db, sink.port, server.port)
        seed_outbox(sqlite_db, 2)
        run_pass(sqlite_db, config, FixedClock(T0))
        report = append_pass(sqlite_db, config, FixedClock(T0))
        assert (report.appended, report.skipped) == (0, 2)
        assert server.messages("Sent") == []
    assert {c.state for c in copies(sqlite_db).values()} == {"skipped"}
    assert len(handler.received) == 2


def test_mailboxes_without_a_sent_folder_queue_nothing(
    sqlite_db: Engine, tmp_path: Path, smtp: Any
) -> None:
    sink, _ = smtp
    data = config_data(sink.port, db_url=sqlite_db.url.render_as_string(hide_password=False))
    data["mailboxes"]["main"]["inbox"] = {"source": "maildir"}  # no IMAP: auto means none
    config = config_from(tmp_path, data)
    seed_outbox(sqlite_db, 1)
    assert run_pass(sqlite_db, config, FixedClock(T0)).sent == 1
    assert copies(sqlite_db) == {}
    data["mailboxes"]["main"]["sent_folder"] = "Sent"
    with pytest.raises(ConfigError, match="needs the mailbox's IMAP login"):
        config_from(tmp_path, data)


def test_the_daemon_appends_in_its_own_job_and_run_once_does_a_pass(
    sqlite_db: Engine, tmp_path: Path, smtp: Any, imap: ImapServer
) -> None:
    sink, handler = smtp
    config = make_config(tmp_path, sqlite_db, sink.port, imap.port, sent_folder="Sent")
    assert "sent_copy" in [j.name for j in JOBS]
    assert next(j for j in JOBS if j.name == "sent_copy").every(config) == 60.0
    seed_outbox(sqlite_db, 1)
    ctx = AppContext(
        config,
        sqlite_db,
        FixedClock(T0),
        SmtpTransport(config.mailboxes),
        on_sent=lambda conn, sent: None,
    )
    assert asyncio.run(run_daemon(ctx, once=True)) == 0
    assert [raw for raw, _, _ in ours(folder(imap, "Sent"))] == handler.received
    assert email.message_from_bytes(handler.received[0])["Message-ID"] == "<m0@sakura.test>"


def test_status_and_the_sent_copies_command_show_the_backlog(
    sqlite_db: Engine, tmp_path: Path, smtp: Any, imap: ImapServer
) -> None:
    from outreach.cli import cli
    from outreach.cli.send import _sent_copy_line

    sink, _ = smtp
    config = make_config(tmp_path, sqlite_db, sink.port, imap.port, sent_folder="Nowhere")
    seed_outbox(sqlite_db, 2)
    run_pass(sqlite_db, config, FixedClock(T0))
    append_pass(sqlite_db, config, FixedClock(T0))
    [backlog] = status(sqlite_db, config, FixedClock(T0)).sent_copies
    line = _sent_copy_line(backlog, None)
    assert line.startswith("sent folder main: 2 waiting (oldest ")
    assert "APPEND to 'Nowhere' refused" in line
    assert CliRunner().invoke(cli, ["outbox", "sent-copies", "--help"]).exit_code == 0


def test_forget_drops_the_copies_still_waiting(db: Engine, tmp_path: Path, smtp: Any) -> None:
    from outreach.store.queries.erasure import forget

    sink, _ = smtp
    config = make_config(tmp_path, db, sink.port, 9, sent_folder="Sent")  # no IMAP needed
    seed_outbox(db, 2)
    run_pass(db, config, FixedClock(T0))
    assert len(copies(db)) == 2
    with writing(db) as conn:
        forget(conn, "p0@d0.test", at=T0)
    assert [c.mailbox for c in copies(db).values()] == ["main"]  # p1's copy only
