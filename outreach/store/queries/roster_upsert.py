"""Writing influencers: a batch of records upserted by natural key, with what changed.

Natural keys: the same lower-cased address (`email_norm`) or the same (platform, handle) is
the same influencer. Runs inside the caller's transaction: one SELECT per batch, then
executemany UPDATE and INSERT; locks only the rows it writes. Times are stored as naive UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from outreach.clock import naive_utc
from outreach.config import email_address
from outreach.domain.influencer import Basis
from outreach.errors import InputError
from outreach.store.schema import influencer

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
        try:
            text = email_address(text)
        except ValueError:
            pass  # not an address the roster could hold: it matches nobody
    return text.lower()


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
        self.by_pair: dict[tuple[str, str], _Target] = {}
        rows = conn.execute(
            select(influencer).where(
                or_(
                    influencer.c.email_norm.in_({email_norm(r["email"]) for r in records}),
                    # both columns, so the (platform, handle) unique index serves the lookup
                    and_(
                        influencer.c.platform.in_({r["platform"] for r in records}),
                        influencer.c.handle.in_({r["handle"] for r in records}),
                    ),
                )
            )
        )
        for row in rows:
            values = {f: getattr(row, f) for f in INFLUENCER_FIELDS}
            self.index(_Target(row.id, values, row.source_line, row.import_run))

    def index(self, target: _Target) -> None:
        self.by_email[email_norm(target.values["email"])] = target
        self.by_pair[(target.values["platform"], target.values["handle"])] = target

    def unindex(self, target: _Target) -> None:
        self.by_email.pop(email_norm(target.values["email"]), None)
        self.by_pair.pop((target.values["platform"], target.values["handle"]), None)

    def find(self, record: Mapping[str, Any]) -> _Target | None:
        """The influencer the record is; KeyConflict when its two keys name two people."""
        by_mail = self.by_email.get(email_norm(record["email"]))
        by_pair = self.by_pair.get((record["platform"], record["handle"]))
        if by_mail is not None and by_pair is not None and by_mail is not by_pair:
            raise _conflict(record, by_mail)
        return by_mail or by_pair


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
    for line, record in records:
        values = _prepare(record)
        try:
            target = batch.find(values)
        except KeyConflict as exc:
            outcomes.append(Upserted(line, None, conflict=exc))
            continue
        if target is None:
            target = _Target(None, values, line, import_run)
            inserts.append(target)
            batch.index(target)
            outcomes.append(Upserted(line, None, target=target))
            continue
        repeat = target.line if import_run and target.run == import_run else None
        if "custom" in values:  # columns add or replace custom fields; others are kept
            values["custom"] = {**(target.values.get("custom") or {}), **values["custom"]}
        changes = diff(target.values, values, INFLUENCER_FIELDS)
        batch.unindex(target)
        target.values = {**target.values, **values}
        target.line, target.run = line, import_run
        batch.index(target)
        if target.id is not None:
            updates.pop(target.id, None)
            updates[target.id] = target
        outcomes.append(Upserted(line, changes, duplicate_of=repeat, target=target))
    stamp = {"source_file": source_file, "import_run": import_run, "updated_at": now}
    if updates:
        conn.execute(
            update(influencer).where(influencer.c.id == bindparam("target_id")),
            [_row(t, stamp) | {"target_id": t.id} for t in updates.values()],
        )
    if inserts and not ids:
        conn.execute(insert(influencer), [_row(t, stamp) | {"created_at": now} for t in inserts])
    elif inserts:
        new_ids = conn.execute(
            insert(influencer).returning(influencer.c.id, sort_by_parameter_order=True),
            [_row(t, stamp) | {"created_at": now} for t in inserts],
        ).scalars()
        for target, new_id in zip(inserts, new_ids, strict=True):
            target.id = int(new_id)
    return outcomes


def _row(target: _Target, stamp: Mapping[str, Any]) -> dict[str, Any]:
    full = {f: target.values.get(f) for f in INFLUENCER_FIELDS}
    for f, default in _DEFAULTS.items():
        if full[f] is None:
            full[f] = copy(default)
    return full | {
        "email_norm": email_norm(target.values["email"]),
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
}


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
