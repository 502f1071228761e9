"""Tracking links over real HTTP on 127.0.0.1: redirects with readable UTM parameters, every
human click recorded once under concurrent load, bots and link previews not counted."""

from __future__ import annotations

import http.client
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, func, select

from outreach.clock import FixedClock
from outreach.domain.deal import Deliverable
from outreach.errors import InputError
from outreach.services.pipeline import deals, kpi, links
from outreach.services.public.endpoint import start_unsubscribe_server
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store.schema import click
from outreach.store.session import reading
from tests.support.net import free_port
from tests.support.sequence import ENROLLED, add_influencer, make_workspace

KEY = "test-unsubscribe-key-0123456789abcdef"
AGENTS = {
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile": False,
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)": True,
    "facebookexternalhit/1.1;line-poker/1.0": True,
    "Twitterbot/1.0": True,
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)": True,
    "": True,
}


def test_redirects_under_load_record_each_human_click_once(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", KEY)
    config = make_workspace(
        tmp_path,
        unsubscribe={
            "listen": f"127.0.0.1:{free_port()}",
            "base_url": "https://go.sakura.example/unsubscribe",
        },
    )
    clock = FixedClock(ENROLLED)
    for handle, platform in (("hanako", "instagram"), ("yui", "youtube")):
        add_influencer(db, handle, platform=platform)
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3))
    for handle, platform in (("hanako", "instagram"), ("yui", "youtube")):
        deals.offer(
            db,
            clock,
            f"@{handle}",
            fee=10000,
            deliverables=(Deliverable(platform, "video", 1, None),),
        )
        deals.accept(db, clock, f"@{handle}")
    assert links.make_links(db, config, clock, "spring") == 2
    assert links.make_links(db, config, clock, "spring") == 0
    made = {r["handle"]: r for r in links.listing(db, config, "spring")}
    assert made["hanako"]["link"].startswith("https://go.sakura.example/r/")
    assert parse_qs(urlsplit(made["yui"]["location"]).query) == {
        "utm_source": ["youtube"],
        "utm_medium": ["influencer"],
        "utm_campaign": ["spring"],
        "utm_content": ["yui"],
    }

    server = start_unsubscribe_server(db, config, clock)
    plan = [
        (handle, agent, method)
        for i in range(40)
        for handle in ("hanako", "yui")
        for agent in AGENTS
        for method in (("GET",) if i % 10 else ("GET", "HEAD"))
    ]

    def hit(item: tuple[str, str, str]) -> tuple[int, str]:
        handle, agent, method = item
        conn = http.client.HTTPConnection(*server.address, timeout=10)
        conn.request(
            method,
            "/r/" + made[handle]["token"],
            headers={"Host": "go.sakura.example", "User-Agent": agent},
        )
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp.status, resp.getheader("Location") or ""

    try:
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(hit, plan))
        assert hit(("hanako", "x", "GET"))[0] == 302
        conn = http.client.HTTPConnection(*server.address, timeout=10)
        conn.request("GET", "/r/nosuchtoken", headers={"Host": "go.sakura.example"})
        assert conn.getresponse().status == 404
        conn.close()
    finally:
        server.stop()  # writes every queued click
    assert [a for a in answers if a[0] != 302] == []
    for (handle, _, _), (_, location) in zip(plan, answers, strict=True):
        assert location == made[handle]["location"]
    humans = sum(1 for _, agent, method in plan if not AGENTS[agent] and method == "GET")
    with reading(db) as conn:
        total = conn.execute(select(func.count()).select_from(click)).scalar()
        human = conn.execute(select(func.count()).where(click.c.bot.is_(False))).scalar()
    assert (total, human) == (len(plan) + 1, humans + 1)  # + the "x" agent: not a known bot
    rows = {r["group"]: r for r in kpi.campaign_kpis(db, "spring")}
    assert rows["hanako"]["clicks"] == humans // 2 + 1 and rows["yui"]["clicks"] == humans // 2
    listed = {r["handle"]: r for r in links.listing(db, config, "spring")}
    assert listed["hanako"]["visitors"] == 2  # one agent and address, and the "x" agent
    assert listed["yui"]["bots"] == len(plan) // 2 - humans // 2


def test_promo_codes_from_a_pattern(sqlite_db: Engine, tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    clock = FixedClock(ENROLLED)
    for handle in ("hanako.k", "yui", "ken"):
        add_influencer(sqlite_db, handle)
    enroll(
        sqlite_db,
        config,
        "spring",
        EnrollFilters(),
        dry_run=False,
        now=ENROLLED,
        rng=random.Random(3),
    )
    item = (Deliverable("instagram", "reel", 1, None),)
    deals.offer(sqlite_db, clock, "@hanako.k", fee=1, deliverables=item)
    deals.offer(sqlite_db, clock, "@yui", fee=1, deliverables=item, promo_code="YUI-VIP")
    deals.offer(sqlite_db, clock, "@ken", fee=1, deliverables=item)
    for handle in ("hanako.k", "yui"):
        deals.accept(sqlite_db, clock, f"@{handle}")
    assert links.promo_codes(sqlite_db, "spring", "{HANDLE}10") == 1  # ken has no accepted deal
    codes = {
        d["handle"]: deals.Terms.from_json(d["terms"]).promo_code for d in deals_rows(sqlite_db)
    }
    assert codes == {"hanako.k": "HANAKOK10", "yui": "YUI-VIP", "ken": ""}
    with pytest.raises(InputError, match=r"use \{HANDLE\}"):
        links.promo_codes(sqlite_db, "spring", "{who}")


def deals_rows(engine: Engine) -> list[dict[str, object]]:
    from outreach.store.queries.deals import deal_rows

    with reading(engine) as conn:
        return deal_rows(conn, "spring")


def test_bot_agents_and_utm() -> None:
    assert links.is_bot("Mozilla/5.0 (compatible; Discordbot/2.0)", "GET")
    assert links.is_bot("Mozilla/5.0 Safari", "HEAD")
    assert not links.is_bot("Mozilla/5.0 (Linux; Android 14) Chrome/120 Mobile Safari", "GET")
    assert links.with_utm(
        "https://shop.example/p?id=3&utm_source=old", platform="x", campaign="c", handle="h"
    ) == (
        "https://shop.example/p?id=3&utm_source=x&utm_medium=influencer&utm_campaign=c"
        "&utm_content=h"
    )
