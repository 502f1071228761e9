"""Times on the command line: the display timezone with its name to the minute, --utc, ISO 8601
with the offset in JSON; tables aligned by display width (a Japanese character is two columns)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import wcwidth
from click.testing import CliRunner
from sqlalchemy import Engine

from outreach.cli import cli
from outreach.cli.app import format_table
from outreach.cli.times import iso, show
from tests.support.smtp import config_data, seed_outbox
from tests.support.workspace import config_file

DUE = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)  # 09:05 in Tokyo, 16:05 the day before in LA


def workspace(tmp_path: Path, db: Engine, display: str = "") -> Path:
    data = config_data(2525, db_url=db.url.render_as_string(hide_password=False))
    if display:
        data["workspace"] = {"display_timezone": display}
    path = config_file(tmp_path, data)
    seed_outbox(db, 1, at=DUE)
    return path


def outbox_list(path: Path, *args: str) -> str:
    """`outreach [--utc] outbox list [--format F]`: --utc is an option of the command group."""
    first = [a for a in args if a == "--utc"]
    rest = [a for a in args if a != "--utc"]
    result = CliRunner().invoke(
        cli, ["--config", str(path), *first, "outbox", "list", *rest], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_tables_show_the_display_zone_with_its_name(sqlite_db: Engine, tmp_path: Path) -> None:
    path = workspace(tmp_path, sqlite_db)  # display zone: [sending] timezone, Asia/Tokyo
    assert "2026-11-24 09:05 JST" in outbox_list(path)
    assert "2026-11-24 00:05 UTC" in outbox_list(path, "--utc")
    row = json.loads(outbox_list(path, "--format", "json").splitlines()[0])
    assert row["due_at"] == "2026-11-24T09:05:00+09:00"


def test_a_display_timezone_of_its_own(sqlite_db: Engine, tmp_path: Path) -> None:
    path = workspace(tmp_path, sqlite_db, display="America/Los_Angeles")
    assert "2026-11-23 16:05 PST" in outbox_list(path)
    assert "2026-11-23 16:05 PST" in outbox_list(path, "--format", "csv")


def test_zone_names_and_offsets() -> None:
    naive_utc = datetime(2026, 7, 1, 3, 0)
    assert show(naive_utc, ZoneInfo("America/Los_Angeles")) == "2026-06-30 20:00 PDT"
    assert show(naive_utc, ZoneInfo("Asia/Kolkata")) == "2026-07-01 08:30 IST"
    assert show(naive_utc, ZoneInfo("America/Sao_Paulo")) == "2026-07-01 00:00 America/Sao_Paulo"
    assert show(naive_utc, None) == "2026-07-01 03:00 UTC"
    assert iso(naive_utc, ZoneInfo("Asia/Tokyo")) == "2026-07-01T12:00:00+09:00"


def test_tables_align_by_display_width() -> None:
    text = format_table(
        [
            {"name": "髙橋 梨沙", "stage": "contacted"},
            {"name": "Emily", "stage": "prospect"},
            {"name": "👩‍👩‍👧 family", "stage": "posted"},
        ],
        ["name", "stage"],
    )
    lines = text.splitlines()
    # "stage" starts in the same terminal column on every line.
    starts = {
        wcwidth.wcswidth(line[: line.index(word)])
        for line, word in zip(lines, ["stage", "-", "contacted", "prospect", "posted"], strict=True)
        if word != "-"
    }
    assert starts == {11}  # the widest name, 髙橋 梨沙, takes 9 columns; then two spaces


def test_the_board_lines_up_japanese_and_latin_names() -> None:
    from outreach.cli.pipeline import board_lines
    from outreach.services.pipeline.stages import Board

    cards = [
        {
            "handle": "sakura_dance",
            "name": "高橋 さくら",
            "campaign": "spring-serum",
            "days": 3,
            "stale": False,
        },
        {
            "handle": "emily_wanders",
            "name": "Emily Carter",
            "campaign": "spring",
            "days": 12,
            "stale": True,
        },
    ]
    lines = board_lines(Board({"contacted": 2}, {"contacted": cards}, 7))
    rows = [line for line in lines if "@" in line]
    starts = {
        wcwidth.wcswidth(row[: row.index(word)])
        for row, word in zip(rows, ["spring-serum", "spring "], strict=True)
    }
    assert len(starts) == 1  # the campaign column starts in one terminal column
    assert rows[1].startswith(" ! @emily_wanders")  # stale, past stale_days


def test_status_shows_a_new_mailboxs_ramp_cap_and_inbox_times_in_the_display_zone(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    from outreach.clock import FixedClock
    from outreach.services.inbox.poll import InboxHealth
    from outreach.services.send.outbox import status
    from tests.support.smtp import make_config

    config = make_config(
        tmp_path, 2525, db_url=str(sqlite_db.url), limits={"daily_cap": 5, "ramp": "2,3"}
    )
    [box] = status(sqlite_db, config, FixedClock(DUE)).mailboxes
    assert (box["mailbox"], box["cap"]) == ("main", 2)  # day one of the ramp, as dispatch counts
    health = InboxHealth("main", DUE, "", stale=False)
    assert health.describe() == "inbox main: read 2026-11-24 00:05 UTC"
    assert (
        health.describe(lambda at: show(at, ZoneInfo("Asia/Tokyo")))
        == "inbox main: read 2026-11-24 09:05 JST"
    )
