"""The suppression list: reading it, lifting entries, and its audit trail (`suppression_audit`).

Entries are added by `suppress`; a person's add or removal also appends an
audit row here, in the same transaction as the change it records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, exists, insert, select

from outreach.domain.address import normalise_address
from outreach.domain.people import domain_of
from outreach.store.schema import (
    campaign,
    enrollment,
    influencer,
    outbox,
    suppression,
    suppression_audit,
    suppression_domain,
)
from outreach.store.session import is_sqlite

# Entries a bounce made: the address failed, not the person's wish, so an operator may lift them.
BOUNCE_REASONS = frozenset({"hard_bounce", "soft_bounce_limit"})


@dataclass(frozen=True)
class Entry:
    """One suppression row, as `remove_entries` needs it."""

    id: int
    reason: str
    source: str
    created_at: datetime


def list_suppressions(
    conn: Connection,
    *,
    reason: str | None = None,
    address: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Entries newest first: address (blank after `forget`), reason, source, evidence, source
    message id, time. `address` matches by hash, so a forgotten address is still found."""
    query = select(
        suppression.c.email_norm,
        suppression.c.reason,
        suppression.c.source,
        suppression.c.evidence,
        suppression.c.inbound_id,
        suppression.c.created_at,
        suppression.c.id,
    ).order_by(suppression.c.created_at.desc(), suppression.c.id.desc())
    if reason is not None:
        query = query.where(suppression.c.reason == reason)
    if address is not None:
        query = query.where(suppression.c.email_hash == email_hash(address))
    if limit is not None:
        query = query.limit(limit)
    rows = [
        {
            "address": row.email_norm or "",
            "reason": row.reason,
            "source": row.source,
            "evidence": row.evidence,
            "inbound_id": row.inbound_id,
            "at": row.created_at,
            "id": row.id,
        }
        for row in conn.execute(query)
    ]
    rows += _domain_listed(conn, reason=reason, address=address)
    rows.sort(key=lambda r: (r["at"], r["id"]), reverse=True)
    for row in rows:
        del row["id"]
    return rows[:limit] if limit is not None else rows


def _domain_listed(
    conn: Connection, *, reason: str | None, address: str | None
) -> list[dict[str, Any]]:
    """Domain rules as list rows: the address is "@domain", the source names the one mailbox
    it holds for. With `address`, the rules on its domain (or on "@domain" itself)."""
    d = suppression_domain.c
    query = select(
        d.id, d.domain, d.mailbox, d.reason, d.source, d.evidence, d.inbound_id, d.created_at
    )
    if reason is not None:
        query = query.where(d.reason == reason)
    if address is not None:
        query = query.where(d.domain == rule_domain(address))
    return [
        {
            "address": f"@{row.domain}",
            "reason": row.reason,
            "source": f"mailbox {row.mailbox} only: {row.source}",
            "evidence": row.evidence,
            "inbound_id": row.inbound_id,
            "at": row.created_at,
            "id": row.id,
        }
        for row in conn.execute(query)
    ]


def rule_domain(text: str) -> str:
    """The domain a domain rule is keyed by, from "@domain", "domain" or an address there."""
    text = normalise_address(text)
    return text.rpartition("@")[2]


_CHUNK = 500  # hashes per IN (...): well under SQLite's bound-parameter limit


def suppressed_among(
    conn: Connection, addresses: Iterable[str], *, mailbox: str | None = None
) -> set[str]:
    """Which of these addresses are suppressed, each as given (the key is its lower-cased
    hash): one indexed query per 500 addresses. No writes. The one suppression lookup for a
    batch; `is_suppressed` is the one for a single address. With `mailbox`, an address whose
    domain is suppressed for that mailbox is suppressed too."""
    addresses = list(addresses)
    out = domain_suppressed(conn, [(mailbox, a) for a in addresses]) if mailbox else set()
    return {a for _, a in out} | _hashed_among(conn, addresses)


def _hashed_among(conn: Connection, addresses: Iterable[str]) -> set[str]:
    if conn.execute(select(suppression.c.id).limit(1)).first() is None:
        return set()  # nothing is suppressed: no address need be hashed
    by_hash: dict[str, set[str]] = {}
    for a in addresses:
        if a:
            by_hash.setdefault(email_hash(a), set()).add(a)
    hashes = list(by_hash)
    out: set[str] = set()
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start : start + _CHUNK]
        if conn.dialect.name == "sqlite":  # through the driver: no IN list expanded per call
            marks = ", ".join("?" * len(chunk))
            rows = conn.exec_driver_sql(
                f"SELECT email_hash FROM suppression WHERE email_hash IN ({marks})", tuple(chunk)
            )
        else:
            rows = conn.execute(
                select(suppression.c.email_hash).where(suppression.c.email_hash.in_(chunk))
            )
        for h in rows.scalars():
            out |= by_hash[h]
    return out


