"""Sequences: ordered steps with delays and window overrides, parsed from `sequences/<name>.toml`.

Parsing is pure (text in, value or every problem out): the caller supplies the file text, the
default window and a predicate saying which templates exist. tomllib gives no line numbers, so
each problem's line is found by scanning the text for the key inside the Nth `[[step]]` block.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.closures import NO_CLOSURES, Closures
from outreach.domain.windows import DAY_NAMES, Window, add_business_days
from outreach.errors import InputError

_SIMPLE = re.compile(r"(\d+)\s*(s|m|h|d)")
_BUSINESS = re.compile(r"(\d+)\s+business\s+days?")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_TOP_KEYS = ("description", "step")
_STEP_KEYS = ("template", "delay", "subject", "window")
_WINDOW_KEYS = ("days", "start", "end", "tz")


@dataclass(frozen=True)
class Delay:
    """Time after the previous step was sent (after enrolment for step 1)."""

    amount: int
    unit: str  # s | m | h | d | business days

    @property
    def business(self) -> bool:
        return self.unit == "business days"

    def after(
        self, at: datetime, *, tz: str, country: str, closed: Closures = NO_CLOSURES
    ) -> datetime:
        """`at` plus this delay; business days count in the recipient's zone and calendar."""
        if self.business:
            return add_business_days(at, self.amount, tz=tz, country=country, closed=closed)
        return at + timedelta(seconds=self.amount * _UNIT_SECONDS[self.unit])

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}" if self.business else f"{self.amount}{self.unit}"


def parse_delay(text: str) -> Delay:
    """`0m`, `30m`, `2h`, `2d`, `5s`, `3 business days`; ValueError otherwise."""
    value = text.strip().lower()
    if m := _BUSINESS.fullmatch(value):
        return Delay(int(m.group(1)), "business days")
    if m := _SIMPLE.fullmatch(value):
        return Delay(int(m.group(1)), m.group(2))
    raise ValueError(f"not a delay: {text!r}")


@dataclass(frozen=True)
class Step:
    number: int  # 1-based
    template: str
    delay: Delay
    subject: str | None = None
    window: Window | None = None  # None: the config's default window


@dataclass(frozen=True)
class Sequence:
    name: str
    description: str
    steps: tuple[Step, ...]
    file: str = ""

    def step(self, number: int) -> Step | None:
        return self.steps[number - 1] if 1 <= number <= len(self.steps) else None


