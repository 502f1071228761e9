"""The person page's read model: the influencer, every platform account, the addresses they
are reached at with their agency, their posts, each enrolment with its deal, offers and
deliverables, the whole conversation (sent and received), stage history, notes and console
actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from outreach.domain.deal import Terms
from outreach.domain.stages import Stage, legal_moves
from outreach.errors import InputError
from outreach.store.queries import console as q
from outreach.store.queries import people as people_q
from outreach.store.queries.board import history_rows
from outreach.store.queries.deals import offers
from outreach.store.session import reading


@dataclass
class PersonFile:
    influencer: dict[str, Any]
    enrollments: list[dict[str, Any]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    thread: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)


def person_file(engine: Engine, influencer_id: int) -> PersonFile:
    with reading(engine) as conn:
        row = q.influencer_row(conn, influencer_id)
        if row is None:
            raise InputError(f"no influencer #{influencer_id}", field="influencer")
        enrolled = q.person_enrollments(conn, influencer_id)
        ids = [int(e["id"]) for e in enrolled]
        deals = {int(d["enrollment_id"]): d for d in q.deals_of(conn, ids)}
        items = q.deliverables_of(conn, [int(d["id"]) for d in deals.values()])
        for e in enrolled:
            e["moves"] = [s.value for s in legal_moves(Stage(e["stage"]))]
            d = deals.get(int(e["id"]))
            e["deal"] = d
            if d is not None:
                e["terms"] = Terms.from_json(d["terms"])
                e["offers"] = offers(conn, int(d["id"]))
                e["deliverables"] = [i for i in items if i["deal_id"] == d["id"]]
        campaigns = {int(e["id"]): e["campaign"] for e in enrolled}
        thread = q.thread_of(conn, ids)
        for m in thread:
            m["campaign"] = campaigns.get(int(m["enrollment_id"] or 0), "")
        return PersonFile(
            row,
            enrolled,
            q.posts_of(conn, influencer_id),
            thread,
            history_rows(conn, influencer_id),
            q.notes_of(conn, influencer_id),
            q.audit_rows(conn, influencer_id=influencer_id, limit=50),
            people_q.accounts_of(conn, influencer_id),
            people_q.contacts_of(conn, influencer_id),
        )


def find(engine: Engine, text: str) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        return q.find_people(conn, text)


def influencer_id_of(engine: Engine, key: str) -> int | None:
    from outreach.store.queries.roster import find_influencer

    with reading(engine) as conn:
        found = find_influencer(conn, key)
    return int(found.id) if found is not None and found.id is not None else None
