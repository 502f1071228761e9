"""Enrolment on SQLite and PostgreSQL: filters, every skip reason, cooldown across campaigns,
dry run, handle files, and the CLI."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlalchemy import Engine, Table, func, insert, select

from outreach.cli import cli
from outreach.clock import FixedClock, naive_utc
from outreach.domain.influencer import Basis, Tier
from outreach.services.roster.importer import remove_suppression
from outreach.services.sequence.enroll import EnrollFilters, enroll, parse_handles
from outreach.store.queries.campaign import ensure_campaign
from outreach.store.queries.suppression import suppress
from outreach.store.schema import campaign, enrollment, outbox
from outreach.store.session import reading, writing
from tests.support.db import sqlite_engine
from tests.support.sequence import add_influencer, make_workspace

# Monday 2026-11-23 19:20 JST: after hours on 勤労感謝の日, so the first send is Tue 09:00 JST.
NOW = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
TUE_9_JST = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def _count(engine: Engine, table: Table) -> int:
    with reading(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _mailed(engine: Engine, handle_id: int, slug: str, sent_at: datetime) -> None:
    """Another campaign's enrollment of this influencer with a sent message."""
    with writing(engine) as conn:
        cid = ensure_campaign(conn, slug, sent_at)
        eid = conn.execute(
            insert(enrollment)
            .values(
                campaign_id=cid,
                influencer_id=handle_id,
                sequence="standard",
                mailbox="main",
                next_step=2,
                status="completed",
                stage="contacted",
                stage_changed_at=naive_utc(sent_at),
                created_at=naive_utc(sent_at),
            )
            .returning(enrollment.c.id)
        ).scalar_one()
        conn.execute(
            insert(outbox).values(
                enrollment_id=eid,
                step=1,
                mailbox="main",
                mail_from="pr@example.jp",
                rcpt_to=["x@example.jp"],
                email_norm="x@example.jp",
                message_id=f"<{slug}@x>",
                state="sent",
                due_at=naive_utc(sent_at),
                created_at=naive_utc(sent_at),
                updated_at=naive_utc(sent_at),
                sent_at=naive_utc(sent_at),
            )
        )


def test_enrols_with_the_first_send_in_the_recipients_window(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    add_influencer(db, "hanako")
    add_influencer(db, "emma", country="US", timezone="America/Los_Angeles", language="en")
    report = enroll(
        db, config, "spring", EnrollFilters(), dry_run=False, now=NOW, rng=random.Random(1)
    )
    assert report.skipped == []
    due = {e.handle: e.next_due_at for e in report.enrolled}
    # Tokyo: holiday evening -> Tuesday 09:00 JST plus up to 120 s of jitter.
    assert TUE_9_JST <= due["hanako"] <= TUE_9_JST + timedelta(seconds=120)
    # Los Angeles: Mon 02:20 PST -> Mon 09:00 PST (no Japanese holiday for her).
    la_nine = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert la_nine <= due["emma"] <= la_nine + timedelta(seconds=120)
    with reading(db) as conn:
        rows = conn.execute(
            select(enrollment).join(campaign).where(campaign.c.slug == "spring")
        ).all()
    assert {(r.sequence, r.mailbox, r.next_step, r.status, r.stage) for r in rows} == {
        ("standard", "main", 1, "active", "prospect")
    }
    stored = {r.next_due_at.replace(tzinfo=UTC) for r in rows}
    assert stored == set(due.values())


def test_filters_platform_tier_niche_tags_and_engagement_percentile(
    db: Engine, tmp_path: Path
) -> None:
    config = make_workspace(tmp_path)
    add_influencer(db, "low", engagement_rate=0.01)
    add_influencer(db, "mid", engagement_rate=0.03)
    add_influencer(db, "top", engagement_rate=0.09, tags=["skincare", "kyoto"])
    add_influencer(db, "tok", platform="tiktok", engagement_rate=0.20)
    add_influencer(db, "big", tier=Tier.MACRO, followers=500_000, niche="Food")

    def handles(**kw: Any) -> set[str]:
        r = enroll(db, config, "spring", EnrollFilters(**kw), dry_run=True, now=NOW)
        return {e.handle for e in r.enrolled}

    assert handles(platform="tiktok") == {"tok"}
    assert handles(tier="macro") == {"big"}
    assert handles(niche="food") == {"big"}
    assert handles(tags=("skincare", "kyoto")) == {"top"}
    # Within instagram: low 25, mid 50, big (0.05) 75, top 100; tiktok's only one is 100.
    assert handles(min_er_pct=90) == {"top", "tok"}
    assert handles(platform="instagram", min_er_pct=60) == {"top", "big"}
    assert handles(handles=("@mid", "nobody")) == {"mid"}


def test_every_skip_reason(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path, campaigns={"spring": "standard", "autumn": "standard"})
    add_influencer(db, "ok")
    add_influencer(db, "nobasis", basis=Basis.NONE)
    add_influencer(db, "noads", refuses_ads=True)
    add_influencer(db, "optedout")
    bounced = add_influencer(db, "bounced")
    recent = add_influencer(db, "recent")
    old = add_influencer(db, "old")
    with writing(db) as conn:
        suppress(conn, "OptedOut@example.jp", reason="opt_out", source="test", at=NOW)
    _mailed(db, recent, "autumn", NOW - timedelta(days=30))
    _mailed(db, old, "winter", NOW - timedelta(days=91))
    with writing(db) as conn:  # bounced in an earlier campaign, not (yet) suppressed
        cid = ensure_campaign(conn, "earlier", NOW - timedelta(days=200))
        conn.execute(
            insert(enrollment).values(
                campaign_id=cid,
                influencer_id=bounced,
                sequence="standard",
                mailbox="main",
                status="stopped",
                stage="bounced",
                stage_changed_at=naive_utc(NOW - timedelta(days=200)),
                created_at=naive_utc(NOW - timedelta(days=200)),
            )
        )
    report = enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=NOW)
    assert {e.handle for e in report.enrolled} == {"ok", "old"}
    assert {s.handle: s.reason for s in report.skipped} == {
        "nobasis": "no legal basis for contact (basis = none)",
        "noads": "refuses advertising mail (refuses_ads)",
        "optedout": "suppressed (opt-out, bounce or manual)",
        "bounced": "bounced in an earlier campaign",
        "recent": "contacted by campaign 'autumn' on 2026-10-24 (cooldown 90 days)",
    }
    again = enroll(
        db,
        config,
        "spring",
        EnrollFilters(handles=("ok", "old")),
        dry_run=False,
        now=NOW + timedelta(hours=1),
    )
    assert again.enrolled == []
    assert {s.reason for s in again.skipped} == {"already enrolled"}


