"""`outreach schedule`: the planned timeline with windows, holidays, zones and daily caps."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.domain.sending_day import sending_day
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.services.sequence.schedule import schedule
from outreach.store.queries.enrollment import mark_error, stop_enrollment
from outreach.store.schema import enrollment, influencer
from outreach.store.session import writing
from tests.support.db import sqlite_engine
from tests.support.sequence import add_influencer, main_mailbox, make_workspace

NOW = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)  # Mon 19:20 JST, 勤労感謝の日
MAILBOX = main_mailbox(limits={"daily_cap": 2})


def _setup(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path, mailboxes=MAILBOX)
    for handle in ("hanako", "taro", "jiro"):
        add_influencer(db, handle)
    add_influencer(db, "emma", country="US", timezone="America/Los_Angeles", language="en")
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=NOW, rng=random.Random(2))


def test_timeline_spills_past_the_daily_cap_in_each_recipients_time(
    db: Engine, tmp_path: Path
) -> None:
    _setup(db, tmp_path)
    config = make_workspace(tmp_path, mailboxes=MAILBOX)
    timeline = schedule(db, config, "spring", NOW)
    firsts = {s.handle: s for s in timeline.sends if s.step == 1}
    # Emma: Monday 09:00 in Los Angeles = Tuesday 02:00 JST, so she uses Tuesday's cap (the
    # cap counts by the sending day, Asia/Tokyo, as dispatch does); no Japanese holiday for her.
    assert firsts["emma"].local().startswith("2026-11-23 Mon 09:0")
    assert firsts["emma"].local("Asia/Tokyo").startswith("2026-11-24 Tue 02:0")
    assert not firsts["emma"].spilled
    # Tokyo: one more fits Tuesday; a cap of 2 pushes the other two to Wednesday.
    tokyo = sorted((firsts[h] for h in ("hanako", "taro", "jiro")), key=lambda s: s.at)
    assert tokyo[0].local().startswith("2026-11-24 Tue 09:0")
    assert [s.spilled for s in tokyo] == [False, True, True]
    assert [s.local() for s in tokyo[1:]] == ["2026-11-25 Wed 09:00"] * 2
    # Follow-ups: 3 business days after each first send, inside the window.
    follow = {s.handle: s for s in timeline.sends if s.step == 2}
    assert [follow[s.handle].local()[:19] for s in tokyo] == [
        "2026-11-27 Fri 09:0",
        "2026-11-30 Mon 09:0",
        "2026-11-30 Mon 09:0",
    ]
    # Emma: Thanksgiving (Thu 26, US) is skipped -> Fri 09:00 PST = Saturday 02:00 JST, a
    # sending day with room.
    assert follow["emma"].local() == "2026-11-27 Fri 09:00"
    assert not follow["emma"].spilled
    assert len(timeline.sends) == 8
    days: dict[object, int] = {}
    for s in timeline.sends:
        day = sending_day(config, s.at)
        days[day] = days.get(day, 0) + 1
    assert max(days.values()) <= 2
    assert timeline.spilled == 2
    assert timeline.unplanned == []


def test_stopped_and_errored_enrollments_are_listed_with_their_reason(
    db: Engine, tmp_path: Path
) -> None:
    _setup(db, tmp_path)
    config = make_workspace(tmp_path, mailboxes=MAILBOX)
    with writing(db) as conn:
        ids = dict(
            conn.execute(
                select(influencer.c.handle, enrollment.c.id).join(
                    enrollment, enrollment.c.influencer_id == influencer.c.id
                )
            ).all()
        )
        stop_enrollment(conn, ids["taro"], reason="reply")
        mark_error(conn, ids["jiro"], "render error: templates/pitch.ja.j2:8: 'post' is undefined")
    timeline = schedule(db, config, "spring", NOW)
    assert timeline.unplanned == [
        ("taro", "stopped: reply"),
        ("jiro", "error: render error: templates/pitch.ja.j2:8: 'post' is undefined"),
    ]
    assert {s.handle for s in timeline.sends} == {"hanako", "emma"}


def test_cli_schedule_shows_local_and_japan_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command reads the system clock; at NOW, as the rows were enrolled. (On the real clock
    # this failed whenever Emma's window in Los Angeles happened to be open.)
    monkeypatch.setattr("outreach.cli.sequences.SystemClock", lambda: FixedClock(NOW))
    engine = sqlite_engine(tmp_path / "outreach.db")
    _setup(engine, tmp_path)
    engine.dispose()
    result = CliRunner().invoke(
        cli,
        ["--config", str(tmp_path / "config.toml"), "schedule", "spring", "--format", "csv"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "handle,step,template,local,Asia/Tokyo,mailbox,note"
    emma = next(line for line in lines if line.startswith("emma,1,"))
    assert "America/Los_Angeles" in emma and ",2026-11-24 Tue 02:0" in emma
    assert "8 send(s)" in result.output
    assert str(ZoneInfo("Asia/Tokyo")) in lines[0]
