"""SMTP test servers (real aiosmtpd on 127.0.0.1, scriptable faults) and outbox seeding helpers."""

from __future__ import annotations

import asyncio
import email
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from sqlalchemy import Engine, insert, select

from outreach.config import Config
from outreach.domain.outbox import NewOutboxRow
from outreach.store.queries.outbox import queue_messages
from outreach.store.schema import campaign, enrollment, influencer, outbox, outbox_message
from outreach.transport.sink import CaptureSink, offer_pipelining
from tests.support.workspace import config_from
from tests.support.workspace import (
    toml_text as toml_text,  # re-exported: tests write config.toml with it
)

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 10:00 JST


@dataclass
class Script:
    """What the server answers. Lists are consumed one reply per command; None means accept."""

    mail: list[str | None] = field(default_factory=list)
    rcpt: Callable[[str], str | None] = lambda address: None
    data: list[str | None] = field(default_factory=list)  # reply after the final dot
    drop_at_rcpt: int = 0  # close the connection during RCPT this many times
    drop_after_dot: int = 0  # store the message, then close without replying, this many times
    hang_mail: float = 0.0  # seconds to stall before answering MAIL (once)
    dot_delay: float = 0.0  # seconds before the reply after the dot
    after_data: Callable[[int], None] | None = None  # called with the count stored, before the 250


