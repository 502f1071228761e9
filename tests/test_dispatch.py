"""Dispatch against a real aiosmtpd server: retries, bounces, breaker, TLS, drops, stop checks."""

from __future__ import annotations

import ssl
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from sqlalchemy import Engine, select, update

from outreach.clock import FixedClock
from outreach.store.queries.suppression import is_suppressed
from outreach.store.schema import attempt, enrollment, mailbox, outbox, stage_history
from outreach.store.session import writing
from outreach.transport.sink import CaptureSink
from tests.support.dispatch import row, run_pass
from tests.support.smtp import (
    T0,
    Script,
    ScriptedHandler,
    make_config,
    outbox_states,
    password_authenticator,
    seed_outbox,
    smtp_server,
)

__all__ = ["smtp_server"]


def test_sends_stored_bytes_and_moves_prospect_to_contacted(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    config = make_config(
        tmp_path, sink.port, db_url=str(db.url.render_as_string(hide_password=False))
    )
    ids = seed_outbox(db, 5)
    report = run_pass(db, config, FixedClock(T0))
    assert report.sent == 5
    assert sorted(handler.received) == sorted(bytes(row(db, i).raw) for i in ids)
    assert outbox_states(db) == {"sent": 5}
    with db.connect() as conn:
        assert set(conn.execute(select(enrollment.c.stage)).scalars()) == {"contacted"}
        assert conn.execute(select(stage_history.c.cause)).scalars().all() == ["sent"] * 5
    assert run_pass(db, config, FixedClock(T0 + timedelta(hours=1))).claimed == 0


def test_451_then_421_then_success_sends_identical_bytes_once(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(data=["451 4.3.0 try later"], mail=[None, "421 4.7.0 closing"])
    config = make_config(tmp_path, sink.port)
    [oid] = seed_outbox(sqlite_db, 1)
    clock = FixedClock(T0)
    for _ in range(3):
        run_pass(sqlite_db, config, clock)
        clock.advance(timedelta(minutes=15))
    r = row(sqlite_db, oid)
    assert (r.state, r.attempt) == ("sent", 3)
    assert handler.received == [bytes(r.raw)]
    assert handler.commands["DATA"] == 2


def test_hard_bounce_suppresses_and_stops_without_retry(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(
        rcpt=lambda a: "550 5.1.1 User unknown" if a.startswith("p0@") else None
    )
    config = make_config(tmp_path, sink.port, db_url=db.url.render_as_string(hide_password=False))
    ids = seed_outbox(db, 2)
    run_pass(db, config, FixedClock(T0))
    assert row(db, ids[0]).state == "failed" and row(db, ids[1]).state == "sent"
    with db.connect() as conn:
        assert is_suppressed(conn, "p0@d0.test")
        stopped = conn.execute(
            select(enrollment.c.status, enrollment.c.stage).where(
                enrollment.c.id == row(db, ids[0]).enrollment_id
            )
        ).one()
    assert tuple(stopped) == ("stopped", "bounced")
    assert run_pass(db, config, FixedClock(T0 + timedelta(hours=2))).claimed == 0
    assert handler.commands["RCPT"] == 2


def test_relaying_denied_pauses_mailbox_and_bounces_nobody(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(rcpt=lambda a: "550 5.7.1 Relaying denied")
    config = make_config(tmp_path, sink.port)
    seed_outbox(sqlite_db, 20, domains=10)
    run_pass(sqlite_db, config, FixedClock(T0))
    assert handler.commands["RCPT"] == 3  # breaker_threshold
    assert outbox_states(sqlite_db) == {"queued": 20}
    with sqlite_db.connect() as conn:
        mb = conn.execute(select(mailbox)).one()
        assert mb.paused_until is not None and "5.7.1 Relaying denied" in mb.pause_reason
        assert set(conn.execute(select(enrollment.c.stage)).scalars()) == {"prospect"}
        assert not is_suppressed(conn, "p1@d1.test")
    assert run_pass(sqlite_db, config, FixedClock(T0 + timedelta(minutes=5))).claimed == 0


def test_bad_credentials_send_no_mail_from_and_pause(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = ScriptedHandler()
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong-secret-value")
    with CaptureSink(
        tmp_path / "s",
        handler=handler,
        authenticator=password_authenticator("pr", "right"),
        auth_require_tls=False,
    ) as sink:
        config = make_config(
            tmp_path, sink.port, smtp={"username": "pr", "password_env": "TEST_SMTP_PASSWORD"}
        )
        seed_outbox(sqlite_db, 5)
        run_pass(sqlite_db, config, FixedClock(T0))
    assert handler.commands["MAIL"] == 0
    assert outbox_states(sqlite_db) == {"queued": 5}
    with sqlite_db.connect() as conn:
        reason = conn.execute(select(mailbox.c.pause_reason)).scalar_one()
    assert reason.startswith("authentication failed: 535") and "wrong-secret-value" not in reason


def test_right_credentials_authenticate(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = ScriptedHandler()
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "right")
    with CaptureSink(
        tmp_path / "s",
        handler=handler,
        authenticator=password_authenticator("pr", "right"),
        auth_require_tls=False,
        auth_required=True,
    ) as sink:
        config = make_config(
            tmp_path, sink.port, smtp={"username": "pr", "password_env": "TEST_SMTP_PASSWORD"}
        )
        seed_outbox(sqlite_db, 2)
        assert run_pass(sqlite_db, config, FixedClock(T0)).sent == 2


def test_starttls_required_fails_against_a_server_without_it(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    config = make_config(
        tmp_path,
        sink.port,
        smtp={
            "host": "localhost",
            "security": "starttls",
            "username": "pr",
            "password_env": "NOPE",
        },
    )
    seed_outbox(sqlite_db, 1)
    run_pass(sqlite_db, config, FixedClock(T0))
    assert handler.commands["MAIL"] == 0 and handler.received == []
    with sqlite_db.connect() as conn:
        assert "STARTTLS" in conn.execute(select(attempt.c.server_text)).scalar_one()
    assert outbox_states(sqlite_db) == {"queued": 1}


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_server(tmp_path: Path, ca: trustme.CA, handler: ScriptedHandler) -> CaptureSink:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(ctx)
    return CaptureSink(tmp_path / "s", handler=handler, tls_context=ctx, require_starttls=True)


@pytest.mark.parametrize(("host", "delivered"), [("localhost", 1), ("127.0.0.1", 0)])
def test_starttls_verifies_against_a_private_ca_and_the_hostname(
    sqlite_db: Engine, tmp_path: Path, ca: trustme.CA, host: str, delivered: int
) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    handler = ScriptedHandler()
    with _tls_server(tmp_path, ca, handler) as sink:
        config = make_config(
            tmp_path,
            sink.port,
            smtp={"host": host, "security": "starttls", "ca_file": str(ca_file)},
        )
        seed_outbox(sqlite_db, 1)
        run_pass(sqlite_db, config, FixedClock(T0))
    assert len(handler.received) == delivered  # 127.0.0.1 is not in the certificate: refused


def test_drop_after_the_dot_is_unknown_and_never_resent(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(drop_after_dot=1)
    config = make_config(tmp_path, sink.port)
    [oid] = seed_outbox(sqlite_db, 1)
    run_pass(sqlite_db, config, FixedClock(T0))
    assert row(sqlite_db, oid).state == "unknown"
    run_pass(sqlite_db, config, FixedClock(T0 + timedelta(hours=1)))
    assert len(handler.received) == 1 and row(sqlite_db, oid).state == "unknown"


def test_drop_before_the_dot_is_retried_and_delivered_once(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(drop_at_rcpt=1)
    config = make_config(tmp_path, sink.port)
    [oid] = seed_outbox(sqlite_db, 1)
    clock = FixedClock(T0)
    run_pass(sqlite_db, config, clock)
    assert row(sqlite_db, oid).state == "retry" and handler.received == []
    clock.advance(timedelta(minutes=5))
    run_pass(sqlite_db, config, clock)
    assert row(sqlite_db, oid).state == "sent" and len(handler.received) == 1


def test_stalled_server_times_out_then_a_new_connection_delivers(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(hang_mail=2.0)
    config = make_config(tmp_path, sink.port, smtp={"timeout": 0.5})
    [oid] = seed_outbox(sqlite_db, 1)
    clock = FixedClock(T0)
    run_pass(sqlite_db, config, clock)
    assert row(sqlite_db, oid).state == "retry"
    clock.advance(timedelta(minutes=5))
    run_pass(sqlite_db, config, clock)
    assert row(sqlite_db, oid).state == "sent" and len(handler.received) == 1


def test_slow_final_reply_within_data_timeout_is_sent(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(dot_delay=1.0)
    config = make_config(tmp_path, sink.port, smtp={"timeout": 0.3, "data_timeout": 5})
    [oid] = seed_outbox(sqlite_db, 1)
    run_pass(sqlite_db, config, FixedClock(T0))
    assert row(sqlite_db, oid).state == "sent"


def test_a_rejected_message_does_not_poison_the_batch(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(data=[None] * 6 + ["554 5.7.1 spam"])
    config = make_config(tmp_path, sink.port)
    seed_outbox(sqlite_db, 20)
    run_pass(sqlite_db, config, FixedClock(T0))
    assert outbox_states(sqlite_db) == {"sent": 19, "failed": 1}
    assert run_pass(sqlite_db, config, FixedClock(T0 + timedelta(hours=1))).claimed == 0


def test_gives_up_after_max_attempts(sqlite_db: Engine, tmp_path: Path, smtp_server: Any) -> None:
    sink, handler = smtp_server
    handler.script = Script(rcpt=lambda a: "451 4.3.0 try later")
    config = make_config(tmp_path, sink.port)
    [oid] = seed_outbox(sqlite_db, 1)
    clock = FixedClock(T0)
    for _ in range(8):
        run_pass(sqlite_db, config, clock)
        clock.advance(timedelta(minutes=20))
    r = row(sqlite_db, oid)
    assert r.state == "failed" and r.attempt == 5 and "451" in r.last_error


def test_stopped_enrollment_after_queuing_is_not_sent(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    config = make_config(tmp_path, sink.port, db_url=db.url.render_as_string(hide_password=False))
    ids = seed_outbox(db, 3)
    with db.begin() as conn:
        conn.execute(
            update(enrollment)
            .where(enrollment.c.id == row(db, ids[1]).enrollment_id)
            .values(status="stopped", stop_reason="reply")
        )
    run_pass(db, config, FixedClock(T0))
    assert row(db, ids[1]).state == "cancelled" and len(handler.received) == 2


def test_stop_recheck_just_before_data(sqlite_db: Engine, tmp_path: Path, smtp_server: Any) -> None:
    """A stop recorded after the claim (here: by another writer while the first message's DATA
    is being answered) stops the second row after its RCPT, before any byte of its message."""
    sink, handler = smtp_server
    config = make_config(tmp_path, sink.port, smtp={"connections": 1})
    ids = seed_outbox(sqlite_db, 2)
    second = row(sqlite_db, ids[1]).enrollment_id

    def stop_the_other(stored: int) -> None:
        with writing(sqlite_db) as conn:
            conn.execute(
                update(enrollment).where(enrollment.c.id == second).values(status="stopped")
            )

    handler.script.after_data = stop_the_other
    run_pass(sqlite_db, config, FixedClock(T0))
    assert row(sqlite_db, ids[1]).state == "cancelled"
    assert "before the message" in row(sqlite_db, ids[1]).last_error and len(handler.received) == 1
    assert handler.commands["DATA"] == 1  # the second transaction was abandoned before its message


def test_daily_cap_and_gap_hold(sqlite_db: Engine, tmp_path: Path, smtp_server: Any) -> None:
    sink, handler = smtp_server
    config = make_config(
        tmp_path, sink.port, limits={"daily_cap": 3, "min_gap_seconds": 60, "jitter_seconds": 10}
    )
    seed_outbox(sqlite_db, 5)
    clock = FixedClock(T0)
    run_pass(sqlite_db, config, clock)
    run_pass(sqlite_db, config, clock)
    assert len(handler.received) == 1  # the gap holds within a minute
    for _ in range(6):
        clock.advance(timedelta(seconds=71))
        run_pass(sqlite_db, config, clock)
    assert len(handler.received) == 3  # the cap holds for the day (JST)
    clock.advance(timedelta(days=1))
    run_pass(sqlite_db, config, clock)
    assert len(handler.received) == 4


def test_capture_sink_writes_each_message_to_a_maildir(sqlite_db: Engine, tmp_path: Path) -> None:
    import mailbox as maildir_mod

    with CaptureSink(tmp_path / "captured") as sink:
        config = make_config(tmp_path, sink.port)
        ids = seed_outbox(sqlite_db, 3)
        assert run_pass(sqlite_db, config, FixedClock(T0)).sent == 3
    stored = sorted(m.as_bytes() for m in maildir_mod.Maildir(tmp_path / "captured"))
    assert len(stored) == 3
    assert {m.split(b"Message-ID: ")[1].split(b"\n")[0].strip() for m in stored} == {
        row(sqlite_db, i).message_id.encode() for i in ids
    }


def test_partial_recipients_send_to_the_accepted_one(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(
        rcpt=lambda a: "550 5.1.1 no such manager" if a.startswith("manager@") else None
    )
    config = make_config(tmp_path, sink.port)
    [oid] = seed_outbox(sqlite_db, 1)
    with sqlite_db.begin() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id == oid)
            .values(rcpt_to=["p0@d0.test", "manager@d0.test"])
        )
    run_pass(sqlite_db, config, FixedClock(T0))
    assert row(sqlite_db, oid).state == "sent" and len(handler.received) == 1
    with sqlite_db.connect() as conn:
        assert not is_suppressed(conn, "p0@d0.test")
        said = conn.execute(select(attempt.c.server_text)).scalar_one()
    assert "refused manager@d0.test: 550 5.1.1 no such manager" in said  # recorded, nobody bounced
