"""Pause and resume (an influencer, a campaign, a mailbox), the breaker's way out, and run's
refusal to log in with an unset password: through a real SMTP server and real databases."""

from __future__ import annotations

import email
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.config import Config
from outreach.domain.windows import next_send_time
from outreach.errors import ConfigError, StageError, UserError
from outreach.services.pipeline.stages import move
from outreach.services.sequence import pause as pause_service
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store.queries.mailbox import HELD_UNTIL
from outreach.store.schema import enrollment, mailbox, outbox
from tests.support.sequence import add_influencer, main_mailbox, make_workspace, tick
from tests.support.sequence import plan_at as plan
from tests.support.sequence import send_at as send
from tests.support.smtp import (
    CaptureSink,
    ScriptedHandler,
    config_data,
    password_authenticator,
    seed_outbox,
    smtp_server,
)
from tests.support.smtp import make_config as smtp_config
from tests.support.workspace import config_file

__all__ = ["smtp_server"]
JST = ZoneInfo("Asia/Tokyo")
ENROLLED = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)  # Mon 19:20 JST, a public holiday
TUE_0905 = datetime(2026, 11, 24, 9, 5, tzinfo=JST).astimezone(UTC)


def workspace(db: Engine, tmp_path: Path, port: int, handles: tuple[str, ...]) -> Config:
    box = main_mailbox(limits={"daily_cap": 50, "min_gap_seconds": 0, "jitter_seconds": 0})
    box["main"]["smtp"]["port"] = port
    config = make_workspace(tmp_path, mailboxes=box, sending={"jitter_seconds": 0})
    for handle in handles:
        add_influencer(db, handle)
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3))
    return config


def recipients(handler: ScriptedHandler) -> list[str]:
    return [
        str(email.message_from_bytes(raw)["To"]).split("<")[-1].rstrip(">")
        for raw in handler.received
    ]


def statuses(db: Engine) -> set[str]:
    with db.connect() as conn:
        return set(conn.execute(select(enrollment.c.status)).scalars())


def test_paused_time_never_counts_as_waiting(db: Engine, tmp_path: Path, smtp_server: Any) -> None:
    sink, handler = smtp_server
    config = workspace(db, tmp_path, sink.port, ("hanako", "yui"))
    assert tick(db, config, TUE_0905).sent == 2  # both pitches
    paused_at = TUE_0905 + timedelta(hours=1)
    report = pause_service.pause(db, FixedClock(paused_at), "@hanako")
    assert len(report.done) == 1 and report.in_flight == 0
    # yui's follow-up (3 business days) goes; hanako's does not, however long we wait.
    follow_up = datetime(2026, 11, 27, 9, 6, tzinfo=JST).astimezone(UTC)
    assert tick(db, config, follow_up).sent == 1
    assert tick(db, config, follow_up + timedelta(days=10)).sent == 0
    assert recipients(handler)[2:] == ["yui@example.jp"]
    # Resumed on Wed 9 Dec 10:00 JST: due one step delay (3 business days) later, in the window.
    resumed_at = datetime(2026, 12, 9, 10, 0, tzinfo=JST).astimezone(UTC)
    done = pause_service.resume(db, config, FixedClock(resumed_at), "@hanako")
    due = done.done[0][2]
    assert due == datetime(2026, 12, 14, 10, 0, tzinfo=JST)
    assert tick(db, config, due - timedelta(seconds=1)).sent == 0
    assert tick(db, config, due).sent == 1
    pitch, follow = handler.received[0], handler.received[-1]
    assert recipients(handler)[-1] == "hanako@example.jp"
    assert (
        email.message_from_bytes(follow)["In-Reply-To"]
        == email.message_from_bytes(pitch)["Message-ID"]
    )


