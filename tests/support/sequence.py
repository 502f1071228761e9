"""A workspace for sequence tests: config, templates, a sequence, a campaign file, people."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from outreach.config import Config
from outreach.domain.influencer import Basis, Tier
from outreach.services.send.dispatch import DispatchReport
from outreach.store.queries.roster import recompute_er_rank, upsert_influencer, upsert_post
from outreach.store.session import writing
from tests.support.render import make_config, write_templates
from tests.test_campaigns import CONFIG_TOML, STANDARD

__all__ = ["STANDARD", "add_influencer", "main_mailbox", "make_workspace"]

CAMPAIGN = """\
name = "Spring serum launch"
brand = "Sakura Beauty"
product = "Sakura Night Serum"
sequence = "{sequence}"
mailbox = "main"
tracking_target = "https://sakura-beauty.example.jp/serum"
deliverables = ["Instagram feed post x1"]

[offer]
kind = "fee+gift"
amount = 30000
currency = "JPY"
description = "set"

[dates]
reply_by = 2026-12-04
"""


def make_workspace(
    base: Path,
    *,
    sequences: dict[str, str] | None = None,
    campaigns: dict[str, str] | None = None,
    **sections: dict[str, Any],
) -> Config:
    """Templates, `sequences/*.toml`, `campaigns/*.toml` and config.toml under base, and the
    Config (with `sections` overriding config.toml's for in-process tests)."""
    write_templates(base / "templates")
    (base / "config.toml").write_text(CONFIG_TOML, encoding="utf-8")
    (base / "sequences").mkdir(exist_ok=True)
    (base / "campaigns").mkdir(exist_ok=True)
    for name, text in (sequences or {"standard": STANDARD}).items():
        (base / "sequences" / f"{name}.toml").write_text(text, encoding="utf-8")
    for slug, sequence in (campaigns or {"spring": "standard"}).items():
        (base / "campaigns" / f"{slug}.toml").write_text(
            CAMPAIGN.format(sequence=sequence), encoding="utf-8"
        )
    return make_config(base, **sections)


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
