"""A step whose row ends `failed` or `expired` stops its enrollment with a reason that
`outreach status` and `outreach schedule` show; a stale or failing inbox shows in status.

Real aiosmtpd server (tests/support/smtp.py); SQLite and PostgreSQL through `db`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import Engine, select, update

from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.services.send.outbox import cancel_outbox, resend_outbox, status
from outreach.store.queries.enrollment import halted
from outreach.store.queries.mailbox import mark_polled
from outreach.store.schema import enrollment, outbox
from outreach.store.session import reading, writing
from tests.support.dispatch import row, run_pass
from tests.support.smtp import (
    T0,
    Script,
    config_data,
    make_config,
    seed_outbox,
    smtp_server,
)
from tests.support.workspace import config_file

__all__ = ["smtp_server"]
RETRY_ONCE = {
    "retry": {
        "max_attempts": 1,
        "first_backoff_seconds": 60,
        "max_backoff_seconds": 600,
        "max_age_hours": 8,
    }
}


def _enrollment(engine: Engine, outbox_id: int) -> tuple[str, str]:
    with engine.connect() as conn:
        eid = conn.execute(
            select(outbox.c.enrollment_id).where(outbox.c.id == outbox_id)
        ).scalar_one()
        got = conn.execute(
            select(enrollment.c.status, enrollment.c.stop_reason).where(enrollment.c.id == eid)
        ).one()
    return got.status, got.stop_reason


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_step_that_fails_or_is_rejected_stops_its_enrollment(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(
        rcpt=lambda a: "552 5.2.2 mailbox full" if a.startswith("p0@") else None,
        data=[None, "554 5.7.1 message refused as spam"],
    )
    config = make_config(tmp_path, sink.port, db_url=_url(db), sending=RETRY_ONCE)
    ids = seed_outbox(db, 3)
    run_pass(db, config, FixedClock(T0))
    assert [row(db, i).state for i in ids] == ["failed", "sent", "failed"]
    assert _enrollment(db, ids[0]) == ("stopped", "step 1 failed: 552 5.2.2 mailbox full")
    assert _enrollment(db, ids[1]) == ("active", "")
    assert _enrollment(db, ids[2]) == (
        "stopped",
        "step 1 failed: 554 5.7.1 message refused as spam",
    )
    st = status(db, config, FixedClock(T0))
    assert st.failure_stops == 2
    assert {(s["handle"], s["stop_reason"]) for s in st.latest_failure_stops} == {
        ("h0", "step 1 failed: 552 5.2.2 mailbox full"),
        ("h2", "step 1 failed: 554 5.7.1 message refused as spam"),
    }
    with reading(db) as conn:  # what `outreach schedule spring` lists as not planned
        assert ("h0", "stopped", "step 1 failed: 552 5.2.2 mailbox full") in halted(conn, "spring")


def test_a_retried_step_stops_only_when_it_finally_fails(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(rcpt=lambda a: "452 4.2.2 mailbox full, try later")
    config = make_config(tmp_path, sink.port, db_url=_url(db))  # max_attempts 5
    [oid] = seed_outbox(db, 1)
    clock = FixedClock(T0)
    run_pass(db, config, clock)
    assert row(db, oid).state == "retry" and _enrollment(db, oid) == ("active", "")
    for _ in range(8):
        clock.advance(timedelta(minutes=20))
        run_pass(db, config, clock)
    assert row(db, oid).state == "failed"
    assert _enrollment(db, oid) == ("stopped", "step 1 failed: 452 4.2.2 mailbox full, try later")


def test_an_expired_step_stops_its_enrollment(db: Engine, tmp_path: Path, smtp_server: Any) -> None:
    sink, handler = smtp_server
    config = make_config(tmp_path, sink.port, db_url=_url(db))
    ids = seed_outbox(db, 2)
    with writing(db) as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id == ids[0])
            .values(expires_at=(T0 + timedelta(hours=8)).replace(tzinfo=None))
        )
    report = run_pass(db, config, FixedClock(T0 + timedelta(hours=8, minutes=1)))
    assert report.reaped["expired"] == 1 and report.sent == 1
    assert row(db, ids[0]).state == "expired" and len(handler.received) == 1
    assert _enrollment(db, ids[0]) == ("stopped", "step 1 expired after 8h")
    assert status(db, config, FixedClock(T0)).failure_stops == 1


def test_a_hard_bounce_keeps_its_own_reason(db: Engine, tmp_path: Path, smtp_server: Any) -> None:
    sink, handler = smtp_server
    handler.script = Script(rcpt=lambda a: "550 5.1.1 User unknown")
    config = make_config(tmp_path, sink.port, db_url=_url(db))
    [oid] = seed_outbox(db, 1)
    run_pass(db, config, FixedClock(T0))
    assert _enrollment(db, oid) == ("stopped", "hard bounce")
    assert status(db, config, FixedClock(T0)).failure_stops == 0


def test_status_shows_failure_stops_held_follow_ups_and_inbox_errors(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(
        rcpt=lambda a: "552 5.2.2 mailbox full" if a.startswith("p1@") else None
    )
    data = config_data(sink.port, db_url=_url(sqlite_db), sending=RETRY_ONCE)
    data["mailboxes"]["main"]["inbox"] = {"source": "maildir", "path": "inbox"}
    data["mailboxes"]["second"] = {
        **data["mailboxes"]["main"],
        "from_address": "pr2@sakura.test",
        "inbox": {"source": "maildir", "path": "inbox2"},
    }
    path = config_file(tmp_path, data)
    config = make_config(tmp_path, sink.port, db_url=_url(sqlite_db), sending=RETRY_ONCE)
    seed_outbox(sqlite_db, 2)
    run_pass(sqlite_db, config, FixedClock(T0))
    with writing(sqlite_db) as conn:  # main was read a moment ago, then a read failed
        mark_polled(conn, "main", at=datetime.now(UTC), error="")
        mark_polled(conn, "main", at=datetime.now(UTC), error="LOGIN failed: bad password")
    out = CliRunner().invoke(cli, ["--config", str(path), "status"])
    assert out.exit_code == 0, out.output
    text = out.output
    assert "1 enrollment(s) stopped by failures:" in text
    assert "h1" in text and "step 1 failed: 552 5.2.2 mailbox full" in text
    assert "inbox second stale never read: follow-ups are held" in text
    assert "the last read failed: LOGIN failed: bad password" in text
    assert "inbox main stale" not in text


def test_resending_a_failed_step_resumes_its_enrollment(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    handler.script = Script(rcpt=lambda a: "552 5.2.2 mailbox full")
    config = make_config(tmp_path, sink.port, db_url=_url(db), sending=RETRY_ONCE)
    [oid] = seed_outbox(db, 1)
    run_pass(db, config, FixedClock(T0))
    assert _enrollment(db, oid)[0] == "stopped"
    handler.script = Script()  # the mailbox has room again
    clock = FixedClock(T0 + timedelta(hours=1))
    resend_outbox(db, config, clock, oid)
    assert _enrollment(db, oid) == ("active", "")
    assert run_pass(db, config, clock).sent == 1 and row(db, oid).state == "sent"
    assert len(handler.received) == 1


def test_cancelling_a_step_stops_its_sequence(db: Engine, tmp_path: Path, smtp_server: Any) -> None:
    sink, handler = smtp_server
    config = make_config(tmp_path, sink.port, db_url=_url(db))
    ids = seed_outbox(db, 2)
    cancel_outbox(db, FixedClock(T0), ids[0])
    report = run_pass(db, config, FixedClock(T0))
    assert report.sent == 1 and len(handler.received) == 1
    assert row(db, ids[0]).state == "cancelled"
    assert _enrollment(db, ids[0]) == ("stopped", "step 1 cancelled by operator")
