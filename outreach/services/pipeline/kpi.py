"""KPIs of a campaign per person, platform, tier or agency (formulas: domain.kpi)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Engine

from outreach.domain.deal import Terms
from outreach.domain.kpi import Inputs, engagement, kpis, ratio, total, total_all
from outreach.errors import InputError
from outreach.store.queries import results as q
from outreach.store.queries.links import link_rows
from outreach.store.session import reading

GROUPS = ("person", "platform", "tier", "agency")
COLUMNS = [
    "group",
    "people",
    "posts",
    "verified",
    "flagged",
    "cost",
    "currency",
    "tax_basis",
    "reach",
    "engagement",
    "er",
    "clicks",
    "ctr",
    "conversions",
    "cvr",
    "revenue",
    "cpe",
    "cpc",
    "cpa",
    "roas",
    "roi",
]


def _agency(person: dict[str, Any]) -> str | None:
    """The person's agency record (its name) when they have one; else the roster's `agency`
    column if given, else the manager address's domain."""
    if person.get("agency_name"):
        return str(person["agency_name"])
    custom = person.get("custom") or {}
    if custom.get("agency"):
        return str(custom["agency"])
    manager = person.get("manager_email") or ""
    return manager.rpartition("@")[2].lower() or None


def _key(person: dict[str, Any], by: str) -> str:
    if by == "person":
        return str(person["handle"])
    value = _agency(person) if by == "agency" else person.get(by)
    return str(value) if value else "(none)"


def _round(value: Decimal | None, places: str) -> float | int | None:
    """Counts and yen as whole numbers, ratios to `places`."""
    if value is None:
        return None
    if places == "1":
        return int(value.quantize(Decimal(1), ROUND_HALF_UP))
    return float(value.quantize(Decimal(places), ROUND_HALF_UP))


def campaign_kpis(engine: Engine, campaign: str, by: str = "person") -> list[dict[str, Any]]:
    """One row per group and a `total` row. Metrics count verified posts only (a flagged post,
    without the required disclosure, is counted in `flagged` and nowhere else). Cost is 税別."""
    return campaign_kpis_by(engine, campaign, (by,))[by]


def campaign_kpis_by(
    engine: Engine, campaign: str, groupings: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """`campaign_kpis` grouped each of these ways, from one read of the campaign."""
    for by in groupings:
        if by not in GROUPS:
            raise InputError(
                f"cannot group by {by!r}", field="by", hint="one of: " + ", ".join(GROUPS)
            )
    with reading(engine) as conn:
        campaign_id = q.campaign_row(conn, campaign)
        if campaign_id is None:
            raise InputError(f"no campaign {campaign!r} in the database", field="campaign")
        people = q.campaign_people(conn, campaign_id)
        posts = q.posts_with_latest(conn, campaign_id)
        any_order, orders = q.orders_by_enrollment(conn, campaign_id)
        links = {r["enrollment_id"]: r["clicks"] for r in link_rows(conn, campaign)}
    per_post: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for post in posts:
        per_post[post["enrollment_id"]].append(post)
    out = {}
    for by in groupings:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for person in people:
            groups[_key(person, by)].append(person)
        rows = [
            _row(name, members, per_post, any_order, orders, links)
            for name, members in groups.items()
        ]
        rows.sort(key=lambda r: r["group"])
        if len(rows) != 1:
            rows.append(_row("total", people, per_post, any_order, orders, links))
        out[by] = rows
    return out


def _row(
    name: str,
    members: list[dict[str, Any]],
    per_post: dict[int, list[dict[str, Any]]],
    any_order: bool,
    orders: dict[int, tuple[int, float]],
    links: dict[int, int],
) -> dict[str, Any]:
    terms = [Terms.from_json(m["terms"]) for m in members]
    currencies = {t.currency for t in terms}
    currency = currencies.pop() if len(currencies) == 1 else "mixed"
    cost = total_all(t.cost_ex_tax() for t in terms) if currency != "mixed" else None
    posts = [p for m in members for p in per_post.get(m["enrollment_id"], [])]
    verified = [p for p in posts if p["state"] == "verified"]
    reach = total_all(p["reach"] for p in verified)
    eng = total_all(
        engagement(p["likes"], p["comments"], p["shares"], p["saves"]) for p in verified
    )
    # A person's clicks: human clicks on their tracking link when one was made, else the link
    # clicks their verified posts' metrics report.
    clicks = total_all(
        links[m["enrollment_id"]]
        if m["enrollment_id"] in links
        else total_all(
            p["clicks"] for p in per_post.get(m["enrollment_id"], []) if p["state"] == "verified"
        )
        for m in members
    )
    conversions = revenue = None
    if any_order:
        got = [orders.get(m["enrollment_id"], (0, 0.0)) for m in members]
        conversions = Decimal(sum(n for n, _ in got))
        revenue = total(r for _, r in got)
    k = kpis(Inputs(cost, reach, eng, clicks, conversions, revenue))
    # ER over the verified posts that report engagement (a story shows no likes): a story
    # leaves the campaign's engagement and CPE missing, not its engagement rate.
    rated = [
        (e, p["reach"])
        for p in verified
        if (e := engagement(p["likes"], p["comments"], p["shares"], p["saves"])) is not None
        and p["reach"] is not None
    ]
    er = ratio(total_all(e for e, _ in rated), total_all(r for _, r in rated))
    return {
        "group": name,
        "people": len(members),
        "posts": len(posts),
        "verified": len(verified),
        "flagged": sum(1 for p in posts if p["state"] == "flagged"),
        "cost": _round(cost, "1"),
        "currency": currency,
        "tax_basis": "税別",
        "reach": _round(reach, "1"),
        "engagement": _round(eng, "1"),
        "er": _round(er, "0.0001"),
        "clicks": _round(clicks, "1"),
        "ctr": _round(k.ctr, "0.0001"),
        "conversions": _round(conversions, "1"),
        "cvr": _round(k.cvr, "0.0001"),
        "revenue": _round(revenue, "1"),
        "cpe": _round(k.cpe, "0.01"),
        "cpc": _round(k.cpc, "0.01"),
        "cpa": _round(k.cpa, "0.01"),
        "roas": _round(k.roas, "0.0001"),
        "roi": _round(k.roi, "0.0001"),
    }
