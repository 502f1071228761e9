"""A step whose text states a campaign date already past on its send day is held, not sent;
the sample workspace's dates count from the day it is made."""

from __future__ import annotations

import random
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from outreach.clock import FixedClock
from outreach.config import Config
from outreach.render.deadlines import stated_dates
from outreach.services.send.outbox import status
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.services.workspace.create import create_workspace
from outreach.store.schema import enrollment
from tests.support.sequence import add_influencer, main_mailbox, make_workspace, tick
from tests.support.smtp import smtp_server

__all__ = ["smtp_server"]
JST = ZoneInfo("Asia/Tokyo")
ENROLLED = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
TUE_0905 = datetime(2026, 11, 24, 9, 5, tzinfo=JST).astimezone(UTC)

# The fixture campaign says reply_by = 2026-12-04.
SEQUENCE = """\
[[step]]
template = "pitch"
delay = "0m"
[[step]]
template = "{followup}"
delay = "{delay}"
"""
STATES_REPLY_BY = """\
---
subject = "unused"
language = "ja"
---
{{ influencer | honorific }}
{{ campaign.dates.reply_by | date }}までにご返信いただけますと幸いです。
{% include "_footer.ja.j2" %}
"""


def setup(db: Engine, tmp_path: Path, port: int, followup: str, delay: str) -> Config:
    box = main_mailbox(limits={"daily_cap": 50, "min_gap_seconds": 0, "jitter_seconds": 0})
    box["main"]["smtp"]["port"] = port
    config = make_workspace(
        tmp_path,
        mailboxes=box,
        sending={"jitter_seconds": 0},
        sequences={"standard": SEQUENCE.format(followup=followup, delay=delay)},
    )
    (tmp_path / "templates" / "late.ja.j2").write_text(STATES_REPLY_BY, encoding="utf-8")
    add_influencer(db, "hanako")
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3))
    return config


def test_a_follow_up_past_the_reply_by_it_states_is_held(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    config = setup(db, tmp_path, sink.port, "late", "10 business days")
    assert tick(db, config, TUE_0905).sent == 1
    with db.connect() as conn:
        due = conn.execute(select(enrollment.c.next_due_at)).scalar_one()
    assert due.date() == date(2026, 12, 8)  # after reply_by = 4 December
    assert tick(db, config, due.replace(tzinfo=UTC)).sent == 0
    assert len(handler.received) == 1
    with db.connect() as conn:
        status_, reason = conn.execute(select(enrollment.c.status, enrollment.c.stop_reason)).one()
    assert (status_, reason) == (
        "stopped",
        "step 2 held: it states reply_by 2026-12-04, past on its send date 2026-12-08",
    )
    shown = status(db, config, FixedClock(due.replace(tzinfo=UTC))).latest_failure_stops
    assert [(s["handle"], s["stop_reason"]) for s in shown] == [("hanako", reason)]


def test_the_same_follow_up_before_the_date_goes_out(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, _handler = smtp_server
    config = setup(db, tmp_path, sink.port, "late", "3 business days")
    assert tick(db, config, TUE_0905).sent == 1
    assert tick(db, config, datetime(2026, 11, 27, 9, 6, tzinfo=JST).astimezone(UTC)).sent == 1


def test_a_follow_up_that_states_no_date_is_not_held(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, _handler = smtp_server
    config = setup(db, tmp_path, sink.port, "followup1", "10 business days")
    assert tick(db, config, TUE_0905).sent == 1
    assert tick(db, config, datetime(2026, 12, 8, 9, 6, tzinfo=JST).astimezone(UTC)).sent == 1


def test_stated_dates_follow_includes_and_every_spelling() -> None:
    sources = {
        "_footer.j2": "{{ campaign.dates['post_by'] | date }}",
        "_loop.j2": '{% include "_loop.j2" %}{{ campaign.dates.reply_by }}',
    }
    text = '{% include "_footer.j2" %}{% include "_loop.j2" %}{{ campaign.name }}{{ dates.x }}'
    assert stated_dates(text, sources.get) == {"post_by", "reply_by"}
    assert stated_dates("{{ campaign.dates }}{{ post.dates.reply_by }}", sources.get) == set()
    assert stated_dates("{% if %}", sources.get) == set()  # the renderer reports it


def test_init_dates_the_sample_campaign_from_today(tmp_path: Path) -> None:
    create_workspace(tmp_path / "ws", today=date(2027, 3, 1))
    data = tomllib.loads((tmp_path / "ws" / "campaigns" / "spring-serum.toml").read_text("utf-8"))
    assert data["dates"] == {"reply_by": date(2027, 3, 15), "post_by": date(2027, 3, 29)}
    assert date(2027, 3, 1) + timedelta(days=14) == data["dates"]["reply_by"]


def test_lint_warns_when_a_follow_up_can_only_go_out_after_its_date(tmp_path: Path) -> None:
    from outreach.services.lint import lint_campaign

    config = setup_files(tmp_path, "late", "10 business days")
    found = [
        f for f in lint_campaign(config, "spring", now=ENROLLED) if f.rule == "deadline-outrun"
    ]
    assert [(f.template, f.severity, f.message) for f in found] == [
        (
            "templates/late.ja.j2",
            "warning",
            "step 2 goes out 2026-12-07 at the earliest (enrolled today), after the reply_by "
            "2026-12-04 it states",
        )
    ]
    assert found[0].line == 6  # the line that states it
    config = setup_files(tmp_path, "late", "3 business days")
    assert not [
        f for f in lint_campaign(config, "spring", now=ENROLLED) if f.rule == "deadline-outrun"
    ]


def setup_files(tmp_path: Path, followup: str, delay: str) -> Config:
    config = make_workspace(
        tmp_path,
        sequences={"standard": SEQUENCE.format(followup=followup, delay=delay)},
    )
    (tmp_path / "templates" / "late.ja.j2").write_text(STATES_REPLY_BY, encoding="utf-8")
    return config
