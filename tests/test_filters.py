"""Filters in both languages: honorifics, follower counts, dates, money."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from outreach.render.filters import filters_for

JA, EN = filters_for("ja"), filters_for("en")


def test_honorific() -> None:
    person = {"name": "山田 花子"}
    assert JA["honorific"](person) == "山田 花子 様"
    assert JA["honorific"](person, "san") == "山田 花子 さん"
    assert EN["honorific"]({"name": "Jane Doe"}) == "Jane Doe"
    assert JA["honorific"]("佐藤") == "佐藤 様"
    with pytest.raises(ValueError):
        JA["honorific"](person, "kun")


@pytest.mark.parametrize(
    ("count", "ja", "en"),
    [
        (0, "0", "0"),
        (999, "999", "999"),
        (1234, "1,234", "1,234"),
        (12_000, "1.2万", "12K"),
        (12_345, "1.2万", "12.3K"),
        (120_000, "12万", "120K"),
        (1_234_567, "123万", "1.2M"),
        (250_000_000, "2.5億", "250M"),
        (None, "", ""),
    ],
)
def test_followers(count: int | None, ja: str, en: str) -> None:
    assert JA["followers"](count) == ja
    assert EN["followers"](count) == en


def test_date() -> None:
    monday = date(2026, 11, 30)
    assert JA["date"](monday) == "11月30日(月)"
    assert EN["date"](monday) == "Mon 30 Nov"
    assert JA["date"](datetime(2026, 12, 1, 9, 0)) == "12月1日(火)"
    assert EN["date"]("2026-12-01") == "Tue 1 Dec"
    with pytest.raises(ValueError):
        JA["date"](42)


def test_money() -> None:
    assert JA["money"](30000) == "¥30,000"
    assert EN["money"](1200, "USD") == "$1,200.00"
    assert JA["money"]({"amount": 8800, "currency": "JPY"}) == "¥8,800"
    assert EN["money"](99.5, "CHF") == "99.50 CHF"
    assert JA["money"](None) == ""
