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

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from outreach.errors import InputError
from outreach.store.queries import report as q
from outreach.store.session import reading

STAGES = (
    "enrolled",
    "sent",
    "delivered",
    "replied",
    "interested",
    "declined",
    "opted_out",
    "contracted",
    "posted",
    "converted",
)
# The stage each one's rate and time are measured from.
PREVIOUS = {
    "sent": "enrolled",
    "delivered": "sent",
    "replied": "delivered",
    "interested": "replied",
    "declined": "replied",
    "opted_out": "replied",
    "contracted": "interested",
    "posted": "contracted",
    "converted": "posted",
}
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
_RESPONSE_STAGES = {
    "negotiating": "interested",
    "declined": "declined",
    "unsubscribed": "opted_out",
}


@dataclass
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
    at: dict[str, datetime] = field(default_factory=dict)  # funnel stage -> first time (UTC)
    step: int | None = None
    template: str = NONE

    def key(self, by: str) -> str:
        if by == "step":
            return NONE if self.step is None else str(self.step)
        if by == "variant":
            return NONE if self.step is None else f"{self.step}: {self.template}"
        return str(getattr(self, by) or NONE)


@dataclass
class Send:
    enrollment_id: int
    step: int
    template: str
    at: datetime


@dataclass
class FunnelData:
    """Everything the funnel, the report and the A/B statistics are computed from."""

    campaigns: list[str]
    since: datetime | None
    people: list[Person]
    sends: list[Send]  # every sent message of these people
    replies: list[tuple[int, datetime, str]]  # (enrollment id, at, kind) of human replies
    orders: list[tuple[int, datetime, float]]
    posts: list[dict[str, Any]]


def agency_of(manager_email: str | None, custom: Mapping[str, Any] | None) -> str:
    """The roster's `agency` column if given, else the manager address's domain."""
    if custom and custom.get("agency"):
        return str(custom["agency"])
    return (manager_email or "").rpartition("@")[2].lower() or NONE


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


def _label(template_hash: str, names: Mapping[str, str]) -> str:
    if not template_hash:
        return "(unrecorded)"
    return names.get(template_hash) or f"sha256:{template_hash[:8]}"


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
        rows = q.people(conn, ids, since)
        people = {
            r["enrollment_id"]: Person(
                enrollment_id=r["enrollment_id"],
                campaign=r["campaign"],
                handle=r["handle"],
                name=r["name"],
                email=r["email"],
                platform=r["platform"],
                tier=r["tier"] or NONE,
                language=r["language"] or NONE,
                agency=agency_of(r["manager_email"], r["custom"]),
                mailbox=r["mailbox"],
                stage=r["stage"],
                followers=r["followers"],
                at={"enrolled": r["enrolled_at"]},
            )
            for r in rows
        }
        sends = [
            Send(int(eid), int(step), _label(h, names), at)
            for eid, step, h, _box, at in q.sends(conn, ids)
            if eid in people
        ]
        replies = [(int(e), at, k) for e, at, k in q.human_replies(conn, ids) if e in people]
        stages = [(int(e), s, at) for e, s, at in q.first_stages(conn, ids) if e in people]
        orders = [(int(e), at, float(v)) for e, at, v in q.orders(conn, ids) if e in people]
        posts = [p for p in q.posts(conn, ids) if p["enrollment_id"] in people]
    _fill(people, sends, replies, stages, orders, posts)
    return FunnelData(
        [slug for _, slug in found], since, list(people.values()), sends, replies, orders, posts
    )


def _first(at: dict[str, datetime], stage: str, when: datetime | None) -> None:
    if when is not None and (stage not in at or when < at[stage]):
        at[stage] = when


