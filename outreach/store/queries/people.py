"""A person's accounts, contacts and agency, kept in step with the influencer rows written.

The influencer row is the person and repeats their first account; `account` holds every
account (the first one mirrored here after each write), `contact` every address (their own,
role self, and their managers', role manager), `agency` each 事務所 once. Every function runs
inside the caller's transaction, set-based per batch: an INSERT ... SELECT keyed on the
written rows' (platform, handle), so new rows need no ids.

Longer than 400 lines on purpose: accounts, contacts and agencies are kept in step with each
influencer batch in one place; split by table, each part would need the others' keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Insert, Table, and_, bindparam, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from outreach.clock import naive_utc
from outreach.domain.address import normalise_address
from outreach.domain.people import agency_key
from outreach.store.queries import tally
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
    if conn.dialect.name == "sqlite":
        _sqlite_sync(conn, pairs, now)
    else:
        _sync(conn, pairs, now)
    managed = [w.values for w in written if (w.values.get("manager_email") or "").strip()]
    if managed:
        _managers(conn, managed, now)


# The same two statements for SQLite, one row a time through the driver's executemany: each
# row found by the (platform, handle) unique index, without SQLAlchemy expanding IN lists of a
# thousand values per batch (most of the time this took).
_SQLITE_MIRROR = (
    "INSERT INTO account (influencer_id, platform, handle, followers, avg_likes, avg_comments,"
    " engagement_rate, tier, created_at, updated_at)"
    " SELECT id, platform, handle, followers, avg_likes, avg_comments, engagement_rate, tier, ?, ?"
    " FROM influencer WHERE platform = ? AND handle = ?"
    " ON CONFLICT (platform, handle) DO UPDATE SET influencer_id = excluded.influencer_id,"
    " followers = excluded.followers, avg_likes = excluded.avg_likes,"
    " avg_comments = excluded.avg_comments, engagement_rate = excluded.engagement_rate,"
    " tier = excluded.tier, updated_at = excluded.updated_at"
)
_SQLITE_OWN = (
    "INSERT INTO contact (influencer_id, address, address_norm, role, created_at)"
    " SELECT id, email, email_norm, 'self', ? FROM influencer"
    " WHERE platform = ? AND handle = ? AND email <> ''"
    " ON CONFLICT (influencer_id, address_norm) DO NOTHING"
)


def _sqlite_sync(conn: Connection, pairs: list[tuple[str, str]], now: datetime) -> None:
    stamp = now.isoformat(" ", "microseconds")  # as the Timestamp column writes it
    conn.exec_driver_sql(_SQLITE_MIRROR, [(stamp, stamp, p, h) for p, h in pairs])
    conn.exec_driver_sql(_SQLITE_OWN, [(stamp, p, h) for p, h in pairs])


def _sync(conn: Connection, pairs: list[tuple[str, str]], now: datetime) -> None:
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


def _agency_name(values: Mapping[str, Any]) -> str:
    custom = values.get("custom") or {}
    return str(custom.get("agency") or "") if isinstance(custom, dict) else ""


def agency_ids(conn: Connection, keys: Iterable[tuple[str, str]], now: datetime) -> dict[str, int]:
    """The agency of each (name, domain), made when new; by name. A row naming no agency
    (its name is its domain) is the agency already known at that domain; a named one takes
    over the record a nameless row made for its domain (renaming it)."""
    wanted = dict(keys)
    if not wanted:
        return {}
    found = {
        name: int(id_)
        for name, id_ in conn.execute(
            select(agency.c.name, agency.c.id).where(agency.c.name.in_(list(wanted)))
        )
    }
    domains = {d for d in wanted.values() if d}
    at_domain: dict[str, list[tuple[int, str]]] = {}
    if domains:
        for id_, name, domain in conn.execute(
            select(agency.c.id, agency.c.name, agency.c.domain)
            .where(agency.c.domain.in_(domains))
            .order_by(agency.c.id)
        ):
            at_domain.setdefault(domain, []).append((int(id_), name))
    for name, domain in wanted.items():
        if name in found:
            continue
        known = at_domain.get(domain, []) if domain else []
        if name == domain and known:  # nameless: the agency at its domain
            found[name] = known[0][0]
            continue
        placeholder = next((i for i, n in known if n == domain), None)
        if placeholder is not None:  # named now: the record a nameless row made
            conn.execute(update(agency).where(agency.c.id == placeholder).values(name=name))
            found[name] = placeholder
            at_domain[domain] = [(i, name if i == placeholder else n) for i, n in known]
            continue
        found[name] = int(
            conn.execute(
                _insert(conn, agency)
                .values(name=name, domain=domain, created_at=now)
                .returning(agency.c.id)
            ).scalar_one()
        )
        if domain:
            at_domain.setdefault(domain, []).append((found[name], name))
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
            "_norm": normalise_address(values["manager_email"]),
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
    if conn.dialect.name == "sqlite":  # through the driver: no IN list expanded per batch
        marks = ", ".join("?" * len(wanted))
        sql = (
            "SELECT DISTINCT address_norm FROM contact"
            f" WHERE role = 'manager' AND address_norm IN ({marks})"
        )
        return {r[0] for r in conn.exec_driver_sql(sql, tuple(wanted))}
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
    norm = normalise_address(address)
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


# -- reading and editing people (outreach roster ..., outreach agency ...) -----------------


def person_id(conn: Connection, key: str) -> int | None:
    """The person a command names: `platform:handle`, `@handle` or `handle` (any of their
    accounts), or an address (their own or one of their contacts'). InputError when a bare
    handle is two people's or an address is shared by several (an agency's)."""
    from outreach.domain.influencer import PLATFORMS
    from outreach.errors import InputError

    key = key.strip()
    platform, sep, rest = key.partition(":")
    if sep and platform.lower() in PLATFORMS:
        found = conn.execute(
            select(account.c.influencer_id).where(
                account.c.platform == platform.lower(),
                account.c.handle == rest.strip().lstrip("@"),
            )
        ).scalar()
        return None if found is None else int(found)
    if "@" in key.lstrip("@"):
        norm = key.lower()
        ids = set(
            conn.execute(select(influencer.c.id).where(influencer.c.email_norm == norm)).scalars()
        ) or set(
            conn.execute(
                select(contact.c.influencer_id).where(contact.c.address_norm == norm)
            ).scalars()
        )
        what = f"{key} is an address of several people"
    else:
        rows = conn.execute(
            select(account.c.influencer_id, account.c.platform).where(
                account.c.handle == key.lstrip("@")
            )
        ).all()
        ids = {r.influencer_id for r in rows}
        platforms = ", ".join(sorted(r.platform for r in rows))
        what = f"@{key.lstrip('@')} is several people's handle ({platforms})"
    if len(ids) > 1:
        raise InputError(what, field="person", hint="write platform:handle, e.g. instagram:@name")
    return int(next(iter(ids))) if ids else None


def accounts_of(conn: Connection, influencer_id: int) -> list[dict[str, Any]]:
    """Every platform account of the person, first account first (`roster show`, the console)."""
    rows = conn.execute(
        select(account)
        .where(account.c.influencer_id == influencer_id)
        .order_by(account.c.created_at, account.c.id)
    )
    return [dict(r._mapping) for r in rows]


def contacts_of(conn: Connection, influencer_id: int) -> list[dict[str, Any]]:
    """The addresses the person is reached at (self, managers) with the manager's agency."""
    rows = conn.execute(
        select(
            contact.c.address,
            contact.c.role,
            agency.c.name.label("agency"),
            agency.c.domain.label("agency_domain"),
        )
        .outerjoin(agency, agency.c.id == contact.c.agency_id)
        .where(contact.c.influencer_id == influencer_id)
        .order_by(contact.c.role.desc(), contact.c.id)
    )
    return [dict(r._mapping) for r in rows]


