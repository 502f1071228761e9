"""`outreach todo` on the seeded campaigns (tests/support/report_seed.py), oldest first.

By hand, at 2026-12-13 03:00 UTC:
  12-01 05:00  reply    p1 replied after our only message (T0+1h)
  12-02 00:00  reply    p2 likewise
  12-03 00:00  held     campaign winter paused, 1 enrolment held
  12-03 12:00  review   an inbound message needs review
  12-04 00:00  late     p2's deliverable was due 2026-12-04 and has no post
  12-04 01:00  unknown  p8's step 2 is `unknown`
  12-05 00:00  reply    p5 replied after the follow-up (T0+3d)
  12-06 00:00  deal     p5's deal: the creator's counter-offer is the latest
Not listed: p3 (declined), p6 (opted out: no answer is owed), p7 (an auto-reply only).
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, insert

from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.services.report.todo import todo
from outreach.store.schema import mailbox
from tests.support.report_seed import NOW, seed
from tests.support.smtp import config_data, toml_text


def test_the_work_queue_oldest_first(db: Engine) -> None:
    seed(db)
    items = todo(db, FixedClock(NOW.replace(tzinfo=UTC)))
    assert [(i.since.strftime("%m-%d %H:%M") if i.since else "", i.kind, i.who) for i in items] == [
        ("12-01 05:00", "reply", "@p1"),
        ("12-02 00:00", "reply", "@p2"),
        ("12-03 00:00", "held", ""),
        ("12-03 12:00", "review", "someone@example.jp"),
        ("12-04 00:00", "late", "@p2"),
        ("12-04 01:00", "unknown", "@p8"),
        ("12-05 00:00", "reply", "@p5"),
        ("12-06 00:00", "deal", "@p5"),
    ]
    held = items[2]
    assert held.campaign == "winter" and held.what == "campaign paused: 1 enrolment(s) held"
    assert held.action == "outreach campaign resume winter"
    assert items[7].what.startswith("deal #") and "counter" in items[7].what


def test_one_campaign_and_a_paused_mailbox(sqlite_db: Engine) -> None:
    seed(sqlite_db)
    clock = FixedClock(NOW.replace(tzinfo=UTC))
    assert {i.kind for i in todo(sqlite_db, clock, "winter")} == {"held"}
    with sqlite_db.begin() as conn:
        conn.execute(
            insert(mailbox).values(
                name="main", paused_until=NOW.replace(year=2999), pause_reason="paused by hand"
            )
        )
    last = todo(sqlite_db, clock)[-1]
    assert (last.kind, last.who, last.since) == ("mailbox", "main", None)


def test_the_command_shows_times_in_the_display_zone(sqlite_db: Engine, tmp_path: Path) -> None:
    seed(sqlite_db)
    path = tmp_path / "config.toml"
    data = config_data(2525, db_url=sqlite_db.url.render_as_string(hide_password=False))
    path.write_text(toml_text(data), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "todo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["since", "kind", "campaign", "who", "what", "do"]
    assert lines[2].startswith("2026-12-01 14:00 JST  reply")
    assert "outreach inbox show" in lines[2]
