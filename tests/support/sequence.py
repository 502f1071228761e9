"""Sequence tests: the sample workspace, people enrolled in its campaign, plan and send passes
at a given time, and the times the sample campaign sends at."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from outreach.config import Config
from outreach.domain.influencer import Basis, Tier
from outreach.services.send.dispatch import DispatchReport
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store.queries.roster import recompute_er_rank, upsert_influencer, upsert_post
from outreach.store.session import writing
from tests.support.render import FOLLOWUP, PITCH_JA, config_data
from tests.support.workspace import CAMPAIGN, STANDARD, build_workspace, campaign_toml

__all__ = [
    "ARMS",
    "ARM_TEMPLATES",
    "CAMPAIGN",
    "ENROLLED",
    "STANDARD",
    "TUE_0905",
    "TUE_0905_UTC",
    "add_influencer",
    "enrolled",
    "main_mailbox",
    "make_workspace",
    "tick",
    "two_enrolled",
]

JST = ZoneInfo("Asia/Tokyo")

# A sequence whose two steps have the same two arms (variants), and the templates it adds.
ARMS = """\
description = "Two arms over both steps"
[[step]]
delay = "0m"
subject = "default subject"
[[step.variant]]
name = "short"
template = "pitch"
weight = 1
[[step.variant]]
name = "long"
template = "pitchlong"
subject = "A longer pitch"
weight = 1

[[step]]
delay = "3 business days"
[[step.variant]]
name = "short"
template = "followup1"
[[step.variant]]
name = "long"
template = "followuplong"
"""

ARM_TEMPLATES = {
    "pitchlong.ja.j2": PITCH_JA.replace("{{ link }}", "LONG-PITCH\n{{ link }}"),
    "followuplong.j2": FOLLOWUP.replace("いかがでしょうか。", "いかがでしょうか。LONG-FOLLOWUP"),
}
ENROLLED = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)  # Monday 19:20 in Tokyo
TUE_0905 = datetime(2026, 11, 24, 9, 5, tzinfo=JST)  # Tuesday 09:05 in Tokyo
TUE_0905_UTC = TUE_0905.astimezone(UTC)


def make_workspace(
    base: Path,
    *,
    sequences: dict[str, str] | None = None,
    campaigns: dict[str, str] | None = None,
    **sections: dict[str, Any],
) -> Config:
    """Templates, `sequences/*.toml`, `campaigns/*.toml` (slug: sequence name) and config.toml
    under base, and the Config (with `sections` overriding config.toml's for in-process tests)."""
    return build_workspace(
        base,
        sequences=sequences or {"standard": STANDARD},
        campaigns={
            slug: campaign_toml(sequence)
            for slug, sequence in (campaigns or {"spring": "standard"}).items()
        },
        config=config_data(**sections),
    ).config


def main_mailbox(**extra: Any) -> dict[str, Any]:
    """A `mailboxes` section with the one mailbox `main`, plus `extra` keys (limits, inbox)."""
    return {
        "main": {
            "from_address": "pr@sakura-beauty.example.jp",
            "smtp": {"host": "127.0.0.1", "port": 8025, "security": "none"},
            **extra,
        }
    }


def add_influencer(engine: Engine, handle: str, **over: Any) -> int:
    """One influencer with one post; the address is derived from the handle."""
    record: dict[str, Any] = {
        "name": "山田 花子",
        "email": f"{handle}@example.jp",
        "platform": "instagram",
        "handle": handle,
        "followers": 12000,
        "engagement_rate": 0.05,
        "tier": Tier.MICRO,
        "tags": ["skincare"],
        "niche": "beauty",
        "country": "JP",
        "language": "ja",
        "basis": Basis.PUBLISHED_BUSINESS_ADDRESS,
    }
    record.update(over)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with writing(engine) as conn:
        iid, _ = upsert_influencer(conn, record, at=at)
        upsert_post(
            conn,
            iid,
            {
                "url": f"https://instagram.com/p/{handle}",
                "platform": record["platform"],
                "title": "冬のスキンケア",
                "published_at": datetime(2026, 11, 20, tzinfo=UTC),
                "likes": 500,
                "comments": 20,
            },
        )
        recompute_er_rank(conn)
    return iid


def plan_at(db: Engine, config: Config, at: datetime) -> None:
    """One plan pass at `at`, with a Composer of its own."""
    from outreach.clock import FixedClock
    from outreach.render.compose import Composer
    from outreach.services.send.plan import plan_due

    plan_due(db, config, FixedClock(at), Composer(config), limit=100)


def send_at(db: Engine, config: Config, at: datetime) -> DispatchReport:
    """One dispatch pass at `at` through the configured (real) SMTP server; each accepted
    step schedules the next, as the daemon's does."""
    import asyncio
    import random

    from outreach.clock import FixedClock
    from outreach.services.send.dispatch import dispatch_once
    from outreach.services.send.plan import sent_hook
    from outreach.transport.smtp import SmtpTransport

    async def go() -> DispatchReport:
        transport = SmtpTransport(config.mailboxes)
        try:
            return await dispatch_once(
                db,
                config,
                FixedClock(at),
                transport,
                worker="w",
                on_sent=sent_hook(config),
                rng=random.Random(2),
            )
        finally:
            await transport.close()

    return asyncio.run(go())


def tick(db: Engine, config: Config, at: datetime) -> DispatchReport:
    """What a daemon tick does at `at`: plan, then dispatch."""
    plan_at(db, config, at)
    return send_at(db, config, at)


def two_enrolled(db: Engine, tmp_path: Path, port: int) -> Config:
    """A workspace sending to `port`, with hanako and yui enrolled in the sample campaign."""
    box = main_mailbox(limits={"daily_cap": 50, "min_gap_seconds": 0, "jitter_seconds": 0})
    box["main"]["smtp"]["port"] = port
    config = make_workspace(tmp_path, mailboxes=box)
    for handle in ("hanako", "yui"):
        add_influencer(db, handle)
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3))
    return config


def enrolled(db: Engine, tmp_path: Path, handles: tuple[str, ...] = ("hanako", "yui")) -> Config:
    """A workspace on `db` (the worker opens it by URL) with `handles` enrolled, step 1 due."""
    url = db.url.render_as_string(hide_password=False)
    config = make_workspace(
        tmp_path, mailboxes=main_mailbox(limits={"daily_cap": 50}), database={"url": url}
    )
    for handle in handles:
        add_influencer(db, handle)
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3))
    return config
