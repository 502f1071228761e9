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
        local, domain = plain.group("local", "domain")
        domain = _domain(domain)
        if domain is not None and len(local) <= 64 and len(text) <= 254:
            return f"{local}@{domain}"
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


def _take(
    cells: Mapping[str, str],
    problems: list[tuple[str, str]],
    name: str,
    parse: Callable[[str], Any],
    default: Any = None,
) -> Any:
    """The cell parsed (its default when blank or absent), or its problem noted."""
    raw = cells.get(name)
    if not raw or raw.isspace():
        return default
    try:
        return parse(raw)
    except BadValue as exc:
        problems.append((name, str(exc)))
        return default


def _require(
    cells: Mapping[str, str],
    problems: list[tuple[str, str]],
    name: str,
    parse: Callable[[str], Any],
) -> Any:
    if not cells.get(name, "").strip():
        problems.append((name, "is required"))
        return None
    return _take(cells, problems, name, parse)


class _Memo:
    """A parser of a column with few distinct values (platform, language, timezone ...), each
    value parsed once per import: the parsers are pure, so a repeated cell has the same value
    or the same problem. At most MEMO values are kept."""

    MEMO = 4096

    def __init__(self, parse: Callable[[str], Any]) -> None:
        self.parse = parse
        self.seen: dict[str, tuple[bool, Any]] = {}

    def __call__(self, raw: str) -> Any:
        found = self.seen.get(raw)
        if found is None:
            try:
                found = (True, self.parse(raw))
            except BadValue as exc:
                found = (False, str(exc))
            if len(self.seen) < self.MEMO:
                self.seen[raw] = found
        if not found[0]:
            raise BadValue(found[1])
        value = found[1]
        return list(value) if type(value) is list else value  # each record its own list


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


def _account(
    cells: Mapping[str, str],
    problems: list[tuple[str, str]],
    platform_default: str,
    parse_platform: Callable[[str], str],
) -> tuple[str | None, str | None]:
    """Platform and handle from the platform and handle cells and a profile URL (in its own
    column or pasted into the handle column); a URL contradicting a cell is a problem."""
    platform = _take(cells, problems, "platform", parse_platform)
    raw_handle = cells.get("handle", "")
    from_url = _take(cells, problems, PROFILE_URL, _profile)
    handle = None
    if raw_handle.strip() and (pasted := cleaning.parse_profile(raw_handle)) is not None:
        from_url = from_url or pasted
        handle = pasted[1]
    elif raw_handle.strip():
        handle = _take(cells, problems, "handle", _handle)
    if from_url is not None:
        url_platform, url_handle = from_url
        if platform is not None and platform != url_platform:
            problems.append(("platform", f"{platform!r} but the profile URL is on {url_platform}"))
        elif handle is not None and handle != url_handle:
            problems.append(("handle", f"{handle!r} but the profile URL names {url_handle!r}"))
        platform = platform or url_platform
        handle = handle or url_handle
    if platform is None and platform_default and not _named("platform", problems):
        platform = platform_default
    for name, value in (("platform", platform), ("handle", handle)):
        if value is None and not _named(name, problems):
            problems.append((name, "is required (or a profile URL)"))
    return platform, handle


def _named(field: str, problems: list[tuple[str, str]]) -> bool:
    return any(name == field for name, _ in problems)


# The fields after name, email, platform and handle, in the order they are checked (and a
# record holds them).
_FIELDS = tuple(f for f in INFLUENCER_COLUMNS if f not in INFLUENCER_REQUIRED)
_ORDER = ("name", "email", "platform", "handle", *_FIELDS)
_RATE_COLUMNS = ("avg_likes", "avg_comments", "engagement_rate")
_LEGAL = ("basis", "basis_url", "basis_seen_at")


@dataclass(frozen=True)
class _Shape:
    """What a row's columns hold (every row of a table has the same; JSON records may not)."""

    fields: tuple[str, ...]  # of _FIELDS, the row's columns
    # each of `fields` with its parser and what a blank cell gives (a list: a new empty one)
    steps: tuple[tuple[str, Callable[[str], Any], Any], ...]
    custom: tuple[str, ...]  # the other columns, kept as custom fields
    agency: bool
    manager: bool  # a 担当者 column (a name, or an address: see `_manager`)
    manager_email: bool
    rate: bool  # a column the engagement rate is, or is derived from
    followers: bool