def set_agency(conn: Connection, influencer_id: int, name: str, *, at: datetime) -> int | None:
    """Put the person under the agency of this name (made when new; "" for none)."""
    if not name.strip():
        conn.execute(
            update(influencer).where(influencer.c.id == influencer_id).values(agency_id=None)
        )
        return None
    manager = conn.execute(
        select(influencer.c.manager_email).where(influencer.c.id == influencer_id)
    ).scalar_one()
    key = agency_key(manager or "", name)
    assert key is not None
    agency_id = agency_ids(conn, [(key.name, key.domain)], naive_utc(at))[key.name]
    conn.execute(
        update(influencer).where(influencer.c.id == influencer_id).values(agency_id=agency_id)
    )
    conn.execute(
        update(contact)
        .where(contact.c.influencer_id == influencer_id, contact.c.role == MANAGER)
        .values(agency_id=agency_id)
    )
    return agency_id


def merge(conn: Connection, keep: int, gone: int, *, at: datetime) -> dict[str, int]:
    """Two records are one person: everything of `gone` (accounts, contacts, posts,
    enrolments in campaigns `keep` is not in, notes) moves to `keep`, then `gone` is deleted.
    Returns how many of each moved (enrolments `keep` already has in a campaign are dropped
    with `gone`)."""
    from outreach.store.schema import enrollment, person_note, post

    now = naive_utc(at)
    moved: dict[str, int] = {}
    # `gone`'s enrolments take `keep`'s platform and tier, or go with `gone`: counted again.
    tally.touch_influencers(conn, [gone])
    taken = select(enrollment.c.campaign_id).where(enrollment.c.influencer_id == keep)
    moved["enrolments"] = conn.execute(
        update(enrollment)
        .where(enrollment.c.influencer_id == gone, enrollment.c.campaign_id.not_in(taken))
        .values(influencer_id=keep)
    ).rowcount
    moved["accounts"] = conn.execute(
        update(account)
        .where(account.c.influencer_id == gone)
        .values(influencer_id=keep, updated_at=now)
    ).rowcount
    known = select(contact.c.address_norm).where(contact.c.influencer_id == keep)
    moved["contacts"] = conn.execute(
        update(contact)
        .where(contact.c.influencer_id == gone, contact.c.address_norm.not_in(known))
        .values(influencer_id=keep)
    ).rowcount
    moved["posts"] = conn.execute(
        update(post).where(post.c.influencer_id == gone).values(influencer_id=keep)
    ).rowcount
    moved["notes"] = conn.execute(
        update(person_note).where(person_note.c.influencer_id == gone).values(influencer_id=keep)
    ).rowcount
    # The kept row takes what it lacks: an own address, a manager, an agency, tags.
    a = conn.execute(select(influencer).where(influencer.c.id == keep)).one()._mapping
    b = conn.execute(select(influencer).where(influencer.c.id == gone)).one()._mapping
    fill: dict[str, Any] = {}
    for f in ("manager_email", "agency_id", "honorific_name", "display_name", "niche", "timezone"):
        if not a[f] and b[f]:
            fill[f] = b[f]
    tags = list(dict.fromkeys([*(a["tags"] or []), *(b["tags"] or [])]))
    if tags != list(a["tags"] or []):
        fill["tags"] = tags
    notes = "\n".join(n for n in (a["notes"], b["notes"]) if n)
    if notes != a["notes"]:
        fill["notes"] = notes
    own_b = b["email"] if "@" in b["email_norm"] else ""
    conn.execute(delete_influencer(gone))
    if not a["email"] and own_b:
        fill["email"], fill["email_norm"] = own_b, b["email_norm"]
    if fill:
        conn.execute(
            update(influencer).where(influencer.c.id == keep).values(**fill, updated_at=now)
        )
    return moved


