"""The report of one campaign as plain data: what every output format (HTML, JSON, CSV,
Markdown) and the web console render."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from outreach.services.pipeline.kpi import campaign_kpis_by
from outreach.services.report import funnel as f
from outreach.services.report.labels import DEFINITIONS, LABELS
from outreach.services.report.numbers import counted, extras, scanned
from outreach.services.report.stats import Arm, compare, p_text, wilson


def _show(at: datetime | None, zone: ZoneInfo) -> str | None:
    """`2026-12-05 23:03 JST` in the display zone (the zone's IANA name if it has no
    abbreviation); stored times are naive UTC."""
    if at is None:
        return None
    local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(zone)
    name = local.tzname() or ""
    return f"{local:%Y-%m-%d %H:%M} {name if name.isalpha() else zone.key}"


def _day(at: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(at, zone).date().isoformat()


def _interval(successes: int, trials: int) -> list[float] | None:
    found = wilson(successes, trials)
    return None if found is None else [round(found[0], 4), round(found[1], 4)]


def _verdict(a: Arm, b: Arm, words: dict[str, str]) -> dict[str, Any]:
    c = compare(a, b)
    n = f"{c.best.trials}, {c.other.trials}"
    diff = f"{(c.difference or 0) * 100:.1f}"
    if c.decided:
        text = words["decided"].format(best=c.best.name, diff=diff, n=n, p=p_text(c.p_value or 0.0))
    elif c.needed is None:
        text = words["equal"].format(n=n)
    else:
        text = words["undecided"].format(n=n, needed=c.needed, diff=diff)
    return {
        "arms": [c.best.name, c.other.name],
        "difference": None if c.difference is None else round(c.difference, 4),
        "difference_interval": None if c.interval is None else [round(x, 4) for x in c.interval],
        "p_value": None if c.p_value is None else round(c.p_value, 4),
        "needed_per_arm": c.needed,
        "decided": c.decided,
        "text": text,
    }


def variants(found_arms: list[f.ArmResult], words: dict[str, str]) -> list[dict[str, Any]]:
    """Per step: every arm's reply and positive-reply rate with Wilson intervals, and the
    comparison of the two arms that reached the most people."""
    steps: dict[int, list[f.ArmResult]] = defaultdict(list)
    for arm in found_arms:
        steps[arm.step].append(arm)
    out = []
    for step, found in sorted(steps.items()):
        rows = [
            {
                "variant": a.name,
                "trials": a.trials,
                "replies": a.replies,
                "reply_rate": round(a.replies / a.trials, 4) if a.trials else None,
                "reply_ci": _interval(a.replies, a.trials),
                "positive": a.positive,
                "positive_rate": round(a.positive / a.trials, 4) if a.trials else None,
                "positive_ci": _interval(a.positive, a.trials),
            }
            for a in found
        ]
        entry: dict[str, Any] = {"step": step, "arms": rows, "reply": None, "positive": None}
        if len(found) >= 2:
            top = sorted(found, key=lambda a: -a.trials)[:2]
            entry["reply"] = _verdict(
                Arm(top[0].name, top[0].replies, top[0].trials),
                Arm(top[1].name, top[1].replies, top[1].trials),
                words,
            )
            entry["positive"] = _verdict(
                Arm(top[0].name, top[0].positive, top[0].trials),
                Arm(top[1].name, top[1].positive, top[1].trials),
                words,
            )
        out.append(entry)
    return out


def _funnel_rows(cells: list[f.Cell]) -> list[dict[str, Any]]:
    return [
        {
            "group": c.group,
            "stage": c.stage,
            "count": c.count,
            "rate": None if c.rate is None else round(c.rate, 4),
            "of_enrolled": None if c.of_enrolled is None else round(c.of_enrolled, 4),
            "median_hours": None if c.median_hours is None else round(c.median_hours, 1),
        }
        for c in cells
    ]


def _breakdown(groups: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """One row per group: enrolled, sent, replied, reply rate (of delivered), contracted,
    posted, converted."""
    rows = []
    for name, count in groups.items():
        delivered = count["delivered"]
        rows.append(
            {
                "group": name,
                "enrolled": count["enrolled"],
                "sent": count["sent"],
                "delivered": delivered,
                "replied": count["replied"],
                "reply_rate": round(count["replied"] / delivered, 4) if delivered else None,
                "reply_ci": _interval(min(count["replied"], delivered), delivered),
                "contracted": count["contracted"],
                "posted": count["posted"],
                "converted": count["converted"],
            }
        )
    return rows


def build(
    engine: Engine,
    campaign: str,
    *,
    zone: ZoneInfo,
    language: str,
    now: datetime,
    since: datetime | None = None,
    templates: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the report shows, JSON-ready. `since` is naive UTC."""
    words = LABELS[language]
    kpis = campaign_kpis_by(engine, campaign, ("person", "platform", "tier"))
    kpi = kpis["person"]
    # campaign_kpis adds a `total` row unless there is exactly one person, whose row it is.
    total = next((r for r in kpi if r["group"] == "total"), kpi[0] if len(kpi) == 1 else None)
    per_person = kpi if len(kpi) == 1 and kpi[0]["group"] != "total" else kpi[:-1]
    if since is None:  # the whole campaign: its counters
        numbers = counted(engine, campaign, templates)
        by_handle, recorded = extras(engine, campaign, [row["group"] for row in per_person])
    else:  # people enrolled since a date: read and counted here
        data = f.load(engine, campaign, since=since, templates=templates)
        numbers = scanned(data)
        by_handle, recorded = {p.handle: p for p in data.people}, data.posts
    posts: dict[int, list[str]] = defaultdict(list)
    for post in recorded:
        posts[post["enrollment_id"]].append(post["post_url"])
    influencers = []
    for row in per_person:
        person = by_handle.get(row["group"])
        influencers.append(
            {
                "handle": row["group"],
                "name": person.name if person else "",
                "platform": person.platform if person else "",
                "tier": (person.tier or f.NONE) if person else "",
                "stage": person.stage if person else "",
                "post_urls": posts.get(person.enrollment_id, []) if person else [],
                **{k: row[k] for k in ("cost", "reach", "er", "clicks", "conversions")},
                **{k: row[k] for k in ("revenue", "cpa", "roi")},
            }
        )
    over: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for at, n in numbers.sends:
        over[_day(at, zone)][0] += n
    for at, n in numbers.replies:
        over[_day(at, zone)][1] += n
    return {
        "campaign": campaign,
        "language": language,
        "timezone": zone.key,
        "generated_at": _show(now, zone),
        "since": _show(since, zone),
        "headline": {
            k: (total or {}).get(k)
            for k in ("cost", "currency", "reach", "clicks", "conversions", "revenue")
        }
        | {k: (total or {}).get(k) for k in ("roi", "roas", "er", "ctr", "cvr", "cpa")},
        "funnel": _funnel_rows(numbers.funnel),
        "over_time": [
            {"date": day, "sends": n[0], "replies": n[1]} for day, n in sorted(over.items())
        ],
        "influencers": influencers,
        "variants": variants(numbers.arms, words),
        "platforms": _breakdown(numbers.groups["platform"]),
        "tiers": _breakdown(numbers.groups["tier"]),
        "kpi_by_platform": kpis["platform"],
        "kpi_by_tier": kpis["tier"],
        "definitions": [{"term": t, "definition": d} for t, d in DEFINITIONS[language]],
    }