class InfluencerRows:
    """Checks influencer rows (`__call__`: one row's cells -> its upsert record, or
    RowProblems listing every bad field) under one import's rules. Rows with the same columns
    share a `_Shape`, so a row pays only for the cells it has; columns with few distinct
    values are parsed once per value (`_Memo`)."""

    def __init__(self, rules: RowRules) -> None:
        self.rules = rules
        self.address = functools.partial(parse_address, deliverability=rules.check_deliverability)
        self.platform = _Memo(cleaning.parse_platform)
        self.parsers: dict[str, Callable[[str], Any]] = {
            "followers": cleaning.parse_count,
            "avg_likes": cleaning.parse_amount,
            "avg_comments": cleaning.parse_amount,
            "engagement_rate": cleaning.parse_rate,
            "niche": _TEXT_200,
            "country": _Memo(_country_or_name),
            "language": _Memo(_language),
            "timezone": _Memo(cleaning.parse_timezone),
            "manager_email": self.address,
            "tags": _Memo(cleaning.parse_tags),
            "basis": _Memo(_basis),
            "basis_url": cleaning.parse_url,
            "basis_seen_at": _Memo(cleaning.parse_day),
            "refuses_ads": _Memo(cleaning.parse_flag),
            "honorific_name": _TEXT_200,
            "send_to": _Memo(_send_to),
        }
        self.shapes: dict[tuple[str, ...], _Shape] = {}
        self.defaults = self._defaults()

    def _defaults(self) -> dict[str, Any]:
        """What a blank or absent cell of each of _FIELDS gives (a list: a new empty one)."""
        rules = self.rules
        return {
            "followers": None,
            "avg_likes": None,
            "avg_comments": None,
            "engagement_rate": None,
            "niche": "",
            "country": "",
            "language": "ja",
            "timezone": "",
            "manager_email": "",
            "tags": [],
            "basis": rules.basis or Basis.NONE,
            "basis_url": rules.basis_url,
            "basis_seen_at": "",
            "refuses_ads": False,
            "honorific_name": "",
            "send_to": "",
        }

    def _shape(self, keys: tuple[str, ...]) -> _Shape:
        has = set(keys)
        fields = tuple(f for f in _FIELDS if f in has)
        shape = _Shape(
            fields=fields,
            steps=tuple((f, self.parsers[f], self.defaults[f]) for f in fields),
            custom=tuple(k for k in keys if k not in _NOT_CUSTOM),
            agency=AGENCY in has,
            manager=MANAGER in has,
            manager_email="manager_email" in has,
            rate=any(k in has for k in _RATE_COLUMNS),
            followers="followers" in has,
        )
        if len(self.shapes) < 1000:  # bounded: JSON records with ever new keys
            self.shapes[keys] = shape
        return shape

    def __call__(self, cells: Mapping[str, str]) -> dict[str, Any]:
        # Keys are field names already (the reader renames headers): custom keep their case.
        keys = tuple(cells)
        shape = self.shapes.get(keys) or self._shape(keys)
        rules = self.rules
        problems: list[tuple[str, str]] = []
        name = _require(cells, problems, "name", _TEXT_200)
        email = _take(cells, problems, "email", self.address, "")
        platform, handle = _account(cells, problems, rules.platform, self.platform)
        # Only what the file says: a column the file lacks leaves the stored value alone (a
        # new influencer gets the table default).
        record: dict[str, Any] = {"name": name, "email": email, "platform": platform}
        record["handle"] = handle
        for field, parse, default in shape.steps:  # `_take`, inline: it runs for most cells
            raw = cells[field]
            if raw and not raw.isspace():
                try:
                    record[field] = parse(raw)
                    continue
                except BadValue as exc:
                    problems.append((field, str(exc)))
            record[field] = [] if default.__class__ is list else default
        defaults = self.defaults
        custom = {key: _take(cells, problems, key, _TEXT_2000, "") for key in shape.custom}
        if shape.agency:
            custom[AGENCY] = _take(cells, problems, AGENCY, _TEXT_200, "")
        if shape.manager and self._manager(cells, problems, record, custom, shape):
            record = {k: record[k] for k in _ORDER if k in record}  # in field order
        record["custom"] = custom
        manager_email = record.get("manager_email", "")
        if not email and not manager_email and not _named("email", problems):
            problems.append(
                (
                    "email",
                    "is required (or a manager's address, for a talent reached only through an "
                    "agency)",
                )
            )
        basis = record.get("basis", defaults["basis"])
        if basis == Basis.PUBLISHED_BUSINESS_ADDRESS or rules.basis is not None:
            legal = {f: record.get(f, defaults[f]) for f in _LEGAL}
            _legal_basis(legal, problems, rules)
            for f in _LEGAL:
                if f in record:
                    record[f] = legal[f]
            if rules.basis is not None and not problems:  # --basis: for the whole file
                for f in _LEGAL:
                    record.setdefault(f, legal[f])
        if problems:
            raise RowProblems(problems)
        return _derive(record, shape, rules.tiers)

    def _manager(
        self,
        cells: Mapping[str, str],
        problems: list[tuple[str, str]],
        record: dict[str, Any],
        custom: dict[str, Any],
        shape: _Shape,
    ) -> bool:
        """A 担当者 (manager) cell: an address fills manager_email when the file has no column
        of its own for it (True: the record gained the field); a name is kept as the custom
        field `manager`."""
        raw = cells.get(MANAGER, "").strip()
        if "@" in raw and not shape.manager_email:
            record["manager_email"] = _take(cells, problems, MANAGER, self.address, "")
            return True
        custom[MANAGER] = _take(cells, problems, MANAGER, _TEXT_200, "")
        return False


