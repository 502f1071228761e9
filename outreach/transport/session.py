"""One SMTP connection once aiosmtplib has set it up (connect, STARTTLS, EHLO, AUTH): the mail
transactions on it are driven here, so that MAIL, RCPT and DATA can go out in one write when the
server offers PIPELINING (RFC 2920).

aiosmtplib reads exactly one reply per command it writes: a second reply that arrives in the same
segment stays in its buffer until more data comes, and one that arrives before the first has
been picked up is dropped. So after set-up the connection's transport is handed to `Replies`,
which parses every reply as it arrives and keeps them, in order, until they are read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

import aiosmtplib

MAX_LINE = 4096
"""Longest reply line accepted (RFC 5321 4.5.3.1.5 allows 512 octets; servers exceed it)."""


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(
            aiosmtplib.SMTPReadTimeoutError("timed out waiting for the server's reply")
        )


class Replies(asyncio.Protocol):
    """The replies of one connection, parsed as they arrive and read in order."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._lines: list[bytes] = []  # the lines so far of a multi-line reply
        self._ready: deque[aiosmtplib.SMTPResponse] = deque()
        self._error: aiosmtplib.SMTPException | None = None
        self._waiter: asyncio.Future[None] | None = None

    @property
    def failed(self) -> bool:
        return self._error is not None

    @property
    def unread(self) -> int:
        return len(self._ready)

    def data_received(self, data: bytes) -> None:
        if self._error is not None:
            return
        self._buffer += data
        start = 0
        while (end := self._buffer.find(b"\n", start)) != -1:
            self._line(bytes(self._buffer[start : end + 1]))
            start = end + 1
        del self._buffer[:start]
        if len(self._buffer) > MAX_LINE:
            self._fail(aiosmtplib.SMTPResponseException(500, "reply line too long"))
        self._wake()

    def _line(self, line: bytes) -> None:
        if self._error is not None:
            return
        if (
            len(line) > MAX_LINE
            or not line[:3].isdigit()
            or line[3:4] not in (b" ", b"-", b"\r", b"\n")
        ):
            text = line[:200].decode("utf-8", "replace").rstrip()
            self._fail(aiosmtplib.SMTPResponseException(500, f"malformed reply line: {text}"))
            return
        self._lines.append(line[4:].strip(b" \t\r\n"))
        if line[3:4] != b"-":
            text = b"\n".join(self._lines).decode("utf-8", "surrogateescape")
            self._ready.append(aiosmtplib.SMTPResponse(int(line[:3]), text))
            self._lines = []

    def eof_received(self) -> bool:
        self._fail(aiosmtplib.SMTPServerDisconnected("the server closed the connection"))
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        lost = aiosmtplib.SMTPServerDisconnected("connection lost" + (f": {exc}" if exc else ""))
        lost.__cause__ = exc
        self._fail(lost)

    def _fail(self, exc: aiosmtplib.SMTPException) -> None:
        if self._error is None:
            self._error = exc
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done() and (self._ready or self._error):
            self._waiter.set_result(None)

    async def read(self, timeout: float) -> aiosmtplib.SMTPResponse:
        """The next reply; replies that came before a disconnect are still read first."""
        if not self._ready:
            if self._error is not None:
                raise self._error
            loop = asyncio.get_running_loop()
            self._waiter = waiter = loop.create_future()
            timer = loop.call_later(timeout, _expire, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
            if not self._ready:
                assert self._error is not None
                raise self._error
        return self._ready.popleft()


class SmtpSession:
    """A connection ready for mail transactions: `write` commands, `read` their replies."""

    def __init__(self, smtp: aiosmtplib.SMTP) -> None:
        transport = smtp.transport
        if not isinstance(transport, asyncio.Transport) or transport.is_closing():
            raise aiosmtplib.SMTPServerDisconnected("connection lost during set-up")
        self.pipelining = smtp.supports_extension("pipelining")
        self._transport = transport
        self._replies = Replies()
        transport.set_protocol(self._replies)

    @property
    def usable(self) -> bool:
        """Open, and with nothing said that no command asked for (a 421 on idle timeout)."""
        return (
            not self._transport.is_closing()
            and not self._replies.failed
            and not self._replies.unread
        )

    def write(self, data: bytes) -> None:
        if self._transport.is_closing() or self._replies.failed:
            raise aiosmtplib.SMTPServerDisconnected("connection lost")
        self._transport.write(data)

    async def read(self, timeout: float) -> aiosmtplib.SMTPResponse:
        return await self._replies.read(timeout)

    async def command(self, line: bytes, timeout: float) -> aiosmtplib.SMTPResponse:
        self.write(line + b"\r\n")
        return await self.read(timeout)

    async def quit(self, timeout: float) -> None:
        """QUIT, best effort (the server may be gone), then close."""
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await self.command(b"QUIT", timeout)
        self.close()

    def close(self) -> None:
        self._transport.close()
