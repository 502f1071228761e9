"""One dispatch pass through the real SMTP transport, the claim it starts with (and the SQL it
sends), and reading an outbox row back."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from outreach.clock import FixedClock
from outreach.config import Config
from outreach.domain.sending_day import sending_day
from outreach.services.send.dispatch import DispatchReport, dispatch_once
from outreach.store.queries import mailbox as mailbox_q
from outreach.store.queries import outbox as q
from outreach.store.schema import outbox
from outreach.store.session import write_on
from outreach.transport.smtp import SmtpTransport
from tests.support.smtp import T0, make_config, with_bytes


def run_pass(engine: Engine, config: Config, clock: FixedClock, **kw: Any) -> DispatchReport:
    async def go() -> DispatchReport:
        transport = SmtpTransport(config.mailboxes)
        try:
            return await dispatch_once(
                engine, config, clock, transport, worker="w1", rng=random.Random(1), **kw
            )
        finally:
            await transport.close()

    return asyncio.run(go())


def row(engine: Engine, outbox_id: int) -> Any:
    """The outbox row with its message bytes (`raw`)."""
    with engine.connect() as conn:
        return conn.execute(with_bytes().where(outbox.c.id == outbox_id)).one()


def claim_and_reap(
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