class ScriptedHandler:
    """An aiosmtpd handler that records every complete message and injects scripted faults.

    It offers PIPELINING unless told not to (aiosmtpd reads pipelined commands in order but does
    not advertise it), so the client's pipelined and one-at-a-time dialogues both meet it."""

    def __init__(self, script: Script | None = None, *, pipelining: bool = True) -> None:
        self.script = script or Script()
        self.pipelining = pipelining
        self.received: list[bytes] = []
        self.commands: Counter[str] = Counter()
        self._lock = threading.Lock()

    def message_ids(self) -> list[str]:
        with self._lock:
            return [str(email.message_from_bytes(raw)["Message-ID"]) for raw in self.received]

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        if not self.pipelining:
            session.host_name = hostname
            return responses
        return offer_pipelining(session, hostname, responses)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.commands["MAIL"] += 1
        if self.script.hang_mail:
            delay, self.script.hang_mail = self.script.hang_mail, 0.0
            await asyncio.sleep(delay)
        reply = self.script.mail.pop(0) if self.script.mail else None
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.commands["RCPT"] += 1
        if self.script.drop_at_rcpt:
            self.script.drop_at_rcpt -= 1
            assert server.transport is not None
            server.transport.close()
            return "250 OK"
        reply = self.script.rcpt(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.commands["DATA"] += 1
        if self.script.drop_after_dot:
            self.script.drop_after_dot -= 1
            self._store(envelope)
            assert server.transport is not None
            server.transport.close()
            return "250 OK"
        if self.script.dot_delay:
            await asyncio.sleep(self.script.dot_delay)
        reply = self.script.data.pop(0) if self.script.data else None
        if reply:
            return reply
        self._store(envelope)
        if self.script.after_data is not None:
            self.script.after_data(len(self.received))
        return "250 2.0.0 OK"

    def _store(self, envelope: Envelope) -> None:
        with self._lock:
            self.received.append(bytes(envelope.original_content or b""))


def password_authenticator(user: str, password: str) -> Callable[..., AuthResult]:
    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == user.encode()
            and data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    return check


@pytest.fixture(params=["pipelined", "one_at_a_time"])
def smtp_server(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[CaptureSink, ScriptedHandler]]:
    """A plain scripted server on a free loopback port; tests edit `handler.script`. Every test
    runs against it with PIPELINING offered and without (the client's two dialogues)."""
    handler = ScriptedHandler(pipelining=request.param == "pipelined")
    with CaptureSink(tmp_path / "sink", handler=handler) as sink:
        yield sink, handler


def make_config(
    tmp_path: Path,
    port: int,
    *,
    db_url: str = "",
    smtp: dict[str, Any] | None = None,
    limits: dict[str, Any] | None = None,
    sending: dict[str, Any] | None = None,
) -> Config:
    data = config_data(
        port,
        db_url=db_url or f"sqlite:///{tmp_path / 'outreach.db'}",
        smtp=smtp,
        limits=limits,
        sending=sending,
    )
    return config_from(tmp_path, data)


def config_data(
    port: int,
    *,
    db_url: str,
    smtp: dict[str, Any] | None = None,
    limits: dict[str, Any] | None = None,
    sending: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "database": {"url": db_url},
        "sender": {
            "name": "PR",
            "organisation": "Sakura",
            "postal_address": "Tokyo",
            "enquiry_email": "pr@sakura.test",
        },
        "mailboxes": {
            "main": {
                "from_address": "pr@sakura.test",
                "smtp": {
                    "host": "127.0.0.1",
                    "port": port,
                    "security": "none",
                    "timeout": 2,
                    "data_timeout": 5,
                    **(smtp or {}),
                },
                "limits": {
                    "daily_cap": 100_000,
                    "min_gap_seconds": 0,
                    "jitter_seconds": 0,
                    **(limits or {}),
                },
            }
        },
        "sending": {
            "breaker_threshold": 3,
            "lease_seconds": 60,
            "retry": {
                "max_attempts": 5,
                "first_backoff_seconds": 60,
                "max_backoff_seconds": 600,
                "max_age_hours": 8,
            },
            **(sending or {}),
        },
    }


def raw_message(i: int, message_id: str, to: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "PR <pr@sakura.test>"
    msg["To"] = to
    msg["Subject"] = f"Pitch {i}"
    msg["Message-ID"] = message_id
    msg.set_content(f"Hello {i},\n.\nA line with a leading dot above.\n")
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def seed_outbox(
    engine: Engine,
    n: int,
    *,
    at: datetime = T0,
    mailbox: str = "main",
    start: int = 0,
    domains: int = 1,
) -> list[int]:
    """n influencers, one campaign, n enrollments and n queued outbox rows due at `at`.
    Returns the outbox ids."""
    naive = at.astimezone(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        camp = conn.execute(select(campaign.c.id).where(campaign.c.slug == "spring")).scalar()
        if camp is None:
            camp = conn.execute(
                insert(campaign).values(slug="spring", created_at=naive)
            ).inserted_primary_key[0]
        people = [
            {
                "name": f"Person {i}",
                "email": f"p{i}@d{i % domains}.test",
                "email_norm": f"p{i}@d{i % domains}.test",
                "platform": "instagram",
                "handle": f"h{i}",
                "tags": [],
                "custom": {},
                "created_at": naive,
                "updated_at": naive,
            }
            for i in range(start, start + n)
        ]
        conn.execute(insert(influencer), people)
        ids = dict(conn.execute(select(influencer.c.handle, influencer.c.id)).all())
        conn.execute(
            insert(enrollment),
            [
                {
                    "campaign_id": camp,
                    "influencer_id": ids[f"h{i}"],
                    "sequence": "standard",
                    "mailbox": mailbox,
                    "stage_changed_at": naive,
                    "created_at": naive,
                }
                for i in range(start, start + n)
            ],
        )
        eids = dict(conn.execute(select(enrollment.c.influencer_id, enrollment.c.id)).all())
        rows = []
        for i in range(start, start + n):
            address = f"p{i}@d{i % domains}.test"
            mid = f"<m{i}@sakura.test>"
            rows.append(
                NewOutboxRow(
                    enrollment_id=eids[ids[f"h{i}"]],
                    step=1,
                    mailbox=mailbox,
                    mail_from="pr@sakura.test",
                    rcpt_to=(address,),
                    email_norm=address,
                    message_id=mid,
                    subject=f"Pitch {i}",
                    raw=raw_message(i, mid, address),
                    due_at=naive,
                    created_at=naive,
                )
            )
        queue_messages(conn, rows)  # the planner's own insert: the row and its bytes
        return list(
            conn.execute(
                select(outbox.c.id)
                .where(outbox.c.message_id.in_([r.message_id for r in rows]))
                .order_by(outbox.c.id)
            ).scalars()
        )


def with_bytes() -> Any:
    """SELECT outbox rows with their message bytes (`raw`)."""
    return select(outbox, outbox_message.c.raw).join(
        outbox_message, outbox_message.c.outbox_id == outbox.c.id
    )


def outbox_states(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(conn.execute(select(outbox.c.state)).scalars())
