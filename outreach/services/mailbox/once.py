"""One message over a mailbox's own server and login, outside the outbox: a proof to the team,
the team digest. Never to an influencer: such mail has no outbox row, no retry and no
suppression check, so it is only for addresses the workspace itself configured."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from outreach.clock import SystemClock
from outreach.config import Config
from outreach.services.mailbox.oauth import token_sources
from outreach.transport.smtp import SendResult, SmtpTransport


async def send_once(
    config: Config, engine: Engine, mailbox: str, to: Sequence[str], raw: bytes
) -> SendResult:
    """One SMTP transaction from `mailbox`'s From address, envelope to `to` only; the pool is
    closed afterwards."""
    box = config.mailbox(mailbox)
    tokens = token_sources(engine, config, SystemClock()) if box.auth == "oauth2" else {}
    transport = SmtpTransport({mailbox: box}, {k: v for k, v in tokens.items() if k == mailbox})
    try:
        return await transport.pool(mailbox).send(box.from_address, list(to), raw)
    finally:
        await transport.close()
