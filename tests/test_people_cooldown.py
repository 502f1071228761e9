"""Relationships, not a blanket cooldown: someone another campaign is talking to, who declined
or who posted for us waits as long as [sending.cooldown] says for that state (else
`cooldown_days` from the last contact, as before); never mailed means no wait; and
`--ignore-cooldown REASON` enrols past it with the reason kept on the enrolment. On SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select, update

from outreach.clock import naive_utc
from outreach.domain.people import Relationship, cooldown
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store.schema import enrollment, influencer
from outreach.store.session import writing
from tests.support.sequence import add_influencer, make_workspace

NOW = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)


def _at_stage(engine: Engine, handle: str, stage: str, changed: datetime) -> None:
    with writing(engine) as conn:
        iid = conn.execute(select(influencer.c.id).where(influencer.c.handle == handle)).scalar()
        conn.execute(
            update(enrollment)
            .where(enrollment.c.influencer_id == iid)
            .values(stage=stage, stage_changed_at=naive_utc(changed))
        )


def test_the_period_follows_the_relationship(db: Engine, tmp_path: Path) -> None:
    periods = {"cooldown": {"declined": 180, "posted": 14, "replied": 30}}
    config = make_workspace(
        tmp_path, campaigns={"spring": "standard", "autumn": "standard"}, sending=periods
    )
    for handle in ("declined", "posted", "talking", "fresh"):
        add_influencer(db, handle)
    earlier = NOW - timedelta(days=40)
    autumn = enroll(
        db,
        config,
        "autumn",
        EnrollFilters(handles=("declined", "posted", "talking")),
        dry_run=False,
        now=earlier,
    )
    assert len(autumn.enrolled) == 3
    _at_stage(db, "declined", "declined", earlier + timedelta(days=2))
    _at_stage(db, "posted", "posted", earlier + timedelta(days=20))  # 20 days ago: over 14
    _at_stage(db, "talking", "negotiating", NOW - timedelta(days=3))
    spring = enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=NOW)
    assert sorted(e.handle for e in spring.enrolled) == ["fresh", "posted"]
    assert {s.handle: s.reason for s in spring.skipped} == {
        "declined": "declined in campaign 'autumn' on 2026-10-16 (cooldown for declined: 180 days)",
        "talking": "replied in campaign 'autumn' on 2026-11-20 (cooldown for replied: 30 days)",
    }
    forced = enroll(
        db,
        config,
        "spring",
        EnrollFilters(handles=("declined",)),
        dry_run=False,
        now=NOW,
        ignore_cooldown="she asked us to write again for the spring line",
    )
    assert [e.handle for e in forced.enrolled] == ["declined"]
    reason = (
        "declined in campaign 'autumn' on 2026-10-16 (cooldown for declined: 180 days); "
        "overridden: she asked us to write again for the spring line"
    )
    assert forced.enrolled[0].cooldown_override == reason
    with writing(db) as conn:
        kept = dict(
            conn.execute(
                select(influencer.c.handle, enrollment.c.cooldown_override)
                .join(influencer, influencer.c.id == enrollment.c.influencer_id)
                .where(enrollment.c.cooldown_override != "")
            ).all()
        )
    assert kept == {"declined": reason}


def test_without_periods_the_last_contact_and_cooldown_days_decide() -> None:
    contact = NOW - timedelta(days=10)
    rels = [Relationship("autumn", "negotiating", contact, NOW - timedelta(days=1))]
    held = cooldown(rels, {}, 90, NOW)
    assert held is not None
    assert held.reason == "contacted by campaign 'autumn' on 2026-11-13 (cooldown 90 days)"
    assert cooldown(rels, {}, 0, NOW) is None
    assert cooldown([], {"contacted": 30}, 90, NOW) is None  # never mailed: no wait
    assert cooldown(rels, {"replied": 0}, 90, NOW) is None
