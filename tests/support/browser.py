"""A real headless Chromium (Debian's `chromium`) driven by Playwright, for browser tests.

`chromium_page` yields a page that records console errors and page errors; tests assert the
list stays empty. Screenshots go to `artifact_dir(name)`: $OUTREACH_ARTIFACTS/<name>, else
test-artifacts/<name> at the repository root (git-ignored), kept after the run.
Skipped only when chromium (or Playwright) is absent and OUTREACH_REQUIRE_BROWSER is unset;
.ci/run installs both and sets it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]


def playwright_or_skip() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not os.path.exists(CHROMIUM):
        if os.environ.get("OUTREACH_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium and playwright are required (OUTREACH_REQUIRE_BROWSER=1)")
        pytest.skip("chromium or playwright is not installed")
    return sync_playwright


def artifact_dir(name: str) -> Path:
    base = Path(os.environ.get("OUTREACH_ARTIFACTS") or ROOT / "test-artifacts")
    path = base / name
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def chromium_page(errors: list[str], **context: Any) -> Iterator[Any]:
    """A fresh browser context's page; console errors and uncaught exceptions are appended
    to `errors`."""
    sync_playwright = playwright_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, **context)
            page = ctx.new_page()
            page.on(
                "console",
                lambda m: (
                    errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
                ),
            )
            page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
            yield page
        finally:
            browser.close()
