"""Which variant of a step a person is sent: deterministic, weighted, and kept once given.

`pick` is the pure assignment: sha256 of (campaign slug, influencer id, the step's arm group)
read as a number in [0, 1) chooses among the variants still running, each taking a share of
that interval equal to its weight over their total. The arm group is the step's sorted variant
names, so two steps offering the same arms with the same weights pick the same arm for a person
even before anything is recorded.

`resolve` is what planning, preview and schedule use: a variant already recorded for the step is
kept (even once stopped: people in flight continue); else the arm the person was given at an
earlier step when this step has it (variants of one name across steps are one arm); else a new
`pick` among the variants not stopped (`resolve_in` first resolves the earlier steps not
recorded yet, as planning will). Planning records the result on the enrollment and on the
outbox row, so later edits of weights or stops never move a person who already has a variant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping, Sequence

from outreach.domain.sequence import Step, Variant


def group_of(step: Step) -> str:
    """The arm group a step's pick hashes: its variant names, sorted."""
    return ",".join(sorted(v.name for v in step.variants))


def _unit(campaign: str, influencer_id: int, group: str) -> float:
    key = f"{campaign}\x00{influencer_id}\x00{group}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64


def pick(
    campaign: str,
    influencer_id: int,
    group: str,
    variants: tuple[Variant, ...],
    stopped: Collection[str] = (),
) -> Variant | None:
    """The weighted, deterministic choice among `variants` not in `stopped` (all of them when
    every one is stopped, so a step never goes without a message); None without variants."""
    live = tuple(v for v in variants if v.name not in stopped) or variants
    if not live:
        return None
    total = sum(v.weight for v in live)
    point = _unit(campaign, influencer_id, group) * total
    for variant in live:
        point -= variant.weight
        if point < 0:
            return variant
    return live[-1]  # rounding at the top end of the interval


def resolve(
    step: Step,
    campaign: str,
    influencer_id: int,
    recorded: Mapping[str, str],
    stopped: Collection[str] = (),
) -> Variant | None:
    """The variant `step` sends this person; `recorded` is the enrollment's step -> variant
    name, `stopped` the step's stopped variant names. None for a step without variants."""
    if not step.variants:
        return None
    mine = recorded.get(str(step.number))
    if mine is not None and (found := step.variant(mine)) is not None:
        return found
    earlier = sorted(
        ((int(n), name) for n, name in recorded.items() if n.isdigit() and int(n) < step.number),
        reverse=True,
    )
    for _, name in earlier:
        if (found := step.variant(name)) is not None:
            return found
    return pick(campaign, influencer_id, group_of(step), step.variants, stopped)


def resolve_in(
    steps: Sequence[Step],
    step: Step,
    campaign: str,
    influencer_id: int,
    recorded: Mapping[str, str],
    stopped: Callable[[int], Collection[str]] = lambda number: (),
) -> Variant | None:
    """`resolve` for `step` of a sequence whose earlier steps may not be recorded yet (a
    preview or schedule of steps still to come): each earlier step with variants is resolved
    first, as planning would record it, so the arm a person is shown at step 2 is the one
    step 1 gives them. `stopped(number)`: that step's stopped variant names."""
    if not step.variants:
        return None
    known = dict(recorded)
    for earlier in steps:
        if earlier.number >= step.number:
            break
        if earlier.variants and str(earlier.number) not in known:
            given = resolve(earlier, campaign, influencer_id, known, stopped(earlier.number))
            if given is not None:
                known[str(earlier.number)] = given.name
    return resolve(step, campaign, influencer_id, known, stopped(step.number))


def parse_recorded(text: str | None) -> dict[str, str]:
    """An enrollment's `variants` column (JSON of step -> name; '' for none) as a dict."""
    if not text:
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def dump_recorded(recorded: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(recorded.items(), key=lambda kv: int(kv[0]))), sort_keys=False)
