"""Parsing spreadsheet cells into safe values: single-line text, counts, rates, flags, tags.

Each parser takes the raw cell text and returns the value or raises `BadValue` with a reason
a marketer can act on; the importer adds file, line and field. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
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

_COUNT = re.compile(r"(?P<num>\d+(?:\.\d+)?)(?P<unit>[kKmM万億千]?)")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
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
# What a sheet writes around a number: 約2万 (about), 1.2万人 / 300名 (people), 10K+ (over).
_ABOUT = ("約", "およそ", "~", "〜", "≒", "approx.", "approx", "ca.")
_AFTER = ("人", "名", "件", "回", "+", "以上")
# A dash alone (ASCII, full-width, en/em, the katakana long vowel sheets use as a dash) or a
# not-applicable marker: the cell says "no value", as a blank does.
_NOTHING = frozenset({"-", "‐", "–", "—", "―", "ー", "−", "n/a", "na", "none", "なし", "不明"})
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
    if (
        raw.isprintable()
        and "  " not in raw
        and "=?" not in raw
        and (raw.isascii() or not identifier)
    ):
        text = raw.strip()  # the common cell: nothing to collapse, drop or refuse
        if len(text) > max_length:
            raise BadValue(f"longer than {max_length} characters")
        return text
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


def _number_text(raw: str) -> str:
    """The cell reduced to digits and unit: NFKC (full-width digits and commas), no spaces,
    no `約` before or `人` / `+` after; "" when the cell says there is no value."""
    if raw.isascii() and raw.isdigit():
        return raw
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.isascii() and text.isdigit():
        return text
    text = text.replace(" ", "").replace("\u3000", "")
    if text.lower() in _NOTHING:
        return ""
    for word in _ABOUT:
        if text.lower().startswith(word):
            text = text[len(word) :]
            break
    for word in _AFTER:
        if text.endswith(word):
            text = text[: -len(word)]
            break
    return text


# The forms sheets write most, in ASCII digits: `12,345` and `12.3万` (or K, M). They take a
# shortcut past `_number_text` (which leaves them as they are) to the same value.
_PLAIN_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")
_PLAIN_UNIT = re.compile(r"[0-9]+(?:\.[0-9]+)?[kKmM万億千]")


def parse_count(raw: str) -> int | None:
    """A non-negative whole count: `12345`, `12,345`, `１２，３００`, `1.2万`, `12.3万人`,
    `約2万`, `12.3K`, `1.5M`; blank or a lone `-` is None."""
    if raw.isdigit() and raw.isascii() and len(raw) <= MAX_DIGITS:
        return int(raw)
    if _PLAIN_GROUPED.fullmatch(raw):
        return int(raw.replace(",", ""))
    if len(raw) <= MAX_DIGITS + 1 and _PLAIN_UNIT.fullmatch(raw):
        value = round(Decimal(raw[:-1]) * _UNITS[raw[-1]])  # exact, as below
        if value <= 10**12:
            return value
    text = _number_text(raw)
    if text.isdigit() and text.isascii() and len(text) <= MAX_DIGITS:
        return int(text)
    if not text:
        return None
    if text.startswith("-"):
        raise BadValue(f"{_short(raw)} is negative")
    if _GROUPED.fullmatch(text) and "." not in text:
        return int(text.replace(",", ""))
    m = _COUNT.fullmatch(text.replace(",", "") if _GROUPED.match(text) else text)
    if not m:
        raise BadValue(f"{_short(raw)} is not a count (write 12345, 12,345, 1.2万 or 12.3K)")
    num, unit = m["num"], m["unit"]
    if len(num) > MAX_DIGITS:
        raise BadValue(f"{_short(raw)} is implausibly large")
    if "." in num and not unit:
        raise BadValue(f"{raw!r} is not a whole number")
    value = round(Decimal(num) * _UNITS[unit])  # exact: 1.15万 is 11500, not 11499
    if value > 10**12:
        raise BadValue(f"{raw!r} is implausibly large")
    return value


def parse_amount(raw: str) -> float | None:
    """A non-negative average (likes, comments per post): `1,234.5`, `1.2K`, `約300`; blank
    or a lone `-` is None."""
    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS:
        return float(raw)  # what the general path below makes of plain digits
    text = _number_text(raw).replace(",", "")
    if not text:
        return None
    unit = 1
    if text[-1] in _UNITS and text[:-1]:
        text, unit = text[:-1], _UNITS[text[-1]]
    try:
        value = float(text)
    except ValueError:
        raise BadValue(f"{_short(raw)} is not a number") from None
    if value == float("inf") or len(text.partition(".")[0].lstrip("+-0")) > MAX_DIGITS:
        raise BadValue(f"{_short(raw)} is implausibly large")
    if not value >= 0:
        raise BadValue(f"{_short(raw)} must be zero or more")
    return value * unit


def _short(raw: str) -> str:
    """The cell as an error quotes it: a 5,000-digit number is shown by its length."""
    return repr(raw) if len(raw) <= 60 else f"{raw[:20]!r}... ({len(raw)} characters)"


def parse_rate(raw: str) -> float | None:
    """An engagement rate as a fraction: `3.2%` and `3.2` mean 0.032, `0.032` stays.

    A bare number above 1 is read as a percentage (no account has 320% engagement per post).
    """
    text = _number_text(raw)
    percent = text.endswith("%")
    body = text.removesuffix("%").replace(",", "").strip()
    if not body:
        return None
    if body[-1] in _UNITS or parse_amount(body) is None:
        raise BadValue(f"{_short(raw)} is not a number")
    try:
        value = Decimal(body)  # exact: 5.2% is 0.052
    except InvalidOperation:  # what parse_amount reads but Decimal does not: 「0人，」
        raise BadValue(f"{_short(raw)} is not a number") from None
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


# What sheets write in a platform column, compared after NFKC, lower-casing and dropping
# spaces: katakana names, short forms, and the old name of X.
PLATFORM_ALIASES = {
    "instagram": "instagram",
    "インスタ": "instagram",
    "インスタグラム": "instagram",
    "ig": "instagram",
    "insta": "instagram",
    "tiktok": "tiktok",
    "ティックトック": "tiktok",
    "ティクトク": "tiktok",
    "tt": "tiktok",
    "youtube": "youtube",
    "yt": "youtube",
    "ユーチューブ": "youtube",
    "ようつべ": "youtube",
    "x": "x",
    "twitter": "x",
    "ツイッター": "x",
    "エックス": "x",
    "x(旧twitter)": "x",
    "x(twitter)": "x",
    "threads": "threads",
    "スレッズ": "threads",
    "blog": "blog",
    "ブログ": "blog",
    "アメブロ": "blog",
    "note": "blog",
    "other": "other",
    "その他": "other",
}


def parse_platform(raw: str) -> str:
    """`インスタ`, `IG`, `Twitter`, `ティックトック`, `YT` -> instagram, instagram, x, tiktok,
    youtube; a profile URL names its platform too."""
    text = unicodedata.normalize("NFKC", raw).strip().lower().replace(" ", "")
    found = PLATFORM_ALIASES.get(text)
    if found is not None:
        return found
    if (profile := parse_profile(raw)) is not None:
        return profile[0]
    names = ", ".join(dict.fromkeys(PLATFORM_ALIASES.values()))
    raise BadValue(f"{raw.strip()!r} is not a platform ({names}; or インスタ, IG, Twitter, YT)")


# Profile URLs: host -> platform, and the path forms that name an account. A post, reel or
# video URL names no account and is not reduced.
_PROFILE_HOSTS = {
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "youtube.com": "youtube",
    "x.com": "x",
    "twitter.com": "x",
    "threads.net": "threads",
    "threads.com": "threads",
}
_NOT_ACCOUNTS = frozenset(
    {
        "p",
        "reel",
        "reels",
        "tv",
        "stories",
        "explore",
        "watch",
        "shorts",
        "video",
        "status",
        "i",
        "intent",
        "hashtag",
        "search",
        "home",
        "share",
        "embed",
        "playlist",
        "results",
        "t",
    }
)
_ACCOUNT = re.compile(r"[A-Za-z0-9_.\-]{1,100}")


def parse_profile(raw: str) -> tuple[str, str] | None:
    """(platform, handle) of a profile URL (`https://www.instagram.com/hanako/?hl=ja`,
    `tiktok.com/@hanako`, `youtube.com/@hanako`, `youtube.com/channel/UC...`, `x.com/hanako`);
    None when the text is not one."""
    text = raw.strip()
    if "/" not in text or "." not in text:
        return None
    rest = re.sub(r"^(?:https?://)?", "", text, flags=re.IGNORECASE)
    host, _, path = rest.partition("/")
    host = host.lower().removeprefix("www.").removeprefix("m.").removeprefix("mobile.")
    platform = _PROFILE_HOSTS.get(host.partition(":")[0])
    if platform is None:
        return None
    parts = [p for p in re.split(r"[/?#]", path, maxsplit=3)[:3] if p]
    if not parts:
        return None
    first = parts[0]
    if platform == "youtube" and first in ("channel", "c", "user") and len(parts) > 1:
        first = parts[1]
    elif first.lower() in _NOT_ACCOUNTS:
        return None
    handle = first.removeprefix("@")
    if not _ACCOUNT.fullmatch(handle):
        return None
    return platform, handle


# A `?` where a character was: Excel's "CSV" export on Japanese Windows writes `?` for every
# character Shift_JIS lacks (emoji, 𠮷, ♡ variants), so `ゆい?コスメ` was `ゆい💄コスメ`.
_LOST = re.compile(r"(?<=[^\x00-\x7f])\?|\?(?=[^\x00-\x7f])|\?\?|(?<=\w)\?(?=\w)")


def lost_characters(text: str) -> bool:
    """Whether the text holds a `?` that stands for a character the export could not write."""
    return "?" in text and _LOST.search(text) is not None


def url_platform(url: str) -> str | None:
    """The platform whose site a URL is on (`https://www.instagram.com/p/...` -> instagram)."""
    host = re.sub(r"^(?:https?://)?", "", url.strip(), flags=re.IGNORECASE).partition("/")[0]
    host = host.lower().partition(":")[0]
    for suffix, platform in _PROFILE_HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return platform
    if host == "youtu.be":
        return "youtube"
    return None
