"""Sequences: ordered steps with delays and window overrides, parsed from `sequences/<name>.toml`.

Parsing is pure (text in, value or every problem out): the caller supplies the file text, the
default window and a predicate saying which templates exist. tomllib gives no line numbers, so
each problem's line is found by scanning the text for the key inside the Nth `[[step]]` block.

After the pitch steps a file may add the deal phase, sent in the same thread once a deal is
accepted (`outreach deal accept`): `[[after_deal]]` steps (e.g. a message confirming the terms)
and one `[reminder]`, sent when a deliverable of the accepted deal is past its due date plus
the reminder's delay and still not posted. They are numbered after the pitch steps, so
UNIQUE(enrollment_id, step) keeps each of them to one message.

A step may instead have variants, `[[step.variant]]` tables (name, template, optional subject,
weight): such a step has no template of its own (a `template =` beside variants is an error, so
no arm is implicit), and its `subject` is the default of variants that give none. Variants with
the same name on several steps form one arm (see `outreach.domain.variants`).

Longer than 400 lines on purpose: the file format, its line-numbered problems and the step
values are one parser.
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
_TOP_KEYS = ("description", "step", "after_deal", "reminder")
_STEP_KEYS = ("template", "delay", "subject", "window", "variant")
_VARIANT_KEYS = ("name", "template", "subject", "weight")
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


PITCH = "pitch"
AFTER_DEAL = "after_deal"
REMINDER = "reminder"


@dataclass(frozen=True)
class Variant:
    """One arm of a step: its template, its subject (None: the step's), its share by weight."""

    name: str
    template: str
    subject: str | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class Step:
    number: int  # 1-based, across the pitch steps, then the after_deal steps, then the reminder
    template: str
    # pitch and after_deal: after the previous step was sent (the first: after enrolment, or
    # after the deal was accepted); reminder: after the late deliverable's due date
    delay: Delay
    subject: str | None = None
    window: Window | None = None  # None: the config's default window
    phase: str = PITCH  # PITCH | AFTER_DEAL | REMINDER
    # With variants, `template` is the first variant's (what code blind to variants uses).
    variants: tuple[Variant, ...] = ()

    @property
    def templates(self) -> tuple[str, ...]:
        """Every template this step can send: each variant's, else its own."""
        if not self.variants:
            return (self.template,)
        return tuple(dict.fromkeys(v.template for v in self.variants))

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)


@dataclass(frozen=True)
class Sequence:
    name: str
    description: str
    steps: tuple[Step, ...]  # the pitch steps; what enrolment starts and a reply stops
    file: str = ""
    after_deal: tuple[Step, ...] = ()  # sent once a deal is accepted (numbered after `steps`)
    reminder: Step | None = None  # sent when a deliverable is late (numbered last)

    def step(self, number: int) -> Step | None:
        """The pitch step `number`, or None (past the pitch: see `find`)."""
        return self.steps[number - 1] if 1 <= number <= len(self.steps) else None

    @property
    def deal_steps(self) -> tuple[Step, ...]:
        """The after_deal steps, then the reminder: what `outreach deal accept` opens."""
        return self.after_deal + ((self.reminder,) if self.reminder else ())

    @property
    def all_steps(self) -> tuple[Step, ...]:
        return self.steps + self.deal_steps

    def find(self, number: int) -> Step | None:
        """Any step by its number: pitch, after_deal or the reminder."""
        every = self.all_steps
        return every[number - 1] if 1 <= number <= len(every) else None

    def following(self, number: int) -> Step | None:
        """The step sent a delay after step `number` in the same phase (None at the end of the
        pitch, of the after_deal steps, and after the reminder, which is timed from due dates)."""
        current, nxt = self.find(number), self.find(number + 1)
        if current is None or nxt is None or current.phase == REMINDER:
            return None
        return nxt if nxt.phase == current.phase else None


