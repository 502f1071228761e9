"""After the reply: pitch over real SMTP, a reply, a deal offered, countered and accepted,
contracted, posts checked for their disclosure, metrics and orders imported, KPIs exact."""

from __future__ import annotations

import asyncio
import email
import json
import random
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.config import Config
from outreach.domain.deal import find_disclosure, recognise_post, withholding_tax
from outreach.errors import UserError
from outreach.render.compose import Composer
from outreach.services.inbox.poll import import_files
from outreach.services.pipeline.results import when
from outreach.services.send.dispatch import dispatch_once
from outreach.services.send.plan import plan_due, sent_hook
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store.schema import enrollment, stage_history
from outreach.transport.smtp import SmtpTransport
from tests.support.sequence import ENROLLED, add_influencer, main_mailbox, make_workspace
from tests.support.smtp import smtp_server

__all__ = ["smtp_server"]
SEND_AT = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)  # Tuesday 09:05 in Tokyo

METRICS = """\
post_url,captured_at,reach,impressions,likes,comments,shares,saves,clicks
https://www.instagram.com/reel/C1hanako1/,2026-12-03,10000,15000,400,30,20,50,250
https://www.instagram.com/reel/C1hanako1/,2026-12-08,20000,30000,800,60,40,100,500
https://www.instagram.com/p/C1hanako2/,2026-12-08,5000,6000,100,10,,,40
https://www.youtube.com/watch?v=yui123,2026-12-08,8000,9000,300,50,,,
"""
ORDERS = """\
order_id,ordered_at,revenue,discount_code,landing_url
1001,2026-12-02T12:00:00,"12,000",HANAKO10,
1002,2026-12-05T09:00:00,8000,,https://shop.example/serum?utm_source=instagram&utm_medium=influencer&utm_campaign=spring&utm_content=hanako
1003,2026-11-30T09:00:00,5000,hanako10,
1004,2026-12-06T10:00:00,30000,YUI5,
1001,2026-12-02T12:00:00,12000,HANAKO10,
1005,2026-12-07,4000,,
"""


def send_pitches(db: Engine, config: Config) -> None:
    clock = FixedClock(SEND_AT)
    plan_due(db, config, clock, Composer(config), limit=100)

    async def go() -> int:
        transport = SmtpTransport(config.mailboxes)
        try:
            report = await dispatch_once(
                db,
                config,
                clock,
                transport,
                worker="w",
                on_sent=sent_hook(config),
                rng=random.Random(2),
            )
            return report.sent
        finally:
            await transport.close()

    assert asyncio.run(go()) == 2


def reply_to(pitch: bytes, path: Path) -> Path:
    sent = email.message_from_bytes(pitch)
    path.write_text(
        f"From: {sent['To']}\r\nTo: {sent['From']}\r\nSubject: Re: {sent['Subject']}\r\n"
        f"Message-ID: <reply-1@example.jp>\r\nIn-Reply-To: {sent['Message-ID']}\r\n"
        f"Date: Wed, 25 Nov 2026 10:00:00 +0900\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "\r\nぜひお受けしたいです。条件を教えてください。\r\n",
        encoding="utf-8",
    )
    return path


