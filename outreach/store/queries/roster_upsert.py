"""Writing influencers: a batch of records upserted by natural key, with what changed.

Natural keys: the same (platform, handle) is the same person, whichever of their accounts it
is; then the same lower-cased address (`email_norm`) is, when the names agree: a record on
another platform with a known person's address and name is that person's next account. Two
records with one address and different names are two talents sharing an agency address: it
becomes each one's manager address. A record without an address (a talent reached only
through an agency) is keyed by its account. Runs inside the caller's transaction: one SELECT
per batch, then executemany UPDATE and INSERT; locks only the rows it writes. Times are stored
as naive UTC. Accounts, contacts and agencies follow the written rows (`people.sync`).

Longer than 400 lines on purpose: the natural-key rules (who a record is) and the batch writes
that apply them are read together.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Connection,
    Insert,
    Update,
    and_,
    bindparam,
    insert,
    or_,
    select,
    update,
)

from outreach.clock import naive_utc
from outreach.config import email_address
from outreach.domain.influencer import Basis
from outreach.domain.people import no_address_key, same_name
from outreach.errors import InputError
from outreach.store.queries import people, tally
from outreach.store.schema import account, influencer

# Columns an import sets; upserts compare exactly these to report changes.
INFLUENCER_FIELDS = (
    "name",
    "email",
    "platform",
    "handle",
    "followers",
    "avg_likes",
    "avg_comments",
    "engagement_rate",
    "tier",
    "niche",
    "country",
    "language",
    "timezone",
    "manager_email",
    "tags",
    "custom",
    "basis",
    "basis_url",
    "basis_seen_at",
    "refuses_ads",
    "honorific_name",  # the name a letter addresses (宛名), else `name`
    "send_to",  # who is mailed by default: self | agency | self_cc_agency ("" = self)
)
Changes = dict[str, tuple[Any, Any]]  # field -> (old, new)


class KeyConflict(InputError):
    """The address belongs to one influencer and the platform+handle to another."""


@dataclass
class _Target:
    """One influencer as this batch sees it: stored (id set) or about to be inserted."""

    id: int | None
    values: dict[str, Any]
    line: int | None
    run: str


@dataclass
class Upserted:
    """What happened to one record of `upsert_influencers`.

    changes is None when the row was inserted, {} when it already matched, else field ->
    (old, new). duplicate_of is the line of an earlier record of the same import run that
    this one repeated (it wins). conflict is set, and nothing written, when the address and
    the platform+handle belong to two different influencers.
    """

    line: int | None
    changes: Changes | None
    duplicate_of: int | None = None
    conflict: KeyConflict | None = None
    target: _Target | None = None

    @property
    def id(self) -> int | None:
        return None if self.target is None else self.target.id


def email_norm(address: str) -> str:
    """The dedupe and suppression key: the whole address lower-cased, an internationalised
    domain in its `xn--` form (as the roster stores it), so both spellings find one person."""
    text = address.strip()
    if not text.isascii():
        with contextlib.suppress(ValueError):  # not an address the roster could hold: no match
            text = email_address(text)
    return text.lower()


def person_key(values: Mapping[str, Any]) -> str:
    """The stored `email_norm`: the lower-cased address, or for a person without one a key
    that is no address (see domain.people.no_address_key)."""
    if str(values.get("email") or "").strip():
        return email_norm(values["email"])
    return no_address_key(values["platform"], values["handle"])


def _prepare(record: Mapping[str, Any]) -> dict[str, Any]:
    values = {f: record[f] for f in INFLUENCER_FIELDS if f in record}
    if "tags" in values:
        values["tags"] = list(values["tags"] or [])
    if "custom" in values:
        values["custom"] = dict(values["custom"] or {})
    if "basis" in values:
        values["basis"] = str(values["basis"] or Basis.NONE)
    if values.get("tier") is not None:
        values["tier"] = str(values["tier"])
    return values


def _conflict(record: Mapping[str, Any], by_mail: _Target) -> KeyConflict:
    return KeyConflict(
        f"{record['email']} belongs to @{by_mail.values['handle']} "
        f"({by_mail.values['platform']}) but @{record['handle']} ({record['platform']}) "
        "is another influencer",
        field="email",
        hint="fix the address or the handle so both point at the same person",
    )


class _Batch:
    """The influencers a batch of records can touch, indexed by both natural keys."""

    def __init__(self, conn: Connection, records: Sequence[Mapping[str, Any]]) -> None:
        self.by_email: dict[str, _Target] = {}
        self.by_pair: dict[tuple[str, str], _Target] = {}  # each person's first account
        self.by_account: dict[tuple[str, str], _Target] = {}  # their other accounts
        self.account_values: dict[tuple[str, str], dict[str, Any]] = {}
        emails = list({person_key(r) for r in records})
        platforms = list({r["platform"] for r in records})
        handles = list({r["handle"] for r in records})
        if conn.dialect.name == "sqlite":
            rows: Iterable[Any] = _sqlite_lookup(conn, emails, platforms, handles)
        else:
            rows = conn.execute(
                select(*_LOOKUP).where(
                    or_(
                        influencer.c.email_norm.in_(emails),
                        # both columns, so the (platform, handle) unique index serves the lookup
                        and_(
                            influencer.c.platform.in_(platforms), influencer.c.handle.in_(handles)
                        ),
                    )
                )
            )
        for row in rows:
            id_, line, run, *values = row
            self.index(_Target(id_, dict(zip(INFLUENCER_FIELDS, values, strict=True)), line, run))
        self.load_accounts(conn, records)
        # Addresses known to be shared (a manager's): they identify nobody.
        self.shared: set[str] = people.manager_addresses(conn, emails)

    def index(self, target: _Target) -> None:
        self.by_email[person_key(target.values)] = target
        self.by_pair[(target.values["platform"], target.values["handle"])] = target

    def unindex(self, target: _Target) -> None:
        self.by_email.pop(person_key(target.values), None)
        self.by_pair.pop((target.values["platform"], target.values["handle"]), None)

    def find(self, record: Mapping[str, Any]) -> _Target | None:
        """The influencer the record is; KeyConflict when its two keys name two people."""
        by_mail = self.by_email.get(person_key(record))
        pair = (record["platform"], record["handle"])
        by_pair = self.by_pair.get(pair) or self.by_account.get(pair)
        if by_mail is not None and by_pair is not None and by_mail is not by_pair:
            raise _conflict(record, by_mail)
        return by_mail or by_pair

    def load_accounts(self, conn: Connection, records: Sequence[Mapping[str, Any]]) -> None:
        """The people whose other accounts (not the one their row repeats) the records name,
        with each account's stored numbers."""
        pairs = {(r["platform"], r["handle"]) for r in records} - set(self.by_pair)
        if not pairs:
            return
        platforms, handles = list({p for p, _ in pairs}), list({h for _, h in pairs})
        rows: Iterable[Any]
        if conn.dialect.name == "sqlite":
            rows = [
                _AccountRow(*r)
                for r in sqlite_select(
                    conn,
                    [account.c[n] for n in _ACCOUNT_ROW],
                    f"platform IN ({marks(platforms)}) AND handle IN ({marks(handles)})",
                    (*platforms, *handles),
                )
            ]
        else:
            rows = conn.execute(
                select(*(account.c[n] for n in _ACCOUNT_ROW)).where(
                    account.c.platform.in_(platforms), account.c.handle.in_(handles)
                )
            ).all()
        found = [r for r in rows if (r.platform, r.handle) in pairs]
        known = {t.id: t for t in self.by_pair.values() if t.id is not None}
        missing = [r.influencer_id for r in found if r.influencer_id not in known]
        if missing:
            for row in conn.execute(select(*_LOOKUP).where(influencer.c.id.in_(missing))):
                id_, line, run, *values = row
                target = _Target(id_, dict(zip(INFLUENCER_FIELDS, values, strict=True)), line, run)
                self.index(target)
                known[id_] = target
        for r in found:
            self.by_account[(r.platform, r.handle)] = known[r.influencer_id]
            self.account_values[(r.platform, r.handle)] = {f: getattr(r, f) for f in ACCOUNT_FIELDS}