def influencer_record(cells: Mapping[str, str], rules: RowRules) -> dict[str, Any]:
    """The upsert record for one influencer row; raises RowProblems listing every bad field.
    (An import checks its rows with one InfluencerRows.)"""
    return InfluencerRows(rules)(cells)


def _derive(record: dict[str, Any], shape: _Shape, tiers: TiersConfig) -> dict[str, Any]:
    """Engagement rate from average likes and comments when not given; tier from followers.

    A file with followers but no engagement columns leaves the stored rate alone."""
    if shape.rate and record.get("engagement_rate") is None:
        record["engagement_rate"] = engagement_rate(
            record.get("followers"), record.get("avg_likes"), record.get("avg_comments")
        )
    if shape.followers:
        record["tier"] = tier_for(
            record["followers"], micro=tiers.micro, macro=tiers.macro, mega=tiers.mega
        )
    return record


def _legal_basis(legal: dict[str, Any], problems: list[tuple[str, str]], rules: RowRules) -> None:
    """A published business address needs where it was published (and when it was seen)."""
    if legal["basis"] != Basis.PUBLISHED_BUSINESS_ADDRESS:
        return
    if not legal["basis_url"]:
        problems.append(("basis_url", "required for published_business_address"))
    elif not legal["basis_seen_at"]:
        if rules.today is None:
            problems.append(("basis_seen_at", "required for published_business_address"))
        else:
            legal["basis_seen_at"] = rules.today.isoformat()


class PostRows:
    """Checks post rows (`__call__`: one row's cells -> its upsert record, the `influencer`
    key still unresolved, or RowProblems) under one import's rules: the influencer by handle,
    address or profile URL; the platform from its cell, that URL or the post URL's host."""

    def __init__(self, rules: RowRules) -> None:
        self.rules = rules
        self.platform = _Memo(cleaning.parse_platform)
        self.moment = functools.partial(cleaning.parse_moment, zone=rules.zone)

    def __call__(self, cells: Mapping[str, str]) -> dict[str, Any]:
        problems: list[tuple[str, str]] = []
        influencer = _require(cells, problems, "influencer", _TEXT_320)
        platform = _take(cells, problems, "platform", self.platform)
        url = _require(cells, problems, "url", cleaning.parse_url)
        if influencer and (profile := cleaning.parse_profile(influencer)) is not None:
            platform = platform or profile[0]
            influencer = profile[1]
        if platform is None and url:
            platform = cleaning.url_platform(url) or self.rules.platform or None
        if platform is None and not _named("platform", problems):
            problems.append(("platform", "is required (or a URL on the platform's site)"))
        record: dict[str, Any] = {
            "influencer": influencer,
            "platform": platform,
            "url": url,
            "title": _take(cells, problems, "title", _TEXT_500, ""),
            "caption": _take(cells, problems, "caption", _TEXT_5000, ""),
            "published_at": _take(cells, problems, "published_at", self.moment),
        }
        for name in ("likes", "comments", "shares", "saves", "views"):
            record[name] = _take(cells, problems, name, cleaning.parse_count)
        if problems:
            raise RowProblems(problems)
        return record


def post_record(cells: Mapping[str, str], rules: RowRules) -> dict[str, Any]:
    """The upsert record for one post row (see PostRows)."""
    return PostRows(rules)(cells)


_TEXT_320, _TEXT_500, _TEXT_5000 = _text(320), _text(500), _text(5000)


def lost_characters(cells: Mapping[str, str]) -> list[str]:
    """The text fields (not addresses or URLs) holding a `?` an export put for a lost emoji."""
    if "?" not in "".join(cells.values()):
        return []  # most rows: no cell has one
    return [
        key
        for key, value in cells.items()
        if "?" in value and key not in _NOT_TEXT and cleaning.lost_characters(value)
    ]


_NOT_TEXT = frozenset({"email", "manager_email", "url", "basis_url", PROFILE_URL})
