"""The pipeline state machine: forward moves, exits, final stages, and the refusal message."""

from __future__ import annotations

from itertools import pairwise

import pytest

from outreach.domain.stages import FINAL, TRANSITIONS, Stage, check_move, legal_moves
from outreach.errors import StageError


def test_the_pipeline_moves_forward_one_stage_at_a_time() -> None:
    path = ["prospect", "contacted", "negotiating", "contracted", "posted"]
    for here, there in pairwise(path):
        check_move(Stage(here), Stage(there))
    with pytest.raises(StageError):
        check_move(Stage.CONTACTED, Stage.CONTRACTED)


@pytest.mark.parametrize("stage", [s for s in Stage if s not in FINAL])
def test_bounce_and_opt_out_are_reachable_from_every_other_stage(stage: Stage) -> None:
    assert TRANSITIONS[stage] >= FINAL


@pytest.mark.parametrize("stage", sorted(FINAL))
def test_bounced_and_unsubscribed_are_final(stage: Stage) -> None:
    assert legal_moves(stage) == []
    with pytest.raises(StageError, match="none: this stage is final"):
        check_move(stage, Stage.CONTACTED)


def test_an_illegal_move_names_the_legal_ones_in_pipeline_order() -> None:
    with pytest.raises(StageError) as err:
        check_move(Stage.POSTED, Stage.PROSPECT)
    assert str(err.value) == (
        "cannot move from posted to prospect (from posted: contracted, bounced, unsubscribed)"
    )


def test_declined_and_paused_can_be_reopened() -> None:
    check_move(Stage.DECLINED, Stage.NEGOTIATING)
    check_move(Stage.PAUSED, Stage.CONTACTED)
