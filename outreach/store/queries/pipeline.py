"""Suppression, stop conditions and compare-and-set stage moves, shared by dispatch and inbox."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, insert, select, update

from outreach.domain.stages import Stage, check_move
from outreach.store.schema import enrollment, influencer, stage_history, suppression


def email_hash(address: str) -> str:
    """The suppression key: sha256 of the address lower-cased whole (over-suppress, RFC 4.6)."""
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


# Built once: the lookup runs for every claimed row and again before every DATA.
_SUPPRESSED = select(suppression.c.id).where(suppression.c.email_hash == bindparam("h")).limit(1)

HASH_SUPPRESSED = exists().where(suppression.c.email_hash == bindparam("h"))
"""The suppression test inside a larger statement that binds the address's hash as :h."""


def is_suppressed(conn: Connection, address: str) -> bool:
    """One indexed lookup; no writes."""
    return conn.execute(_SUPPRESSED, {"h": email_hash(address)}).first() is not None


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
            email_norm=address.strip().lower(),
            reason=reason,
            source=source,
            created_at=at,
            evidence=evidence,
            inbound_id=inbound_id,
        )
    )
    return True


def move_stage_if(
    conn: Connection,
    enrollment_id: int,
    target: Stage,
    *,
    cause: str,
    at: datetime,
    note: str = "",
    expected: Stage | None = None,
    check: bool = True,
) -> bool:
    """Compare-and-set the stage of one enrollment and append a history row.

    Writes only when the stage is still `expected` (or the current one read here); returns False
    when another writer moved it first or it is already `target`. Raises StageError when the
    move is illegal and `check` is set.
    """
    current_s = conn.execute(
        select(enrollment.c.stage).where(enrollment.c.id == enrollment_id)
    ).scalar_one()
    current = Stage(current_s)
    if expected is not None and current != expected:
        return False
    if current == target:
        return False
    if check:
        check_move(current, target)
    res = conn.execute(
        update(enrollment)
        .where(enrollment.c.id == enrollment_id, enrollment.c.stage == current.value)
        .values(stage=target.value, stage_changed_at=at)
    )
    if res.rowcount != 1:
        return False
    conn.execute(
        insert(stage_history).values(
            enrollment_id=enrollment_id,
            from_stage=current.value,
            to_stage=target.value,
            cause=cause,
            note=note,
            at=at,
        )
    )
    return True


# `move_stages_if`'s statements, built once: dispatch runs them for every group of sends, and
# building a statement costs several times executing it.
_MOVE_FROM = (
    update(enrollment)
    .where(
        enrollment.c.id.in_(bindparam("ids", expanding=True)),
        enrollment.c.stage == bindparam("expected"),
    )
    .values(stage=bindparam("target"), stage_changed_at=bindparam("at"))
    .returning(enrollment.c.id)
)
_INSERT_HISTORY = insert(stage_history)


def move_stages_if(
    conn: Connection,
    enrollment_ids: list[int],
    target: Stage,
    *,
    expected: Stage,
    cause: str,
    at: datetime,
) -> list[int]:
    """`move_stage_if(..., expected=...)` for many enrollments in two statements: those still at
    `expected` move to `target` (one history row each); returns the ids that moved."""
    if not enrollment_ids or expected == target:
        return []
    check_move(expected, target)
    moved = list(
        conn.execute(
            _MOVE_FROM,
            {
                "ids": sorted(set(enrollment_ids)),
                "expected": expected.value,
                "target": target.value,
                "at": at,
            },
        ).scalars()
    )
    if moved:
        conn.execute(
            _INSERT_HISTORY,
            [
                {
                    "enrollment_id": eid,
                    "from_stage": expected.value,
                    "to_stage": target.value,
                    "cause": cause,
                    "note": "",
                    "at": at,
                }
                for eid in moved
            ],
        )
    return moved


def stop_enrollment(conn: Connection, enrollment_id: int, *, reason: str) -> None:
    """Stop one enrollment's sequence: no further steps are planned for it."""
    conn.execute(
        update(enrollment)
        .where(enrollment.c.id == enrollment_id, enrollment.c.status.in_(("active", "paused")))
        .values(status="stopped", stop_reason=reason, next_due_at=None)
    )


def enrollments_for_address(conn: Connection, address: str) -> list[int]:
    """Every enrollment, in any campaign, of the influencer with this address (or managed by it)."""
    norm = address.strip().lower()
    rows = conn.execute(
        select(enrollment.c.id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(and_(influencer.c.email_norm == norm))
    ).scalars()
    return list(rows)


def stop_everywhere(
    conn: Connection, address: str, *, reason: str, stage: Stage, cause: str, at: datetime
) -> list[int]:
    """Opt-out / hard bounce / complaint: stop every enrollment for the address and move each
    to `stage` where that move is legal. Caller suppresses the address in the same transaction."""
    ids = enrollments_for_address(conn, address)
    for eid in ids:
        stop_enrollment(conn, eid, reason=reason)
        move_stage_if(conn, eid, stage, cause=cause, at=at, note=reason, check=False)
    return ids
