"""Manual stage moves, the pipeline board and an influencer's history.

Moves go through `queries.pipeline.move_stage_if`, the same compare-and-set the inbox uses, so
a manual move and an automatic one never both apply; every move is a history row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from outreach.clock import Clock, naive_utc, utc
from outreach.config import Config
from outreach.domain.stages import FINAL, SENDABLE, Stage, check_move
from outreach.errors import InputError, StageError
from outreach.services.sequence.pause import PauseReport, resume_held
from outreach.store.queries.board import board_rows, enrollments_of, history_rows
from outreach.store.queries.deals import accepted_deal_id, count_posted
from outreach.store.queries.enrollment import stop_enrollment
from outreach.store.queries.outbox import cancel_unsent
from outreach.store.queries.pause import PAUSED_BY_HAND, held, pause_enrollments
from outreach.store.queries.roster import find_influencer
from outreach.store.queries.stages import move_stage_if, stop_everywhere
from outreach.store.queries.suppression import suppress
from outreach.store.session import reading, writing


def _influencer(conn: Any, key: str) -> tuple[int, str]:
    """(id, address) of the influencer an address, @handle or platform:handle names."""
    found = find_influencer(conn, key)
    if found is None or found.id is None:
        raise InputError(
            f"no influencer {key!r}",
            field="influencer",
            hint="give an address, @handle or platform:handle",
        )
    return int(found.id), found.email


def _stage(name: str) -> Stage:
    try:
        return Stage(name.lower())
    except ValueError:
        raise InputError(
            f"unknown stage {name!r}",
            field="stage",
            hint="one of: " + ", ".join(s.value for s in Stage),
        ) from None


@dataclass(frozen=True)
class Moved:
    campaign: str
    from_stage: str
    to_stage: str


def move(
    engine: Engine,
    clock: Clock,
    key: str,
    stage: str,
    *,
    campaign: str | None = None,
    note: str = "",
    config: Config | None = None,
    force: str | None = None,
) -> Moved:
    """Move one influencer's enrollment to `stage` by hand (cause `command`). Moving to
    `paused` pauses the sequence; moving back to a pitching stage resumes it (with `config`,
    which the resume time needs). `contracted` needs an accepted deal, or `force` (the reason)."""
    target = _stage(stage)
    with writing(engine) as conn:
        iid, email = _influencer(conn, key)
        rows = enrollments_of(conn, iid, campaign)
        if not rows:
            where = f" in campaign {campaign!r}" if campaign else ""
            raise InputError(f"{key} is not enrolled{where}", field="campaign")
        if len(rows) > 1:
            names = ", ".join(r["campaign"] for r in rows)
            raise InputError(
                f"{key} is in several campaigns ({names})", field="campaign", hint="add --campaign"
            )
        row = rows[0]
        current = Stage(row["stage"])
        if current == target:
            raise StageError(f"{key} is already {target} in {row['campaign']}")
        check_move(current, target)
        if target == Stage.CONTRACTED:
            note = _contract_note(conn, row["id"], key, note, force)
        elif target == Stage.POSTED:
            note = _posted_note(conn, row["id"], key, note, force)
        if not move_stage_if(
            conn,
            row["id"],
            target,
            cause="command",
            at=naive_utc(clock.now()),
            note=note,
            expected=current,
        ):
            raise StageError(f"{key} was moved by someone else meanwhile; try again")
        if target == Stage.PAUSED:
            pause_enrollments(conn, [row["id"]], reason=PAUSED_BY_HAND, at=clock.now())
        elif current == Stage.PAUSED and target in SENDABLE and config is not None:
            found = held(
                conn, reasons=[PAUSED_BY_HAND], influencer_id=iid, campaign_slug=row["campaign"]
            )
            resume_held(conn, config, found, clock.now(), PauseReport(), "command")
        else:
            _stop_for(conn, row["id"], email, target, at=naive_utc(clock.now()))
    return Moved(row["campaign"], current.value, target.value)


def _contract_note(conn: Any, enrollment_id: int, key: str, note: str, force: str | None) -> str:
    """The history note of a move to contracted: it names the accepted deal, or the reason the
    move was forced without one."""
    deal_id = accepted_deal_id(conn, enrollment_id)
    if deal_id is not None:
        return f"deal #{deal_id}" + (f"; {note}" if note else "")
    if not force:
        raise StageError(
            f"{key} has no accepted deal",
            hint=f"outreach deal accept {key}, or move with --force REASON",
        )
    return f"forced without an accepted deal: {force}" + (f"; {note}" if note else "")


def _posted_note(conn: Any, enrollment_id: int, key: str, note: str, force: str | None) -> str:
    """A move to posted by hand: every deliverable of the accepted deal has its post (`outreach
    post add` moves the person itself then), or `force` says why not."""
    deal_id = accepted_deal_id(conn, enrollment_id)
    done, total = count_posted(conn, deal_id) if deal_id is not None else (0, 0)
    if total and done == total:
        return f"deal #{deal_id}: {done} of {total} deliverable(s) posted" + (
            f"; {note}" if note else ""
        )
    if not force:
        what = (
            f"{done} of {total} deliverable(s) of deal #{deal_id} posted"
            if total
            else "no deliverables recorded"
        )
        raise StageError(
            f"{key} cannot be posted: {what}",
            hint=f"outreach post add {key} URL for each, or move with --force REASON",
        )
    return f"forced: {force}" + (f"; {note}" if note else "")


def _stop_for(conn: Any, enrollment_id: int, email: str, target: Stage, *, at: datetime) -> None:
    """Stop means stop (DESIGN invariant 2): past the pitching stages the sequence ends; an
    opt-out or bounce recorded by hand suppresses the address in every campaign."""
    if target in FINAL:
        reason = "opt_out" if target == Stage.UNSUBSCRIBED else "hard_bounce"
        suppress(conn, email, reason=reason, source="outreach move (by hand)", at=at)
        ids = stop_everywhere(
            conn, email, reason=f"{target} (by hand)", stage=target, cause="command", at=at
        )
    elif target not in SENDABLE:
        stop_enrollment(conn, enrollment_id, reason=f"{target} (by hand)")
        ids = [enrollment_id]
    else:
        return
    cancel_unsent(conn, ids, reason=f"{target} (by hand)", at=at)


@dataclass
class Board:
    """Counts per stage and the influencers in each, in pipeline order."""

    counts: dict[str, int]
    cards: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stale_days: int = 0


def board(engine: Engine, clock: Clock, stale_days: int, campaign: str | None = None) -> Board:
    now = clock.now()
    with reading(engine) as conn:
        rows = board_rows(conn, campaign)
    cards: dict[str, list[dict[str, Any]]] = {s.value: [] for s in Stage}
    for row in rows:
        days = (now - utc(row["stage_changed_at"])).days
        cards[row["stage"]].append({**row, "days": days, "stale": days > stale_days})
    return Board({s: len(c) for s, c in cards.items()}, cards, stale_days)


def history(engine: Engine, key: str) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        return history_rows(conn, _influencer(conn, key)[0])
