"""Compare-and-set stage moves, their history, and stopping every enrollment of an address."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from outreach.clock import naive_utc
from outreach.domain.address import normalise_address
from outreach.domain.enrollment import LIVE, EnrollmentStatus
from outreach.domain.funnel import FUNNEL_STAGES
from outreach.domain.stages import Stage, check_move
from outreach.store.queries import tally
from outreach.store.queries.enrollment import stop_enrollment, stop_one_enrollment
from outreach.store.schema import (
    enrollment,
    influencer,
    stage_history,
)

_MOVE = (
    update(enrollment)
    .where(enrollment.c.id == bindparam("_id"), enrollment.c.stage == bindparam("_expected"))
    .values(stage=bindparam("_to"), stage_changed_at=bindparam("_at"))
)


_HISTORY = insert(stage_history)


_PENDING_HISTORY = "outreach.inbox.pending_history"


def _counted(conn: Connection, enrollment_ids: Iterable[int], to: str) -> None:
    """Entering a stage the funnel counts (negotiating, contracted, bounced, ...) changes the
    report's counters."""
    if to in FUNNEL_STAGES:
        tally.touch(conn, enrollment_ids)


def _history(conn: Connection, row: dict[str, Any]) -> None:
    """A stage-history row: now, or with the batch when inside `history_batched`."""
    _counted(conn, [row["enrollment_id"]], row["to_stage"])
    pending = conn.info.get(_PENDING_HISTORY)
    if pending is None:
        conn.execute(_HISTORY, row)
    else:
        pending.append(row)


@contextmanager
def history_batched(conn: Connection) -> Iterator[None]:
    """Inside the caller's transaction: the history rows this module writes are inserted in one
    executemany when the block ends (nothing in a poll reads them back meanwhile)."""
    conn.info[_PENDING_HISTORY] = []
    try:
        yield
        rows = conn.info[_PENDING_HISTORY]
        if rows:
            conn.execute(_HISTORY, rows)
    finally:
        conn.info.pop(_PENDING_HISTORY, None)


_STOP_AND_MOVE = (
    update(enrollment)
    .where(
        enrollment.c.id == bindparam("_id"),
        enrollment.c.stage == bindparam("_expected"),
        enrollment.c.status.in_(LIVE),
    )
    .values(
        status=EnrollmentStatus.STOPPED,
        stop_reason=bindparam("_reason"),
        next_due_at=None,
        stage=bindparam("_to"),
        stage_changed_at=bindparam("_at"),
    )
)


def stop_and_move(
    conn: Connection,
    enrollment_id: int,
    *,
    reason: str,
    to: str,
    expected: str,
    cause: str,
    note: str,
    at: datetime,
) -> bool:
    """Stop a live enrollment and move its stage from `expected` in one statement (a reply's
    usual effect); False, with nothing written, when it is not live or not at `expected`."""
    at_n = naive_utc(at)
    done = conn.execute(
        _STOP_AND_MOVE,
        {"_id": enrollment_id, "_expected": expected, "_to": to, "_reason": reason, "_at": at_n},
    )
    if done.rowcount != 1:
        return False
    _history(
        conn,
        {
            "enrollment_id": enrollment_id,
            "from_stage": expected,
            "to_stage": to,
            "cause": cause,
            "note": note,
            "at": at_n,
        },
    )
    return True


def move_if(
    conn: Connection,
    enrollment_id: int,
    to: str,
    *,
    expected: str,
    cause: str,
    note: str,
    at: datetime,
) -> bool:
    """Move the stage when it is still `expected` (compare-and-set) and write its history row."""
    at_n = naive_utc(at)
    moved = conn.execute(
        _MOVE, {"_id": enrollment_id, "_expected": expected, "_to": to, "_at": at_n}
    )
    if moved.rowcount != 1:
        return False
    _history(
        conn,
        {
            "enrollment_id": enrollment_id,
            "from_stage": expected,
            "to_stage": to,
            "cause": cause,
            "note": note,
            "at": at_n,
        },
    )
    return True


def note_history(
    conn: Connection, enrollment_id: int, *, stage: str, cause: str, note: str, at: datetime
) -> None:
    """A history row that records an event without a stage move (from = to)."""
    _history(
        conn,
        {
            "enrollment_id": enrollment_id,
            "from_stage": stage,
            "to_stage": stage,
            "cause": cause,
            "note": note,
            "at": naive_utc(at),
        },
    )


_OF_ADDRESS = (
    select(enrollment.c.id, enrollment.c.stage)
    .join(influencer, influencer.c.id == enrollment.c.influencer_id)
    .where(influencer.c.email_norm == bindparam("_norm"))
)


def stop_everywhere_prebuilt(
    conn: Connection, address: str, *, reason: str, stage: str, cause: str, at: datetime
) -> list[int]:
    """`stop_everywhere` with statements built once: every enrollment of the
    influencer with this address stops and moves to `stage` (history written)."""
    rows = conn.execute(_OF_ADDRESS, {"_norm": normalise_address(address)}).all()
    for row in rows:
        if row.stage != stage and stop_and_move(
            conn,
            row.id,
            reason=reason,
            to=stage,
            expected=row.stage,
            cause=cause,
            note=reason,
            at=at,
        ):
            continue
        stop_one_enrollment(conn, row.id, reason=reason)
        if row.stage != stage:
            move_if(conn, row.id, stage, expected=row.stage, cause=cause, note=reason, at=at)
    return [int(row.id) for row in rows]


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
    _counted(conn, [enrollment_id], target.value)
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
        _counted(conn, moved, target.value)
    return moved


def enrollments_for_address(conn: Connection, address: str) -> list[int]:
    """Every enrollment, in any campaign, of the influencer with this address (or managed by it)."""
    norm = normalise_address(address)
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
