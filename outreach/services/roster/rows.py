"""One roster row -> a record the store can upsert, or the list of what is wrong with it.

Every field is checked (not just the first bad one) so one pass over a file reports all
problems. Text goes through `cleaning.single_line`: the same values end up in headers.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from outreach.config import TiersConfig, email_address
from outreach.domain import cleaning
from outreach.domain.cleaning import BadValue
from outreach.domain.influencer import Basis, engagement_rate, tier_for
from outreach.domain.people import SEND_TO_VALUES
from outreach.services.roster.columns import AGENCY, MANAGER, PROFILE_URL
from outreach.store.queries.roster_upsert import INFLUENCER_FIELDS

INFLUENCER_REQUIRED = ("name", "email", "platform", "handle")  # in every stored record
# Columns a file must have: platform may come from a profile URL or a preset's default.
# A talent reached only through an agency has no address of their own: a manager's will do.
INFLUENCER_HEADER = ("name", f"email|manager_email|{MANAGER}", f"handle|{PROFILE_URL}")
# Columns with a meaning; any other column becomes a custom field. Tier is always derived.
INFLUENCER_COLUMNS = tuple(f for f in INFLUENCER_FIELDS if f not in ("tier", "custom"))
POST_REQUIRED = ("influencer", "url")  # the platform may come from the URL
POST_COLUMNS = (
    "influencer",
    "platform",
    "url",
    "title",
    "caption",
    "published_at",
    "likes",
    "comments",
    "shares",
    "saves",
    "views",
)
LANGUAGES = ("ja", "en")
_BASES = ", ".join(b.value for b in Basis)


@dataclass(frozen=True)
class RowRules:
    """What an import run applies to every row."""

    tiers: TiersConfig
    basis: Basis | None = None  # --basis: for rows whose basis cell is blank or absent
    basis_url: str = ""
    today: date | None = None  # the day a --basis-url was seen, when the file has no date
    check_deliverability: bool = False
    zone: str = "Asia/Tokyo"  # for post times written without an offset
    platform: str = ""  # a preset's platform for rows that name none


class RowProblems(Exception):
    """The (field, reason) pairs of one row."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


def parse_address(raw: str, *, deliverability: bool) -> str:
    """The address as it is sent: email-validator's form, an internationalised domain in its
    ASCII `xn--` form (the Unicode and `xn--` spellings are one mailbox, so one person);
    BadValue if not an address or if it would need SMTPUTF8."""
    text = raw.strip()
    if "＠" in text:
        raise BadValue(f"{text!r} has a full-width at-sign (＠); write @")
    if not text.isprintable():
        for ch in text:
            if unicodedata.category(ch) in ("Cf", "Cc"):
                raise BadValue(
                    f"{text!r} contains the invisible character {cleaning.invisible(ch)}"
                )
    if not deliverability and (plain := _PLAIN.fullmatch(text)) is not None:
        domain = _domain(plain["domain"])
        if domain is not None and len(plain["local"]) <= 64 and len(text) <= 254:
            return f"{plain['local']}@{domain}"
    try:
        return email_address(text, check_deliverability=deliverability)
    except ValueError as exc:
        reason = str(exc)
        if "Internationalized characters before the @-sign" in reason:
            reason = f"needs SMTPUTF8, which outreach does not use ({reason})"
        raise BadValue(f"{text!r}: {reason}") from None


