"""KPI formulas in one place. Every input may be missing (None); a figure that needs a missing
input, or divides by zero, is None: missing is shown as missing, never as zero."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


def total(values: Iterable[int | Decimal | float | None]) -> Decimal | None:
    """Sum of the known values; None when none is known."""
    known = [Decimal(str(v)) for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def total_all(values: Iterable[int | Decimal | float | None]) -> Decimal | None:
    """Sum over posts or people: None when any value is missing (or there are none), so a
    group with one unknown figure is unknown rather than understated."""
    items = list(values)
    if not items or any(v is None for v in items):
        return None
    return sum((Decimal(str(v)) for v in items), Decimal(0))


def ratio(num: Decimal | int | None, den: Decimal | int | None) -> Decimal | None:
    """num / den, None when either is missing or den is 0."""
    if num is None or den is None or den == 0:
        return None
    return Decimal(num) / Decimal(den)


def engagement(
    likes: int | None, comments: int | None, shares: int | None, saves: int | None
) -> Decimal | None:
    """engagement = likes + comments + shares + saves (the ones reported; None if none is)."""
    return total([likes, comments, shares, saves])


@dataclass(frozen=True)
class Inputs:
    """What one row of the KPI table is computed from (already summed over its posts)."""

    cost: Decimal | None  # fee (税別) + gift + shipping + agency fee
    reach: Decimal | None
    engagement: Decimal | None
    clicks: Decimal | None
    conversions: Decimal | None
    revenue: Decimal | None


@dataclass(frozen=True)
class Kpis:
    engagement_rate: Decimal | None  # engagement / reach
    ctr: Decimal | None  # clicks / reach
    cvr: Decimal | None  # conversions / clicks
    cpe: Decimal | None  # cost / engagement
    cpc: Decimal | None  # cost / clicks
    cpa: Decimal | None  # cost / conversions
    roas: Decimal | None  # revenue / cost
    roi: Decimal | None  # (revenue - cost) / cost


def kpis(i: Inputs) -> Kpis:
    """ER = engagement / reach; CTR = clicks / reach; CVR = conversions / clicks;
    CPE = cost / engagement; CPC = cost / clicks; CPA = cost / conversions;
    ROAS = revenue / cost; ROI = (revenue − cost) / cost."""
    profit = None if i.revenue is None or i.cost is None else i.revenue - i.cost
    return Kpis(
        engagement_rate=ratio(i.engagement, i.reach),
        ctr=ratio(i.clicks, i.reach),
        cvr=ratio(i.conversions, i.clicks),
        cpe=ratio(i.cost, i.engagement),
        cpc=ratio(i.cost, i.clicks),
        cpa=ratio(i.cost, i.conversions),
        roas=ratio(i.revenue, i.cost),
        roi=ratio(profit, i.cost),
    )