def entries_for(conn: Connection, address: str) -> list[Entry]:
    """The address's entries, oldest first. On PostgreSQL the rows stay locked until the
    transaction ends, so two removals of one address cannot both act on them."""
    query = (
        select(
            suppression.c.id, suppression.c.reason, suppression.c.source, suppression.c.created_at
        )
        .where(suppression.c.email_hash == email_hash(address))
        .order_by(suppression.c.created_at, suppression.c.id)
    )
    if not is_sqlite(conn):
        query = query.with_for_update()
    return [Entry(r.id, r.reason, r.source, r.created_at) for r in conn.execute(query)]


def remove_entries(
    conn: Connection,
    address: str,
    entries: Iterable[Entry],
    *,
    reason: str,
    actor: str,
    forced: Iterable[int],
    at: datetime,
) -> list[Entry]:
    """Delete these entries and append one `remove` audit row for each one actually deleted
    (`forced` names the ids a --force lifted). Returns the deleted entries."""
    forced_ids = set(forced)
    gone: list[Entry] = []
    for entry in entries:
        if conn.execute(delete(suppression).where(suppression.c.id == entry.id)).rowcount != 1:
            continue  # another writer deleted it first: nothing to record
        gone.append(entry)
        record(
            conn,
            address,
            action="remove",
            prior_reason=entry.reason,
            reason=reason,
            actor=actor,
            forced=entry.id in forced_ids,
            at=at,
        )
    return gone


def record(
    conn: Connection,
    address: str,
    *,
    action: str,
    reason: str,
    actor: str,
    at: datetime,
    prior_reason: str = "",
    forced: bool = False,
) -> None:
    """Append one audit row (`add` or `remove`)."""
    conn.execute(
        insert(suppression_audit).values(
            email_hash=email_hash(address),
            email_norm=normalise_address(address),
            action=action,
            prior_reason=prior_reason,
            reason=reason,
            actor=actor,
            forced=forced,
            at=at,
        )
    )


def audit_trail(conn: Connection, *, address: str | None = None) -> list[dict[str, Any]]:
    """Audit rows oldest first, all or one address's (by hash, so forgotten ones too)."""
    a = suppression_audit.c
    query = select(
        a.at, a.action, a.email_norm, a.prior_reason, a.reason, a.actor, a.forced
    ).order_by(a.at, a.id)
    if address is not None:
        query = query.where(a.email_hash == email_hash(address))
    return [
        {
            "at": row.at,
            "action": row.action,
            "address": row.email_norm or "",
            "prior_reason": row.prior_reason,
            "reason": row.reason,
            "actor": row.actor,
            "forced": bool(row.forced),
        }
        for row in conn.execute(query)
    ]


