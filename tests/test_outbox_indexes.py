"""A dispatch pass's reads of the queue follow the batch, not the queue (bench/claim.py times it).

SQLite plans these queries without statistics (nothing runs ANALYZE), as in production: each
test reads the plan SQLite chose for the SQL the claim and the reaper actually sent.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, update

from outreach.domain.outbox import OutboxState
from outreach.domain.sending_day import sending_day
from outreach.store.queries import mailbox as mailbox_q
from outreach.store.queries import outbox as q
from outreach.store.schema import CLAIMABLE_STATES, outbox
from outreach.store.session import write_on
from tests.support.smtp import T0, make_config, seed_outbox


def _claim_and_reap(
    engine: Engine, tmp_path: Path, limit: int
) -> tuple[list[q.Claimed], list[tuple[str, Any]]]:
    """Reap, then claim `limit` rows of mailbox main, as a dispatch pass starts; returns the
    claimed rows and every SELECT sent (statement, parameters)."""
    config = make_config(tmp_path, 2525, db_url=str(engine.url))
    sent: list[tuple[str, Any]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if statement.lstrip().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn, write_on(conn):
            mailbox_q.ensure_mailboxes(conn, config.mailboxes)
            q.reap(conn, T0, sending_day(config, T0))
            limits = {"main": mailbox_q.MailboxLimits(10**6, 0, 0, sending_day(config, T0))}
            rows = q.claim(
                conn,
                worker="w1",
                now=T0,
                lease_seconds=300,
                limits=limits,
                limit=limit,
                rng=random.Random(1),
            )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return rows, sent


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
    rows, sent = _claim_and_reap(sqlite_db, tmp_path, limit=5)
    assert len(rows) == 5
    [due_query] = [
        (s, p) for s, p in sent if "ORDER BY outbox.due_at" in s and "JOIN enrollment" in s
    ]
    plan = _plan(tmp_path / "outreach.db", *due_query)
    assert "ix_outbox_claimable" in plan
    assert "TEMP B-TREE" not in plan, plan  # no sort: it stops after the batch


def test_the_reaper_reads_only_the_rows_past_their_age(sqlite_db: Engine, tmp_path: Path) -> None:
    seed_outbox(sqlite_db, 60)
    _, sent = _claim_and_reap(sqlite_db, tmp_path, limit=5)
    [expiry_query] = [(s, p) for s, p in sent if "outbox.expires_at <=" in s]
    plan = _plan(tmp_path / "outreach.db", *expiry_query)
    assert "ix_outbox_state_expires (state=? AND expires_at" in plan, plan


def test_the_claim_takes_the_oldest_due_rows_of_both_states_in_order(
    db: Engine, tmp_path: Path
) -> None:
    """Queued and retry rows interleave by due time; ties go by id; rows not due yet and rows
    of another mailbox wait. The same on both databases (the index is partial on both)."""
    ids = seed_outbox(db, 8)
    other = seed_outbox(db, 2, mailbox="second", start=100)
    due = {
        ids[0]: 50,
        ids[1]: 10,
        ids[2]: 30,
        ids[3]: 10,
        ids[4]: 20,
        ids[5]: -5,
        ids[6]: 40,
        ids[7]: 60,
    }
    with db.begin() as conn:
        for outbox_id, minutes_ago in due.items():
            state = (
                OutboxState.RETRY.value
                if outbox_id in (ids[2], ids[3], ids[7])
                else OutboxState.QUEUED.value
            )
            conn.execute(
                update(outbox)
                .where(outbox.c.id == outbox_id)
                .values(
                    state=state, due_at=(T0 - timedelta(minutes=minutes_ago)).replace(tzinfo=None)
                )
            )
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(other))
            .values(due_at=(T0 - timedelta(days=1)).replace(tzinfo=None))
        )
    rows, _ = _claim_and_reap(db, tmp_path, limit=6)
    assert [r.id for r in rows] == [ids[7], ids[0], ids[6], ids[2], ids[4], ids[1]]
    rest, _ = _claim_and_reap(db, tmp_path, limit=6)
    assert [r.id for r in rest] == [ids[3]]  # ids[5] is due in 5 minutes
