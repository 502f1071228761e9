"""A dispatch pass's reads of the queue follow the batch, not the queue (bench/claim.py times it).

SQLite plans these queries without statistics (nothing runs ANALYZE), as in production: each
test reads the plan SQLite chose for the SQL the claim and the reaper actually sent.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from outreach.domain.outbox import OutboxState
from outreach.store.schema import CLAIMABLE_STATES
from tests.support.dispatch import claim_and_reap
from tests.support.smtp import seed_outbox


def _plan(db_file: Path, statement: str, parameters: Any) -> str:
    with sqlite3.connect(db_file) as raw:
        return " | ".join(
            row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        )


def test_the_claimable_states_are_the_outbox_states_a_claim_takes() -> None:
    assert set(CLAIMABLE_STATES) == {OutboxState.QUEUED.value, OutboxState.RETRY.value}


def test_the_claim_reads_its_batch_in_index_order_without_sorting_the_queue(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    seed_outbox(sqlite_db, 60)
    rows, sent = claim_and_reap(sqlite_db, tmp_path, limit=5)
    assert len(rows) == 5
    [due_query] = [
        (s, p) for s, p in sent if "ORDER BY outbox.due_at" in s and "JOIN enrollment" in s
    ]
    plan = _plan(tmp_path / "outreach.db", *due_query)
    assert "ix_outbox_claimable" in plan
    assert "TEMP B-TREE" not in plan, plan  # no sort: it stops after the batch


def test_the_reaper_reads_only_the_rows_past_their_age(sqlite_db: Engine, tmp_path: Path) -> None:
    seed_outbox(sqlite_db, 60)
    _, sent = claim_and_reap(sqlite_db, tmp_path, limit=5)
    [expiry_query] = [(s, p) for s, p in sent if "outbox.expires_at <=" in s]
    plan = _plan(tmp_path / "outreach.db", *expiry_query)
    assert "ix_outbox_state_expires (state=? AND expires_at" in plan, plan
