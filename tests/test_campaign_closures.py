"""A campaign's own closed days (besides [sending] closed): enrolment, the planner's next step
and the schedule all skip them, in each recipient's zone; a bad entry names file:line."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from outreach.errors import InputError
from outreach.services.sequence.campaigns import load_campaign
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.services.sequence.schedule import schedule
from tests.support.sequence import CAMPAIGN, add_influencer, make_workspace

JST = ZoneInfo("Asia/Tokyo")
# Wednesday 23 December 2026, 19:00 in Tokyo: after hours, so the first send is the next day.
WED_EVENING = datetime(2026, 12, 23, 19, 0, tzinfo=JST).astimezone(UTC)


def with_closed(tmp_path: Path, closed: str) -> None:
    (tmp_path / "campaigns" / "spring.toml").write_text(
        CAMPAIGN.format(sequence="standard").replace("[offer]", f"closed = {closed}\n[offer]"),
        encoding="utf-8",
    )


def test_enrolment_and_schedule_skip_the_campaigns_closed_days(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    add_influencer(db, "hanako")
    open_report = enroll(
        db, config, "spring", EnrollFilters(), dry_run=True, now=WED_EVENING, rng=random.Random(1)
    )
    assert open_report.enrolled[0].next_due_at.astimezone(JST).date().isoformat() == "2026-12-24"
    with_closed(tmp_path, '["12-24..12-25"]')
    assert load_campaign(config, "spring").closed.is_closed(datetime(2027, 12, 25).date())
    report = enroll(
        db, config, "spring", EnrollFilters(), dry_run=False, now=WED_EVENING, rng=random.Random(1)
    )
    first = report.enrolled[0].next_due_at.astimezone(JST)
    assert (first.date().isoformat(), first.hour) == ("2026-12-28", 9)  # Mon: 26-27 weekend
    timeline = schedule(db, config, "spring", WED_EVENING)
    sends = [(s.step, s.at.astimezone(JST).date().isoformat()) for s in timeline.sends]
    # The follow-up comes 3 business days after the pitch (29, 30, 31 December).
    assert sends == [(1, "2026-12-28"), (2, "2026-12-31")]


def test_a_bad_closed_entry_names_the_file_and_line(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    with_closed(tmp_path, '["12/24"]')
    with pytest.raises(InputError) as info:
        load_campaign(config, "spring")
    text = (tmp_path / "campaigns" / "spring.toml").read_text(encoding="utf-8")
    line = text.splitlines().index('closed = ["12/24"]') + 1
    assert str(info.value).startswith(
        f"{tmp_path / 'campaigns' / 'spring.toml'}:{line}: closed: '12/24' is not MM-DD or "
        "YYYY-MM-DD"
    )
