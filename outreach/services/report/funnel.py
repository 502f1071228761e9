"""The funnel: enrolled -> sent -> delivered -> replied -> interested / declined / opted out ->
contracted -> posted -> converted, per campaign or across campaigns, grouped by one dimension.

Every count is a set of people (`Person`), so any cell can be explained by listing them. Each
person belongs to one group per dimension: the step and variant are those of the last message
sent before their first reply (of their last message when they never replied), the message
the reply answered.

Definitions (also printed in the report):
  enrolled   the person was enrolled in the campaign (`--since` filters on this time)
  sent       at least one message was sent (an outbox row reached `sent`)
  delivered  sent, and the address did not bounce (stage `bounced` never entered)
  replied    a person answered: a human reply, decline or opt-out by mail or by the
             unsubscribe link, or a move by hand to negotiating, declined or unsubscribed
  interested entered `negotiating`;  declined  entered `declined`;  opted out  `unsubscribed`
  contracted entered `contracted`;  posted  a post recorded or `posted` entered
  converted  at least one order attributed to the person
"""

from __future__ import annotations

import functools
import hashlib
import json
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from outreach.domain.funnel import PREVIOUS, STAGES, gap_hours, reached
from outreach.errors import InputError
from outreach.store.queries import report as q
from outreach.store.session import reading

DIMENSIONS = (
    "campaign",
    "step",
    "variant",
    "template",
    "language",
    "platform",
    "tier",
    "agency",
    "mailbox",
)
NONE = "(none)"


@dataclass(slots=True)
class Person:
    enrollment_id: int
    campaign: str
    handle: str
    name: str
    email: str
    platform: str
    tier: str
    language: str
    agency: str
    mailbox: str
    stage: str
    followers: int | None
    at: dict[str, float] = field(default_factory=dict)  # funnel stage -> first time, epoch s
    step: int | None = None
    template: str = NONE

    def key(self, by: str) -> str:
        if by == "step":
            return NONE if self.step is None else str(self.step)
        if by == "variant":
            return NONE if self.step is None else f"{self.step}: {self.template}"
        return str(getattr(self, by) or NONE)

    def when(self, stage: str) -> datetime | None:
        """The first time the person reached `stage`, aware UTC, to the second."""
        at = self.at.get(stage)
        return None if at is None else datetime.fromtimestamp(round(at), UTC)


@dataclass
class FunnelData:
    """Everything the funnel, the report and the A/B statistics are computed from."""

    campaigns: list[str]
    since: datetime | None
    people: list[Person]
    trials: list[tuple[int, str, int]]  # (step, template, people its message reached)
    sends: list[tuple[float, int]]  # (bucket start, epoch s; messages sent in it)
    replies: list[tuple[float, int]]  # (bucket start; human replies in it)
    posts: list[dict[str, Any]]


def agency_of(manager_email: str | None, custom: Mapping[str, Any] | None) -> str:
    """The roster's `agency` column if given, else the manager address's domain."""
    if custom and custom.get("agency"):
        return str(custom["agency"])
    return (manager_email or "").rpartition("@")[2].lower() or NONE


@functools.lru_cache(maxsize=4096)
def _agency(manager_email: str | None, custom: str | None) -> str:
    # Parsed only when it can hold an agency: 100,000 empty objects cost a second.
    found = json.loads(custom) if custom and "agency" in custom else None
    return agency_of(manager_email, found if isinstance(found, dict) else None)


def template_names(directory: Path) -> dict[str, str]:
    """sha256 of each template file's text -> its name (`pitch.ja`): the name an outbox row's
    `template_hash` stands for. A hash no file has any more is shown by its first 8 digits."""
    names: dict[str, str] = {}
    if directory.is_dir():
        for path in sorted(directory.glob("*.j2")):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            names[hashlib.sha256(text.encode("utf-8")).hexdigest()] = path.name.removesuffix(".j2")
    return names


def arm_label(template_hash: str, names: Mapping[str, str], variant: str = "") -> str:
    """The arm a message counts for: its recorded variant, else (rows from before variants, or
    a step without them) the template it was rendered from."""
    if variant:
        return variant
    if not template_hash:
        return "(unrecorded)"
    return names.get(template_hash) or f"sha256:{template_hash[:8]}"


def _person(row: Any) -> Person:
    (eid, slug, handle, name, email, platform, tier, language, manager, custom, box, stage) = row[
        :12
    ]
    at = reached(*row[13:24])
    return Person(
        eid,
        slug,
        handle,
        name,
        email,
        platform,
        tier or NONE,
        language or NONE,
        _agency(manager, custom),
        box,
        stage,
        row[12],
        at,
    )


