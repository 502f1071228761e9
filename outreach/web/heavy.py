"""The console's whole-workspace reads, run in a worker process: `outreach todo`'s queue and
a campaign's report document take seconds at 100,000 people, most of it Python, and in a
thread of the serving process they would hold the GIL against every page meanwhile. The
worker (a forkserver child, so no thread of the server is forked) opens its own engine."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from outreach.clock import FixedClock
from outreach.services.report import funnel as funnel_service
from outreach.services.report import todo as todo_service
from outreach.services.report.document import build
from outreach.services.report.render import render
from outreach.store.session import make_engine

_engines: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def templates_of(directory: str) -> dict[str, str]:
    try:
        return funnel_service.template_names(Path(directory))
    except Exception:  # a workspace without readable templates: hashes are shown instead
        return {}


def whole_campaign(
    url: str, templates_dir: str, slug: str, zone: str, language: str, now: datetime
) -> tuple[dict[str, Any], str]:
    """The report's document of `slug` and its HTML (`outreach report` of it)."""
    doc = build(
        _engine(url),
        slug,
        zone=ZoneInfo(zone),
        language=language,
        now=now,
        templates=templates_of(templates_dir),
    )
    return doc, render(doc, "html")


def todo(url: str, now: datetime) -> list[todo_service.Item]:
    """`outreach todo`'s items as of `now`."""
    return todo_service.todo(_engine(url), FixedClock(now))


def pool() -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return ProcessPoolExecutor(max_workers=1, mp_context=context)