class _Lines:
    """Where keys sit in the source text: top level, or inside the Nth block of a table (the
    Nth `[[step]]` or `[[after_deal]]`, the `[reminder]` as block 0 of `reminder`)."""

    _header = re.compile(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?")
    _blocks = (("step", True), (AFTER_DEAL, True), (REMINDER, False))  # (name, array of tables)

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.starts: dict[str, list[int]] = {name: [] for name, _ in self._blocks}
        # (table, index) per line; None outside those blocks
        self.block_of: list[tuple[str, int] | None] = []
        current: tuple[str, int] | None = None
        for number, line in enumerate(self.lines, start=1):
            m = self._header.match(line)
            if m:
                current = None
                for name, array in self._blocks:
                    if m.group(1) == name and line.strip().startswith("[[") == array:
                        self.starts[name].append(number)
                        current = (name, len(self.starts[name]) - 1)
                    elif m.group(1) == f"{name}.variant" and self.starts[name]:
                        # `[[step.variant]]` belongs to the last `[[step]]`: its blocks are
                        # named `step[N].variant`, N the step's 0-based index
                        owner = f"{name}[{len(self.starts[name]) - 1}].variant"
                        self.starts.setdefault(owner, []).append(number)
                        current = (owner, len(self.starts[owner]) - 1)
            self.block_of.append(current)

    def key(self, key: str, step: int | tuple[str, int] | None) -> int | None:
        """The line of `key =` in block `step` (a [[step]] index, or (table, index)), or at
        top level when None."""
        block_id = ("step", step) if isinstance(step, int) else step
        pattern = re.compile(rf"\s*\"?{re.escape(key)}\"?\s*=")
        for number, line in enumerate(self.lines, start=1):
            block = self.block_of[number - 1]
            if block == block_id and pattern.match(line) and not self._header.match(line):
                return number
        return self.block_start(block_id) if block_id is not None else None

    def block_start(self, block: tuple[str, int]) -> int | None:
        starts = self.starts.get(block[0], [])
        return starts[block[1]] if block[1] < len(starts) else None


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

    def parse_step(raw: Any, block: tuple[str, int], number: int, phase: str) -> Step | None:
        kind, index = block
        field = kind if phase == REMINDER else f"{kind}[{index + 1}]"
        if not isinstance(raw, dict):
            header = f"[{kind}]" if phase == REMINDER else f"[[{kind}]]"
            problem(f"expected a {header} table", field, lines.key(kind, None))
            return None
        for key in raw:
            if key not in _STEP_KEYS:
                problem(
                    "unknown key",
                    f"{field}.{key}",
                    lines.key(key, block),
                    f"known: {', '.join(_STEP_KEYS)}",
                )
        variants = _parse_variants(raw, block, field, lines, problem, template_exists)
        template = raw.get("template")
        if variants is not None:
            if "template" in raw:
                problem(
                    "a step with variants has no template of its own",
                    f"{field}.template",
                    lines.key("template", block),
                    "give every [[" + kind + ".variant]] its template and remove this one",
                )
            template = variants[0].template if variants else None
        elif not isinstance(template, str) or not template:
            problem(
                "required key is missing (a template name)",
                f"{field}.template",
                lines.key("template", block),
            )
        elif not template_exists(template):
            problem(
                f"unknown template {template!r}",
                f"{field}.template",
                lines.key("template", block),
                f"expected templates/{template}.<lang>.j2 or templates/{template}.j2",
            )
        # The first step of a phase may omit its delay (sent at once); the others say theirs.
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
                    lines.key("delay", block),
                    "use 30m, 2h, 2d, 5s or 3 business days",
                )
        subject = raw.get("subject")
        if subject is not None and not isinstance(subject, str):
            problem("expected a string", f"{field}.subject", lines.key("subject", block))
        window: Window | None = None
        if "window" in raw:
            try:
                window = _parse_window(raw["window"], default_window)
            except ValueError as exc:
                problem(str(exc), f"{field}.window", lines.key("window", block))
        if isinstance(template, str) and delay is not None:
            return Step(
                number,
                template,
                delay,
                subject if isinstance(subject, str) else None,
                window,
                phase,
                tuple(variants or ()),
            )
        return None

    steps = [
        parse_step(raw, ("step", index), index + 1, PITCH) for index, raw in enumerate(raw_steps)
    ]
    raw_deal = data.get(AFTER_DEAL, [])
    if not isinstance(raw_deal, list):
        problem("expected [[after_deal]] tables", AFTER_DEAL, lines.key(AFTER_DEAL, None))
        raw_deal = []
    after = [
        parse_step(raw, (AFTER_DEAL, index), len(raw_steps) + index + 1, AFTER_DEAL)
        for index, raw in enumerate(raw_deal)
    ]
    reminder: Step | None = None
    if REMINDER in data:
        raw_reminder = data[REMINDER]
        if isinstance(raw_reminder, list):
            problem(
                "one reminder only: write [reminder], not [[reminder]]",
                REMINDER,
                lines.key(REMINDER, None) or _header_line(lines, "[[reminder]]"),
            )
        else:
            number = len(raw_steps) + len(raw_deal) + 1
            reminder = parse_step(raw_reminder, (REMINDER, 0), number, REMINDER)
    if problems:
        return None, problems
    return (
        Sequence(
            name=name,
            description=description,
            steps=tuple(s for s in steps if s is not None),
            file=file,
            after_deal=tuple(s for s in after if s is not None),
            reminder=reminder,
        ),
        [],
    )