class _Lines:
    """Where keys sit in the source text: top level, or inside the Nth `[[step]]` block."""

    _header = re.compile(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.step_starts: list[int] = []  # line of each [[step]] header
        self.block_of: list[int | None] = []  # step index per line, None outside step blocks
        current: int | None = None
        for number, line in enumerate(self.lines, start=1):
            m = self._header.match(line)
            if m:
                if m.group(1) == "step" and line.strip().startswith("[["):
                    self.step_starts.append(number)
                    current = len(self.step_starts) - 1
                else:
                    current = None
            self.block_of.append(current)

    def key(self, key: str, step: int | None) -> int | None:
        """The line of `key =` in step block `step` (0-based), or at top level when None."""
        pattern = re.compile(rf"\s*\"?{re.escape(key)}\"?\s*=")
        for number, line in enumerate(self.lines, start=1):
            block = self.block_of[number - 1]
            in_scope = block == step if step is not None else block is None
            if in_scope and pattern.match(line) and not self._header.match(line):
                return number
        return self.step_start(step) if step is not None else None

    def step_start(self, step: int) -> int | None:
        return self.step_starts[step] if step < len(self.step_starts) else None


def _toml_line(exc: tomllib.TOMLDecodeError) -> int | None:
    m = re.search(r"at line (\d+)", str(exc))
    return int(m.group(1)) if m else None


def _parse_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        return time.fromisoformat(value)
    raise ValueError(f'expected a time like "09:00", got {value!r}')


def _parse_window(raw: Any, default: Window) -> Window:
    """A step's partial window override merged over the default; ValueError on any problem."""
    if not isinstance(raw, dict):
        raise ValueError(  # reported to the user as a file problem
            f'expected a table like {{ start = "10:00", end = "17:00" }}, got {raw!r}'
        )
    unknown = [k for k in raw if k not in _WINDOW_KEYS]
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(_WINDOW_KEYS)})")
    window = default
    if "days" in raw:
        days = raw["days"]
        if not isinstance(days, list) or not days or any(d not in DAY_NAMES for d in days):
            raise ValueError(f"days must be a non-empty list of {', '.join(DAY_NAMES)}")
        window = replace(window, days=frozenset(DAY_NAMES.index(d) for d in days))
    if "start" in raw:
        window = replace(window, start=_parse_time(raw["start"]))
    if "end" in raw:
        window = replace(window, end=_parse_time(raw["end"]))
    if "tz" in raw:
        try:
            ZoneInfo(str(raw["tz"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {raw['tz']!r}") from None
        window = replace(window, tz=str(raw["tz"]))
    if window.end <= window.start:
        raise ValueError(f"end {window.end} must be after start {window.start}")
    return window


def parse_sequence(
    text: str,
    *,
    name: str,
    file: str,
    default_window: Window,
    template_exists: Callable[[str], bool],
) -> tuple[Sequence | None, list[InputError]]:
    """The sequence and every problem found (the sequence is None when there are problems)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [InputError(f"not valid TOML: {exc}", file=file, line=_toml_line(exc))]
    lines = _Lines(text)
    problems: list[InputError] = []

    def problem(message: str, field: str, line: int | None, hint: str | None = None) -> None:
        problems.append(InputError(message, file=file, line=line, field=field, hint=hint))

    for key in data:
        if key not in _TOP_KEYS:
            problem("unknown key", key, lines.key(key, None), f"known: {', '.join(_TOP_KEYS)}")
    description = data.get("description", "")
    if not isinstance(description, str):
        problem("expected a string", "description", lines.key("description", None))
        description = ""
    raw_steps = data.get("step", [])
    if not isinstance(raw_steps, list) or not raw_steps:
        problem(
            "empty sequence: no [[step]] tables",
            "step",
            lines.key("step", None) or 1,
            'add [[step]] with template = "pitch" and delay = "0m"',
        )
        return None, problems
    steps: list[Step] = []
    for index, raw in enumerate(raw_steps):
        field = f"step[{index + 1}]"
        if not isinstance(raw, dict):
            problem("expected a [[step]] table", field, lines.key("step", None))
            continue
        for key in raw:
            if key not in _STEP_KEYS:
                problem(
                    "unknown key",
                    f"{field}.{key}",
                    lines.key(key, index),
                    f"known: {', '.join(_STEP_KEYS)}",
                )
        template = raw.get("template")
        if not isinstance(template, str) or not template:
            problem(
                "required key is missing (a template name)",
                f"{field}.template",
                lines.key("template", index),
            )
        elif not template_exists(template):
            problem(
                f"unknown template {template!r}",
                f"{field}.template",
                lines.key("template", index),
                f"expected templates/{template}.<lang>.j2 or templates/{template}.j2",
            )
        delay: Delay | None = Delay(0, "m") if index == 0 else None
        if "delay" in raw or index > 0:
            try:
                delay = parse_delay(raw["delay"]) if isinstance(raw.get("delay"), str) else None
            except ValueError:
                delay = None
            if delay is None:
                given = f"got {raw['delay']!r}" if "delay" in raw else "missing"
                problem(
                    f"bad delay ({given})",
                    f"{field}.delay",
                    lines.key("delay", index),
                    "use 30m, 2h, 2d, 5s or 3 business days",
                )
        subject = raw.get("subject")
        if subject is not None and not isinstance(subject, str):
            problem("expected a string", f"{field}.subject", lines.key("subject", index))
        window: Window | None = None
        if "window" in raw:
            try:
                window = _parse_window(raw["window"], default_window)
            except ValueError as exc:
                problem(str(exc), f"{field}.window", lines.key("window", index))
        if isinstance(template, str) and delay is not None:
            steps.append(
                Step(
                    index + 1,
                    template,
                    delay,
                    subject if isinstance(subject, str) else None,
                    window,
                )
            )
    if problems:
        return None, problems
    return Sequence(name=name, description=description, steps=tuple(steps), file=file), []
