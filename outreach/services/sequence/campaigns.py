"""Campaign files (`campaigns/<slug>.toml`) -> `Campaign`, and checks that they can run.

Every problem names the file, the line when it can be found, and the key, because ops edit
these files by hand.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from outreach.closures import Closures
from outreach.config import Config
from outreach.domain.campaign import Campaign, Offer
from outreach.domain.people import SEND_TO_VALUES
from outreach.errors import InputError, UserError
from outreach.render.templates import LANGUAGES, TemplateSet
from outreach.services.sequence.files import check_sequence

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
OFFER_KINDS = ("fee", "gift", "fee+gift", "affiliate")


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_amount(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_date(v: Any) -> bool:
    return isinstance(v, date) and not isinstance(v, datetime)


_TEXT = 'a string, or one per language: { ja = "…", en = "…" }'
# key -> (required, check, what was expected)
_TOP: dict[str, tuple[bool, Callable[[Any], bool], str]] = {
    "name": (True, _is_str, _TEXT),
    "brand": (True, _is_str, _TEXT),
    "product": (True, _is_str, _TEXT),
    "sequence": (True, _is_str, "a sequence name (sequences/<name>.toml)"),
    "mailbox": (False, _is_str, "a [mailboxes.NAME] of config.toml"),
    "mailboxes": (
        False,
        lambda v: _is_str_list(v) and bool(v) and len(set(v)) == len(v),
        'a list of different [mailboxes.NAME] such as ["tokyo", "osaka"]',
    ),
    "language": (False, lambda v: v in LANGUAGES, " | ".join(LANGUAGES)),
    "brief": (False, _is_str, _TEXT),
    "tracking_target": (False, _is_str, "an https:// URL"),
    "to_manager": (False, lambda v: isinstance(v, bool), "true or false"),
    "to": (False, lambda v: v in SEND_TO_VALUES, "self, agency or self_cc_agency"),
    "deliverables": (False, _is_str_list, "a list of strings, or one list per language"),
    "offer": (False, lambda v: isinstance(v, dict), "a table [offer]"),
    "dates": (False, lambda v: isinstance(v, dict), "a table [dates]"),
    "closed": (
        False,
        lambda v: isinstance(v, list),
        'a list such as ["12-29..01-03", "2027-05-06"]',
    ),
}
_OFFER: dict[str, tuple[bool, Callable[[Any], bool], str]] = {
    "kind": (False, lambda v: v in OFFER_KINDS, " | ".join(OFFER_KINDS)),
    "amount": (False, _is_amount, "a whole non-negative number"),
    "currency": (
        False,
        lambda v: isinstance(v, str) and bool(re.fullmatch(r"[A-Z]{3}", v)),
        "a 3-letter currency code such as JPY",
    ),
    "description": (False, _is_str, _TEXT),
}


def _line_of(text: str, key: str, table: str | None = None) -> int | None:
    """The file line where `key =` is set (inside `[table]` when given)."""
    in_table = table is None
    header = re.compile(r"\s*\[\s*([^\]]+?)\s*\]")
    pattern = re.compile(rf"\s*\"?{re.escape(key)}\"?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        m = header.match(line)
        if m:
            in_table = m.group(1) == table
            continue
        if in_table and pattern.match(line):
            return number
    return None


def _line_of_language(text: str, key: str, lang: str, table: str | None) -> int | None:
    """Where `key`'s value for `lang` is set: `[key]` table, `key.lang =` or `key = { … }`."""
    full = f"{table}.{key}" if table else key
    return (
        _line_of(text, lang, full)
        or _line_of(text, f"{key}.{lang}", table)
        or _line_of(text, key, table)
    )


def _pick_language(
    data: dict[str, Any],
    key: str,
    table: str | None,
    default_language: str,
    localized: dict[str, dict[str, Any]],
    *,
    file: str,
    text: str,
) -> dict[str, Any]:
    """A per-language value (`key = { ja = "…", en = "…" }`) checked, each language's value
    put in `localized`, and `data` returned with `key` holding the default language's value
    (else the first language given)."""
    value = data.get(key)
    if not isinstance(value, dict):
        return data
    field_name = f"{table}.{key}" if table else key
    is_list = key == "deliverables"
    expected = "a list of strings" if is_list else "a string"
    if not value:
        raise InputError(
            'expected at least one language, e.g. { ja = "…", en = "…" }',
            file=file,
            line=_line_of_language(text, key, "", table),
            field=field_name,
        )
    for lang, given in value.items():
        where = _line_of_language(text, key, lang, table)
        if lang not in LANGUAGES:
            raise InputError(
                f"unknown language {lang!r}",
                file=file,
                line=where,
                field=f"{field_name}.{lang}",
                hint=f"languages: {', '.join(LANGUAGES)}",
            )
        if not (_is_str_list(given) if is_list else _is_str(given)):
            raise InputError(
                f"expected {expected}, got {given!r}",
                file=file,
                line=where,
                field=f"{field_name}.{lang}",
            )
        localized.setdefault(lang, {})[field_name] = tuple(given) if is_list else given
    chosen = value[default_language] if default_language in value else next(iter(value.values()))
    return {**data, key: chosen}


