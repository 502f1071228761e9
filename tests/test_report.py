"""The funnel, the report's KPIs and its output formats on a seeded campaign, against numbers
worked out by hand (tests/support/report_seed.py).

The seed, T0 = 2026-12-01 00:00 UTC, everyone enrolled at T0:
  p1..p8 (ja) sent step 1 (pitch.ja) at T0+1h; p9 (en) sent pitch.en at T0+1h, bounced T0+2h;
  p10 never sent. Step 2 (followup1.ja) sent to p5, p6, p7 at T0+3d; p8's is `unknown`.
  Replies: p1 T0+5h, p2 T0+1d (both -> negotiating), p3 declines T0+2d, p6 opts out T0+3d2h,
  p5 replies T0+4d (-> negotiating); p7 only auto-replies. p1 contracted T0+6d, p2 T0+7d;
  p1 posts T0+10d, two orders T0+11d (7,480 each).
  Instagram: p1..p6, YouTube: p7..p10. Deals: p1 50,000 + gift 4,500 + shipping 800, p2 30,000.

By hand: enrolled 10, sent 9, delivered 8 (p9 bounced), replied 5 (p1 p2 p3 p5 p6),
interested 3, declined 1, opted out 1, contracted 2, posted 1, converted 1.
Median replied - delivered: gaps 4, 23, 47, 73, 95 h -> 47 h. contracted - interested:
p1 139 h, p2 144 h -> 141.5 h. posted - contracted 96 h; converted - posted 24 h.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from outreach.cli import cli
from outreach.errors import InputError
from outreach.services.report import funnel as f
from outreach.services.report.document import build
from outreach.services.report.render import render
from tests.support.report_seed import NOW, T0, TEMPLATES, seed
from tests.support.smtp import config_data
from tests.support.workspace import config_file

TOKYO = ZoneInfo("Asia/Tokyo")


def cells(data: f.FunnelData, by: str | None = None) -> dict[tuple[str, str], f.Cell]:
    return {(c.group, c.stage): c for c in f.funnel(data, by)}


def test_the_funnel_counts_rates_and_median_times(db: Engine) -> None:
    seed(db)
    data = f.load(db, "spring", templates=TEMPLATES)
    got = cells(data)
    counts = {stage: got["all", stage].count for stage in f.STAGES}
    assert counts == {
        "enrolled": 10,
        "sent": 9,
        "delivered": 8,
        "replied": 5,
        "interested": 3,
        "declined": 1,
        "opted_out": 1,
        "contracted": 2,
        "posted": 1,
        "converted": 1,
    }
    assert got["all", "sent"].rate == pytest.approx(9 / 10)
    assert got["all", "delivered"].rate == pytest.approx(8 / 9)
    assert got["all", "replied"].rate == pytest.approx(5 / 8)
    assert got["all", "interested"].rate == pytest.approx(3 / 5)
    assert got["all", "contracted"].rate == pytest.approx(2 / 3)
    assert got["all", "replied"].of_enrolled == pytest.approx(0.5)
    assert got["all", "sent"].median_hours == pytest.approx(1.0)
    assert got["all", "replied"].median_hours == pytest.approx(47.0)
    assert got["all", "contracted"].median_hours == pytest.approx(141.5)
    assert got["all", "posted"].median_hours == pytest.approx(96.0)
    assert got["all", "converted"].median_hours == pytest.approx(24.0)
    assert got["all", "enrolled"].median_hours is None


def test_every_cell_traces_back_to_people(db: Engine) -> None:
    seed(db)
    data = f.load(db, "spring", templates=TEMPLATES)
    assert [p.handle for p in f.explain(data, "replied")] == ["p1", "p2", "p3", "p6", "p5"]
    assert [p.handle for p in f.explain(data, "replied", "platform", "youtube")] == []
    assert [p.handle for p in f.explain(data, "sent", "platform", "youtube")] == ["p7", "p8", "p9"]
    assert [p.handle for p in f.explain(data, "delivered", "platform", "youtube")] == ["p7", "p8"]
    with pytest.raises(InputError, match="no group 'tiktok'"):
        f.explain(data, "sent", "platform", "tiktok")
    with pytest.raises(InputError, match="no funnel stage"):
        f.explain(data, "won")


def test_groups_by_platform_tier_agency_language_and_variant(db: Engine) -> None:
    seed(db)
    data = f.load(db, "spring", templates=TEMPLATES)
    by_platform = cells(data, "platform")
    assert by_platform["instagram", "replied"].count == 5
    assert by_platform["youtube", "delivered"].count == 2
    assert by_platform["youtube", "sent"].rate == pytest.approx(3 / 4)
    assert cells(data, "tier")["micro", "replied"].count == 3  # p1 p3 p5
    assert cells(data, "agency")["talent.example.jp", "contracted"].count == 2
    assert cells(data, "language")["en", "sent"].count == 1
    # The variant a person counts under is the last message before their first reply.
    by_variant = cells(data, "variant")
    assert by_variant["1: pitch.ja", "replied"].count == 3  # p1 p2 p3
    assert by_variant["2: followup1.ja", "replied"].count == 2  # p5 p6
    assert by_variant["1: pitch.en", "delivered"].count == 0
    assert by_variant["(none)", "enrolled"].count == 1  # p10
    arms = {(a.step, a.name): a for a in f.arms(data)}
    assert arms[1, "pitch.ja"] == f.ArmResult(1, "pitch.ja", 8, 3, 2)
    assert arms[2, "followup1.ja"] == f.ArmResult(2, "followup1.ja", 3, 2, 1)
    assert (1, "pitch.en") not in arms  # its one message bounced: reached nobody


def test_across_campaigns_and_since(db: Engine) -> None:
    seed(db)
    every = f.load(db, None, templates=TEMPLATES)
    assert cells(every, "campaign")["winter", "enrolled"].count == 1
    assert cells(every)["all", "enrolled"].count == 11
    later = f.load(db, "spring", since=T0.replace(day=2))
    assert later.people == []
    with pytest.raises(InputError, match="no campaign 'nope'"):
        f.load(db, "nope")


def test_an_unknown_template_hash_is_shown_by_its_digits(sqlite_db: Engine) -> None:
    seed(sqlite_db)
    data = f.load(sqlite_db, "spring")
    assert {p.template for p in data.people} >= {"sha256:aaaaaaaa", "sha256:bbbbbbbb"}


def test_the_report_kpis_match_the_seed(sqlite_db: Engine) -> None:
    seed(sqlite_db)
    doc = build(
        sqlite_db,
        "spring",
        zone=TOKYO,
        language="en",
        now=NOW.replace(tzinfo=UTC),
        templates=TEMPLATES,
    )
    h = doc["headline"]
    # Cost 税別: p1 50,000 + 4,500 + 800 = 55,300; p2 30,000 -> 85,300. Revenue 2 x 7,480.
    assert h["cost"] == 85300
    assert h["revenue"] == 14960
    assert h["conversions"] == 2
    assert h["reach"] == 10000
    assert h["roi"] == pytest.approx(round((14960 - 85300) / 85300, 4))
    assert h["clicks"] is None  # p2 has no post yet: unknown, not zero
    p1 = next(r for r in doc["influencers"] if r["handle"] == "p1")
    assert p1["post_urls"] == ["https://www.instagram.com/reel/P1/"]
    assert p1["clicks"] == 200
    assert p1["er"] == pytest.approx(500 / 10000)
    assert doc["generated_at"] == "2026-12-13 12:00 JST"
    assert doc["timezone"] == "Asia/Tokyo"
    days = {r["date"]: r for r in doc["over_time"]}
    assert days["2026-12-01"] == {"date": "2026-12-01", "sends": 9, "replies": 1}
    assert days["2026-12-04"]["sends"] == 3  # T0+3d is 09:00 JST on 12-04
    assert sum(r["replies"] for r in doc["over_time"]) == 5
    step1 = doc["variants"][0]
    assert step1["arms"][0]["reply_ci"] == pytest.approx([0.1368, 0.6943], abs=1e-4)  # 3/8
    platforms = {r["group"]: r for r in doc["platforms"]}
    assert platforms["instagram"]["reply_rate"] == pytest.approx(round(5 / 6, 4))


def test_output_formats(sqlite_db: Engine) -> None:
    seed(sqlite_db)
    doc = build(sqlite_db, "spring", zone=TOKYO, language="ja", now=NOW.replace(tzinfo=UTC))
    assert json.loads(render(doc, "json"))["funnel"][0] == {
        "group": "all",
        "stage": "enrolled",
        "count": 10,
        "rate": None,
        "of_enrolled": 1.0,
        "median_hours": None,
    }
    rows = list(csv.reader(io.StringIO(render(doc, "csv"))))
    assert rows[0] == ["section", "group", "field", "value"]
    assert ["funnel", "replied", "count", "5"] in rows
    md = render(doc, "md")
    assert "| 返信 | 5 | 62.5 % | 50.0 % | 47.0 時間 |" in md
    html = render(doc, "html")
    assert html.count("<svg") >= 5
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def workspace(tmp_path: Path, db: Engine, language: str = "") -> Path:
    data = config_data(2525, db_url=db.url.render_as_string(hide_password=False))
    data["workspace"] = {"templates": str(tmp_path / "templates")}
    if language:
        data["workspace"]["report_language"] = language
    return config_file(tmp_path, data)


def run(path: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(path), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_commands(sqlite_db: Engine, tmp_path: Path) -> None:
    seed(sqlite_db)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "pitch.ja.j2").write_text("x", encoding="utf-8")
    path = workspace(tmp_path, sqlite_db, language="en")
    out = run(path, "funnel", "spring")
    assert "replied     5       62.5%" in out
    out = run(path, "funnel", "spring", "--by", "platform", "--explain", "delivered:youtube")
    assert "@p7" in out and "@p8" in out and "@p9" not in out
    assert "2026-12-01 10:00 JST" in out  # sent T0+1h, shown in the display zone
    html = tmp_path / "r.html"
    run(path, "report", "spring", "-o", str(html))
    assert "Campaign report: spring" in html.read_text(encoding="utf-8")
    assert "キャンペーンレポート" in run(path, "report", "spring", "--lang", "ja", "--format", "md")
    assert json.loads(run(path, "report", "spring", "--format", "json"))["language"] == "en"
    # --since is a date in the display timezone: 2026-12-01 in Tokyo began at 11-30 15:00 UTC,
    # before everyone's enrolment (12-01 00:00 UTC); 12-02 began after it.
    assert "enrolled    10" in run(path, "funnel", "spring", "--since", "2026-12-01")
    assert "enrolled    0" in run(path, "funnel", "spring", "--since", "2026-12-02")
    every = run(path, "funnel", "--by", "campaign", "--format", "csv")
    assert "winter,enrolled,1," in every
