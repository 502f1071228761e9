"""Inbound mail: the dedupe record, matching to our enrollments, IMAP cursors.

Every function runs inside the caller's transaction. The effect of an inbound message and its
`inbound` row are written in one transaction (so a crash cannot leave an effect without its
record, or a record without its effect), and the unique `dedupe_key` makes a second writer of
the same message fail instead of applying the effect twice.
Times are stored as naive UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, union, update

from outreach.clock import naive_utc
from outreach.domain.address import normalise_address
from outreach.domain.funnel import HUMAN_KINDS
from outreach.store.queries import tally
from outreach.store.queries.enrollment import LIVE_STATUSES
from outreach.store.schema import (
    account,
    agency,
    campaign,
    contact,
    enrollment,
    inbound,
    inbox_cursor,
    influencer,
    outbox,
)


@dataclass(frozen=True)
class Target:
    """The enrollment an inbound message concerns, with what its effects need."""

    enrollment_id: int
    influencer_id: int
    email: str
    manager_email: str
    timezone: str
    campaign: str
    stage: str
    status: str
    next_due_at: datetime | None
    agency_domain: str = ""  # where the person's agency writes from ("" when none)
    handle: str = ""


@dataclass(frozen=True)
class Sent:
    """One message we sent (an outbox row) and the enrollment it belongs to."""

    message_id: str
    mailbox: str
    recipients: frozenset[str]  # lower-cased: the envelope recipients and the influencer's address
    owners: frozenset[str]  # who may write in its thread: recipients, influencer, manager
    target: Target


_KNOWN = select(inbound.c.dedupe_key).where(
    inbound.c.dedupe_key.in_(bindparam("keys", expanding=True))
)


def known_keys(conn: Connection, keys: Iterable[str]) -> set[str]:
    """Which of these dedupe keys are already recorded: one indexed query per 500."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(conn.execute(_KNOWN, {"keys": wanted[start : start + 500]}).scalars())
    return found


# The statements a poll runs for most messages, built once: building one costs several times
# executing it, and a first poll runs them thousands of times.
_INSERT_INBOUND = insert(inbound)
_SET_EFFECT = (
    update(inbound).where(inbound.c.id == bindparam("_id")).values(effect=bindparam("_effect"))
)


def record_inbound(conn: Connection, **values: Any) -> int:
    """Insert the processed-message row; IntegrityError when another poller stored it first."""
    values["processed_at"] = naive_utc(values["processed_at"])
    if values.get("received_at") is not None:
        values["received_at"] = naive_utc(values["received_at"])
    key = conn.execute(_INSERT_INBOUND, values).inserted_primary_key
    assert key is not None
    _counted(conn, [values])
    return int(key[0])