def _header_line(lines: _Lines, header: str) -> int | None:
    for number, line in enumerate(lines.lines, start=1):
        if line.strip().replace(" ", "") == header:
            return number
    return None


def _parse_variants(
    raw: dict[str, Any],
    block: tuple[str, int],
    field: str,
    lines: _Lines,
    problem: Callable[[str, str, int | None, str | None], None],
    template_exists: Callable[[str], bool],
) -> list[Variant] | None:
    """A step's `[[step.variant]]` tables (None when it has none); each problem is reported at
    its line. An empty list means variants were given but none is usable."""
    if "variant" not in raw:
        return None
    kind, index = block
    owner = f"{kind}[{index}].variant"
    given = raw["variant"]
    if not isinstance(given, list) or not given or not all(isinstance(v, dict) for v in given):
        problem(
            f"expected [[{kind}.variant]] tables",
            f"{field}.variant",
            lines.key("variant", block),
            None,
        )
        return []
    out: list[Variant] = []
    seen: set[str] = set()
    for number, entry in enumerate(given):
        where = (owner, number)
        vfield = f"{field}.variant[{number + 1}]"
        ok = True
        for key in entry:
            if key not in _VARIANT_KEYS:
                problem(
                    "unknown key",
                    f"{vfield}.{key}",
                    lines.key(key, where),
                    f"known: {', '.join(_VARIANT_KEYS)}",
                )
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            problem(
                "required key is missing (a variant name)",
                f"{vfield}.name",
                lines.key("name", where),
                None,
            )
            ok = False
        elif name in seen:
            problem(
                f"variant name {name!r} is used twice in this step",
                f"{vfield}.name",
                lines.key("name", where),
                "names are unique within a step; the same name on another step is the same arm",
            )
            ok = False
        else:
            seen.add(name)
        template = entry.get("template")
        if not isinstance(template, str) or not template:
            problem(
                "required key is missing (a template name)",
                f"{vfield}.template",
                lines.key("template", where),
                None,
            )
            ok = False
        elif not template_exists(template):
            problem(
                f"unknown template {template!r}",
                f"{vfield}.template",
                lines.key("template", where),
                f"expected templates/{template}.<lang>.j2 or templates/{template}.j2",
            )
            ok = False
        subject = entry.get("subject")
        if subject is not None and not isinstance(subject, str):
            problem("expected a string", f"{vfield}.subject", lines.key("subject", where), None)
            ok = False
        weight = entry.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
            problem(
                f"weight must be a positive number, got {weight!r}",
                f"{vfield}.weight",
                lines.key("weight", where),
                "a variant's share is its weight over the sum of the step's weights",
            )
            ok = False
        if ok:
            assert isinstance(name, str) and isinstance(template, str)
            out.append(Variant(name, template, subject, float(weight)))
    return out
