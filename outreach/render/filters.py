"""Template filters a Japanese and an English marketer need, in the template's language.

Each filter takes the language as its first argument (bound by `filters_for(language)`), so one
compiled environment per language serves every template of that language. The sandbox runs
them unwrapped: none turns a container into text (`_text`), and each charges the render's work
budget for the text it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import partial
from typing import Any

from outreach.render.sandbox import charge

_WEEKDAYS_JA = "月火水木金土日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CURRENCY_SYMBOL = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}
_NO_DECIMALS = frozenset({"JPY", "KRW"})
_HONORIFIC = {"sama": "様", "san": "さん"}


def _text(value: Any, what: str) -> str:
    """A string or number as text; anything else is refused rather than printed whole (the
    text of a list can be any size, and the sandbox sizes only what these filters return)."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, int | float):
        return "" if value is None else str(value)
    raise ValueError(f"{what} must be a string, not {type(value).__name__}")


def _name_of(person: Any) -> str:
    if isinstance(person, Mapping):  # `influencer`: whom the message addresses (its To)
        return _text(person.get("addressee") or person.get("name", ""), "the name")
    return _text(person, "the name")


def honorific(language: str, person: Any, form: str = "sama") -> str:
    """`山田 花子 様` (or `さん` with `honorific('san')`) in Japanese; the plain name in English."""
    name = _name_of(person).strip()
    charge(len(name))
    if language != "ja":
        return name
    try:
        suffix = _HONORIFIC[form]
    except KeyError:
        raise ValueError(f"honorific form must be 'sama' or 'san', not {form!r}") from None
    if isinstance(person, Mapping) and person.get("to_agency"):
        return f"{name}{suffix}"  # 「株式会社〇〇 ご担当 △△様」, 「〇〇 ご担当者様」
    return f"{name} {suffix}"


def _one_decimal(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def followers(language: str, count: Any) -> str:
    """Follower counts as marketers say them: `1.2万` / `12万` / `1,234`, `12.3K` / `1.2M`."""
    if count is None:
        return ""
    if isinstance(count, str):
        charge(len(count))
    n = int(count)
    if language == "ja":
        if abs(n) >= 100_000_000:
            return f"{_one_decimal(n / 100_000_000)}億"
        if abs(n) >= 100_000:
            return f"{n // 10_000:,}万"
        if abs(n) >= 10_000:
            return f"{_one_decimal(n / 10_000)}万"
        return f"{n:,}"
    if abs(n) >= 1_000_000:
        return f"{_one_decimal(n / 1_000_000)}M"
    if abs(n) >= 10_000:
        return f"{_one_decimal(n / 1_000)}K"
    return f"{n:,}"


def format_date(language: str, value: Any) -> str:
    """`12月1日(月)` in Japanese, `Mon 1 Dec` in English."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise ValueError(f"date filter needs a date, not {type(value).__name__}")
    wd = value.weekday()
    if language == "ja":
        return f"{value.month}月{value.day}日({_WEEKDAYS_JA[wd]})"
    return f"{_WEEKDAYS_EN[wd]} {value.day} {_MONTHS_EN[value.month - 1]}"


def money(language: str, amount: Any, currency: str = "JPY") -> str:
    """`¥30,000`, `$1,200.00`: the currency's symbol and its usual decimals."""
    if isinstance(amount, Mapping):  # `campaign.offer | money`
        currency = _text(amount.get("currency") or currency, "the currency")
        amount = amount.get("amount")
    if amount is None:
        return ""
    if isinstance(amount, str):
        charge(len(amount))
    code = _text(currency, "the currency").upper()
    symbol = _CURRENCY_SYMBOL.get(code)
    number = f"{round(float(amount)):,}" if code in _NO_DECIMALS else f"{float(amount):,.2f}"
    if symbol:
        return f"{symbol}{number}"
    return f"{number} {code}"


def filters_for(language: str) -> dict[str, Callable[..., str]]:
    """The filters with the template's language bound."""
    return {
        "honorific": partial(honorific, language),
        "followers": partial(followers, language),
        "date": partial(format_date, language),
        "money": partial(money, language),
    }
