"""The funnel's definitions as pure rules: the stages a person reached and when, from the first
time of each recorded fact; the message their first answer counts for; and what one person
adds to the report's counters (`Facts.contributions`).

The report reads counters kept as facts change (`outreach.store.queries.tally`) instead of
aggregating every outbox row, reply and stage move on each run; the scanning reference
(`outreach.store.queries.report::facts`) and the counters both go through `reached`, so a
stage means the same in both. Times are seconds since the epoch (UTC) as the database computes
them (`outreach.store.queries.report::epoch`), so buckets and medians agree to the bit.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

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
# Inbound kinds written by a person (an operator's resolution of `needs_review` counts).
HUMAN_KINDS = ("reply", "decline", "opt_out")
# Pipeline stages whose first entry marks a funnel step; the first three are a person's response.
RESPONSE_STAGES = ("negotiating", "declined", "unsubscribed")
FUNNEL_STAGES = (*RESPONSE_STAGES, "contracted", "posted", "bounced")
BUCKET = 900  # seconds: a quarter of an hour, so any zone's local day is whole buckets

Arm = tuple[int, str, str]  # (step, template sha256, variant) of a message


def reached(
    enrolled: float,
    sent: float | None,
    bounced: float | None,
    replied: float | None,
    negotiating: float | None,
    declined: float | None,
    unsubscribed: float | None,
    contracted: float | None,
    posted: float | None,
    post: float | None,
    order: float | None,
) -> dict[str, float]:
    """Funnel stage -> the first time the person reached it, from the first time of each fact
    (None: never). `posted` is the stage entered, `post` a recorded post; delivered is sent
    unless the address ever bounced."""
    at = {"enrolled": enrolled}
    if sent is not None:
        at["sent"] = sent
        if bounced is None:
            at["delivered"] = sent
    for name, value in (
        ("replied", replied),
        ("interested", negotiating),
        ("declined", declined),
        ("opted_out", unsubscribed),
        ("contracted", contracted),
        ("converted", order),
    ):
        if value is not None:
            at[name] = value
    if posted is not None or post is not None:
        at["posted"] = min(t for t in (posted, post) if t is not None)
    return at


def gap_hours(at: dict[str, float], stage: str) -> float | None:
    """Hours from the previous stage to `stage`, when the person reached both in that order
    (what the funnel's median time is taken over)."""
    before = PREVIOUS.get(stage)
    if before is None or stage not in at or before not in at or at[stage] < at[before]:
        return None
    return (at[stage] - at[before]) / 3600


ZERO_BUCKET = -(1 << 20)  # below every other bucket: a gap of exactly zero


def gap_bucket(hours: float) -> int:
    """A histogram bucket of a gap, increasing with it: 16 per doubling (each about 4.4 %
    wide). Exact arithmetic on the float's exponent and mantissa (no logarithm), so every
    machine puts a gap in the same bucket and a counter is always taken back from where it
    was added."""
    if hours <= 0:
        return ZERO_BUCKET
    mantissa, exponent = math.frexp(hours)  # mantissa in [0.5, 1)
    return exponent * 16 + int((mantissa - 0.5) * 32)


@functools.lru_cache(maxsize=65536)
def cell(*parts: Any) -> str:
    """A counter's key: its kind and fields as a compact JSON array. Remembered: the same
    cells recur for every person (a group of sends counts each one's twice)."""
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Facts:
    """What the funnel knows of one enrolment, each time in epoch seconds."""

    campaign_id: int
    platform: str
    tier: str  # "" when none
    enrolled: float
    sent: tuple[tuple[int, str, str, float], ...]  # (step, template, variant, at), by step
    stages: tuple[tuple[str, float], ...]  # first entry into each of FUNNEL_STAGES, by name
    answers: tuple[float, ...]  # each human reply's time, in order
    post: float | None  # the first recorded post
    order: float | None  # the first order attributed
    answered: Arm | None  # the message the first answer answered (the last sent before it)

    def first_answer(self, stages: Mapping[str, float] | None = None) -> float | None:
        """A human reply, or a move to negotiating, declined or unsubscribed: the earliest."""
        stages = dict(self.stages) if stages is None else stages
        times = [*self.answers, *(stages[s] for s in RESPONSE_STAGES if s in stages)]
        return min(times) if times else None

    def at(self) -> dict[str, float]:
        stages = dict(self.stages)
        return reached(
            self.enrolled,
            min((m[3] for m in self.sent), default=None),
            stages.get("bounced"),
            self.first_answer(stages),
            stages.get("negotiating"),
            stages.get("declined"),
            stages.get("unsubscribed"),
            stages.get("contracted"),
            stages.get("posted"),
            self.post,
            self.order,
        )

    def arm(self, at: dict[str, float]) -> Arm | None:
        """The message a person's answer counts for; the last one sent when they never
        answered."""
        if "replied" in at:
            return self.answered
        if not self.sent:
            return None
        last = max(self.sent, key=lambda m: m[0])
        return last[0], last[1], last[2]

    def contributions(self) -> tuple[Counter[str], Counter[tuple[str, int, float]]]:
        """What this person adds to the counters: cells (funnel stage per platform and tier,
        arm trials, replies and positive replies, sends and replies per time bucket, the
        histogram of each stage's gap) and the exact gaps ((stage, bucket, hours))."""
        at = self.at()
        cells: Counter[str] = Counter()
        gaps: Counter[tuple[str, int, float]] = Counter()
        for stage in at:
            cells[cell("f", self.platform, self.tier, stage)] += 1
        if "bounced" not in dict(self.stages):
            for step, template, variant, _ in self.sent:
                cells[cell("t", step, template, variant)] += 1
        arm = self.arm(at)
        if arm is not None and "replied" in at and "delivered" in at:
            cells[cell("r", *arm)] += 1
            if "interested" in at:
                cells[cell("p", *arm)] += 1
        for *_, sent_at in self.sent:
            cells[cell("s", math.floor(sent_at / BUCKET))] += 1
        for answer in self.answers:
            cells[cell("q", math.floor(answer / BUCKET))] += 1
        for stage in PREVIOUS:
            hours = gap_hours(at, stage)
            if hours is not None:
                bucket = gap_bucket(hours)
                cells[cell("h", stage, bucket)] += 1
                gaps[stage, bucket, hours] += 1
        return cells, gaps

    def with_sent(
        self, messages: Sequence[tuple[int, str, str, float]]
    ) -> tuple[Facts, Counter[str], Counter[tuple[str, int, float]]] | None:
        """These messages sent too, to a person who has not answered: the facts after and what
        the counters gain (the `contributions` of the facts after less these facts', without
        computing either whole: a group of sends is counted in the transaction that records
        it). None when the person has answered (the message an answer counts for may change)
        or a step was counted sent already: count them whole."""
        stages = dict(self.stages)
        steps = {m[0] for m in self.sent}
        if self.first_answer(stages) is not None or any(m[0] in steps for m in messages):
            return None
        after = replace(self, sent=tuple(sorted((*self.sent, *messages))))
        cells: Counter[str] = Counter()
        gaps: Counter[tuple[str, int, float]] = Counter()
        bounced = "bounced" in stages
        for step, template, variant, sent_at in messages:
            if not bounced:
                cells[cell("t", step, template, variant)] += 1
            cells[cell("s", math.floor(sent_at / BUCKET))] += 1
        was, now = self.at(), after.at()
        for stage in now.keys() - was.keys():
            cells[cell("f", self.platform, self.tier, stage)] += 1
        moved = {stage for stage, at in now.items() if was.get(stage) != at}
        for stage, before in PREVIOUS.items():
            if stage not in moved and before not in moved:
                continue
            for at, sign in ((was, -1), (now, 1)):
                hours = gap_hours(at, stage)
                if hours is not None:
                    bucket = gap_bucket(hours)
                    cells[cell("h", stage, bucket)] += sign
                    gaps[stage, bucket, hours] += sign
        return after, cells, gaps

    def to_json(self) -> str:
        return json.dumps(
            [
                self.campaign_id,
                self.platform,
                self.tier,
                self.enrolled,
                self.sent,
                self.stages,
                self.answers,
                self.post,
                self.order,
                self.answered,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Facts:
        c, p, t, e, sent, stages, answers, post, order, answered = json.loads(text)
        return cls(
            int(c),
            p,
            t,
            e,
            tuple((int(s), h, v, a) for s, h, v, a in sent),
            tuple((s, a) for s, a in stages),
            tuple(answers),
            post,
            order,
            None if answered is None else (int(answered[0]), answered[1], answered[2]),
        )


def middle(histogram: Mapping[int, int]) -> list[tuple[int, int]]:
    """Where the median of a histogram (bucket -> how many) lies: (bucket, rank within it) of
    the middle value, or of the two middle values when the count is even (which
    `statistics.median` averages). Empty when the histogram is."""
    total = sum(n for n in histogram.values() if n > 0)
    out = []
    for rank in sorted({(total - 1) // 2, total // 2} if total else set()):
        seen = 0
        for bucket in sorted(histogram):
            n = histogram[bucket]
            if n > 0 and seen + n > rank:
                out.append((bucket, rank - seen))
                break
            seen += max(n, 0)
    return out


def nth(values: Iterable[tuple[float, int]], k: int) -> float:
    """The k-th (from 0) of a sorted multiset given as (value, how many)."""
    seen = 0
    for value, n in values:
        if n > 0 and seen + n > k:
            return value
        seen += max(n, 0)
    raise ValueError(f"fewer than {k + 1} values")