def _fill(
    people: dict[int, Person],
    sends: Sequence[Send],
    replies: Iterable[tuple[int, datetime, str]],
    stages: Iterable[tuple[int, str, datetime]],
    orders: Iterable[tuple[int, datetime, float]],
    posts: Iterable[Mapping[str, Any]],
) -> None:
    bounced: set[int] = set()
    for eid, stage, at in stages:
        at_ = people[eid].at
        if stage == "bounced":
            bounced.add(eid)
        elif stage in _RESPONSE_STAGES:
            _first(at_, _RESPONSE_STAGES[stage], at)
            _first(at_, "replied", at)
        else:
            _first(at_, stage, at)
    for eid, at, _kind in replies:
        _first(people[eid].at, "replied", at)
    for post in posts:
        _first(people[post["enrollment_id"]].at, "posted", post["posted_at"])
    for eid, at, _revenue in orders:
        _first(people[eid].at, "converted", at)
    per_person: dict[int, list[Send]] = defaultdict(list)
    for send in sends:
        per_person[send.enrollment_id].append(send)
    for eid, mine in per_person.items():
        person = people[eid]
        _first(person.at, "sent", mine[0].at)
        if eid not in bounced:
            _first(person.at, "delivered", mine[0].at)
        replied = person.at.get("replied")
        answered = [s for s in mine if replied is None or s.at <= replied] or mine[:1]
        person.step, person.template = answered[-1].step, answered[-1].template


@dataclass(frozen=True)
class Cell:
    group: str
    stage: str
    count: int
    rate: float | None  # count / the previous stage's count
    of_enrolled: float | None
    median_hours: float | None  # median time from the previous stage, over people with both


def _median_hours(members: Sequence[Person], stage: str) -> float | None:
    before = PREVIOUS.get(stage)
    if before is None:
        return None
    gaps = [
        (p.at[stage] - p.at[before]).total_seconds() / 3600
        for p in members
        if stage in p.at and before in p.at and p.at[stage] >= p.at[before]
    ]
    return statistics.median(gaps) if gaps else None


def groups(data: FunnelData, by: str | None) -> dict[str, list[Person]]:
    """People per value of the dimension (every one under "all" when by is None)."""
    if by is not None and by not in DIMENSIONS:
        raise InputError(
            f"cannot group the funnel by {by!r}",
            field="by",
            hint="one of: " + ", ".join(DIMENSIONS),
        )
    out: dict[str, list[Person]] = defaultdict(list)
    for person in data.people:
        out["all" if by is None else person.key(by)].append(person)
    return dict(sorted(out.items(), key=lambda kv: _order(kv[0])))


def _order(key: str) -> tuple[int, str]:
    return (1, key) if key == NONE else (0, key.zfill(6) if key.isdigit() else key)


def funnel(data: FunnelData, by: str | None = None) -> list[Cell]:
    """One cell per group and stage, in funnel order."""
    cells: list[Cell] = []
    for name, members in groups(data, by).items():
        counts = {s: sum(1 for p in members if s in p.at) for s in STAGES}
        for stage in STAGES:
            before = PREVIOUS.get(stage)
            n = counts[stage]
            cells.append(
                Cell(
                    name,
                    stage,
                    n,
                    n / counts[before] if before and counts[before] else None,
                    n / counts["enrolled"] if counts["enrolled"] else None,
                    _median_hours(members, stage),
                )
            )
    return cells


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
    """Per step, one arm per variant (today: the template the step sent)."""
    trials: dict[tuple[int, str], int] = defaultdict(int)
    replies: dict[tuple[int, str], int] = defaultdict(int)
    positive: dict[tuple[int, str], int] = defaultdict(int)
    by_id = {p.enrollment_id: p for p in data.people}
    for send in data.sends:
        if "delivered" in by_id[send.enrollment_id].at:
            trials[send.step, send.template] += 1
    for person in data.people:
        if person.step is None or "replied" not in person.at or "delivered" not in person.at:
            continue
        replies[person.step, person.template] += 1
        if "interested" in person.at:
            positive[person.step, person.template] += 1
    return [
        ArmResult(step, name, n, replies[step, name], positive[step, name])
        for (step, name), n in sorted(trials.items())
    ]