# A common address: a dot-atom local part of unreserved characters, a dotted ASCII domain.
# email-validator accepts every such address and returns it unchanged but for its domain, whose
# check (the slow part: IDNA/UTS-46) is done once per domain below; anything else gets the
# full check.
_PLAIN = re.compile(
    r"(?P<local>[A-Za-z0-9_%+-]{1,64}(?:\.[A-Za-z0-9_%+-]+)*)"
    r"@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)


@functools.lru_cache(maxsize=4096)
def _domain(domain: str) -> str | None:
    """The domain as email-validator normalises it, or None when it refuses it."""
    try:
        return email_address(f"x@{domain}").rpartition("@")[2]
    except ValueError:
        return None


class _Collector:
    """Runs each field parser, keeping the value or the problem."""

    def __init__(self, cells: Mapping[str, str]) -> None:
        # Keys are field names already (the reader renames headers): custom keep their case.
        self.cells = cells
        self.problems: list[tuple[str, str]] = []

    def take(self, name: str, parse: Callable[[str], Any], default: Any = None) -> Any:
        raw = self.cells.get(name)
        if not raw or raw.isspace():
            return default
        try:
            return parse(raw)
        except BadValue as exc:
            self.problems.append((name, str(exc)))
            return default

    def has(self, name: str) -> bool:
        return name in self.cells

    def require(self, name: str, parse: Callable[[str], Any]) -> Any:
        if not self.cells.get(name, "").strip():
            self.problems.append((name, "is required"))
            return None
        return self.take(name, parse)

    def done(self) -> None:
        if self.problems:
            raise RowProblems(self.problems)


def _one_of(choices: tuple[str, ...], what: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise BadValue(f"{raw.strip()!r} is not a {what} ({', '.join(choices)})")
        return value

    return parse


def _basis(raw: str) -> Basis:
    try:
        return Basis(raw.strip().lower())
    except ValueError:
        raise BadValue(f"{raw.strip()!r} is not a basis ({_BASES})") from None


def _country(raw: str) -> str:
    code = raw.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise BadValue(f"{raw.strip()!r} is not a two-letter country code (JP, US)")
    return code


def _handle(raw: str) -> str:
    handle = cleaning.single_line(raw, max_length=200, identifier=True).lstrip("@")
    if not handle or " " in handle:
        raise BadValue(f"{raw.strip()!r} is not a handle (no spaces)")
    return handle


def _text(max_length: int) -> Callable[[str], str]:
    return functools.partial(cleaning.single_line, max_length=max_length)


_TEXT_200, _TEXT_2000 = _text(200), _text(2000)


# Headers that are not columns of the influencer table (see columns.py).
_NOT_CUSTOM = frozenset({*INFLUENCER_COLUMNS, PROFILE_URL, AGENCY, MANAGER})
_LANGUAGE_NAMES = {"日本語": "ja", "japanese": "ja", "英語": "en", "english": "en"}
_COUNTRY_NAMES = {"日本": "JP", "japan": "JP", "アメリカ": "US", "米国": "US", "usa": "US"}


_SEND_TO_NAMES = {"本人": "self", "事務所": "agency", "本人+事務所cc": "self_cc_agency"}


def _send_to(raw: str) -> str:
    """Who is mailed by default: self, agency or self_cc_agency (本人, 事務所, 本人+事務所CC)."""
    value = raw.strip().lower().replace(" ", "")
    return _one_of(SEND_TO_VALUES, "send_to")(_SEND_TO_NAMES.get(value, value))


def _language(raw: str) -> str:
    value = raw.strip().lower()
    return _one_of(LANGUAGES, "language")(_LANGUAGE_NAMES.get(value, value))


def _country_or_name(raw: str) -> str:
    value = raw.strip()
    return _country(_COUNTRY_NAMES.get(value.lower(), value))


def _profile(raw: str) -> tuple[str, str]:
    found = cleaning.parse_profile(raw)
    if found is None:
        raise BadValue(
            f"{raw.strip()!r} is not a profile URL (instagram.com/NAME, tiktok.com/@NAME, "
            "youtube.com/@NAME, x.com/NAME, threads.net/@NAME)"
        )
    return found


def _account(col: _Collector, platform_default: str) -> tuple[str | None, str | None]:
    """Platform and handle from the platform and handle cells and a profile URL (in its own
    column or pasted into the handle column); a URL contradicting a cell is a problem."""
    platform = col.take("platform", cleaning.parse_platform)
    raw_handle = col.cells.get("handle", "")
    from_url = col.take(PROFILE_URL, _profile)
    handle = None
    if raw_handle.strip() and (pasted := cleaning.parse_profile(raw_handle)) is not None:
        from_url = from_url or pasted
        handle = pasted[1]
    elif raw_handle.strip():
        handle = col.take("handle", _handle)
    if from_url is not None:
        url_platform, url_handle = from_url
        if platform is not None and platform != url_platform:
            col.problems.append(
                ("platform", f"{platform!r} but the profile URL is on {url_platform}")
            )
        elif handle is not None and handle != url_handle:
            col.problems.append(("handle", f"{handle!r} but the profile URL names {url_handle!r}"))
        platform = platform or url_platform
        handle = handle or url_handle
    if platform is None and platform_default and "platform" not in dict(col.problems):
        platform = platform_default
    for name, value in (("platform", platform), ("handle", handle)):
        if value is None and name not in dict(col.problems):
            col.problems.append((name, "is required (or a profile URL)"))
    return platform, handle


def influencer_record(cells: Mapping[str, str], rules: RowRules) -> dict[str, Any]:
    """The upsert record for one influencer row; raises RowProblems listing every bad field."""
    col = _Collector(cells)

    def address(raw: str) -> str:
        return parse_address(raw, deliverability=rules.check_deliverability)

    name = col.require("name", _TEXT_200)
    email = col.take("email", address, "")
    platform, handle = _account(col, rules.platform)
    record: dict[str, Any] = {
        "name": name,
        "email": email,
        "platform": platform,
        "handle": handle,
        "followers": col.take("followers", cleaning.parse_count),
        "avg_likes": col.take("avg_likes", cleaning.parse_amount),
        "avg_comments": col.take("avg_comments", cleaning.parse_amount),
        "engagement_rate": col.take("engagement_rate", cleaning.parse_rate),
        "niche": col.take("niche", _TEXT_200, ""),
        "country": col.take("country", _country_or_name, ""),
        "language": col.take("language", _language, "ja"),
        "timezone": col.take("timezone", cleaning.parse_timezone, ""),
        "manager_email": col.take("manager_email", address, ""),
        "tags": col.take("tags", cleaning.parse_tags, []),
        "basis": col.take("basis", _basis, rules.basis or Basis.NONE),
        "basis_url": col.take("basis_url", cleaning.parse_url, rules.basis_url),
        "basis_seen_at": col.take("basis_seen_at", cleaning.parse_day, ""),
        "refuses_ads": col.take("refuses_ads", cleaning.parse_flag, False),
        "honorific_name": col.take("honorific_name", _TEXT_200, ""),
        "send_to": col.take("send_to", _send_to, ""),
    }
    custom = {key: col.take(key, _TEXT_2000, "") for key in cells if key not in _NOT_CUSTOM}
    if col.has(AGENCY):
        custom[AGENCY] = col.take(AGENCY, _text(200), "")
    if col.has(MANAGER):
        _manager(col, record, custom, address)
    record["custom"] = custom
    if not email and not record["manager_email"] and "email" not in dict(col.problems):
        col.problems.append(
            (
                "email",
                "is required (or a manager's address, for a talent reached only through an agency)",
            )
        )
    _legal_basis(record, col, rules)
    col.done()
    return _derive(_present(record, col, rules), col, rules.tiers)


def _manager(
    col: _Collector, record: dict[str, Any], custom: dict[str, Any], address: Callable[[str], str]
) -> None:
    """A 担当者 (manager) cell: an address fills manager_email when the file has no column of
    its own for it; a name is kept as the custom field `manager`."""
    raw = col.cells.get(MANAGER, "").strip()
    if "@" in raw and not col.has("manager_email"):
        record["manager_email"] = col.take(MANAGER, address, "")
        col.cells = {**col.cells, "manager_email": raw}  # the column is present for _present
        return
    custom[MANAGER] = col.take(MANAGER, _text(200), "")


def _present(record: dict[str, Any], col: _Collector, rules: RowRules) -> dict[str, Any]:
    """Only what the file says: a column the file lacks leaves the stored value alone (a new
    influencer gets the table default), except the basis that --basis sets for the file."""
    kept = {
        k: v for k, v in record.items() if k in INFLUENCER_REQUIRED or k == "custom" or col.has(k)
    }
    if rules.basis is not None:
        for key in ("basis", "basis_url", "basis_seen_at"):
            kept.setdefault(key, record[key])
    return kept


def _derive(record: dict[str, Any], col: _Collector, tiers: TiersConfig) -> dict[str, Any]:
    """Engagement rate from average likes and comments when not given; tier from followers.

    A file with followers but no engagement columns leaves the stored rate alone."""
    if record.get("engagement_rate") is None and any(
        col.has(k) for k in ("avg_likes", "avg_comments", "engagement_rate")
    ):
        record["engagement_rate"] = engagement_rate(
            record.get("followers"), record.get("avg_likes"), record.get("avg_comments")
        )
    if col.has("followers"):
        record["tier"] = tier_for(
            record["followers"], micro=tiers.micro, macro=tiers.macro, mega=tiers.mega
        )
    return record


def _legal_basis(record: dict[str, Any], col: _Collector, rules: RowRules) -> None:
    """A published business address needs where it was published (and when it was seen)."""
    if record["basis"] != Basis.PUBLISHED_BUSINESS_ADDRESS:
        return
    if not record["basis_url"]:
        col.problems.append(("basis_url", "required for published_business_address"))
    elif not record["basis_seen_at"]:
        if rules.today is None:
            col.problems.append(("basis_seen_at", "required for published_business_address"))
        else:
            record["basis_seen_at"] = rules.today.isoformat()


def post_record(cells: Mapping[str, str], rules: RowRules) -> dict[str, Any]:
    """The upsert record for one post row (the `influencer` key still unresolved): the
    influencer by handle, address or profile URL; the platform from its cell, that URL or the
    post URL's host."""
    col = _Collector(cells)
    influencer = col.require("influencer", _text(320))
    platform = col.take("platform", cleaning.parse_platform)
    url = col.require("url", cleaning.parse_url)
    if influencer and (profile := cleaning.parse_profile(influencer)) is not None:
        platform = platform or profile[0]
        influencer = profile[1]
    if platform is None and url:
        platform = cleaning.url_platform(url) or rules.platform or None
    if platform is None and "platform" not in dict(col.problems):
        col.problems.append(("platform", "is required (or a URL on the platform's site)"))
    record: dict[str, Any] = {
        "influencer": influencer,
        "platform": platform,
        "url": url,
        "title": col.take("title", _text(500), ""),
        "caption": col.take("caption", _text(5000), ""),
        "published_at": col.take(
            "published_at", lambda raw: cleaning.parse_moment(raw, zone=rules.zone)
        ),
    }
    for name in ("likes", "comments", "shares", "saves", "views"):
        record[name] = col.take(name, cleaning.parse_count)
    col.done()
    return record


def lost_characters(cells: Mapping[str, str]) -> list[str]:
    """The text fields (not addresses or URLs) holding a `?` an export put for a lost emoji."""
    return [
        key
        for key, value in cells.items()
        if "?" in value and key not in _NOT_TEXT and cleaning.lost_characters(value)
    ]


_NOT_TEXT = frozenset({"email", "manager_email", "url", "basis_url", PROFILE_URL})