_ACCOUNT_ROW = (
    "influencer_id",
    "platform",
    "handle",
    "followers",
    "avg_likes",
    "avg_comments",
    "engagement_rate",
    "tier",
)


class _AccountRow(NamedTuple):
    influencer_id: int
    platform: str
    handle: str
    followers: Any
    avg_likes: Any
    avg_comments: Any
    engagement_rate: Any
    tier: Any


# The fields of a record that belong to its account rather than to the person.
ACCOUNT_FIELDS = (
    "followers",
    "avg_likes",
    "avg_comments",
    "engagement_rate",
    "tier",
)


def diff(old: Mapping[str, Any], new: Mapping[str, Any], fields: Iterable[str]) -> Changes:
    changes: Changes = {}
    for f in fields:
        if f not in new:
            continue
        before, after = old.get(f), new[f]
        if isinstance(before, tuple | list) or isinstance(after, tuple | list):
            before, after = list(before or []), list(after or [])
        if before != after:
            changes[f] = (before, after)
    return changes


def upsert_influencers(
    conn: Connection,
    records: Sequence[tuple[int | None, Mapping[str, Any]]],
    *,
    at: datetime | None = None,
    source_file: str = "",
    import_run: str = "",
    ids: bool = True,
) -> list[Upserted]:
    """Insert or update a batch of (line, record) in order: one select, then executemany.

    A record is the stored influencer with the same address or platform+handle (INFLUENCER_FIELDS;
    name, email, platform, handle required; a field left out keeps the stored value, custom
    fields merge). Later records win over earlier ones. Rows are
    stamped with source_file, line and `import_run`, which lets a later batch of the same run
    see that a record repeats an earlier line. Updates are written before inserts, so an
    address another row gave up in this batch can be taken. `ids=False` leaves the new rows'
    ids unknown: one executemany instead of an INSERT ... RETURNING per row on SQLite.
    """
    now = naive_utc(at or datetime.now(UTC))
    batch = _Batch(conn, [r for _, r in records])
    outcomes: list[Upserted] = []
    inserts: list[_Target] = []
    updates: dict[int, _Target] = {}  # in the order of their last record
    others: list[tuple[_Target, dict[str, Any]]] = []  # records of a person's other accounts
    moved: dict[int, _Target] = {}  # the stored rows a record changed, by object identity
    regrouped: set[int] = set()  # stored people whose platform or tier changed
    for line, record in records:
        values = _prepare(record)
        pair = (values["platform"], values["handle"])
        owner = batch.by_pair.get(pair) or batch.by_account.get(pair)
        address = str(values.get("email") or "").strip()
        key = email_norm(address) if address else ""
        if owner is not None and key and key == email_norm(owner.values["manager_email"] or ""):
            # the address the person is already known to share with others: their manager's
            values["manager_email"] = values.get("manager_email") or values["email"]
            address = ""
            values.pop("email", None)
        if address:
            mail = batch.by_email.get(key)
            named_other = (
                mail is not None
                and mail is not owner
                and not same_name(mail.values["name"], values["name"])
            )
            if named_other or key in batch.shared:
                if mail is not None and mail is not owner:
                    _share(batch, mail, address, updates)
                    moved[id(mail)] = mail
                batch.shared.add(key)
                values["email"] = ""
                values["manager_email"] = values.get("manager_email") or address
                record = values
        if owner is not None and not str(values.get("email", "x")).strip():
            values.pop("email", None)  # no address in the row: the stored one stays
        try:
            target = batch.find({**values, "email": values.get("email", address)})
        except KeyConflict as exc:
            outcomes.append(Upserted(line, None, conflict=exc))
            continue
        if target is not None and _other_account(batch, target, pair):
            old = batch.account_values.get(pair)
            changes = None if old is None else diff(old, values, ACCOUNT_FIELDS)
            batch.by_account[pair] = target
            batch.account_values[pair] = {
                **(old or {}),
                **{f: values[f] for f in ACCOUNT_FIELDS if f in values},
            }
            others.append((target, {"platform": pair[0], "handle": pair[1], **values}))
            outcomes.append(Upserted(line, changes, target=target))
            continue
        if target is None:
            values.setdefault("email", "")
            target = _Target(None, values, line, import_run)
            inserts.append(target)
            batch.index(target)
            outcomes.append(Upserted(line, None, target=target))
            continue
        repeat = target.line if import_run and target.run == import_run else None
        if "custom" in values:  # columns add or replace custom fields; others are kept
            values["custom"] = {**(target.values.get("custom") or {}), **values["custom"]}
        changes = diff(target.values, values, INFLUENCER_FIELDS)
        if target.id is not None and changes.keys() & {"platform", "tier"}:
            regrouped.add(target.id)
        batch.unindex(target)
        target.values = {**target.values, **values}
        target.line, target.run = line, import_run
        batch.index(target)
        if target.id is not None:
            updates.pop(target.id, None)
            updates[target.id] = target
        if changes or target.id is None:
            moved[id(target)] = target
        outcomes.append(Upserted(line, changes, duplicate_of=repeat, target=target))
    stamp = {"source_file": source_file, "import_run": import_run, "updated_at": now}
    if updates:
        executemany(
            conn,
            update(influencer).where(influencer.c.id == bindparam("target_id")),
            [_row(t, stamp) | {"target_id": t.id} for t in updates.values()],
        )
        # the report breaks its funnel down by platform and tier
        tally.touch_influencers(conn, regrouped)
    if inserts and not ids:
        executemany(
            conn, insert(influencer), [_row(t, stamp) | {"created_at": now} for t in inserts]
        )
    elif inserts:
        new_ids = conn.execute(
            insert(influencer).returning(influencer.c.id, sort_by_parameter_order=True),
            [_row(t, stamp) | {"created_at": now} for t in inserts],
        ).scalars()
        for target, new_id in zip(inserts, new_ids, strict=True):
            target.id = int(new_id)
    if others:
        people.write_other_accounts(conn, _with_ids(conn, others), batch.account_values, at=now)
    # Accounts and contacts follow the rows that changed (an unchanged row's are as stored).
    people.sync(conn, [*(t for t in updates.values() if id(t) in moved), *inserts], at=now)
    return outcomes


