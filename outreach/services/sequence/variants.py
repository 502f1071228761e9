"""`outreach variant stop`: stop giving a step's variant to new people (those already given it
continue, so their thread keeps one voice); `variant list`: each step's variants and state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from outreach.clock import Clock
from outreach.config import Config
from outreach.errors import InputError
from outreach.services.sequence.campaigns import load_campaign
from outreach.services.sequence.files import load_sequence
from outreach.store.queries import variants as q
from outreach.store.session import reading, writing


@dataclass(frozen=True)
class Stopped:
    campaign: str
    step: int
    name: str
    new: bool  # False: it was already stopped
    in_flight: int  # people already given it, who continue
    running: tuple[str, ...]  # the step's variants new people are still given


@dataclass(frozen=True)
class VariantState:
    step: int
    name: str
    template: str
    weight: float
    stopped: bool
    given: int


def stop_variant(
    engine: Engine, config: Config, clock: Clock, slug: str, step: int, name: str
) -> Stopped:
    """Stop variant `name` of step `step` of campaign `slug`; refuses the step's last running
    variant (new people must be sent something) and names the step's variants when `name` is
    not one of them."""
    campaign = load_campaign(config, slug)
    sequence = load_sequence(config, campaign.sequence)
    found = sequence.find(step)
    if found is None or not found.variants:
        with_variants = [str(s.number) for s in sequence.all_steps if s.variants]
        raise InputError(
            f"step {step} of sequence {sequence.name!r} has no variants",
            field="step",
            hint=f"steps with variants: {', '.join(with_variants) or 'none'}",
        )
    names = [v.name for v in found.variants]
    if name not in names:
        raise InputError(
            f"step {step} has no variant {name!r}",
            field="name",
            hint=f"its variants: {', '.join(names)}",
        )
    with writing(engine) as conn:
        already = q.stopped(conn, [slug]).get((slug, step), frozenset())
        running = tuple(n for n in names if n not in already and n != name)
        if not running and name not in already:
            raise InputError(
                f"{name!r} is the last running variant of step {step}",
                field="name",
                hint="new people must be sent one variant; add another to the sequence first",
            )
        new = q.stop(conn, slug, step, name, clock.now())
        given = q.given_count(conn, slug, step, name)
    return Stopped(slug, step, name, new, given, running)


def variant_states(engine: Engine, config: Config, slug: str) -> list[VariantState]:
    """Every variant of the campaign's sequence, with whether it is stopped and how many people
    were queued it."""
    sequence = load_sequence(config, load_campaign(config, slug).sequence)
    out: list[VariantState] = []
    with reading(engine) as conn:
        stops = q.stopped(conn, [slug])
        for step in sequence.all_steps:
            for v in step.variants:
                out.append(
                    VariantState(
                        step.number,
                        v.name,
                        v.template,
                        v.weight,
                        v.name in stops.get((slug, step.number), frozenset()),
                        q.given_count(conn, slug, step.number, v.name),
                    )
                )
    return out