def _check_table(
    data: dict[str, Any],
    spec: dict[str, tuple[bool, Callable[[Any], bool], str]],
    *,
    file: str,
    text: str,
    table: str | None,
) -> None:
    prefix = f"{table}." if table else ""
    for key, value in data.items():
        if key not in spec:
            raise InputError(
                "unknown key",
                file=file,
                line=_line_of(text, key, table),
                field=prefix + key,
                hint=f"known: {', '.join(spec)}",
            )
        _, check, expected = spec[key]
        if not check(value):
            raise InputError(
                f"expected {expected}, got {value!r}",
                file=file,
                line=_line_of(text, key, table),
                field=prefix + key,
            )
    for key, (required, _, expected) in spec.items():
        if required and key not in data:
            raise InputError(f"required key is missing ({expected})", file=file, field=prefix + key)


def parse_campaign(text: str, *, slug: str, file: str) -> Campaign:
    """Parse and type-check one campaign file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=file) from None
    default_language = data.get("language", "")
    if default_language not in ("", *LANGUAGES):
        raise InputError(
            f"expected {' | '.join(LANGUAGES)}, got {default_language!r}",
            file=file,
            line=_line_of(text, "language"),
            field="language",
        )
    localized: dict[str, dict[str, Any]] = {}
    for key in ("name", "brand", "product", "brief", "deliverables"):
        data = _pick_language(data, key, None, default_language, localized, file=file, text=text)
    _check_table(data, _TOP, file=file, text=text, table=None)
    offer = data.get("offer", {})
    offer = _pick_language(
        offer, "description", "offer", default_language, localized, file=file, text=text
    )
    _check_table(offer, _OFFER, file=file, text=text, table="offer")
    dates = data.get("dates", {})
    for key, value in dates.items():
        if not _is_date(value):
            raise InputError(
                f"expected a date like 2026-12-04, got {value!r}",
                file=file,
                line=_line_of(text, key, "dates"),
                field=f"dates.{key}",
            )
    try:
        closed = Closures.parse(data.get("closed", []))
    except ValueError as exc:
        raise InputError(
            str(exc),
            file=file,
            line=_line_of(text, "closed"),
            field="closed",
            hint="MM-DD, MM-DD..MM-DD, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD",
        ) from None
    senders = tuple(data.get("mailboxes", ()))
    if senders and data.get("mailbox", senders[0]) not in senders:
        raise InputError(
            f"mailbox {data['mailbox']!r} is not one of mailboxes {list(senders)}",
            file=file,
            line=_line_of(text, "mailbox"),
            field="mailbox",
            hint="add it to mailboxes, or drop mailbox: the first of mailboxes is the default",
        )
    return Campaign(
        slug=slug,
        name=data["name"],
        brand=data["brand"],
        product=data["product"],
        sequence=data["sequence"],
        mailbox=data.get("mailbox", senders[0] if senders else "main"),
        mailboxes=senders,
        offer=Offer(**offer),
        deliverables=tuple(data.get("deliverables", ())),
        dates=dict(dates),
        closed=closed,
        tracking_target=data.get("tracking_target", ""),
        to_manager=data.get("to_manager"),
        to=data.get("to", ""),
        brief=data.get("brief", ""),
        source=file,
        language=default_language,
        localized=localized,
    )


def campaign_path(config: Config, slug: str) -> Path:
    if not _SLUG.fullmatch(slug):
        raise InputError(
            f"not a campaign name: {slug!r}", hint="lower-case letters, digits, - and _"
        )
    return config.campaigns_dir / f"{slug}.toml"


def load_campaign(config: Config, slug: str) -> Campaign:
    path = campaign_path(config, slug)
    if not path.is_file():
        known = ", ".join(p.stem for p in sorted(config.campaigns_dir.glob("*.toml"))) or "none"
        raise InputError("campaign not found", file=str(path), hint=f"campaigns: {known}")
    return parse_campaign(path.read_text(encoding="utf-8"), slug=slug, file=str(path))


@lru_cache(maxsize=64)
def _closures_at(path: Path, mtime_ns: int, slug: str) -> Closures:
    try:
        return parse_campaign(path.read_text(encoding="utf-8"), slug=slug, file=str(path)).closed
    except (OSError, UserError):
        return Closures()  # a broken file is reported where the campaign is loaded


def campaign_closures(config: Config, slug: str) -> Closures:
    """The campaign's own `closed` days (none when its file is missing or broken), read
    again when the file changes: for the places that know a campaign only by name."""
    try:
        path = campaign_path(config, slug)
        return _closures_at(path, path.stat().st_mtime_ns, slug)
    except (OSError, UserError):
        return Closures()


def list_campaigns(config: Config) -> list[Campaign]:
    """Every campaign of the workspace, by slug; the first broken file raises."""
    folder = config.campaigns_dir
    if not folder.is_dir():
        return []
    return [load_campaign(config, p.stem) for p in sorted(folder.glob("*.toml"))]


# The order a campaign's dates must keep where several are given: an answer before the
# product ships, a post after it arrives, a report after the post.
DATE_ORDER = ("reply_by", "ship_by", "post_by", "report_by")


def check_dates(campaign: Campaign, file: str, today: date | None) -> list[UserError]:
    """Dates already past on `today` (when given), and dates out of DATE_ORDER: a pitch that
    asks for a reply by last week, or a post before the reply, contradicts itself."""
    try:
        text = Path(file).read_text(encoding="utf-8")
    except OSError:
        text = ""
    problems: list[UserError] = []

    def problem(key: str, message: str, hint: str) -> None:
        problems.append(
            InputError(
                message,
                file=file,
                line=_line_of(text, key, "dates"),
                field=f"dates.{key}",
                hint=hint,
            )
        )

    if today is not None:
        for key, day in sorted(campaign.dates.items()):
            if day < today:
                problem(
                    key,
                    f"{day.isoformat()} is already past (today is {today.isoformat()})",
                    "every message that states it would contradict itself: move it forward",
                )
    given = [(key, campaign.dates[key]) for key in DATE_ORDER if key in campaign.dates]
    for (first, a), (then, b) in pairwise(given):
        if b < a:
            problem(
                then,
                f"{b.isoformat()} is before {first} {a.isoformat()}",
                f"{then} must not come before {first}",
            )
    return problems


def validate_campaign(
    config: Config, campaign: Campaign, *, today: date | None = None
) -> list[UserError]:
    """Everything that would stop this campaign from sending; empty when it can run. With
    `today`, a date already past is a problem too."""
    problems: list[UserError] = []
    file = campaign.source or str(campaign_path(config, campaign.slug))
    problems.extend(check_dates(campaign, file, today))
    try:
        text = Path(file).read_text(encoding="utf-8")
    except OSError:
        text = ""
    for name in campaign.senders:
        if name not in config.mailboxes:
            key = "mailboxes" if campaign.mailboxes else "mailbox"
            problems.append(
                InputError(
                    f"unknown mailbox {name!r}",
                    file=file,
                    line=_line_of(text, key),
                    field=key,
                    hint=f"configured: {', '.join(sorted(config.mailboxes))}",
                )
            )
    if campaign.tracking_target and not campaign.tracking_target.startswith("https://"):
        problems.append(InputError("must be an https:// URL", file=file, field="tracking_target"))
    templates = TemplateSet(config.templates_dir)
    sequence, sequence_problems = check_sequence(config, campaign.sequence, templates)
    problems.extend(sequence_problems)
    if sequence is not None:
        for step in sequence.steps:
            for template in step.templates:  # each variant's too
                problems.extend(_check_template(templates, template))
    return problems


def _check_template(templates: TemplateSet, name: str) -> list[UserError]:
    """Compile every language variant of a step's template (front matter, Jinja2 syntax)."""
    files = [f"{name}.{lang}.j2" for lang in LANGUAGES] + [f"{name}.j2"]
    problems: list[UserError] = []
    for file in files:
        if (templates.directory / file).is_file():
            try:
                templates.load(file)
            except UserError as exc:
                problems.append(exc)
    return problems


def validate(
    config: Config, slug: str | None = None, *, today: date | None = None
) -> dict[str, list[UserError]]:
    """Problems per campaign (one, or every file in campaigns/); a file that does not parse
    reports its parse error. With `today`, past dates are problems."""
    if slug is not None:
        slugs = [slug]
    else:
        slugs = [p.stem for p in sorted(config.campaigns_dir.glob("*.toml"))]
    report: dict[str, list[UserError]] = {}
    for name in slugs:
        try:
            report[name] = validate_campaign(config, load_campaign(config, name), today=today)
        except UserError as exc:
            report[name] = [exc]
    return report