def _with_ids(
    conn: Connection, others: list[tuple[_Target, dict[str, Any]]]
) -> list[tuple[int, dict[str, Any]]]:
    """Each other-account record with its person's id (looked up when inserted unnumbered)."""
    keys = [person_key(t.values) for t, _ in others if t.id is None]
    ids: dict[str, int] = {}
    if keys:
        ids = {
            k: int(i)
            for k, i in conn.execute(
                select(influencer.c.email_norm, influencer.c.id).where(
                    influencer.c.email_norm.in_(keys)
                )
            )
        }
    return [(t.id if t.id is not None else ids[person_key(t.values)], v) for t, v in others]


def _other_account(batch: _Batch, target: _Target, pair: tuple[str, str]) -> bool:
    """Whether the record is one of the person's accounts other than their row's own: a
    known other account, or a new account on another platform (on the row's platform, a new
    handle is the same account renamed)."""
    if pair == (target.values["platform"], target.values["handle"]):
        return False
    return pair in batch.by_account or pair[0] != target.values["platform"]


def _share(batch: _Batch, target: _Target, address: str, updates: dict[int, _Target]) -> None:
    """Another talent's row gives this person's address: it is their agency's, so it becomes
    this person's manager address (kept if they have one) and no longer their own."""
    batch.unindex(target)
    manager = target.values.get("manager_email") or address
    target.values = {**target.values, "email": "", "manager_email": manager}
    batch.index(target)
    if target.id is not None:
        updates.pop(target.id, None)
        updates[target.id] = target