def delete_influencer(influencer_id: int) -> Any:
    from sqlalchemy import delete

    return delete(influencer).where(influencer.c.id == influencer_id)


def list_people(
    conn: Connection,
    *,
    platform: str | None = None,
    tier: str | None = None,
    tag: str | None = None,
    stage: str | None = None,
    campaign: str | None = None,
    agency_name: str | None = None,
) -> list[dict[str, Any]]:
    """One row per person, in id order: first account, how many accounts, agency, who is
    mailed by default, and every campaign with its stage. Filters: any of their accounts on
    `platform` / at `tier`, a tag, an enrolment at `stage` / in `campaign`, their agency."""
    from outreach.domain.people import default_send_to
    from outreach.store.schema import campaign as campaign_t
    from outreach.store.schema import enrollment

    query = (
        select(
            influencer.c.id,
            influencer.c.name,
            influencer.c.email,
            influencer.c.manager_email,
            influencer.c.send_to,
            influencer.c.platform,
            influencer.c.handle,
            influencer.c.tier,
            influencer.c.followers,
            influencer.c.tags,
            agency.c.name.label("agency"),
        )
        .outerjoin(agency, agency.c.id == influencer.c.agency_id)
        .order_by(influencer.c.id)
    )
    if platform or tier:
        of = select(account.c.influencer_id)
        if platform:
            of = of.where(account.c.platform == platform)
        if tier:
            of = of.where(account.c.tier == tier)
        query = query.where(influencer.c.id.in_(of))
    if stage or campaign:
        of = select(enrollment.c.influencer_id).join(
            campaign_t, campaign_t.c.id == enrollment.c.campaign_id
        )
        if stage:
            of = of.where(enrollment.c.stage == stage)
        if campaign:
            of = of.where(campaign_t.c.slug == campaign)
        query = query.where(influencer.c.id.in_(of))
    if agency_name:
        query = query.where(agency.c.name == agency_name)
    rows = [r for r in conn.execute(query) if not tag or tag in (r.tags or [])]
    ids = [r.id for r in rows]
    accounts: dict[int, list[str]] = {i: [] for i in ids}
    stages: dict[int, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for a in conn.execute(
            select(account.c.influencer_id, account.c.platform, account.c.handle)
            .where(account.c.influencer_id.in_(chunk))
            .order_by(account.c.id)
        ):
            accounts[a.influencer_id].append(f"{a.platform}:{a.handle}")
        for e in conn.execute(
            select(enrollment.c.influencer_id, campaign_t.c.slug, enrollment.c.stage)
            .join(campaign_t, campaign_t.c.id == enrollment.c.campaign_id)
            .where(enrollment.c.influencer_id.in_(chunk))
            .order_by(enrollment.c.id)
        ):
            stages[e.influencer_id].append(f"{e.slug}={e.stage}")
    return [
        {
            "handle": r.handle,
            "platform": r.platform,
            "name": r.name,
            "accounts": " ".join(
                sorted(accounts[r.id], key=lambda a: a != f"{r.platform}:{r.handle}")
            ),
            "tier": r.tier or "",
            "agency": r.agency or "",
            "to": default_send_to(r.email, r.manager_email, r.send_to).value,
            "tags": ";".join(r.tags or []),
            "campaigns": " ".join(stages[r.id]),
        }
        for r in rows
    ]


def timeline(conn: Connection, influencer_id: int) -> list[dict[str, Any]]:
    """Everything that happened with a person, oldest first: each message sent (or waiting),
    each received, each stage move, each note."""
    from outreach.store.schema import campaign as campaign_t
    from outreach.store.schema import enrollment, inbound, outbox, person_note, stage_history

    ids = select(enrollment.c.id).where(enrollment.c.influencer_id == influencer_id)
    slug = {
        r.id: r.slug
        for r in conn.execute(
            select(enrollment.c.id, campaign_t.c.slug)
            .join(campaign_t, campaign_t.c.id == enrollment.c.campaign_id)
            .where(enrollment.c.influencer_id == influencer_id)
        )
    }
    events: list[dict[str, Any]] = []
    for r in conn.execute(select(outbox).where(outbox.c.enrollment_id.in_(ids))):
        events.append(
            {
                "at": r.sent_at or r.created_at,
                "campaign": slug.get(r.enrollment_id, ""),
                "what": f"sent step {r.step} ({r.state})"
                if r.sent_at
                else f"step {r.step} {r.state}",
                "detail": f"to {', '.join(r.rcpt_to or [])}: {r.subject}",
            }
        )
    for r in conn.execute(
        select(
            inbound.c.processed_at,
            inbound.c.received_at,
            inbound.c.enrollment_id,
            inbound.c.kind,
            inbound.c.from_addr,
            inbound.c.subject,
            inbound.c.effect,
        ).where(inbound.c.enrollment_id.in_(ids))
    ):
        events.append(
            {
                "at": r.received_at or r.processed_at,
                "campaign": slug.get(r.enrollment_id, ""),
                "what": f"received {r.kind}",
                "detail": f"from {r.from_addr}: {r.subject} -> {r.effect}",
            }
        )
    for r in conn.execute(select(stage_history).where(stage_history.c.enrollment_id.in_(ids))):
        events.append(
            {
                "at": r.at,
                "campaign": slug.get(r.enrollment_id, ""),
                "what": f"stage {r.from_stage} -> {r.to_stage}",
                "detail": f"{r.cause}{': ' + r.note if r.note else ''}",
            }
        )
    for r in conn.execute(select(person_note).where(person_note.c.influencer_id == influencer_id)):
        events.append(
            {"at": r.at, "campaign": "", "what": f"note by {r.user_name}", "detail": r.body}
        )
    return sorted(events, key=lambda e: (e["at"] is None, e["at"] or datetime.min))


def enrolments_of(conn: Connection, influencer_id: int) -> list[dict[str, Any]]:
    from outreach.store.schema import campaign as campaign_t
    from outreach.store.schema import enrollment

    rows = conn.execute(
        select(
            campaign_t.c.slug.label("campaign"),
            enrollment.c.stage,
            enrollment.c.status,
            enrollment.c.send_to.label("to"),
            enrollment.c.cooldown_override,
            enrollment.c.created_at.label("enrolled"),
        )
        .join(campaign_t, campaign_t.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.influencer_id == influencer_id)
        .order_by(enrollment.c.id)
    )
    return [dict(r._mapping) for r in rows]


def agencies(conn: Connection) -> list[dict[str, Any]]:
    from sqlalchemy import func

    talents = (
        select(influencer.c.agency_id, func.count().label("n"))
        .group_by(influencer.c.agency_id)
        .subquery()
    )
    addresses = (
        select(contact.c.agency_id, func.count(func.distinct(contact.c.address_norm)).label("n"))
        .where(contact.c.role == MANAGER)
        .group_by(contact.c.agency_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            agency.c.name,
            agency.c.domain,
            func.coalesce(talents.c.n, 0).label("talents"),
            func.coalesce(addresses.c.n, 0).label("addresses"),
        )
        .outerjoin(talents, talents.c.agency_id == agency.c.id)
        .outerjoin(addresses, addresses.c.agency_id == agency.c.id)
        .order_by(agency.c.name)
    )
    return [dict(r._mapping) for r in rows]


def agency_detail(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(agency).where(agency.c.name == name)).first()
    if row is None:
        row = conn.execute(select(agency).where(agency.c.domain == name.lower())).first()
    if row is None:
        return None
    addresses = sorted(
        set(
            conn.execute(
                select(contact.c.address_norm).where(
                    contact.c.agency_id == row.id, contact.c.role == MANAGER
                )
            ).scalars()
        )
    )
    talents = [
        {"handle": r.handle, "platform": r.platform, "name": r.name, "own address": r.email}
        for r in conn.execute(
            select(
                influencer.c.handle, influencer.c.platform, influencer.c.name, influencer.c.email
            )
            .where(influencer.c.agency_id == row.id)
            .order_by(influencer.c.id)
        )
    ]
    return {"name": row.name, "domain": row.domain, "addresses": addresses, "talents": talents}


def person_agency(conn: Connection, influencer_id: int) -> str:
    name = conn.execute(
        select(agency.c.name)
        .join(influencer, influencer.c.agency_id == agency.c.id)
        .where(influencer.c.id == influencer_id)
    ).scalar()
    return str(name or "")


def relationships(
    conn: Connection, ids: Sequence[int], *, exclude_campaign: int | None
) -> dict[int, list[Any]]:
    """Each person's enrolments in other campaigns (domain.people.Relationship), with the
    last contact: the latest message sent or in flight, else the enrolment itself."""
    from sqlalchemy import func

    from outreach.clock import utc
    from outreach.domain.outbox import CONTACTED
    from outreach.domain.people import Relationship
    from outreach.store.schema import campaign as campaign_t
    from outreach.store.schema import enrollment, outbox

    mailed = (
        select(
            outbox.c.enrollment_id,
            func.max(func.coalesce(outbox.c.sent_at, outbox.c.created_at)).label("at"),
        )
        .where(outbox.c.state.in_(CONTACTED))
        .group_by(outbox.c.enrollment_id)
        .subquery()
    )
    query = (
        select(
            enrollment.c.influencer_id,
            campaign_t.c.slug,
            enrollment.c.stage,
            enrollment.c.created_at,
            enrollment.c.stage_changed_at,
            mailed.c.at,
        )
        .join(campaign_t, campaign_t.c.id == enrollment.c.campaign_id)
        .outerjoin(mailed, mailed.c.enrollment_id == enrollment.c.id)
        .where(enrollment.c.influencer_id.in_(list(ids)))
    )
    if exclude_campaign is not None:
        query = query.where(enrollment.c.campaign_id != exclude_campaign)
    out: dict[int, list[Any]] = {}
    for r in conn.execute(query):
        contact_at = max(r.created_at, r.at) if r.at is not None else r.created_at
        out.setdefault(r.influencer_id, []).append(
            Relationship(r.slug, r.stage, utc(contact_at), utc(r.stage_changed_at))
        )
    return out


def agency_addresses(conn: Connection, influencer_ids: Sequence[int]) -> list[str]:
    """Every manager address known at the agencies of these people."""
    agencies_of = select(influencer.c.agency_id).where(
        influencer.c.id.in_(list(influencer_ids)), influencer.c.agency_id.is_not(None)
    )
    return sorted(
        set(
            conn.execute(
                select(contact.c.address_norm).where(
                    contact.c.role == MANAGER, contact.c.agency_id.in_(agencies_of)
                )
            ).scalars()
        )
    )


def enrolment_rules(conn: Connection, campaign_slug: str) -> dict[int, str]:
    """The campaign's enrolments that set their own `to` rule: influencer id -> rule."""
    from outreach.store.schema import campaign as campaign_t
    from outreach.store.schema import enrollment

    rows = conn.execute(
        select(enrollment.c.influencer_id, enrollment.c.send_to)
        .join(campaign_t, campaign_t.c.id == enrollment.c.campaign_id)
        .where(campaign_t.c.slug == campaign_slug, enrollment.c.send_to != "")
    )
    return {int(i): str(rule) for i, rule in rows}