def test_a_rendered_step_waits_paused_and_keeps_its_bytes(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    config = workspace(db, tmp_path, sink.port, ("hanako",))
    plan(db, config, TUE_0905)  # rendered and queued, not sent yet
    with db.connect() as conn:
        message_id, expires = conn.execute(select(outbox.c.message_id, outbox.c.expires_at)).one()
    pause_service.pause(db, FixedClock(TUE_0905), "hanako@example.jp")
    with db.connect() as conn:
        assert conn.execute(select(outbox.c.due_at)).scalar_one() == HELD_UNTIL
    assert send(db, config, TUE_0905 + timedelta(days=30)).claimed == 0
    later = TUE_0905 + timedelta(days=2)
    due = pause_service.resume(db, config, FixedClock(later), "@hanako").done[0][2]
    assert due == later  # the pitch's delay is 0m and Thursday 09:05 is inside the window
    with db.connect() as conn:
        due_at, expires_now = conn.execute(select(outbox.c.due_at, outbox.c.expires_at)).one()
    assert due_at == later.replace(tzinfo=None)
    assert expires_now - due_at == expires - TUE_0905.replace(tzinfo=None)  # same relevance window
    assert send(db, config, later).sent == 1
    assert email.message_from_bytes(handler.received[0])["Message-ID"] == message_id


def test_campaign_pause_holds_everyone_and_new_enrolments(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, _handler = smtp_server
    config = workspace(db, tmp_path, sink.port, ("hanako", "yui"))
    pause_service.set_campaign(db, config, FixedClock(ENROLLED), "spring", "pause")
    add_influencer(db, "mei")
    late = enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED)
    assert [e.handle for e in late.enrolled] == ["mei"]
    assert statuses(db) == {"paused"}
    assert tick(db, config, TUE_0905).sent == 0
    with pytest.raises(StageError, match="campaign spring is already paused"):
        pause_service.set_campaign(db, config, FixedClock(TUE_0905), "spring", "pause")
    # A person paused with the campaign is resumed with it, not on their own.
    alone = pause_service.resume(db, config, FixedClock(TUE_0905), "@mei")
    assert alone.done == [] and alone.skipped == [
        ("mei", "campaign spring is paused: `outreach campaign resume spring`")
    ]
    pause_service.set_campaign(db, config, FixedClock(TUE_0905), "spring", "resume")
    assert statuses(db) == {"active"}
    assert tick(db, config, TUE_0905).sent == 3
    pause_service.set_campaign(db, config, FixedClock(TUE_0905), "spring", "archive")
    assert statuses(db) == {"stopped"}
    with pytest.raises(UserError, match="campaign spring is archived"):
        enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=TUE_0905)