def _counted(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """A person's own reply (see domain.funnel.HUMAN_KINDS) counts in the report's funnel."""
    tally.touch(
        conn,
        (
            r.get("enrollment_id")
            for r in rows
            if (r.get("resolved_as") or r.get("kind")) in HUMAN_KINDS
        ),
    )


def record_inbound_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert processed-message rows in one executemany (the same columns in each)."""
    if not rows:
        return
    for values in rows:
        values["processed_at"] = naive_utc(values["processed_at"])
        if values.get("received_at") is not None:
            values["received_at"] = naive_utc(values["received_at"])
    conn.execute(_INSERT_INBOUND, list(rows))
    _counted(conn, rows)


def set_manager_email(conn: Connection, influencer_id: int, address: str, *, at: datetime) -> str:
    """Record the address an influencer's replies refer us to; returns the one it replaces."""
    before = conn.execute(
        select(influencer.c.manager_email).where(influencer.c.id == influencer_id)
    ).scalar_one()
    if normalise_address(before) != address:
        conn.execute(
            update(influencer)
            .where(influencer.c.id == influencer_id)
            .values(manager_email=address, updated_at=naive_utc(at))
        )
    return str(before)


def _target_query() -> Any:
    return (
        select(
            enrollment.c.id,
            enrollment.c.influencer_id,
            influencer.c.email,
            influencer.c.manager_email,
            influencer.c.timezone,
            campaign.c.slug,
            enrollment.c.stage,
            enrollment.c.status,
            enrollment.c.next_due_at,
            agency.c.domain.label("agency_domain"),
            influencer.c.handle,
        )
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .outerjoin(agency, agency.c.id == influencer.c.agency_id)
    )


def _target(row: Any) -> Target:
    return Target(
        enrollment_id=int(row.id),
        influencer_id=int(row.influencer_id),
        email=row.email,
        manager_email=row.manager_email,
        timezone=row.timezone,
        campaign=row.slug,
        stage=row.stage,
        status=row.status,
        next_due_at=row.next_due_at,
        agency_domain=row.agency_domain or "",
        handle=row.handle,
    )


_SENT = (
    _target_query()
    .add_columns(outbox.c.message_id, outbox.c.mailbox, outbox.c.rcpt_to, outbox.c.email_norm)
    .join(outbox, outbox.c.enrollment_id == enrollment.c.id)
    .where(outbox.c.message_id.in_(bindparam("ids", expanding=True)))
)


def sent_by_message_ids(conn: Connection, message_ids: Iterable[str]) -> list[Sent]:
    """Our sent messages among these Message-IDs, in the order of the list."""
    ids = list(dict.fromkeys(m for m in message_ids if m))
    rows: list[Any] = []
    for start in range(0, len(ids), 500):
        rows += conn.execute(_SENT, {"ids": ids[start : start + 500]}).all()
    order = {m: n for n, m in enumerate(ids)}
    out = []
    for row in sorted(rows, key=lambda r: order[r.message_id]):
        recipients = {
            row.email_norm.lower(),
            *(normalise_address(str(a)) for a in row.rcpt_to or ()),
        }
        owners = recipients | {
            normalise_address(row.email),
            normalise_address(row.manager_email or ""),
        }
        out.append(
            Sent(
                row.message_id,
                row.mailbox,
                frozenset(recipients),
                frozenset(owners - {""}),
                _target(row),
            )
        )
    return out


_BY_ENROLLMENT = _target_query().where(enrollment.c.id == bindparam("_id"))


def target_by_enrollment(conn: Connection, enrollment_id: int) -> Target | None:
    row = conn.execute(_BY_ENROLLMENT, {"_id": enrollment_id}).first()
    return None if row is None else _target(row)


def target_by_address(conn: Connection, address: str) -> Target | None:
    """The most recent live enrollment of the person with this address, managed by it, or
    with it among their contacts; else (a sequence already stopped, say by the talent's own
    reply) their most recent enrollment of any status, so their agency's mail still attaches."""
    norm = normalise_address(address)
    if not norm:
        return None
    row = conn.execute(_BY_ADDRESS, {"_norm": norm}).first()
    if row is None:
        row = conn.execute(_BY_ADDRESS_ANY, {"_norm": norm}).first()
    return None if row is None else _target(row)


# The people with this address: their own, as their manager, or among their contacts. Each
# branch reads an index; OR-ing them in one WHERE makes SQLite read every enrolment instead.
_OF_ADDRESS = influencer.c.id.in_(
    union(
        select(influencer.c.id).where(influencer.c.email_norm == bindparam("_norm")),
        select(influencer.c.id).where(func.lower(influencer.c.manager_email) == bindparam("_norm")),
        select(contact.c.influencer_id).where(contact.c.address_norm == bindparam("_norm")),
    ).scalar_subquery()
)
_BY_ADDRESS_ANY = (
    _target_query()
    .where(_OF_ADDRESS)
    .order_by(enrollment.c.created_at.desc(), enrollment.c.id.desc())
    .limit(1)
)
_BY_ADDRESS = _BY_ADDRESS_ANY.where(enrollment.c.status.in_(LIVE_STATUSES))


# The people an address writes for: those it manages, and the talents of the agency it belongs
# to or whose domain it is. Each branch reads an index, so a sender who writes for no agency
# (most of them) costs three look-ups; OR-ing the branches in one WHERE makes SQLite read every
# enrolment for every message instead.
_AGENCIES_OF = union(
    select(contact.c.agency_id).where(
        contact.c.address_norm == bindparam("norm"), contact.c.agency_id.is_not(None)
    ),
    select(agency.c.id).where(agency.c.domain == bindparam("domain"), agency.c.domain != ""),
)
_MANAGED_BY = union(
    select(contact.c.influencer_id).where(
        contact.c.address_norm == bindparam("norm"), contact.c.role == "manager"
    ),
    select(influencer.c.id).where(influencer.c.agency_id.in_(_AGENCIES_OF.scalar_subquery())),
)


def agency_talents(conn: Connection, sender: str) -> list[tuple[Target, tuple[str, ...]]]:
    """When `sender` writes for an agency (a manager address of someone on the roster, or an
    address at an agency's own domain): each of its talents' most recent enrollment (a live
    one first) with the names the talent may be called by in a message (name, the name a
    letter uses, handles of every account). Empty for anyone else."""
    norm = normalise_address(sender)
    domain = norm.rpartition("@")[2] if "@" in norm else ""
    people = sorted(set(conn.execute(_MANAGED_BY, {"norm": norm, "domain": domain}).scalars()))
    if not people:
        return []
    rows = conn.execute(
        _target_query()
        .add_columns(influencer.c.name, influencer.c.honorific_name, influencer.c.display_name)
        .where(influencer.c.id.in_(people))
        .order_by(enrollment.c.created_at.desc(), enrollment.c.id.desc())
    ).all()
    best: dict[int, Any] = {}
    for row in rows:
        kept = best.get(row.influencer_id)
        if kept is None or (kept.status not in LIVE_STATUSES and row.status in LIVE_STATUSES):
            best[row.influencer_id] = row
    if not best:
        return []
    handles: dict[int, set[str]] = {i: set() for i in best}
    for influencer_id, handle in conn.execute(
        select(account.c.influencer_id, account.c.handle).where(
            account.c.influencer_id.in_(list(best))
        )
    ):
        handles[influencer_id].add(handle)
    out = []
    for influencer_id, row in best.items():
        names = {row.name, row.honorific_name, row.display_name, row.handle}
        names |= handles[influencer_id]
        out.append((_target(row), tuple(sorted(n for n in names if n))))
    return out


def soft_bounce_count(conn: Connection, recipient_norm: str, *, since: datetime) -> int:
    """Transient bounces recorded for this recipient at or after `since` and after its last
    successful delivery report (a `delivered` row resets the count). "After" is by row id:
    rows are written in the order messages are read, and one poll's rows share a time."""
    last_success = conn.execute(
        select(func.max(inbound.c.id)).where(
            inbound.c.recipient_norm == recipient_norm, inbound.c.kind == "delivered"
        )
    ).scalar()
    count = conn.execute(
        select(func.count()).where(
            inbound.c.recipient_norm == recipient_norm,
            or_(inbound.c.kind == "bounce", inbound.c.resolved_as == "bounce"),
            inbound.c.processed_at >= naive_utc(since),
            inbound.c.id > (last_success or 0),
        )
    ).scalar_one()
    return int(count)


def set_effects(conn: Connection, effects: Sequence[tuple[int, str]]) -> None:
    """Each row's effect line, in one executemany."""
    if effects:
        conn.execute(_SET_EFFECT, [{"_id": i, "_effect": e} for i, e in effects])


def set_effect(conn: Connection, inbound_id: int, effect: str) -> None:
    set_effects(conn, [(inbound_id, effect)])


def resolve_inbound(
    conn: Connection, inbound_id: int, *, kind: str, effect: str, at: datetime
) -> bool:
    """Mark a needs-review message resolved, once: False when it was resolved already."""
    done = conn.execute(
        update(inbound)
        .where(
            inbound.c.id == inbound_id,
            inbound.c.kind == "needs_review",
            inbound.c.resolved_as.is_(None),
        )
        .values(resolved_as=kind, resolved_at=naive_utc(at), effect=effect)
        .returning(inbound.c.enrollment_id)
    ).all()
    _counted(conn, [{"enrollment_id": row[0], "resolved_as": kind} for row in done])
    return len(done) == 1


@dataclass(frozen=True)
class Cursor:
    uidvalidity: int | None
    last_uid: int


def get_cursor(conn: Connection, box: str, folder: str) -> Cursor | None:
    row = conn.execute(
        select(inbox_cursor.c.uidvalidity, inbox_cursor.c.last_uid).where(
            inbox_cursor.c.mailbox == box, inbox_cursor.c.folder == folder
        )
    ).first()
    return None if row is None else Cursor(row.uidvalidity, int(row.last_uid))


def set_cursor(
    conn: Connection, box: str, folder: str, *, uidvalidity: int, last_uid: int, at: datetime
) -> None:
    """Remember how far a folder was read (upsert)."""
    values = {"uidvalidity": uidvalidity, "last_uid": last_uid, "polled_at": naive_utc(at)}
    res = conn.execute(
        update(inbox_cursor)
        .where(inbox_cursor.c.mailbox == box, inbox_cursor.c.folder == folder)
        .values(**values)
    )
    if not res.rowcount:
        conn.execute(insert(inbox_cursor).values(mailbox=box, folder=folder, **values))


def list_inbound(
    conn: Connection,
    *,
    kind: str | None = None,
    unmatched: bool = False,
    limit: int = 100,
    needs_review: bool = False,
) -> list[dict[str, Any]]:
    """Processed messages newest first, with the influencer they matched; `needs_review`:
    only messages waiting for an operator's `inbox resolve`."""
    query = (
        select(
            inbound.c.id,
            inbound.c.processed_at,
            inbound.c.mailbox,
            inbound.c.kind,
            inbound.c.from_addr,
            inbound.c.subject,
            inbound.c.effect,
            inbound.c.confidence,
            inbound.c.resolved_as,
            influencer.c.handle,
            campaign.c.slug.label("campaign"),
        )
        .select_from(inbound)
        .outerjoin(enrollment, enrollment.c.id == inbound.c.enrollment_id)
        .outerjoin(influencer, influencer.c.id == enrollment.c.influencer_id)
        .outerjoin(campaign, campaign.c.id == enrollment.c.campaign_id)
        .order_by(inbound.c.processed_at.desc(), inbound.c.id.desc())
        .limit(limit)
    )
    if kind:
        query = query.where(inbound.c.kind == kind)
    if unmatched:
        query = query.where(inbound.c.enrollment_id.is_(None))
    if needs_review:
        query = query.where(inbound.c.kind == "needs_review", inbound.c.resolved_as.is_(None))
    return [dict(row._mapping) for row in conn.execute(query)]


def get_inbound(conn: Connection, inbound_id: int) -> dict[str, Any] | None:
    """One processed message with its stored own text and details (not the raw bytes)."""
    row = conn.execute(
        select(
            *[c for c in inbound.c if c.name != "raw"],
            func.length(inbound.c.raw).label("raw_kept"),  # < raw_size when it was truncated
            influencer.c.handle,
            influencer.c.name.label("influencer_name"),
            campaign.c.slug.label("campaign"),
        )
        .select_from(inbound)
        .outerjoin(enrollment, enrollment.c.id == inbound.c.enrollment_id)
        .outerjoin(influencer, influencer.c.id == enrollment.c.influencer_id)
        .outerjoin(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(inbound.c.id == inbound_id)
    ).first()
    return None if row is None else dict(row._mapping)