def _row(target: _Target, stamp: Mapping[str, Any]) -> dict[str, Any]:
    full = {f: target.values.get(f) for f in INFLUENCER_FIELDS}
    for f, default in _DEFAULTS.items():
        if full[f] is None:
            full[f] = copy(default)
    return full | {
        "email_norm": person_key(target.values),
        "source_line": target.line,
        **stamp,
    }


# What a stored row holds for a field a record left out (the table's server defaults).
_DEFAULTS: dict[str, Any] = {
    "niche": "",
    "country": "",
    "language": "ja",
    "timezone": "",
    "manager_email": "",
    "basis_url": "",
    "basis_seen_at": "",
    "refuses_ads": False,
    "tags": [],
    "custom": {},
    "basis": Basis.NONE.value,
    "honorific_name": "",
    "send_to": "",
}


_LOOKUP = [
    influencer.c.id,
    influencer.c.source_line,
    influencer.c.import_run,
    *(influencer.c[f] for f in INFLUENCER_FIELDS),
]


def _sqlite_lookup(
    conn: Connection, emails: list[str], platforms: list[str], handles: list[str]
) -> Iterator[tuple[Any, ...]]:
    """The stored rows with one of the addresses or platform+handle pairs."""
    return sqlite_select(
        conn,
        _LOOKUP,
        f"email_norm IN ({marks(emails)})"
        f" OR (platform IN ({marks(platforms)}) AND handle IN ({marks(handles)}))",
        (*emails, *platforms, *handles),
    )


