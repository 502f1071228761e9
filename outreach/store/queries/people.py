"""A person's accounts, contacts and agency, kept in step with the influencer rows written.

The influencer row is the person and repeats their first account; `account` holds every
account (the first one mirrored here after each write), `contact` every address (their own,
role self, and their managers', role manager), `agency` each 事務所 once. Every function runs
inside the caller's transaction, set-based per batch: an INSERT ... SELECT keyed on the
written rows' (platform, handle), so new rows need no ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Insert, Table, and_, bindparam, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from outreach.clock import naive_utc
from outreach.domain.people import agency_key
from outreach.store.schema import account, agency, contact, influencer

ACCOUNT_COPIED = ("followers", "avg_likes", "avg_comments", "engagement_rate", "tier")
MANAGER = "manager"
SELF = "self"


class Written(Protocol):
    """What `sync` reads of a written row (roster_upsert's targets)."""

    values: dict[str, Any]


def _insert(conn: Connection, table: Table) -> Any:
    """INSERT with ON CONFLICT, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _of_pairs(pairs: Sequence[tuple[str, str]]) -> Any:
    """The influencer rows whose first account is one of the pairs (both columns, so the
    (platform, handle) unique index serves it; a platform of one pair with the handle of
    another only names a row that is mirrored again, which changes nothing)."""
    return and_(
        influencer.c.platform.in_({p for p, _ in pairs}),
        influencer.c.handle.in_({h for _, h in pairs}),
    )


def sync(conn: Connection, written: Sequence[Written], *, at: datetime) -> None:
    """After influencer rows were inserted or updated: their first account mirrored into
    `account`, their own address into `contact`, their manager's address into `contact`
    with the agency (made on first sight) and the row's `agency_id`."""
    if not written:
        return
    now = naive_utc(at)
    pairs = list({(w.values["platform"], w.values["handle"]) for w in written})
    mirror = _insert(conn, account).from_select(
        ["influencer_id", "platform", "handle", *ACCOUNT_COPIED, "created_at", "updated_at"],
        select(
            influencer.c.id,
            influencer.c.platform,
            influencer.c.handle,
            *(influencer.c[f] for f in ACCOUNT_COPIED),
            literal(now, account.c.created_at.type),
            literal(now, account.c.updated_at.type),
        ).where(_of_pairs(pairs)),
    )
    conn.execute(
        mirror.on_conflict_do_update(
            index_elements=["platform", "handle"],
            set_={
                "influencer_id": mirror.excluded.influencer_id,
                **{f: mirror.excluded[f] for f in ACCOUNT_COPIED},
                "updated_at": mirror.excluded.updated_at,
            },
        )
    )
    own = _insert(conn, contact).from_select(
        ["influencer_id", "address", "address_norm", "role", "created_at"],
        select(
            influencer.c.id,
            influencer.c.email,
            influencer.c.email_norm,
            literal(SELF),
            literal(now, contact.c.created_at.type),
        ).where(_of_pairs(pairs), influencer.c.email != ""),
    )
    conn.execute(own.on_conflict_do_nothing(index_elements=["influencer_id", "address_norm"]))
    managed = [w.values for w in written if (w.values.get("manager_email") or "").strip()]
    if managed:
        _managers(conn, managed, now)


def _agency_name(values: Mapping[str, Any]) -> str:
    custom = values.get("custom") or {}
    return str(custom.get("agency") or "") if isinstance(custom, dict) else ""


def agency_ids(conn: Connection, keys: Iterable[tuple[str, str]], now: datetime) -> dict[str, int]:
    """The agency of each (name, domain), made when new; by name."""
    wanted = dict(keys)
    if not wanted:
        return {}
    found = {
        name: int(id_)
        for name, id_ in conn.execute(
            select(agency.c.name, agency.c.id).where(agency.c.name.in_(list(wanted)))
        )
    }
    for name, domain in wanted.items():
        if name not in found:
            found[name] = int(
                conn.execute(
                    _insert(conn, agency)
                    .values(name=name, domain=domain, created_at=now)
                    .returning(agency.c.id)
                ).scalar_one()
            )
    return found


def _managers(conn: Connection, managed: list[dict[str, Any]], now: datetime) -> None:
    rows = []
    for values in managed:
        key = agency_key(values["manager_email"], _agency_name(values))
        if key is not None:
            rows.append((values, key))
    ids = agency_ids(conn, [(k.name, k.domain) for _, k in rows], now)
    params = [
        {
            "_p": values["platform"],
            "_h": values["handle"],
            "_addr": values["manager_email"].strip(),
            "_norm": values["manager_email"].strip().lower(),
            "_agency": ids[key.name],
        }
        for values, key in rows
    ]
    if not params:
        return
    of_row = and_(influencer.c.platform == bindparam("_p"), influencer.c.handle == bindparam("_h"))
    conn.execute(update(influencer).where(of_row).values(agency_id=bindparam("_agency")), params)
    stmt = _insert(conn, contact).from_select(
        ["influencer_id", "address", "address_norm", "role", "agency_id", "created_at"],
        select(
            influencer.c.id,
            bindparam("_addr", type_=contact.c.address.type),
            bindparam("_norm", type_=contact.c.address_norm.type),
            literal(MANAGER),
            bindparam("_agency", type_=contact.c.agency_id.type),
            literal(now, contact.c.created_at.type),
        ).where(of_row),
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["influencer_id", "address_norm"],
            set_={"role": stmt.excluded.role, "agency_id": stmt.excluded.agency_id},
        ),
        params,
    )


