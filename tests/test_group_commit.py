"""Dispatch's group commit: lanes on several connections share transactions, and every row
still gets its own stop check, fenced `sending` before the message, attempt log and stage move."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from outreach.clock import FixedClock
from outreach.services.send import dispatch
from outreach.services.send.dispatch import DispatchReport, dispatch_once
from outreach.store.queries.suppression import suppress
from outreach.store.schema import attempt, enrollment, outbox, stage_history
from outreach.store.session import writing
from outreach.transport.smtp import SmtpTransport
from tests.support.smtp import T0, make_config, outbox_states, seed_outbox, smtp_server

__all__ = ["smtp_server"]

ROWS = 12


def test_lanes_share_commits_and_a_late_opt_out_still_stops_its_row(
    db: Engine, tmp_path: Path, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lane waits at most GROUP_WAIT_SECONDS (5 ms) for the others before committing alone; on a
    # loaded machine a reply can take longer, which splits a round. Waiting longer here makes the
    # rounds depend on the lanes alone, so the count below is exact rather than timing-bound.
    monkeypatch.setattr(dispatch, "GROUP_WAIT_SECONDS", 2.0)
    sink, handler = smtp_server
    url = db.url.render_as_string(hide_password=False)
    config = make_config(tmp_path, sink.port, db_url=url, smtp={"connections": 4})
    ids = seed_outbox(db, ROWS)
    with db.connect() as conn:
        last = conn.execute(select(outbox.c.email_norm).where(outbox.c.id == ids[-1])).scalar_one()

    def opt_out_the_last(stored: int) -> None:
        # Another writer (the inbox, the unsubscribe endpoint) records the opt-out while the
        # first messages are answered; the last row's `sending` mark comes in a later commit.
        if stored == 1:
            with writing(db) as conn:
                suppress(conn, last, reason="unsubscribe", source="test", at=T0)

    handler.script.after_data = opt_out_the_last
    commits: list[int] = []
    event.listen(db, "commit", lambda conn: commits.append(1))

    async def go() -> DispatchReport:
        transport = SmtpTransport(config.mailboxes)
        try:
            return await dispatch_once(
                db, config, FixedClock(T0), transport, worker="w1", rng=random.Random(1)
            )
        finally:
            await transport.close()

    report = asyncio.run(go())
    assert report.sent == ROWS - 1
    assert outbox_states(db) == {"sent": ROWS - 1, "cancelled": 1}
    assert len(handler.received) == ROWS - 1 and handler.commands["DATA"] == ROWS - 1
    with db.connect() as conn:
        state, error = conn.execute(
            select(outbox.c.state, outbox.c.last_error).where(outbox.c.id == ids[-1])
        ).one()
        assert state == "cancelled" and "suppressed" in error
        assert sorted(conn.execute(select(attempt.c.outcome)).scalars()) == ["cancelled"] + [
            "sent"
        ] * (ROWS - 1)
        assert conn.execute(select(stage_history.c.cause)).scalars().all() == ["sent"] * (ROWS - 1)
        stages = conn.execute(select(enrollment.c.stage)).scalars().all()
        assert sorted(stages) == ["contacted"] * (ROWS - 1) + ["prospect"]
    # reap + claim + settle + at most one commit per round of 4 lanes (plus the tail), not 2 per row
    assert len(commits) <= 3 + ROWS // 2, len(commits)
