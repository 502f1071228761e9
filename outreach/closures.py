"""Closures: the days a business is shut beyond public holidays (年末年始, お盆, one-off dates).

A plain value parsed from config and campaign files; the send windows and business-day
arithmetic skip these days in the recipient's zone. Below config in the layers, so the
config can check its entries where they are written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _month_day(text: str) -> tuple[int, int]:
    m = _MONTH_DAY.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not MM-DD or YYYY-MM-DD")
    month, day = int(m.group(1)), int(m.group(2))
    try:
        date(2024, month, day)  # a leap year, so 02-29 is a valid yearly day
    except ValueError:
        raise ValueError(f"{text!r} is not a day of the year") from None
    return month, day


def _full_date(text: str) -> date:
    if not _FULL_DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date") from None


@dataclass(frozen=True)
class Closures:
    """Days a business is closed beyond public holidays: yearly ranges such as 年末年始
    (`12-29..01-03`, which wraps the year) or お盆, and one-off dates or ranges."""

    yearly: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()  # ((m, d), (m, d)), inclusive
    once: tuple[tuple[date, date], ...] = ()  # inclusive

    @classmethod
    def parse(cls, entries: Iterable[str | date]) -> Closures:
        """`MM-DD`, `MM-DD..MM-DD`, `YYYY-MM-DD`, `YYYY-MM-DD..YYYY-MM-DD` (or TOML dates);
        ValueError naming the entry otherwise."""
        yearly: list[tuple[tuple[int, int], tuple[int, int]]] = []
        once: list[tuple[date, date]] = []
        for entry in entries:
            if isinstance(entry, date):
                once.append((entry, entry))
                continue
            if not isinstance(entry, str):
                raise ValueError(f'{entry!r} is not a date or a range like "12-29..01-03"')
            first, sep, last = (part.strip() for part in entry.partition(".."))
            last = last if sep else first
            if _FULL_DATE.fullmatch(first) or _FULL_DATE.fullmatch(last):
                start, end = _full_date(first), _full_date(last)
                if end < start:
                    raise ValueError(f"{entry!r} ends before it starts")
                once.append((start, end))
            else:
                yearly.append((_month_day(first), _month_day(last)))
        return cls(tuple(yearly), tuple(once))

    def __bool__(self) -> bool:
        return bool(self.yearly or self.once)

    def __or__(self, other: Closures) -> Closures:
        return Closures(self.yearly + other.yearly, self.once + other.once)

    def is_closed(self, day: date) -> bool:
        for start, end in self.once:
            if start <= day <= end:
                return True
        md = (day.month, day.day)
        for first, last in self.yearly:
            inside = first <= md <= last if first <= last else (md >= first or md <= last)
            if inside:
                return True
        return False


NO_CLOSURES = Closures()
