"""Send windows, public holidays and business days in the recipient's timezone (invariant 5).

Every function takes and returns aware UTC datetimes; local wall-clock arithmetic happens in
the recipient's zone through zoneinfo, so DST changes move the UTC instant, not the local hour.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from outreach.closures import NO_CLOSURES, Closures

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKEND = frozenset({5, 6})
SEARCH_DAYS = 400  # a window open on at least one weekday is found within about a year


@dataclass(frozen=True)
class Window:
    """Local days and hours when mail may go out; `tz` overrides the recipient's zone if set."""

    days: frozenset[int]  # 0 = Monday
    start: time
    end: time
    tz: str = ""

    @classmethod
    def of(cls, days: tuple[str, ...], start: time, end: time, tz: str = "") -> Window:
        return cls(frozenset(DAY_NAMES.index(d) for d in days), start, end, tz)

    def describe(self) -> str:
        days = ",".join(DAY_NAMES[d] for d in sorted(self.days))
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M}"


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:
        return frozenset()


def load_holiday_tables() -> None:
    """Import every country's holiday rules now. `holidays` imports them all at the first
    lookup of any country (about 0.15 s); a daemon calls this at start-up, so its first
    tick does not stall the event loop, and every SMTP connection with it, on that import."""
    importlib.import_module("holidays.countries")


def is_known_country(country: str) -> bool:
    """Whether the `holidays` package knows this ISO code ("" means: no holidays)."""
    if not country:
        return True
    try:
        holidays.country_holidays(country)
    except NotImplementedError:
        return False
    return True


def is_holiday(day: date, country: str) -> bool:
    """A public holiday of `country` (ISO 3166 code); "" or an unknown code has none."""
    return bool(country) and day in _holidays(country.upper(), day.year)


def is_business_day(day: date, country: str, closed: Closures = NO_CLOSURES) -> bool:
    return (
        day.weekday() not in WEEKEND and not is_holiday(day, country) and not closed.is_closed(day)
    )


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time; a time skipped by DST maps past the gap."""
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def next_send_time(
    earliest: datetime,
    window: Window,
    *,
    tz: str,
    country: str,
    jitter_seconds: float = 0.0,
    rng: random.Random | None = None,
    closed: Closures = NO_CLOSURES,
) -> datetime:
    """The first instant >= earliest inside `window` on a day that is neither a holiday nor
    closed, in the recipient's zone.

    Jitter adds up to `jitter_seconds` but never past the window's end that day, so a batch
    enrolled together spreads out instead of leaving in one burst.
    """
    candidate, closes = _opening(earliest, window, tz, country, closed)
    room = (closes - candidate).total_seconds() - 1
    spread = min(jitter_seconds, max(room, 0.0))
    if spread > 0:
        candidate += timedelta(seconds=(rng or random).random() * spread)
    return candidate


# The calendar searches below depend only on their arguments, and a batch asks the same ones
# over and over (one `now`, a few zones and countries): memoised. Aware datetimes of one
# instant in two zones are equal keys, and rightly so: both functions work from the instant.


@lru_cache(maxsize=4096)
def _opening(
    earliest: datetime, window: Window, tz: str, country: str, closed: Closures
) -> tuple[datetime, datetime]:
    """(the first instant >= earliest inside the window on an open day, that day's close), UTC."""
    zone = ZoneInfo(window.tz or tz)
    earliest = earliest.astimezone(UTC)
    day = earliest.astimezone(zone).date()
    for _ in range(SEARCH_DAYS):
        if (
            day.weekday() in window.days
            and not is_holiday(day, country)
            and not closed.is_closed(day)
        ):
            opens, closes = _at(day, window.start, zone), _at(day, window.end, zone)
            candidate = max(earliest, opens)
            if candidate < closes:
                return candidate, closes
        day += timedelta(days=1)
    raise ValueError(f"window {window.describe()} never opens in {window.tz or tz}")


@lru_cache(maxsize=4096)
def add_business_days(
    start: datetime, count: int, *, tz: str, country: str, closed: Closures = NO_CLOSURES
) -> datetime:
    """`count` business days (weekends, holidays and closures skipped) after `start`, same
    local time."""
    zone = ZoneInfo(tz)
    local = start.astimezone(zone)
    day = local.date()
    added = 0
    while added < count:
        day += timedelta(days=1)
        if is_business_day(day, country, closed):
            added += 1
    return _at(day, local.time().replace(tzinfo=None), zone)


def local_day(at: datetime, tz: str) -> date:
    return at.astimezone(ZoneInfo(tz)).date()
