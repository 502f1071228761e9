"""The report's numbers: the funnel of the whole campaign with its median times, the funnel
per platform and per tier, the variant arms, sends and replies over time.

`counted` reads them from the counters the store keeps as facts change
(`outreach.store.queries.tally`): a few hundred rows, whatever the size of the campaign.
`scanned` computes the same numbers from the people `funnel.load` reads (every outbox row,
reply and stage move): the reference the counters are tested against, and what a report
`--since` a date uses, since counters are kept for the whole campaign only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from outreach.domain.funnel import BUCKET, PREVIOUS, STAGES, middle, nth
from outreach.errors import InputError
from outreach.services.report import funnel as f
from outreach.store.queries import report as rq
from outreach.store.queries import tally
from outreach.store.session import reading, writing

BREAKDOWNS = ("platform", "tier")


@dataclass(frozen=True)
class Numbers:
    funnel: list[f.Cell]  # the group "all"
    groups: dict[str, dict[str, dict[str, int]]]  # platform|tier -> group -> stage -> people
    arms: list[f.ArmResult]
    sends: list[tuple[float, int]]  # (bucket start, epoch s; messages sent in it)
    replies: list[tuple[float, int]]  # (bucket start; human replies in it)


def scanned(data: f.FunnelData) -> Numbers:
    """The numbers of the people `funnel.load` read."""
    groups = {
        by: {
            name: {s: sum(1 for p in members if s in p.at) for s in STAGES}
            for name, members in f.groups(data, by).items()
        }
        for by in BREAKDOWNS
    }
    return Numbers(
        f.funnel(data, None),
        groups,
        f.arms(data),
        sorted(data.sends),
        sorted(data.replies),
    )


def catch_up(engine: Engine) -> int:
    """Count the sends that wait to be counted (the daemon's `count` job; every read of the
    counters first): how many there were."""
    with reading(engine) as conn:
        if not tally.pending(conn):
            return 0
    with writing(engine) as conn:
        return tally.fold(conn)


def counted(engine: Engine, campaign: str, templates: Mapping[str, str] | None = None) -> Numbers:
    """The numbers of a whole campaign, from its counters (sends not counted yet are counted
    first, so they are exact)."""
    names = templates or {}
    catch_up(engine)
    with reading(engine) as conn:
        found = rq.campaigns(conn, campaign)
        if not found:
            raise InputError(f"no campaign {campaign!r} in the database", field="campaign")
        ids = [cid for cid, _ in found]
        total: dict[str, int] = defaultdict(int)
        groups: dict[str, dict[str, dict[str, int]]] = {by: {} for by in BREAKDOWNS}
        trials: dict[tuple[int, str], int] = defaultdict(int)
        replies: dict[tuple[int, str], int] = defaultdict(int)
        positive: dict[tuple[int, str], int] = defaultdict(int)
        sends: dict[int, int] = defaultdict(int)
        answers: dict[int, int] = defaultdict(int)
        histograms: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        arms = {"t": trials, "r": replies, "p": positive}
        for _, key, n in tally.counts(conn, ids):
            kind, *parts = json.loads(key)
            if kind == "f":
                platform, tier, stage = parts
                total[stage] += n
                for by, name in (("platform", platform), ("tier", tier)):
                    group = groups[by].setdefault(name or f.NONE, {s: 0 for s in STAGES})
                    group[stage] += n
            elif kind in arms:
                step, template, variant = parts
                arms[kind][int(step), f.arm_label(template, names, variant)] += n
            elif kind == "s":
                sends[int(parts[0])] += n
            elif kind == "q":
                answers[int(parts[0])] += n
            elif kind == "h":
                histograms[parts[0]][int(parts[1])] += n
        medians = {stage: _median(conn, ids, stage, histograms[stage]) for stage in PREVIOUS}
    return Numbers(
        f.cells_of("all", total, medians),
        {
            by: {
                name: found_
                for name, found_ in sorted(members.items(), key=lambda kv: f.group_order(kv[0]))
                if found_["enrolled"] > 0
            }
            for by, members in groups.items()
        },
        f.arms_of(
            [(step, name, n) for (step, name), n in sorted(trials.items()) if n > 0],
            replies,
            positive,
        ),
        sorted((float(b) * BUCKET, n) for b, n in sends.items() if n > 0),
        sorted((float(b) * BUCKET, n) for b, n in answers.items() if n > 0),
    )


def _median(
    conn: Connection, campaign_ids: list[int], stage: str, histogram: Mapping[int, int]
) -> float | None:
    """The median gap into `stage` (hours): the histogram says which bucket holds the middle
    value, and only that bucket's values are read, in order."""
    values: dict[int, list[tuple[float, int]]] = {}
    found: list[float] = []
    for bucket, rank in middle(histogram):
        if bucket not in values:
            values[bucket] = tally.gap_values(conn, campaign_ids, stage, bucket)
        found.append(nth(values[bucket], rank))
    if not found:
        return None
    return found[0] if len(found) == 1 else (found[0] + found[1]) / 2


def extras(
    engine: Engine, campaign: str, handles: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """For the results table: handle -> the campaign's person with that handle (the last
    enrolled when several), and the campaign's recorded posts."""
    with reading(engine) as conn:
        ids = [cid for cid, _ in rq.campaigns(conn, campaign)]
        people = {row.handle: row for row in rq.people_by_handle(conn, ids, handles)}
        return people, rq.posts(conn, ids)