def test_pitch_reply_deal_posts_results_kpis(db: Engine, tmp_path: Path, smtp_server: Any) -> None:
    sink, handler = smtp_server
    box = main_mailbox(limits={"daily_cap": 50, "min_gap_seconds": 0, "jitter_seconds": 0})
    box["main"]["smtp"]["port"] = sink.port
    config = make_workspace(tmp_path, mailboxes=box)
    add_influencer(db, "hanako")
    add_influencer(db, "yui", platform="youtube")
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3))
    send_pitches(db, config)
    pitch = next(raw for raw in handler.received if b"hanako@example.jp" in raw)
    import_files(db, config, FixedClock(SEND_AT), [reply_to(pitch, tmp_path / "reply.eml")])
    with db.connect() as conn:
        stages = dict(conn.execute(select(enrollment.c.id, enrollment.c.stage)).all())
    assert sorted(stages.values()) == ["contacted", "negotiating"]

    url = db.url.render_as_string(hide_password=False)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        cfg.read_text(encoding="utf-8") + f'\n[database]\nurl = "{url}"\n', encoding="utf-8"
    )
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--config", str(cfg), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    def refused(*args: str) -> str:
        with pytest.raises(UserError) as err:
            runner.invoke(cli, ["--config", str(cfg), *args], catch_exceptions=False)
        return str(err.value)

    offered = run(
        "deal",
        "offer",
        "@hanako",
        "--fee",
        "50000",
        "--individual",
        "--gift",
        "Sakura Night Serum:4500:2",
        "--shipping",
        "800",
        "--agency-fee",
        "5000",
        "--deliverable",
        "instagram:reel:1:2026-12-01",
        "--deliverable",
        "instagram:feed:1:2026-12-03",
        "--deliverable",
        "instagram:story:1:2026-12-04",
        "--usage",
        "secondary use 6 months: web, ads",
        "--exclusivity",
        "skincare 30 days",
        "--disclosure",
        "#PR",
        "--promo-code",
        "HANAKO10",
    )
    # 50,000 x 10.21 % = 5,105 withheld; cost 50,000 + 4,500 x 2 + 800 + 5,000 = 64,800.
    assert "源泉徴収 5,105 (net 44,895)" in offered and "cost (税別): 64,800 JPY" in offered
    countered = run("deal", "counter", "@hanako", "--fee", "60000", "--note", "reel re-shoot")
    # 60,000 x 10.21 % = 6,126; cost 60,000 + 9,000 + 800 + 5,000 = 74,800.
    assert "countered" in countered and "源泉徴収 6,126 (net 53,874)" in countered
    assert "cost (税別): 74,800 JPY" in countered
    assert "@hanako has no accepted deal" in refused("move", "@hanako", "contracted")
    run("deal", "accept", "@hanako", "--by", "brand")
    moved = run("move", "@hanako", "contracted", "--note", "contract signed")
    assert "negotiating -> contracted" in moved

    # yui: a company payee, fee 33,000 税込 = 30,000 税別, one YouTube video.
    run(
        "deal",
        "offer",
        "@yui",
        "--fee",
        "33000",
        "--tax-basis",
        "税込",
        "--company",
        "--deliverable",
        "youtube:video:1:2026-12-05",
        "--promo-code",
        "YUI5",
    )
    run("deal", "accept", "@yui")

    first = run(
        "post",
        "add",
        "@hanako",
        "https://www.instagram.com/reel/C1hanako1/",
        "--caption",
        "夜の集中ケア #PR #SakuraBeauty",
        "--posted-at",
        "2026-12-01 10:00:00",
    )
    assert "deliverable 1: verified (#PR)" in first and "1 of 3 deliverables posted" in first
    second = run(
        "post",
        "add",
        "@hanako",
        "https://www.instagram.com/p/C1hanako2/",
        "--caption",
        "お気に入りの美容液 #SakuraBeauty #PRESENT",
        "--posted-at",
        "2026-12-02 10:00:00",
    )
    assert "deliverable 2: FLAGGED" in second and "2 of 3 deliverables posted" in second
    # By hand, `posted` needs every deliverable posted (or --force with a reason).
    assert "@hanako cannot be posted: 2 of 3 deliverable(s) of deal #1 posted" in refused(
        "move", "@hanako", "posted"
    )
    assert "is @someone's post, not @hanako's" in refused(
        "post", "add", "@hanako", "https://www.tiktok.com/@someone/video/1"
    )
    yui = run(
        "post",
        "add",
        "@yui",
        "https://www.youtube.com/watch?v=yui123",
        "--caption",
        "Paid partnership with Sakura Beauty",
        "--posted-at",
        "2026-12-03 10:00:00",
    )
    assert "verified (Paid partnership)" in yui

    shown = run("deal", "show", "@hanako")
    assert "stage contracted" in shown and "NO DISCLOSURE" in shown
    trail = [
        line.split()[3] + " " + line.split()[5]
        for line in shown.splitlines()
        if line.startswith("  2026-") or line.startswith("  20")
    ]
    assert trail == ["offer brand", "counter creator", "accept brand"]
    late = json.loads(run("late", "spring", "--format", "json").strip())
    today = datetime.now(UTC).date()
    assert (late["handle"], late["n"], late["format"], late["days_late"]) == (
        "hanako",
        3,
        "story",
        (today - date(2026, 12, 4)).days,
    )
    deals = [json.loads(line) for line in run("deal", "list", "--format", "json").splitlines()]
    assert [(d["handle"], d["status"], d["withholding"], d["cost_ex_tax"]) for d in deals] == [
        ("hanako", "accepted", 6126, 74800),
        ("yui", "accepted", None, 30000),
    ]
    with db.connect() as conn:
        notes = (
            conn.execute(
                select(stage_history.c.note).where(stage_history.c.to_stage == "contracted")
            )
            .scalars()
            .all()
        )
    assert notes == ["deal #1; contract signed"]

    fixed = run(
        "post",
        "caption",
        "https://www.instagram.com/p/C1hanako2/",
        "--caption",
        "お気に入りの美容液 #PRESENT",
    )
    assert fixed == "deliverable 2: FLAGGED: no required disclosure in the caption (景品表示法)\n"

    (tmp_path / "insights.csv").write_text(METRICS, encoding="utf-8")
    assert "4 snapshot(s) added, 0 replaced" in run(
        "import", "metrics", str(tmp_path / "insights.csv")
    )
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    got = run("import", "orders", "spring", str(tmp_path / "orders.csv"))
    # 1001 by code, 1002 by UTM, 1004 by code; 1003 before hanako's first post; 1005 no code.
    assert (
        "5 added (2 by code, 1 by UTM, 2 unattributed of which 1 outside the window), "
        "1 already known" in got
    )
    assert "0 added" in run("import", "orders", "spring", str(tmp_path / "orders.csv"))

    rows = {
        r["group"]: r
        for r in map(json.loads, run("kpi", "spring", "--format", "json").splitlines())
    }
    # hanako: only the verified reel counts, its latest snapshot: reach 20,000,
    # engagement 800 + 60 + 40 + 100 = 1,000, ER 1,000 / 20,000 = 0.05, clicks 500,
    # CTR 500 / 20,000 = 0.025; orders 1001 + 1002 = 2, revenue 20,000, CVR 2 / 500 = 0.004;
    # cost 74,800: CPE 74.8, CPC 149.6, CPA 37,400, ROAS 20,000 / 74,800 = 0.2674,
    # ROI (20,000 - 74,800) / 74,800 = -0.7326.
    assert rows["hanako"] == {
        "group": "hanako",
        "people": 1,
        "posts": 2,
        "verified": 1,
        "flagged": 1,
        "cost": 74800,
        "currency": "JPY",
        "tax_basis": "税別",
        "reach": 20000,
        "engagement": 1000,
        "er": 0.05,
        "clicks": 500,
        "ctr": 0.025,
        "conversions": 2,
        "cvr": 0.004,
        "revenue": 20000,
        "cpe": 74.8,
        "cpc": 149.6,
        "cpa": 37400,
        "roas": 0.2674,
        "roi": -0.7326,
    }
    # yui: cost 30,000; reach 8,000, engagement 350, ER 0.04375 -> 0.0438; no clicks reported,
    # so CTR, CVR and CPC are missing; order 1004: CPA 30,000, ROAS 1, ROI 0; CPE 85.71.
    assert rows["yui"] == {
        "group": "yui",
        "people": 1,
        "posts": 1,
        "verified": 1,
        "flagged": 0,
        "cost": 30000,
        "currency": "JPY",
        "tax_basis": "税別",
        "reach": 8000,
        "engagement": 350,
        "er": 0.0438,
        "clicks": None,
        "ctr": None,
        "conversions": 1,
        "cvr": None,
        "revenue": 30000,
        "cpe": 85.71,
        "cpc": None,
        "cpa": 30000,
        "roas": 1.0,
        "roi": 0.0,
    }
    # total: cost 104,800, reach 28,000, engagement 1,350 (ER 0.0482); yui's clicks are
    # unknown, so the campaign's are too; 3 orders, 50,000: CPA 34,933.33,
    # ROAS 50,000 / 104,800 = 0.4771, ROI -0.5229, CPE 104,800 / 1,350 = 77.63.
    total = rows["total"]
    assert (
        total["cost"],
        total["reach"],
        total["engagement"],
        total["er"],
        total["clicks"],
        total["ctr"],
        total["conversions"],
        total["revenue"],
        total["cpe"],
        total["cpa"],
        total["roas"],
        total["roi"],
    ) == (104800, 28000, 1350, 0.0482, None, None, 3, 50000, 77.63, 34933.33, 0.4771, -0.5229)
    # The creator adds #PR to the feed post: it counts from now on (reach 20,000 + 5,000;
    # engagement 1,000 + 100 + 10; clicks 500 + 40).
    assert (
        run(
            "post",
            "caption",
            "https://www.instagram.com/p/C1hanako2/",
            "--caption",
            "お気に入りの美容液 #PR",
        )
        == "deliverable 2: verified (#PR)\n"
    )
    hanako = json.loads(run("kpi", "spring", "--format", "json").splitlines()[0])
    assert (
        hanako["verified"],
        hanako["flagged"],
        hanako["reach"],
        hanako["engagement"],
        hanako["clicks"],
    ) == (2, 0, 25000, 1110, 540)
    by_platform = run("kpi", "spring", "--by", "platform")
    assert by_platform.splitlines()[2].startswith("instagram  1")
    assert by_platform.splitlines()[3].startswith("youtube    1")
    forced = run("move", "@hanako", "posted", "--force", "story dropped by agreement")
    assert "contracted -> posted" in forced
    with db.connect() as conn:
        assert conn.execute(
            select(stage_history.c.note).where(stage_history.c.to_stage == "posted")
        ).scalars().all() == ["forced: story dropped by agreement"]