def test_a_lifted_bounce_may_be_enrolled_again_but_an_opt_out_never(
    db: Engine, tmp_path: Path
) -> None:
    config = make_workspace(tmp_path, campaigns={"spring": "standard"})
    ids = {h: add_influencer(db, h) for h in ("bounced", "optedout")}
    then = NOW - timedelta(days=200)
    with writing(db) as conn:
        cid = ensure_campaign(conn, "earlier", then)
        for handle, stage, reason in (
            ("bounced", "bounced", "hard_bounce"),
            ("optedout", "unsubscribed", "opt_out"),
        ):
            conn.execute(
                insert(enrollment).values(
                    campaign_id=cid,
                    influencer_id=ids[handle],
                    sequence="standard",
                    mailbox="main",
                    status="stopped",
                    stage=stage,
                    stage_changed_at=naive_utc(then),
                    created_at=naive_utc(then),
                )
            )
            suppress(conn, f"{handle}@example.jp", reason=reason, source="test", at=naive_utc(then))
    before = enroll(db, config, "spring", EnrollFilters(), dry_run=True, now=NOW)
    assert {s.handle: s.reason for s in before.skipped} == {
        "bounced": "bounced in an earlier campaign",
        "optedout": "unsubscribed in an earlier campaign",
    }
    remove_suppression(
        db,
        "bounced@example.jp",
        reason="mailbox restored",
        actor="sato",
        force=False,
        clock=FixedClock(NOW - timedelta(days=1)),
    )
    after = enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=NOW)
    assert [e.handle for e in after.enrolled] == ["bounced"]
    assert {s.handle: s.reason for s in after.skipped} == {
        "optedout": "unsubscribed in an earlier campaign",
    }


def test_enrolment_in_another_campaign_counts_for_the_cooldown(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path, campaigns={"spring": "standard", "autumn": "standard"})
    add_influencer(db, "hanako")
    first = enroll(db, config, "autumn", EnrollFilters(), dry_run=False, now=NOW)
    assert [e.handle for e in first.enrolled] == ["hanako"]
    second = enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=NOW)
    assert second.enrolled == []
    assert second.skipped[0].reason.startswith("contacted by campaign 'autumn'")
    cooled = make_workspace(tmp_path, sending={"cooldown_days": 0})
    third = enroll(db, cooled, "spring", EnrollFilters(), dry_run=False, now=NOW)
    assert [e.handle for e in third.enrolled] == ["hanako"]


def test_dry_run_writes_nothing(db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    add_influencer(db, "hanako")
    add_influencer(db, "nobasis", basis=Basis.NONE)
    report = enroll(db, config, "spring", EnrollFilters(), dry_run=True, now=NOW)
    assert [e.handle for e in report.enrolled] == ["hanako"]
    assert [s.handle for s in report.skipped] == ["nobasis"]
    assert _count(db, enrollment) == 0
    assert _count(db, campaign) == 0


def test_handles_from_a_file(tmp_path: Path) -> None:
    listing = tmp_path / "who.txt"
    listing.write_text("\ufeff# shortlist\n@hanako\n\ntaro  # maybe\n", encoding="utf-8")
    assert parse_handles(("@emma",), str(listing)) == ("emma", "hanako", "taro")
    assert parse_handles((), None) is None


def test_cli_enroll_dry_run_then_for_real(tmp_path: Path) -> None:
    make_workspace(tmp_path)
    engine = sqlite_engine(tmp_path / "outreach.db")
    add_influencer(engine, "hanako")
    add_influencer(engine, "taro", basis=Basis.NONE)
    runner = CliRunner()
    args = ["--config", str(tmp_path / "config.toml"), "enroll", "spring"]
    dry = runner.invoke(cli, [*args, "--dry-run", "--format", "csv"], catch_exceptions=False)
    assert dry.exit_code == 0, dry.output
    assert "hanako,instagram,enrolled," in dry.output
    assert "taro,instagram,skipped: no legal basis for contact (basis = none)" in dry.output
    assert "nothing written" in dry.output
    assert _count(engine, enrollment) == 0
    real = runner.invoke(cli, [*args, "--handle", "hanako"], catch_exceptions=False)
    assert real.exit_code == 0, real.output
    assert "enrolled 1, skipped 0" in real.output
    assert _count(engine, enrollment) == 1
    engine.dispose()
