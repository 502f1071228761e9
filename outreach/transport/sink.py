"""A capture SMTP server on 127.0.0.1 that writes every accepted message to a Maildir.

Used by `outreach sink` (try a real config safely), the demo and the tests. It runs aiosmtpd in
its own thread, so it can be started from synchronous code or next to an asyncio loop alike.
"""

from __future__ import annotations

import mailbox
import socket
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

LOOPBACK = "127.0.0.1"


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def offer_pipelining(session: Session, hostname: str, responses: list[str]) -> list[str]:
    """An aiosmtpd `handle_EHLO` body that adds PIPELINING to the EHLO reply."""
    session.host_name = hostname  # (aiosmtpd leaves this to a handler with this hook)
    return [*responses[:-1], "250-PIPELINING", responses[-1]]


class MaildirHandler:
    """Accept every message and store it, byte for byte, in a Maildir (`new/`).

    Offers PIPELINING, as the relays a real config points at do: aiosmtpd answers pipelined
    commands in order but does not advertise the extension itself."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = mailbox.Maildir(maildir, create=True)
        self.accepted = 0

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        return offer_pipelining(session, hostname, responses)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.maildir.add(content)
        self.accepted += 1
        return "250 2.0.0 OK: captured"


class CaptureSink:
    """`with CaptureSink(path) as sink:` or `start()`/`stop()`; `port=0` picks a free port."""

    def __init__(
        self, maildir: Path, *, port: int = 0, handler: Any = None, **smtp_kwargs: Any
    ) -> None:
        self.maildir = Path(maildir)
        self.handler = handler if handler is not None else MaildirHandler(self.maildir)
        self._port = port
        self._smtp_kwargs = smtp_kwargs
        self._controller: Controller | None = None

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> CaptureSink:
        if self._port == 0:  # aiosmtpd's start-up self-check needs the real port up front
            self._port = free_loopback_port()
        controller = Controller(
            self.handler,
            hostname=LOOPBACK,
            port=self._port,
            server_hostname="localhost",
            **self._smtp_kwargs,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> CaptureSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