def test_bad_metrics_and_orders_files_name_file_line_and_field(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    config = make_workspace(tmp_path)
    add_influencer(sqlite_db, "hanako")
    enroll(
        sqlite_db,
        config,
        "spring",
        EnrollFilters(),
        dry_run=False,
        now=ENROLLED,
        rng=random.Random(3),
    )
    cfg = tmp_path / "config.toml"
    url = sqlite_db.url.render_as_string(hide_password=False)
    cfg.write_text(
        cfg.read_text(encoding="utf-8") + f'\n[database]\nurl = "{url}"\n', encoding="utf-8"
    )
    metrics = tmp_path / "m.csv"
    metrics.write_text(
        "url,date,reach,likes\nhttps://x.example/p/1,2026-12-01,1.5k,-3\n"
        "https://x.example/p/1,yesterday,10,2\n",
        encoding="utf-8",
    )
    orders = tmp_path / "o.csv"
    orders.write_text(
        "order_id,ordered_at,revenue\n,2026-12-01,100\n7,2026-12-01,-5\n8,2026-13-01,abc\n",
        encoding="utf-8",
    )
    nohead = tmp_path / "n.csv"
    nohead.write_text("id,when\n1,2\n", encoding="utf-8")
    m = str(metrics)
    assert _cli_errors(cfg, "import", "metrics", m) == [
        f"{m}:2: post_url: no recorded post has this URL (outreach post add)",
        f"{m}:2: reach: '1.5k' is not a whole number",
        f"{m}:2: likes: '-3' is not a whole number",
        f"{m}:3: post_url: no recorded post has this URL (outreach post add)",
        f"{m}:3: captured_at: 'yesterday' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
        "5 problem(s); nothing was imported",
    ]
    o = str(orders)
    assert _cli_errors(cfg, "import", "orders", "spring", o) == [
        f"{o}:2: order_id: is empty",
        f"{o}:3: revenue: '-5' is negative",
        f"{o}:4: ordered_at: '2026-13-01' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
        f"{o}:4: revenue: 'abc' is not an amount",
        "4 problem(s); nothing was imported",
    ]
    n = str(nohead)
    assert _cli_errors(cfg, "import", "orders", "spring", n) == [
        f"{n}:1: order_id: required column is missing (or --map order_id=COLUMN)",
        f"{n}:1: ordered_at: required column is missing (or --map ordered_at=COLUMN)",
        f"{n}:1: revenue: required column is missing (or --map revenue=COLUMN)",
        "3 problem(s); nothing was imported",
    ]
    assert (
        _cli_errors(
            cfg,
            "import",
            "orders",
            "spring",
            n,
            "--map",
            "ordered_at=when",
            "--map",
            "revenue=id",
            "--map",
            "order_id=id",
        )[0]
        == f"{n}:2: ordered_at: '2' is not a date "
        "(YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
    )


def _cli_errors(cfg: Path, *args: str) -> list[str]:
    """stderr of the real `outreach` process (user errors print without a traceback)."""
    proc = subprocess.run(
        [sys.executable, "-m", "outreach", "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return proc.stderr.splitlines()


def test_withholding_disclosure_and_post_urls() -> None:
    from decimal import Decimal

    # 源泉徴収: 10.21 % up to 1,000,000; 20.42 % on the excess (NTA No.2795), yen floored.
    assert withholding_tax(Decimal(30000)) == 3063
    assert withholding_tax(Decimal(1_000_000)) == 102100
    assert withholding_tax(Decimal(1_500_000)) == 102100 + 102100
    assert withholding_tax(Decimal(33333)) == 3403  # 3,403.29 floored
    labels = ("#PR", "#広告", "#プロモーション", "Paid partnership", "タイアップ投稿")
    assert find_disclosure("新作 #pr です", labels) == "#PR"
    assert find_disclosure("#PRESENT企画", labels) == ""
    assert find_disclosure("冬のケア #広告", labels) == "#広告"
    assert find_disclosure("PAID PARTNERSHIP with X", labels) == "Paid partnership"
    assert find_disclosure("", labels) == ""
    assert recognise_post("https://www.tiktok.com/@Hanako/video/7").account == "hanako"
    assert recognise_post("https://x.com/hanako/status/1").platform == "x"
    assert recognise_post("https://youtu.be/abc").platform == "youtube"
    assert recognise_post("https://www.instagram.com/reel/C1/").account == ""
    assert recognise_post("https://instagram.com/stories/Hanako/33/").account == "hanako"
    assert when("2026-12-04 20:15:00 +0900") == datetime(2026, 12, 4, 11, 15)  # Shopify's form
    assert when("2026/12/04") == datetime(2026, 12, 4)
