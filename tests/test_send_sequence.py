"""Plan -> dispatch -> on_sent -> plan -> dispatch: a two-step sequence over a real SMTP server."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from outreach.services.send import dispatch
from outreach.store.queries.outbox import unsettled_sends
from outreach.store.schema import enrollment, stage_history
from tests.support.sequence import TUE_0905, tick, two_enrolled
from tests.support.smtp import smtp_server

__all__ = ["smtp_server"]


def test_pitch_then_follow_up_in_the_same_thread(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    sink, handler = smtp_server
    config = two_enrolled(db, tmp_path, sink.port)

    assert tick(db, config, TUE_0905.astimezone(UTC)).sent == 2
    with db.connect() as conn:
        states = conn.execute(
            select(enrollment.c.stage, enrollment.c.next_step, enrollment.c.next_due_at)
        ).all()
    assert {(s.stage, s.next_step) for s in states} == {("contacted", 2)}
    follow_up_at = max(s.next_due_at for s in states).replace(tzinfo=UTC) + timedelta(seconds=1)

    assert tick(db, config, follow_up_at).sent == 2
    pitches, follow_ups = handler.received[:2], handler.received[2:]
    first_ids = {str(email.message_from_bytes(raw)["Message-ID"]) for raw in pitches}
    assert {str(email.message_from_bytes(raw)["In-Reply-To"]) for raw in follow_ups} == first_ids
    with db.connect() as conn:
        assert set(conn.execute(select(enrollment.c.status)).scalars()) == {"completed"}
    assert tick(db, config, follow_up_at + timedelta(days=7)).claimed == 0


def test_a_pass_cut_short_before_settling_is_settled_by_the_next_pass_once(
    db: Engine, tmp_path: Path, smtp_server: Any, monkeypatch: Any
) -> None:
    """Accepted sends are settled (contacted, next step scheduled) at the end of their pass; a
    pass that never gets there leaves them to the next pass of any worker, settled once."""
    sink, handler = smtp_server
    config = two_enrolled(db, tmp_path, sink.port)

    calls: list[int] = []
    real_settle = dispatch.settle

    def settle_dies_at_the_end_of_the_pass(
        conn: Any, sent: Any, on_sent: Any, now: datetime
    ) -> None:
        calls.append(len(sent))
        if len(calls) == 2:  # the first call is the pass's start (nothing to recover)
            raise RuntimeError("worker died before settling")
        real_settle(conn, sent, on_sent, now)

    monkeypatch.setattr(dispatch, "settle", settle_dies_at_the_end_of_the_pass)
    with pytest.raises(RuntimeError, match="before settling"):
        tick(db, config, TUE_0905.astimezone(UTC))
    monkeypatch.setattr(dispatch, "settle", real_settle)
    assert len(handler.received) == 2
    with db.connect() as conn:
        states = conn.execute(
            select(enrollment.c.stage, enrollment.c.next_step, enrollment.c.next_due_at)
        ).all()
        assert {(s.stage, s.next_step, s.next_due_at) for s in states} == {("prospect", 1, None)}
        assert len(unsettled_sends(conn)) == 2

    later = TUE_0905.astimezone(UTC) + timedelta(minutes=1)
    for _ in range(2):  # the next pass recovers; a second one finds nothing left
        report = tick(db, config, later)
        assert report.claimed == 0
    assert len(handler.received) == 2  # nothing sent twice
    with db.connect() as conn:
        states = conn.execute(
            select(enrollment.c.stage, enrollment.c.next_step, enrollment.c.next_due_at)
        ).all()
        assert {(s.stage, s.next_step) for s in states} == {("contacted", 2)}
        assert all(s.next_due_at is not None for s in states)
        assert conn.execute(select(stage_history.c.cause)).scalars().all() == ["sent", "sent"]
        assert unsettled_sends(conn) == []