def bounced_in(conn: Connection, address: str) -> list[str]:
    """Slugs of the campaigns where this address's enrollment ended at stage `bounced`."""
    rows = conn.execute(
        select(campaign.c.slug)
        .join(enrollment, enrollment.c.campaign_id == campaign.c.id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(
            influencer.c.email_norm == normalise_address(address), enrollment.c.stage == "bounced"
        )
        .order_by(campaign.c.slug)
        .distinct()
    )
    return list(rows.scalars())


def email_hash(address: str) -> str:
    """The suppression key: sha256 of the address lower-cased whole (over-suppress, RFC 4.6)."""
    return hashlib.sha256(normalise_address(address).encode("utf-8")).hexdigest()


# Built once: the lookup runs for every claimed row and again before every DATA.
_SUPPRESSED = select(suppression.c.id).where(suppression.c.email_hash == bindparam("h")).limit(1)


HASH_SUPPRESSED = exists().where(suppression.c.email_hash == bindparam("h"))
"""The suppression test inside a larger statement that binds the address's hash as :h."""

DOMAIN_SUPPRESSED = exists().where(
    suppression_domain.c.domain == bindparam("d"),
    suppression_domain.c.mailbox == outbox.c.mailbox,
)
"""The domain rule inside an UPDATE of `outbox` that binds the address's domain as :d: that
domain is suppressed for the row's mailbox."""


def is_suppressed(conn: Connection, address: str, *, mailbox: str | None = None) -> bool:
    """One indexed lookup (two with `mailbox`: its domain rules too); no writes."""
    if conn.execute(_SUPPRESSED, {"h": email_hash(address)}).first() is not None:
        return True
    return bool(mailbox) and bool(domain_suppressed(conn, [(mailbox or "", address)]))


def domain_suppressed(conn: Connection, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (mailbox, address) pairs are blocked by a domain rule: the address's domain is
    suppressed for that mailbox. One indexed query per 500 domains; no writes."""
    wanted: dict[str, set[tuple[str, str]]] = {}
    for box, a in pairs:
        domain = domain_of(a)
        if box and domain:
            wanted.setdefault(domain, set()).add((box, a))
    domains = list(wanted)
    out: set[tuple[str, str]] = set()
    d = suppression_domain.c
    for start in range(0, len(domains), _CHUNK):
        rows = conn.execute(
            select(d.domain, d.mailbox)
            .where(d.domain.in_(domains[start : start + _CHUNK]))
            .distinct()
        )
        for domain, box in rows:
            out |= {p for p in wanted[domain] if p[0] == box}
    return out


def suppress_domain(
    conn: Connection,
    domain: str,
    mailbox: str,
    *,
    reason: str,
    source: str,
    at: datetime,
    evidence: dict[str, Any] | None = None,
    inbound_id: int | None = None,
) -> bool:
    """Suppress every address at `domain` for mailbox `mailbox` (the From identity), unless a
    rule with the same reason exists. Returns True if added."""
    d = suppression_domain.c
    domain = rule_domain(domain)
    found = conn.execute(
        select(d.id).where(d.domain == domain, d.mailbox == mailbox, d.reason == reason).limit(1)
    ).first()
    if found:
        return False
    conn.execute(
        insert(suppression_domain).values(
            domain=domain,
            mailbox=mailbox,
            reason=reason,
            source=source,
            created_at=at,
            evidence=evidence,
            inbound_id=inbound_id,
        )
    )
    return True


@dataclass(frozen=True)
class DomainEntry:
    """One domain rule, as `remove_domain_entries` needs it."""

    id: int
    domain: str
    mailbox: str
    reason: str
    created_at: datetime


def domain_entries_for(
    conn: Connection, domain: str, mailbox: str | None = None
) -> list[DomainEntry]:
    """The domain's rules (one mailbox's, or every mailbox's), oldest first; locked on
    PostgreSQL until the transaction ends, as `entries_for` locks an address's."""
    d = suppression_domain.c
    query = select(d.id, d.domain, d.mailbox, d.reason, d.created_at).where(
        d.domain == rule_domain(domain)
    )
    if mailbox is not None:
        query = query.where(d.mailbox == mailbox)
    query = query.order_by(d.created_at, d.id)
    if not is_sqlite(conn):
        query = query.with_for_update()
    return [
        DomainEntry(r.id, r.domain, r.mailbox, r.reason, r.created_at) for r in conn.execute(query)
    ]


def remove_domain_entries(
    conn: Connection,
    entries: Iterable[DomainEntry],
    *,
    reason: str,
    actor: str,
    at: datetime,
) -> list[DomainEntry]:
    """Delete these rules, each with a `remove` audit row under "@domain" (the mailbox named in
    its reason). A rule no bounce made is only lifted forced, so each row says forced when its
    reason is not a bounce's. Returns the deleted rules."""
    gone: list[DomainEntry] = []
    for entry in entries:
        dele = delete(suppression_domain).where(suppression_domain.c.id == entry.id)
        if conn.execute(dele).rowcount != 1:
            continue
        gone.append(entry)
        record(
            conn,
            f"@{entry.domain}",
            action="remove",
            prior_reason=entry.reason,
            reason=f"{reason} (mailbox {entry.mailbox})",
            actor=actor,
            forced=entry.reason not in BOUNCE_REASONS,
            at=at,
        )
    return gone


def is_erased(conn: Connection, address: str) -> bool:
    """`outreach forget` ran for this address: only the hash of it is kept."""
    row = conn.execute(
        select(suppression.c.id)
        .where(suppression.c.email_hash == email_hash(address), suppression.c.email_norm.is_(None))
        .limit(1)
    ).first()
    return row is not None


def suppress(
    conn: Connection,
    address: str,
    *,
    reason: str,
    source: str,
    at: datetime,
    evidence: dict[str, Any] | None = None,
    inbound_id: int | None = None,
) -> bool:
    """Append a suppression entry unless one with the same reason exists. Returns True if added.

    `evidence` says what made it (bounce reason and diagnostic, opt-out phrase, complaint);
    `inbound_id` is the message that carried it."""
    h = email_hash(address)
    exists = conn.execute(
        select(suppression.c.id)
        .where(suppression.c.email_hash == h, suppression.c.reason == reason)
        .limit(1)
    ).first()
    if exists:
        return False
    conn.execute(
        insert(suppression).values(
            email_hash=h,
            email_norm=normalise_address(address),
            reason=reason,
            source=source,
            created_at=at,
            evidence=evidence,
            inbound_id=inbound_id,
        )
    )
    return True
