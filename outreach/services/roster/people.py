"""Browsing and editing the roster: people with their accounts, contacts, agency and history
(`outreach roster list|show|edit|tag|note|merge`, `outreach agency list|show`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from outreach.clock import naive_utc
from outreach.domain.address import normalise_address
from outreach.domain.people import SEND_TO_VALUES, no_address_key
from outreach.errors import InputError
from outreach.store.queries import people as q
from outreach.store.queries.roster import load_influencer
from outreach.store.schema import influencer, person_note
from outreach.store.session import reading, writing

# What `roster edit --set key=value` may change, each with its check.
EDITABLE = (
    "name",
    "honorific_name",
    "display_name",
    "email",
    "manager_email",
    "agency",
    "send_to",
    "language",
    "timezone",
    "niche",
    "country",
    "notes",
    "refuses_ads",
)


def _person(conn: Any, key: str) -> int:
    found = q.person_id(conn, key)
    if found is None:
        raise InputError(
            f"nobody on the roster is {key!r}",
            field="person",
            hint="give a handle (@name or platform:name) or an address; `outreach roster list`",
        )
    return found


def list_people(engine: Engine, **filters: Any) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        return q.list_people(conn, **filters)


def show(engine: Engine, key: str) -> dict[str, Any]:
    """Everything about one person: the record, accounts, contacts, agency, posts, every
    campaign with its stage, and the whole timeline."""
    with reading(engine) as conn:
        pid = _person(conn, key)
        person = load_influencer(conn, pid)
        notes = conn.execute(select(influencer.c.notes).where(influencer.c.id == pid)).scalar()
        return {
            "person": person,
            "notes": notes or "",
            "accounts": sorted(  # the first account (the one the row repeats) first
                q.accounts_of(conn, pid),
                key=lambda a: (a["platform"], a["handle"]) != (person.platform, person.handle),
            ),
            "contacts": q.contacts_of(conn, pid),
            "campaigns": q.enrolments_of(conn, pid),
            "timeline": q.timeline(conn, pid),
        }


def edit(
    engine: Engine, key: str, pairs: list[str], *, now: datetime
) -> dict[str, tuple[Any, Any]]:
    """Set fields (`key=value`); returns field -> (old, new)."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or name not in EDITABLE:
            raise InputError(
                f"{pair!r} is not FIELD=VALUE with a field that can be set",
                field="--set",
                hint="fields: " + ", ".join(EDITABLE),
            )
        values[name] = value.strip()
    if "send_to" in values and values["send_to"] not in (*SEND_TO_VALUES, ""):
        raise InputError(
            f"send_to {values['send_to']!r} is not one of {', '.join(SEND_TO_VALUES)} (or empty)",
            field="send_to",
        )
    with writing(engine) as conn:
        pid = _person(conn, key)
        row = conn.execute(select(influencer).where(influencer.c.id == pid)).one()._mapping
        changes: dict[str, tuple[Any, Any]] = {}
        columns: dict[str, Any] = {}
        for name, value in values.items():
            if name == "agency":
                continue
            new: Any = value
            if name == "refuses_ads":
                new = value.lower() in ("1", "true", "yes", "y")
            if name == "email":
                key = (
                    normalise_address(value)
                    if value
                    else no_address_key(row["platform"], row["handle"])
                )
                owner = conn.execute(
                    select(influencer.c.id).where(
                        influencer.c.email_norm == key, influencer.c.id != pid
                    )
                ).scalar()
                if owner is not None:
                    raise InputError(
                        f"{value} is another person's own address",
                        field="email",
                        hint="`outreach roster merge` if they are one person",
                    )
                columns["email_norm"] = key
            if row[name] != new:
                changes[name] = (row[name], new)
                columns[name] = new
        if columns:
            conn.execute(
                update(influencer)
                .where(influencer.c.id == pid)
                .values(**columns, updated_at=naive_utc(now))
            )
            q.sync(conn, [_Values(conn, pid)], at=now)
        if "agency" in values:
            before = q.person_agency(conn, pid)
            if before != values["agency"]:
                q.set_agency(conn, pid, values["agency"], at=now)
                changes["agency"] = (before, values["agency"])
        return changes


class _Values:
    """A stored person as `people.sync` reads a written row."""

    def __init__(self, conn: Any, pid: int) -> None:
        row = conn.execute(select(influencer).where(influencer.c.id == pid)).one()._mapping
        self.values = dict(row)


def tag(engine: Engine, key: str, tags: list[str], *, remove: bool, now: datetime) -> list[str]:
    """Add (or remove) tags; returns the person's tags after."""
    with writing(engine) as conn:
        pid = _person(conn, key)
        have = list(
            conn.execute(select(influencer.c.tags).where(influencer.c.id == pid)).scalar() or []
        )
        after = [t for t in have if t not in tags] if remove else list(dict.fromkeys(have + tags))
        if after != have:
            conn.execute(
                update(influencer)
                .where(influencer.c.id == pid)
                .values(tags=after, updated_at=naive_utc(now))
            )
        return after


def note(engine: Engine, key: str, body: str, *, user: str, now: datetime) -> None:
    if not body.strip():
        raise InputError("the note is empty", field="note")
    with writing(engine) as conn:
        pid = _person(conn, key)
        conn.execute(
            insert(person_note).values(
                influencer_id=pid, user_name=user, body=body.strip(), at=naive_utc(now)
            )
        )


def merge(engine: Engine, keep: str, gone: str, *, now: datetime) -> dict[str, int]:
    """`keep` and `gone` are one person: `gone`'s accounts, contacts, posts, enrolments and
    notes move to `keep`, and `gone` is deleted."""
    with writing(engine) as conn:
        a, b = _person(conn, keep), _person(conn, gone)
        if a == b:
            raise InputError(f"{keep} and {gone} are already one person", field="merge")
        return q.merge(conn, a, b, at=now)


def agencies(engine: Engine) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        return q.agencies(conn)


def agency(engine: Engine, name: str) -> dict[str, Any]:
    with reading(engine) as conn:
        found = q.agency_detail(conn, name)
    if found is None:
        raise InputError(f"no agency {name!r}", field="agency", hint="`outreach agency list`")
    return found