def test_moving_to_the_paused_stage_pauses_and_moving_back_resumes(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, _handler = smtp_server
    config = workspace(db, tmp_path, sink.port, ("hanako",))
    assert tick(db, config, TUE_0905).sent == 1
    move(db, FixedClock(TUE_0905), "@hanako", "paused", config=config)
    assert statuses(db) == {"paused"}
    assert tick(db, config, TUE_0905 + timedelta(days=20)).sent == 0
    back = TUE_0905 + timedelta(days=21)  # Tue 15 Dec 09:05 JST
    move(db, FixedClock(back), "@hanako", "contacted", config=config)
    assert statuses(db) == {"active"}
    with db.connect() as conn:
        due = conn.execute(select(enrollment.c.next_due_at)).scalar_one()
    assert due == datetime(2026, 12, 18, 9, 5, tzinfo=JST).astimezone(UTC).replace(tzinfo=None)


def test_mailbox_pause_holds_claims_until_resumed(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    config = workspace(db, tmp_path, sink.port, ("hanako",))
    pause_service.pause_mailbox(db, config, "main")
    assert tick(db, config, TUE_0905).sent == 0
    assert handler.received == []
    assert (
        pause_service.resume_mailbox(db, config, "main")
        == "paused by hand (outreach mailbox pause)"
    )
    assert send(db, config, TUE_0905).sent == 1


def _auth_config(tmp_path: Path, port: int, db: Engine) -> Path:
    url = db.url.render_as_string(hide_password=False)
    data = config_data(port, db_url=url, smtp={"username": "pr", "password_env": "TEST_SMTP_PW"})
    path = config_file(tmp_path, data)
    return path


def test_breaker_from_a_wrong_password_clears_when_the_password_is_fixed(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = ScriptedHandler()
    t0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    monkeypatch.setenv("TEST_SMTP_PW", "wrong")
    with CaptureSink(
        tmp_path / "s",
        handler=handler,
        authenticator=password_authenticator("pr", "right"),
        auth_require_tls=False,
    ) as sink:
        config = smtp_config(
            tmp_path,
            sink.port,
            db_url=str(sqlite_db.url),
            smtp={"username": "pr", "password_env": "TEST_SMTP_PW"},
        )
        seed_outbox(sqlite_db, 3, at=t0)
        assert pause_service.note_mailbox_configs(sqlite_db, config, FixedClock(t0)) == {}
        send(sqlite_db, config, t0)  # 535 three times: the breaker pauses the mailbox
        with sqlite_db.connect() as conn:
            why = conn.execute(select(mailbox.c.pause_reason)).scalar_one()
        assert why.startswith("authentication failed: 535")
        # The same settings again: still paused. The fixed password: lifted, and it sends.
        assert pause_service.note_mailbox_configs(sqlite_db, config, FixedClock(t0)) == {}
        assert send(sqlite_db, config, t0 + timedelta(minutes=1)).claimed == 0
        monkeypatch.setenv("TEST_SMTP_PW", "right")
        lifted = pause_service.note_mailbox_configs(sqlite_db, config, FixedClock(t0))
        assert list(lifted) == ["main"] and lifted["main"].startswith("authentication failed")
        assert send(sqlite_db, config, t0 + timedelta(minutes=2)).sent == 3


def test_a_pause_by_hand_survives_a_config_change(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PW", "one")
    config = smtp_config(
        tmp_path,
        2525,
        db_url=str(sqlite_db.url),
        smtp={"username": "pr", "password_env": "TEST_SMTP_PW"},
    )
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    pause_service.note_mailbox_configs(sqlite_db, config, FixedClock(now))
    pause_service.pause_mailbox(sqlite_db, config, "main")
    monkeypatch.setenv("TEST_SMTP_PW", "two")
    assert pause_service.note_mailbox_configs(sqlite_db, config, FixedClock(now)) == {}
    with sqlite_db.connect() as conn:
        assert conn.execute(select(mailbox.c.paused_until)).scalar_one() == HELD_UNTIL


def test_run_refuses_an_unset_password_variable_and_names_it(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_SMTP_PW", raising=False)
    path = _auth_config(tmp_path, 2525, sqlite_db)
    for args in (["run", "--once"], ["run"]):
        result = CliRunner().invoke(cli, ["--config", str(path), *args])
        # A UserError: the console script prints "error: ..." and exits 1, before any login.
        assert isinstance(result.exception, ConfigError) and result.exit_code == 1
        assert (
            "mailboxes.main.smtp.password_env: environment variable TEST_SMTP_PW is not set"
            in str(result.exception)
        )
    monkeypatch.setenv("TEST_SMTP_PW", "")  # set but empty is the same mistake
    result = CliRunner().invoke(cli, ["--config", str(path), "run", "--once"])
    assert "TEST_SMTP_PW is not set" in str(result.exception)


def test_run_once_reports_a_paused_mailbox(
    sqlite_db: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("TEST_SMTP_PW", "x")
    path = _auth_config(tmp_path, 2525, sqlite_db)
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(path), "mailbox", "pause", "main"]).exit_code == 0
    result = runner.invoke(cli, ["--config", str(path), "run", "--once"])
    assert result.exit_code == 0, result.output
    assert (
        "mailbox main is paused until further notice (paused by hand (outreach mailbox "
        "pause)): nothing is sent from it; `outreach mailbox resume main` lifts it"
        in caplog.messages
    )
    status = runner.invoke(cli, ["--config", str(path), "mailbox", "status"]).output
    assert "until resumed" in status
    resumed = runner.invoke(cli, ["--config", str(path), "mailbox", "resume", "main"]).output
    assert resumed == "mailbox main resumed (was: paused by hand (outreach mailbox pause))\n"


def test_windows_agree_with_the_resume_time() -> None:
    """The expected resume time above, from the window arithmetic itself."""
    from outreach.domain.sequence import parse_delay
    from outreach.domain.windows import Window

    window = Window.of(
        ("mon", "tue", "wed", "thu", "fri"),
        datetime(2026, 1, 1, 9).time(),
        datetime(2026, 1, 1, 18).time(),
    )
    at = datetime(2026, 12, 9, 10, 0, tzinfo=JST)
    due = next_send_time(
        parse_delay("3 business days").after(at, tz="Asia/Tokyo", country="JP"),
        window,
        tz="Asia/Tokyo",
        country="JP",
    )
    assert due == datetime(2026, 12, 14, 10, 0, tzinfo=JST)