def load(
    engine: Engine,
    campaign: str | None = None,
    *,
    since: datetime | None = None,
    templates: Mapping[str, str] | None = None,
) -> FunnelData:
    """Read a campaign's funnel (every campaign's when None). `since` is naive UTC."""
    names = templates or {}
    with reading(engine) as conn:
        found = q.campaigns(conn, campaign)
        if campaign is not None and not found:
            raise InputError(f"no campaign {campaign!r} in the database", field="campaign")
        ids = [cid for cid, _ in found]
        people: dict[int, Person] = {}
        for row in q.facts(conn, ids, since):
            person = people[row[0]] = _person(row)
            # The message a person's answer counts for (set below), else their last one.
            if row[24] is not None and "replied" not in person.at:
                person.step, person.template = int(row[24]), arm_label(row[25], names, row[26])
        for eid, step, template_hash, variant in q.answered_messages(conn, ids, since):
            person = people[eid]
            if person.step is None or step > person.step:
                person.step, person.template = int(step), arm_label(template_hash, names, variant)
        trials: dict[tuple[int, str], int] = defaultdict(int)
        for step, template_hash, variant, n in q.arm_trials(conn, ids, since):
            trials[step, arm_label(template_hash, names, variant)] += n
        sends = q.sends_per_bucket(conn, ids, since)
        replies = q.replies_per_bucket(conn, ids, since)
        posts = q.posts(conn, ids, since)
    return FunnelData(
        [slug for _, slug in found],
        since,
        list(people.values()),
        [(step, name, n) for (step, name), n in sorted(trials.items())],
        sends,
        replies,
        posts,
    )


@dataclass(frozen=True)
class Cell:
    group: str
    stage: str
    count: int
    rate: float | None  # count / the previous stage's count
    of_enrolled: float | None
    median_hours: float | None  # median time from the previous stage, over people with both


def _median_hours(members: Sequence[Person], stage: str) -> float | None:
    gaps = [g for p in members if (g := gap_hours(p.at, stage)) is not None]
    return statistics.median(gaps) if gaps else None


def groups(data: FunnelData, by: str | None) -> dict[str, list[Person]]:
    """People per value of the dimension (every one under "all" when by is None)."""
    if by is not None and by not in DIMENSIONS:
        raise InputError(
            f"cannot group the funnel by {by!r}",
            field="by",
            hint="one of: " + ", ".join(DIMENSIONS),
        )
    if by is None:
        return {"all": data.people}  # with no one in it too: a funnel of zeros, not nothing
    out: dict[str, list[Person]] = defaultdict(list)
    for person in data.people:
        out[person.key(by)].append(person)
    return dict(sorted(out.items(), key=lambda kv: group_order(kv[0])))


def group_order(key: str) -> tuple[int, str]:
    return (1, key) if key == NONE else (0, key.zfill(6) if key.isdigit() else key)


def funnel(data: FunnelData, by: str | None = None) -> list[Cell]:
    """One cell per group and stage, in funnel order."""
    cells: list[Cell] = []
    for name, members in groups(data, by).items():
        counts = {s: sum(1 for p in members if s in p.at) for s in STAGES}
        cells += cells_of(name, counts, {s: _median_hours(members, s) for s in STAGES})
    return cells


def cells_of(
    group: str, counts: Mapping[str, int], medians: Mapping[str, float | None]
) -> list[Cell]:
    """A group's cells from its people per stage and the median time into each stage."""
    out = []
    for stage in STAGES:
        before = PREVIOUS.get(stage)
        n = counts.get(stage, 0)
        out.append(
            Cell(
                group,
                stage,
                n,
                n / counts[before] if before and counts.get(before) else None,
                n / counts["enrolled"] if counts.get("enrolled") else None,
                medians.get(stage),
            )
        )
    return out


def explain(
    data: FunnelData, stage: str, by: str | None = None, group: str | None = None
) -> list[Person]:
    """The people behind one cell: those of `group` (all when None) who reached `stage`."""
    if stage not in STAGES:
        raise InputError(
            f"no funnel stage {stage!r}", field="explain", hint="one of: " + ", ".join(STAGES)
        )
    members = data.people
    if by is not None and group is not None:
        found = groups(data, by)
        if group not in found:
            raise InputError(
                f"no group {group!r} when grouped by {by}",
                field="explain",
                hint="one of: " + ", ".join(found),
            )
        members = found[group]
    chosen = [p for p in members if stage in p.at]
    return sorted(chosen, key=lambda p: (p.at[stage], p.handle))


@dataclass(frozen=True)
class ArmResult:
    """One arm of a step: its message reached `trials` people (sent, not bounced); `replies`
    of them answered it (their first reply came after it and before the next step),
    `positive` of those went on to `interested`."""

    step: int
    name: str
    trials: int
    replies: int
    positive: int


def arms(data: FunnelData) -> list[ArmResult]:
    """Per step, one arm per variant: the recorded variant, else the template the step sent."""
    replies: dict[tuple[int, str], int] = defaultdict(int)
    positive: dict[tuple[int, str], int] = defaultdict(int)
    for person in data.people:
        if person.step is None or "replied" not in person.at or "delivered" not in person.at:
            continue
        replies[person.step, person.template] += 1
        if "interested" in person.at:
            positive[person.step, person.template] += 1
    return arms_of(data.trials, replies, positive)


def arms_of(
    trials: Sequence[tuple[int, str, int]],
    replies: Mapping[tuple[int, str], int],
    positive: Mapping[tuple[int, str], int],
) -> list[ArmResult]:
    """One result per (step, arm, people its message reached), with the replies and positive
    replies counted for it."""
    return [
        ArmResult(step, name, n, replies.get((step, name), 0), positive.get((step, name), 0))
        for step, name, n in trials
    ]
