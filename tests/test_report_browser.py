"""The HTML report opened in a real headless Chromium (Debian's `chromium`, driven by
Playwright): a screenshot per section, no console errors, no network request, charts drawn,
Japanese text rendered with a CJK font, and a PDF printed.

Skipped only when chromium (or Playwright) is absent and OUTREACH_REQUIRE_BROWSER is not set;
.ci/run installs both and sets it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from outreach.services.report.document import build
from outreach.services.report.render import render
from tests.support.report_seed import NOW, TEMPLATES, seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SECTIONS = (
    "headline",
    "funnel",
    "over-time",
    "influencers",
    "variants",
    "breakdowns",
    "definitions",
)


def _browser_or_skip() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not os.path.exists(CHROMIUM):
        if os.environ.get("OUTREACH_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium and playwright are required (OUTREACH_REQUIRE_BROWSER=1)")
        pytest.skip("chromium or playwright is not installed")
    return sync_playwright


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    sync_playwright = _browser_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser.new_page(viewport={"width": 1100, "height": 1400})
        finally:
            browser.close()


def report_file(db: Engine, tmp_path: Path, language: str) -> Path:
    seed(db)
    doc = build(
        db,
        "spring",
        zone=ZoneInfo("Asia/Tokyo"),
        language=language,
        now=NOW.replace(tzinfo=UTC),
        templates=TEMPLATES,
    )
    path = tmp_path / f"report-{language}.html"
    path.write_text(render(doc, "html"), encoding="utf-8")
    return path


def test_the_report_opens_offline_draws_and_prints(
    sqlite_db: Engine, tmp_path: Path, page: Any
) -> None:
    path = report_file(sqlite_db, tmp_path, "ja")
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    for section in SECTIONS:
        shot = page.locator(f"#{section}").screenshot(path=str(tmp_path / f"{section}.png"))
        assert len(shot) > 2000, section  # a PNG of a blank box is a few hundred bytes
    assert requests == [path.as_uri()], "the report fetched something besides itself"
    # The inlined stylesheet applies (an escaped quote in it would drop the font list).
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith(
        '"Noto Sans CJK JP"'
    )
    assert problems == []

    # Charts drawn: every SVG has bars or lines with a real size on screen.
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].map(svg => {
            const marks = [...svg.querySelectorAll('rect.bar')];
            return marks.filter(m => { const b = m.getBoundingClientRect();
                                        return b.width > 0 && b.height > 0; }).length;
        })"""
    )
    assert len(drawn) >= 5
    assert all(n > 0 for n in drawn), drawn

    # Japanese text is drawn with a font that has the glyphs (not boxes): the fonts Chromium
    # actually used for the heading, as its DevTools protocol reports them.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    h1 = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": h1})["fonts"]
    assert "キャンペーンレポート" in page.inner_text("h1")
    assert any("CJK" in f["familyName"] or "JP" in f["familyName"] for f in fonts), fonts

    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20000
    (tmp_path / "report.pdf").write_bytes(pdf)


def test_english_labels(sqlite_db: Engine, tmp_path: Path, page: Any) -> None:
    path = report_file(sqlite_db, tmp_path, "en")
    page.goto(path.as_uri())
    assert page.inner_text("h1") == "Campaign report: spring"
    assert "Variant comparison" in page.inner_text("#variants")
