"""The relationship pipeline: stages and the moves allowed between them."""

from __future__ import annotations

from enum import StrEnum

from outreach.errors import StageError


class Stage(StrEnum):
    PROSPECT = "prospect"
    CONTACTED = "contacted"
    NEGOTIATING = "negotiating"
    CONTRACTED = "contracted"
    POSTED = "posted"
    DECLINED = "declined"
    BOUNCED = "bounced"
    UNSUBSCRIBED = "unsubscribed"
    PAUSED = "paused"


S = Stage
# Forward moves along the pipeline plus the exits a real pipeline has. `declined` and `paused`
# can be re-opened by hand; bounced and unsubscribed are final (an opt-out is never undone by
# the tool) and reachable from every other stage: an address can bounce, and a person can
# object (特定電子メール法 3条3項, GDPR Art. 21), at any point of the relationship.
_FORWARD: dict[Stage, frozenset[Stage]] = {
    S.PROSPECT: frozenset({S.CONTACTED, S.PAUSED, S.DECLINED}),
    S.CONTACTED: frozenset({S.NEGOTIATING, S.DECLINED, S.PAUSED}),
    S.NEGOTIATING: frozenset({S.CONTRACTED, S.DECLINED, S.PAUSED}),
    S.CONTRACTED: frozenset({S.POSTED, S.DECLINED, S.PAUSED}),
    S.POSTED: frozenset({S.CONTRACTED}),  # a new deliverable under the same deal
    S.DECLINED: frozenset({S.NEGOTIATING}),
    S.PAUSED: frozenset({S.PROSPECT, S.CONTACTED, S.NEGOTIATING, S.CONTRACTED}),
}
FINAL = frozenset({S.BOUNCED, S.UNSUBSCRIBED})
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    **{stage: moves | FINAL for stage, moves in _FORWARD.items()},
    **{stage: frozenset() for stage in FINAL},
}

# Stages in which a sequence's pitch steps may still send.
SENDABLE = frozenset({S.PROSPECT, S.CONTACTED})

# Stages in which its deal phase (after_deal steps and the reminder) may send: a deal was
# accepted (only `outreach deal accept` opens the phase), before or after `move contracted`,
# and until every deliverable is posted. Declined, paused, bounced and unsubscribed stop it.
DEAL_SENDABLE = frozenset({S.NEGOTIATING, S.CONTRACTED, S.POSTED})


def legal_moves(current: Stage) -> list[Stage]:
    return sorted(TRANSITIONS[current], key=list(Stage).index)


def check_move(current: Stage, target: Stage) -> None:
    """Raise StageError naming the legal moves when current -> target is not allowed."""
    if target in TRANSITIONS[current]:
        return
    legal = ", ".join(legal_moves(current)) or "none: this stage is final"
    raise StageError(f"cannot move from {current} to {target}", hint=f"from {current}: {legal}")
