"""Step variants in the store: the variants stopped per campaign step (`variant_stop`) and the
variant each enrollment was given per step (`enrollment.variants`, JSON step -> name)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from outreach.clock import naive_utc
from outreach.domain.variants import dump_recorded, parse_recorded
from outreach.store.schema import campaign, enrollment, outbox, variant_stop


def stopped(conn: Connection, slugs: Iterable[str]) -> dict[tuple[str, int], frozenset[str]]:
    """(campaign slug, step) -> the names of its stopped variants, for `slugs`."""
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    found: dict[tuple[str, int], set[str]] = defaultdict(set)
    query = select(variant_stop.c.campaign_slug, variant_stop.c.step, variant_stop.c.name).where(
        variant_stop.c.campaign_slug.in_(wanted)
    )
    for slug, step, name in conn.execute(query):
        found[str(slug), int(step)].add(str(name))
    return {key: frozenset(names) for key, names in found.items()}


def stop(conn: Connection, slug: str, step: int, name: str, at: datetime) -> bool:
    """Record the variant as stopped; False when it already was."""
    exists = conn.execute(
        select(variant_stop.c.id).where(
            variant_stop.c.campaign_slug == slug,
            variant_stop.c.step == step,
            variant_stop.c.name == name,
        )
    ).first()
    if exists is not None:
        return False
    conn.execute(
        variant_stop.insert().values(
            campaign_slug=slug, step=step, name=name, stopped_at=naive_utc(at)
        )
    )
    return True


def recorded(conn: Connection, enrollment_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """enrollment id -> its recorded step -> variant name (only enrollments with some)."""
    out: dict[int, dict[str, str]] = {}
    for start in range(0, len(enrollment_ids), 500):
        chunk = list(enrollment_ids[start : start + 500])
        query = select(enrollment.c.id, enrollment.c.variants).where(
            enrollment.c.id.in_(chunk), enrollment.c.variants != ""
        )
        for eid, text in conn.execute(query):
            out[int(eid)] = parse_recorded(text)
    return out


def record(conn: Connection, given: Sequence[tuple[int, int, str]]) -> None:
    """Add (enrollment id, step, variant name) to each enrollment's recorded variants; a step
    already recorded keeps its first variant (call inside the write that queues the rows)."""
    if not given:
        return
    current = recorded(conn, sorted({eid for eid, _, _ in given}))
    changed: dict[int, dict[str, str]] = {}
    for eid, step, name in given:
        mine = changed.setdefault(eid, dict(current.get(eid, {})))
        mine.setdefault(str(step), name)
    for eid, mine in changed.items():
        if mine != current.get(eid):
            conn.execute(
                update(enrollment)
                .where(enrollment.c.id == eid)
                .values(variants=dump_recorded(mine))
            )


def given_count(conn: Connection, slug: str, step: int, name: str) -> int:
    """How many people of the campaign were queued this step's variant `name`."""
    query = (
        select(func.count())
        .select_from(outbox)
        .join(enrollment, enrollment.c.id == outbox.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(campaign.c.slug == slug, outbox.c.step == step, outbox.c.variant == name)
    )
    return int(conn.execute(query).scalar_one())


def recorded_by_influencer(conn: Connection, slug: str) -> dict[int, dict[str, str]]:
    """influencer id -> the variants recorded on their enrolment in campaign `slug`."""
    query = (
        select(enrollment.c.influencer_id, enrollment.c.variants)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(campaign.c.slug == slug, enrollment.c.variants != "")
    )
    return {int(i): parse_recorded(text) for i, text in conn.execute(query)}


def arms_of_campaign(conn: Connection, slug: str) -> dict[int, tuple[int, dict[str, str]]]:
    """enrollment id -> (influencer id, recorded variants) for every enrolment of `slug`."""
    query = (
        select(enrollment.c.id, enrollment.c.influencer_id, enrollment.c.variants)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(campaign.c.slug == slug)
    )
    return {int(e): (int(i), parse_recorded(text)) for e, i, text in conn.execute(query)}
