"""Erasure (`outreach forget`): delete a person's data, keep only the suppression hash."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Text, cast, delete, func, or_, select, update

from outreach.domain.address import normalise_address
from outreach.store.queries import tally
from outreach.store.queries.suppression import email_hash, record, suppress
from outreach.store.schema import (
    contact,
    enrollment,
    inbound,
    influencer,
    suppression,
    suppression_audit,
)

ERASED = "(erased)"  # what replaces text that named the forgotten address


@dataclass(frozen=True)
class Erased:
    influencers: int
    inbound: int


def forget(conn: Connection, address: str, *, at: datetime, actor: str = "") -> Erased:
    """Delete the influencer(s) with this address (posts, enrollments, outbox rows, history,
    deals cascade) and every stored inbound mail from or about them; suppress the address and
    blank the readable address of its suppression entries, so only the hash remains and a
    re-import of a list that still holds the person stays suppressed (an erasure must not undo
    their objection to being mailed). The erasure is audited under `actor`."""
    norm = normalise_address(address)
    own = select(contact.c.influencer_id).where(
        contact.c.address_norm == norm, contact.c.role == "self"
    )
    ids = list(
        conn.execute(
            select(influencer.c.id).where(
                or_(influencer.c.email_norm == norm, influencer.c.id.in_(own))
            )
        ).scalars()
    )
    enrolled = select(enrollment.c.id).where(enrollment.c.influencer_id.in_(ids))
    mail_ids = list(
        conn.execute(
            select(inbound.c.id).where(
                or_(inbound.c.from_addr == norm, inbound.c.enrollment_id.in_(enrolled))
            )
        ).scalars()
    )
    # Their enrolments leave the report's counters, and so do replies of theirs attached to
    # someone else (an agency writing about a talent).
    tally.touch(conn, conn.execute(enrolled).scalars())
    if mail_ids:
        tally.touch(
            conn,
            conn.execute(
                select(inbound.c.enrollment_id).where(inbound.c.id.in_(mail_ids))
            ).scalars(),
        )
    gone_mail = (
        conn.execute(delete(inbound).where(inbound.c.id.in_(mail_ids))).rowcount if mail_ids else 0
    )
    gone = conn.execute(delete(influencer).where(influencer.c.id.in_(ids))).rowcount if ids else 0
    # A manager's address (an agency's, kept as a contact of each talent it manages) goes
    # too; the talents stay.
    conn.execute(delete(contact).where(contact.c.address_norm == norm))
    conn.execute(
        update(influencer)
        .where(func.lower(influencer.c.manager_email) == norm)
        .values(manager_email="")
    )
    if suppress(conn, norm, reason="erasure", source="forget", at=at):
        record(conn, norm, action="add", reason="erasure: outreach forget", actor=actor, at=at)
    h = email_hash(norm)
    conn.execute(update(suppression).where(suppression.c.email_hash == h).values(email_norm=None))
    conn.execute(
        update(suppression_audit).where(suppression_audit.c.email_hash == h).values(email_norm=None)
    )
    if mail_ids:  # the source message of an entry is deleted above: do not point at it
        conn.execute(
            update(suppression)
            .where(suppression.c.inbound_id.in_(mail_ids))
            .values(inbound_id=None)
        )
    _erase_mentions(conn, norm)
    return Erased(influencers=gone or 0, inbound=gone_mail or 0)


def _erase_mentions(conn: Connection, norm: str) -> None:
    """Any entry's evidence text naming the address is replaced whole; in a source or an
    operator's audit reason (free text) the address itself is."""
    # The JSON text stores non-ASCII characters as \\u escapes (json.dumps' default).
    needles = {norm, json.dumps(norm)[1:-1].lower()}
    as_text = func.lower(cast(suppression.c.evidence, Text))
    rows = conn.execute(
        select(suppression.c.id, suppression.c.evidence).where(
            or_(*(as_text.contains(n, autoescape=True) for n in needles))
        )
    ).all()
    for row in rows:
        conn.execute(
            update(suppression)
            .where(suppression.c.id == row.id)
            .values(evidence=_without(row.evidence, norm))
        )
    pattern = re.compile(re.escape(norm), re.IGNORECASE)
    for table, column in (
        (suppression, suppression.c.source),
        (suppression_audit, suppression_audit.c.reason),
    ):
        found = conn.execute(
            select(table.c.id, column).where(func.lower(column).contains(norm, autoescape=True))
        ).all()
        for rid, text in found:
            conn.execute(
                update(table)
                .where(table.c.id == rid)
                .values({column.name: pattern.sub(ERASED, text)})
            )


def _without(value: Any, norm: str) -> Any:
    """`value` with every string that contains `norm` (any case) replaced by ERASED."""
    if isinstance(value, str):
        return ERASED if norm in value.lower() else value
    if isinstance(value, dict):
        return {k: _without(v, norm) for k, v in value.items()}
    if isinstance(value, list):
        return [_without(v, norm) for v in value]
    return value