def write_other_accounts(
    conn: Connection,
    others: Sequence[tuple[int, Mapping[str, Any]]],
    stored: Mapping[tuple[str, str], Mapping[str, Any]],
    *,
    at: datetime,
) -> None:
    """Insert or update accounts other than a person's first: (influencer id, record)."""
    if not others:
        return
    now = naive_utc(at)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for influencer_id, values in others:
        pair = (values["platform"], values["handle"])
        latest[pair] = {
            "influencer_id": influencer_id,
            "platform": pair[0],
            "handle": pair[1],
            **{f: stored.get(pair, {}).get(f) for f in ACCOUNT_COPIED},
            **{f: values[f] for f in ACCOUNT_COPIED if f in values},
            "created_at": now,
            "updated_at": now,
        }
    for row in latest.values():
        if row["tier"] is not None:
            row["tier"] = str(row["tier"])
    stmt: Insert = _insert(conn, account)
    conn.execute(
        stmt.on_conflict_do_update(  # type: ignore[attr-defined]
            index_elements=["platform", "handle"],
            set_={
                "influencer_id": stmt.excluded.influencer_id,  # type: ignore[attr-defined]
                **{f: stmt.excluded[f] for f in ACCOUNT_COPIED},  # type: ignore[attr-defined]
                "updated_at": stmt.excluded.updated_at,  # type: ignore[attr-defined]
            },
        ),
        list(latest.values()),
    )


def manager_addresses(conn: Connection, norms: Sequence[str]) -> set[str]:
    """Which of these lower-cased addresses are some person's manager address."""
    wanted = [n for n in norms if "@" in n]
    if not wanted:
        return set()
    return set(
        conn.execute(
            select(contact.c.address_norm)
            .where(contact.c.address_norm.in_(wanted), contact.c.role == MANAGER)
            .distinct()
        ).scalars()
    )


def add_contact(
    conn: Connection, influencer_id: int, address: str, *, role: str, at: datetime
) -> bool:
    """A new address of a person (their own, or a manager's); False when already known."""
    norm = address.strip().lower()
    stmt = _insert(conn, contact).values(
        influencer_id=influencer_id,
        address=address.strip(),
        address_norm=norm,
        role=role,
        created_at=naive_utc(at),
    )
    done = conn.execute(
        stmt.on_conflict_do_nothing(index_elements=["influencer_id", "address_norm"])
    )
    return bool(done.rowcount)
