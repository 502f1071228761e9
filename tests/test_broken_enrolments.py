"""Enrolments that cannot be written are refused up front, and those that break later are
visible (status, board) and recoverable (`outreach enroll --retry`), through a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlalchemy import Engine, delete, select

from outreach.clock import FixedClock
from outreach.config import Config
from outreach.services.pipeline.stages import board
from outreach.services.send.outbox import status
from outreach.services.sequence.enroll import EnrollFilters, enroll, retry
from outreach.store.schema import enrollment, post
from outreach.store.session import writing
from tests.support.sequence import add_influencer, main_mailbox, make_workspace, tick
from tests.support.smtp import smtp_server

__all__ = ["smtp_server"]
JST = ZoneInfo("Asia/Tokyo")
ENROLLED = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
TUE_0905 = datetime(2026, 11, 24, 9, 5, tzinfo=JST).astimezone(UTC)


def workspace(tmp_path: Path, port: int = 8025) -> Config:
    box = main_mailbox(limits={"daily_cap": 50, "min_gap_seconds": 0, "jitter_seconds": 0})
    box["main"]["smtp"]["port"] = port
    return make_workspace(tmp_path, mailboxes=box, sending={"jitter_seconds": 0})


def test_enrol_refuses_who_the_pitch_cannot_be_written_for(db: Engine, tmp_path: Path) -> None:
    config = workspace(tmp_path)
    add_influencer(db, "hanako")
    noposts = add_influencer(db, "noposts")
    add_influencer(db, "emma", language="en", country="US", timezone="America/Los_Angeles")
    with writing(db) as conn:
        conn.execute(delete(post).where(post.c.influencer_id == noposts))
    (tmp_path / "templates" / "pitch.en.j2").unlink()
    for dry_run in (True, False):
        report = enroll(db, config, "spring", EnrollFilters(), dry_run=dry_run, now=ENROLLED)
        assert [e.handle for e in report.enrolled] == ["hanako"]
        reasons = {s.handle: s.reason for s in report.skipped}
        assert set(reasons) == {"noposts", "emma"}
        assert reasons["noposts"].startswith("cannot write step 1: templates/pitch.ja.j2:")
        assert "@noposts" in reasons["noposts"]
        assert reasons["emma"].startswith("cannot write step 1: ")
        assert "pitch" in reasons["emma"] and "en" in reasons["emma"]
    with db.connect() as conn:
        assert conn.execute(select(enrollment.c.status)).scalars().all() == ["active"]


def test_a_step_that_breaks_later_is_shown_and_retried(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, _handler = smtp_server
    config = workspace(tmp_path, sink.port)
    add_influencer(db, "hanako")
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED)
    pitch = tmp_path / "templates" / "pitch.ja.j2"
    good = pitch.read_text(encoding="utf-8")
    pitch.write_text(good.replace("{{ link }}", "{{ missing_variable }}"), encoding="utf-8")
    assert tick(db, config, TUE_0905).sent == 0
    shown = status(db, config, FixedClock(TUE_0905))
    assert shown.attention == 1
    [row] = shown.latest_attention
    assert (row["handle"], row["campaign"]) == ("hanako", "spring")
    assert (
        "missing_variable" in row["stop_reason"] and "templates/pitch.ja.j2" in row["stop_reason"]
    )
    card = board(db, FixedClock(TUE_0905), 14).cards["prospect"][0]
    assert card["status"] == "error"
    # Still broken: the retry says why and changes nothing.
    still = retry(db, config, "spring", now=TUE_0905)
    assert still.enrolled == [] and still.skipped[0].reason.startswith("still: ")
    pitch.write_text(good, encoding="utf-8")
    fixed = retry(db, config, "spring", now=TUE_0905)
    assert [(e.handle, e.next_due_at) for e in fixed.enrolled] == [("hanako", TUE_0905)]
    assert tick(db, config, TUE_0905).sent == 1
    assert status(db, config, FixedClock(TUE_0905)).attention == 0


def test_enroll_retry_from_the_command_line(db: Engine, tmp_path: Path) -> None:
    config = workspace(tmp_path)
    add_influencer(db, "hanako")
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED)
    with writing(db) as conn:
        conn.execute(enrollment.update().values(status="error", stop_reason="render error: x"))
    config_file = tmp_path / "config.toml"
    url = db.url.render_as_string(hide_password=False)
    config_file.write_text(
        config_file.read_text(encoding="utf-8") + f'\n[database]\nurl = "{url}"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        __import__("outreach.cli", fromlist=["cli"]).cli,
        ["--config", str(config_file), "enroll", "spring", "--retry", "--format", "csv"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "handle,platform,result,next send (local)"
    assert result.output.splitlines()[1].startswith("hanako,instagram,back on track,")
    assert "retried 1, still failing 0" in result.output
