"""Bounded reads for the console's pages: the board a column at a time (counts for all, the
cards longest in each stage), campaigns with their stage counts, a campaign's people a page
at a time, and the data fingerprint the page caches key on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from outreach.clock import Clock, utc
from outreach.domain.stages import Stage
from outreach.store.queries import console as q
from outreach.store.session import reading


@dataclass
class BoardPage:
    counts: dict[str, int]
    cards: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stale_days: int = 0


def board_page(
    engine: Engine, clock: Clock, stale_days: int, campaign: str | None, per_stage: int
) -> BoardPage:
    now = clock.now()
    with reading(engine) as conn:
        counts = q.stage_counts(conn, campaign)
        cards = {
            s.value: q.stage_cards(conn, s.value, campaign, per_stage)
            if counts.get(s.value)
            else []
            for s in Stage
        }
    for column in cards.values():
        for card in column:
            card["days"] = (now - utc(card["stage_changed_at"])).days
            card["stale"] = card["days"] > stale_days
    return BoardPage({s.value: counts.get(s.value, 0) for s in Stage}, cards, stale_days)


def campaign_overview(engine: Engine) -> dict[str, dict[str, Any]]:
    """slug -> status, people per stage and in all."""
    with reading(engine) as conn:
        rows = q.campaign_stage_counts(conn)
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = out.setdefault(row["slug"], {"status": row["status"], "stages": {}, "total": 0})
        if row["stage"] is not None:
            entry["stages"][row["stage"]] = int(row["n"])
            entry["total"] += int(row["n"])
    return out


def campaign_people(engine: Engine, slug: str, limit: int, offset: int) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        return q.campaign_people(conn, slug, limit, offset)


def data_version(engine: Engine, *, probe: bool = False) -> tuple[Any, ...]:
    """What the whole-campaign pages were read from; `probe`: a bare `SELECT 1` instead."""
    with reading(engine) as conn:
        return q.ping(conn) if probe else q.last_change(conn)
