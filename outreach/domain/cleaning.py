"""Parsing spreadsheet cells into safe values: single-line text, counts, rates, flags, tags.

Each parser takes the raw cell text and returns the value or raises `BadValue` with a reason
a marketer can act on; the importer adds file, line and field. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class BadValue(ValueError):
    """A cell that cannot be used; the message is the reason shown to the user."""


# Line breaks and tabs that spreadsheets and captions carry; each becomes one space.
_BREAKS = re.compile("[\r\n\t\u2028\u2029\u0085]+")
_SPACES = re.compile(" {2,}")
# RFC 2047 encoded-word: a mail client would decode it into different text in a header.
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
_FORBIDDEN_CATEGORIES = {"Cc", "Cs", "Co", "Cn"}
# Bidi_Control (UAX #9): they reorder how the rest of the line is displayed, so a name could
# show as different text (CVE-2021-42574, "Trojan Source"). Refused wherever they appear.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Joiners shape their neighbours (emoji ZWJ sequences, Persian and Indic scripts): kept in text.
_JOINERS = frozenset("\u200c\u200d")
# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties.txt) that are not format
# characters: fillers and selectors that render as nothing. Refused in identifiers.
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0000-\U000e0fff]"
)
MAX_DIGITS = 15  # a count or average never needs more; float() would make 5,000 digits inf

_COUNT = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[kKmM万億千]?)")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_UNITS = {
    "": 1,
    "k": 1_000,
    "K": 1_000,
    "千": 1_000,
    "m": 1_000_000,
    "M": 1_000_000,
    "万": 10_000,
    "億": 100_000_000,
}
_TRUE = {"true", "yes", "y", "1", "x", "はい", "○", "◯"}
_FALSE = {"false", "no", "n", "0", "", "いいえ", "×"}
_TAG_SEPARATORS = re.compile("[,;、，；]")


def single_line(raw: str, *, max_length: int = 500, identifier: bool = False) -> str:
    """Collapse line breaks and tabs to spaces; reject control characters and encoded-words.

    Invisible format characters (Unicode category Cf: zero-width space, BOM, word joiner, soft
    hyphen) are dropped from text, which keeps its meaning without them; Bidi controls are
    refused. An `identifier` (a handle, a URL) refuses every format character instead: the
    same-looking value must be the same value.
    """
    text = _SPACES.sub(" ", _BREAKS.sub(" ", raw)).strip()
    if not text.isprintable():  # fast path: printable text has no Cc/Cf/Cs/Co/Cn characters
        text = _drop_invisible(text, identifier)
    if identifier and not text.isascii() and (blank := _IGNORABLE.search(text)) is not None:
        raise BadValue(f"contains the invisible character {invisible(blank.group())}")
    if "=?" in text and _ENCODED_WORD.search(text):
        raise BadValue("looks like an RFC 2047 encoded-word")
    if len(text) > max_length:
        raise BadValue(f"longer than {max_length} characters")
    return text


def invisible(ch: str) -> str:
    """`U+202E (RIGHT-TO-LEFT OVERRIDE)`: how an error names a character nobody can see."""
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'unnamed')})"


def _drop_invisible(text: str, identifier: bool) -> str:
    kept: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in _FORBIDDEN_CATEGORIES:
            raise BadValue(f"contains control character U+{ord(ch):04X}")
        if category != "Cf":
            kept.append(ch)
        elif ch in _BIDI_CONTROLS:
            raise BadValue(f"contains the invisible direction control {invisible(ch)}")
        elif identifier:
            raise BadValue(f"contains the invisible character {invisible(ch)}")
        elif ch in _JOINERS:
            kept.append(ch)
    return _SPACES.sub(" ", "".join(kept)).strip()


def parse_count(raw: str) -> int | None:
    """A non-negative whole count: `12345`, `12,345`, `1.2万`, `12.3K`, `1.5M`; blank is None."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    if not text:
        return None
    if text.startswith("-"):
        raise BadValue(f"{_short(raw)} is negative")
    if _GROUPED.fullmatch(text):
        return int(text.replace(",", ""))
    m = _COUNT.fullmatch(text)
    if not m:
        raise BadValue(f"{_short(raw)} is not a count (write 12345, 12,345, 1.2万 or 12.3K)")
    num, unit = m["num"], m["unit"]
    if len(num) > MAX_DIGITS:
        raise BadValue(f"{_short(raw)} is implausibly large")
    if "." in num and not unit:
        raise BadValue(f"{raw!r} is not a whole number")
    value = round(float(num) * _UNITS[unit])
    if value > 10**12:
        raise BadValue(f"{raw!r} is implausibly large")
    return value


def parse_amount(raw: str) -> float | None:
    """A non-negative average (likes, comments per post); blank is None."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadValue(f"{_short(raw)} is not a number") from None
    if value == float("inf") or len(text.partition(".")[0].lstrip("+-0")) > MAX_DIGITS:
        raise BadValue(f"{_short(raw)} is implausibly large")
    if not value >= 0:
        raise BadValue(f"{_short(raw)} must be zero or more")
    return value


def _short(raw: str) -> str:
    """The cell as an error quotes it: a 5,000-digit number is shown by its length."""
    return repr(raw) if len(raw) <= 60 else f"{raw[:20]!r}... ({len(raw)} characters)"


def parse_rate(raw: str) -> float | None:
    """An engagement rate as a fraction: `3.2%` and `3.2` mean 0.032, `0.032` stays.

    A bare number above 1 is read as a percentage (no account has 320% engagement per post).
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    percent = text.endswith("%")
    if parse_amount(text.rstrip("%")) is None:
        return None
    value = Decimal(text.rstrip("%").replace(",", "").strip())  # exact: 5.2% is 0.052
    if percent or value > 1:
        value /= 100
    if value > 1:
        raise BadValue(f"{raw!r} is more than 100%")
    return float(value)


def parse_flag(raw: str) -> bool:
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue(f"{raw!r} is not yes/no (write true or false)")


def parse_tags(raw: str) -> list[str]:
    """Tags separated by commas or semicolons (ASCII or Japanese), blanks and repeats dropped."""
    tags: list[str] = []
    for part in _TAG_SEPARATORS.split(raw):
        tag = single_line(part, max_length=100)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def parse_timezone(raw: str) -> str:
    text = raw.strip()
    if not text:
        return ""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadValue(f"unknown timezone {text!r} (use an IANA name like Asia/Tokyo)") from None
    return text


def parse_day(raw: str) -> str:
    """A calendar date as ISO text (`2026-11-02`; `2026/11/2` accepted); blank stays blank."""
    text = unicodedata.normalize("NFKC", raw).strip().replace("/", "-")
    if not text:
        return ""
    try:
        year, month, day = (int(p) for p in text.split("-"))
        return date(year, month, day).isoformat()
    except ValueError:
        raise BadValue(f"{raw!r} is not a date (write 2026-11-02)") from None


def parse_moment(raw: str, *, zone: str) -> datetime | None:
    """A date or date-time; without an offset it is read in `zone`. Returns aware UTC."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise BadValue(
            f"{raw!r} is not a date-time (write 2026-11-02 or 2026-11-02T19:30)"
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(zone))
    return at.astimezone(UTC)


def parse_url(raw: str) -> str:
    text = single_line(raw, max_length=2000, identifier=True)
    if text and not re.match(r"https?://[^\s/]+\.[^\s/]+", text):
        raise BadValue(f"{text!r} is not an http(s) URL")
    return text