def sqlite_select(
    conn: Connection, columns: Sequence[Column[Any]], where: str, params: Sequence[Any]
) -> Iterator[tuple[Any, ...]]:
    """SELECT columns FROM their table WHERE `where` (with `?` marks), through the SQLite
    driver with the columns' own result conversions (JSON, booleans, times): SQLAlchemy's
    per-call expansion of IN lists of a thousand values costs more than the query."""
    dialect = conn.dialect
    convert = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
    names = ", ".join(c.name for c in columns)
    sql = f"SELECT {names} FROM {columns[0].table} WHERE {where}"
    for row in conn.exec_driver_sql(sql, tuple(params)):
        yield tuple(v if f is None else f(v) for f, v in zip(convert, row, strict=True))


def marks(values: Sequence[Any]) -> str:
    """`?, ?, ?` for an IN list of the SQLite driver (`NULL` when empty: matches nothing)."""
    return ", ".join("?" * len(values)) or "NULL"


Compiled = tuple[str, list[tuple[str, Any]]]  # SQL, then each parameter and its conversion
_COMPILED: dict[tuple[str, tuple[str, ...]], Compiled] = {}


def driver_sql(conn: Connection, stmt: Insert | Update, keys: tuple[str, ...]) -> Compiled:
    """The statement's SQL for the SQLite driver and its parameters in order, each with the
    column's own bind conversion (JSON, booleans, times), compiled once per statement."""
    dialect = conn.dialect
    table = stmt.table
    cache_key = (f"{stmt.__visit_name__} {table}", keys)
    if cache_key not in _COMPILED:
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
        _COMPILED[cache_key] = (
            str(compiled),
            [
                (
                    name,
                    table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                    if name in table.c
                    else None,
                )
                for name in compiled.positiontup or []
            ],
        )
    return _COMPILED[cache_key]


def driver_params(pairs: list[tuple[str, Any]], row: Mapping[str, Any]) -> tuple[Any, ...]:
    values = [row[k] for k, _ in pairs]
    for i, (_, convert) in enumerate(pairs):
        if convert is not None:
            values[i] = convert(values[i])
    return tuple(values)


def executemany(conn: Connection, stmt: Insert | Update, rows: list[dict[str, Any]]) -> None:
    """`conn.execute(stmt, rows)`; on SQLite straight through the driver's executemany:
    SQLAlchemy's per-row parameter processing was most of an import's write-lock time."""
    if conn.dialect.name != "sqlite":
        conn.execute(stmt, rows)
        return
    sql, pairs = driver_sql(conn, stmt, tuple(rows[0]))
    conn.exec_driver_sql(sql, [driver_params(pairs, row) for row in rows])


BULK_CACHE_KIB = 65_536


@contextlib.contextmanager
def bulk_cache(conn: Connection) -> Iterator[None]:
    """A larger SQLite page cache while an import writes (64 MiB, then back): with the default
    2 MiB, inserting into the address and handle indexes of a large table is mostly waiting
    for the disk, under the write lock. Bounded, so memory stays flat in the row count."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


def upsert_influencer(
    conn: Connection,
    record: Mapping[str, Any],
    *,
    at: datetime | None = None,
    source_file: str = "",
    source_line: int | None = None,
    import_run: str = "",
) -> tuple[int, Changes | None]:
    """Insert the influencer or update the one with the same address or platform+handle.

    Returns (id, changes): changes is None when a row was inserted, {} when the stored row
    already matched, else field -> (old, new). Raises KeyConflict (nothing written).
    """
    (done,) = upsert_influencers(
        conn, [(source_line, record)], at=at, source_file=source_file, import_run=import_run
    )
    if done.conflict is not None:
        raise done.conflict
    assert done.id is not None
    return done.id, done.changes
