"""Sequence files of the workspace, checked against its templates, and each recipient's calendar.

`load_sequence` is what enrol, plan and on_sent use; `validate` reports every problem of every
file for `outreach sequence validate`.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.closures import NO_CLOSURES, Closures
from outreach.config import Config
from outreach.domain.influencer import Influencer
from outreach.domain.sequence import Sequence, Step, parse_sequence
from outreach.domain.windows import Window
from outreach.errors import InputError, UserError
from outreach.render.templates import TemplateSet


@dataclass(frozen=True)
class Recipient:
    """Where and when someone reads mail: their zone and public-holiday calendar."""

    tz: str
    country: str
    closed: Closures = NO_CLOSURES  # the workspace's closures ([sending] closed)


def recipient(config: Config, influencer: Influencer) -> Recipient:
    return recipient_of(config, influencer.timezone, influencer.country)


def recipient_of(
    config: Config, timezone: str, country: str, closed: Closures = NO_CLOSURES
) -> Recipient:
    """The influencer's own zone and country, else the config's defaults; the workspace's
    closures plus `closed` (the campaign's own)."""
    tz = config.sending.timezone
    if timezone:
        try:
            ZoneInfo(timezone)
            tz = timezone
        except (ZoneInfoNotFoundError, ValueError):
            pass  # the roster import validates zones; an old row falls back to the default
    closed = config.sending.closed | closed if closed else config.sending.closed
    if not config.sending.observe_holidays:
        return Recipient(tz=tz, country="", closed=closed)
    return Recipient(
        tz=tz, country=(country or config.sending.holiday_country).upper(), closed=closed
    )


def default_window(config: Config) -> Window:
    w = config.sending.window
    return Window.of(w.days, w.start, w.end)


def window_for(config: Config, step: Step) -> Window:
    return step.window or default_window(config)


def sequence_path(config: Config, name: str) -> Path:
    return config.sequences_dir / f"{name}.toml"


def _display(config: Config, path: Path) -> str:
    try:
        return str(path.relative_to(config.base_dir))
    except ValueError:
        return str(path)


def check_sequence(
    config: Config, name: str, templates: TemplateSet | None = None
) -> tuple[Sequence | None, list[InputError]]:
    """Parse `sequences/<name>.toml`; every problem with file and line."""
    path = sequence_path(config, name)
    file = _display(config, path)
    if not path.is_file():
        known = ", ".join(list_sequences(config)) or "none"
        return None, [InputError("sequence not found", file=file, hint=f"sequences: {known}")]
    templates = templates or TemplateSet(config.templates_dir)
    return parse_sequence(
        path.read_text(encoding="utf-8"),
        name=name,
        file=file,
        default_window=default_window(config),
        template_exists=templates.exists,
    )


_parsed: dict[tuple[str, int], Sequence] = {}


def load_sequence(config: Config, name: str) -> Sequence:
    """The sequence, or its first problem raised (with a count of the others).

    Parsed once per file version: every send calls this through `on_sent`.
    """
    path = sequence_path(config, name)
    key = (str(path.resolve()), path.stat().st_mtime_ns) if path.is_file() else None
    if key is not None and key in _parsed:
        return _parsed[key]
    sequence, problems = check_sequence(config, name)
    if sequence is None:
        first = problems[0]
        if len(problems) > 1:
            first.hint = f"{len(problems) - 1} more problem(s): outreach sequence validate {name}"
        raise first
    if key is not None:
        _parsed[key] = sequence
    return sequence


def sequence_or_error(
    config: Config, name: str, seen: dict[str, Sequence | UserError]
) -> Sequence | UserError:
    """`load_sequence` memoised in `seen` for one pass, a broken file as its error (callers
    that go through many enrollments report it per enrollment instead of failing)."""
    if name not in seen:
        try:
            seen[name] = load_sequence(config, name)
        except UserError as exc:
            seen[name] = exc
    return seen[name]


def list_sequences(config: Config) -> list[str]:
    folder = config.sequences_dir
    return [p.stem for p in sorted(folder.glob("*.toml"))] if folder.is_dir() else []


def validate(config: Config, names: Seq[str] = ()) -> dict[str, list[InputError]]:
    """Problems per sequence: the named ones, else every file in sequences/."""
    templates = TemplateSet(config.templates_dir)
    return {
        name: check_sequence(config, name, templates)[1]
        for name in (list(names) or list_sequences(config))
    }
