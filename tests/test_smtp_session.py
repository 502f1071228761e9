"""The SMTP dialogue on the wire: PIPELINING (RFC 2920), reply parsing, idle connections.

The servers here are small asyncio servers on 127.0.0.1 that script each byte they answer, so a
test can demand what aiosmtpd cannot: that MAIL, RCPT and DATA arrive before any reply, that
several replies share one segment, or that a server says 421 to an idle connection.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiosmtplib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from outreach.domain.outbox import Outcome
from outreach.domain.smtp_codes import Phase
from outreach.transport.session import Replies
from outreach.transport.smtp import MailboxPool, SendResult, frame_data
from tests.support.smtp import make_config

RAW = b"From: pr@sakura.test\r\nTo: a@x.test\r\nSubject: hi\r\n\r\nHello\r\n.leading dot\r\n"

Dialogue = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


class Wire:
    """What a scripted server saw: connections accepted and messages received."""

    def __init__(self) -> None:
        self.connections = 0
        self.messages: list[bytes] = []


@asynccontextmanager
async def server(dialogue: Dialogue) -> AsyncIterator[tuple[int, Wire]]:
    wire = Wire()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        wire.connections += 1
        try:
            await dialogue(reader, writer, wire.connections)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield srv.sockets[0].getsockname()[1], wire
    finally:
        srv.close()
        await srv.wait_closed()


async def greet(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, pipelining: bool = True
) -> None:
    writer.write(b"220 scripted ESMTP\r\n")
    line = await reader.readline()
    assert line.startswith(b"EHLO ")
    writer.write(
        b"250-scripted\r\n250-8BITMIME\r\n"
        + (b"250 PIPELINING\r\n" if pipelining else b"250 HELP\r\n")
    )
    await writer.drain()


async def envelope_in_one_go(reader: asyncio.StreamReader) -> list[bytes]:
    """Read MAIL, RCPT and DATA, failing if the client waits for a reply in between."""
    lines = [await reader.readline()]
    for _ in range(2):
        lines.append(await asyncio.wait_for(reader.readline(), 1.0))  # no reply has been sent yet
    return lines


async def message(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n.\r\n")


def pool(tmp_path: Path, port: int) -> MailboxPool:
    config = make_config(tmp_path, port, smtp={"timeout": 2, "data_timeout": 3})
    return MailboxPool("main", config.mailboxes["main"])


def send(p: MailboxPool, **kw: object) -> Awaitable[SendResult]:
    return p.send("pr@sakura.test", ["a@x.test"], RAW, **kw)  # type: ignore[arg-type]


def test_the_envelope_goes_out_in_one_write_and_the_connection_is_reused(tmp_path: Path) -> None:
    async def dialogue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await greet(reader, writer)
        while True:
            lines = await envelope_in_one_go(reader)
            assert [line.split(b":")[0].split()[0] for line in lines] == [b"MAIL", b"RCPT", b"DATA"]
            writer.write(
                b"250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n"
            )  # one segment, three replies
            wire.messages.append(await message(reader))
            writer.write(b"250 2.0.0 queued\r\n")

    async def go() -> list[SendResult]:
        nonlocal wire
        async with server(dialogue) as (port, wire):
            p = pool(tmp_path, port)
            results = [await send(p) for _ in range(3)]
            await p.close()
            return results

    wire = Wire()
    results = asyncio.run(go())
    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert wire.connections == 1 and len(wire.messages) == 3
    assert (
        wire.messages[0].startswith(b"From: pr@sakura.test")
        and b"\r\n..leading dot\r\n" in wire.messages[0]
    )


def test_without_pipelining_each_command_waits_for_its_reply(tmp_path: Path) -> None:
    async def dialogue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await greet(reader, writer, pipelining=False)
        for reply in (b"250 ok", b"250 ok", b"354 go"):
            await reader.readline()
            with pytest.raises(asyncio.TimeoutError):  # nothing more until this command is answered
                await asyncio.wait_for(reader.readline(), 0.2)
            writer.write(reply + b"\r\n")
        wire.messages.append(await message(reader))
        writer.write(b"250 queued\r\n")
        await reader.readline()

    async def go() -> SendResult:
        nonlocal wire
        async with server(dialogue) as (port, wire):
            p = pool(tmp_path, port)
            try:
                return await send(p)
            finally:
                await p.close()

    wire = Wire()
    assert asyncio.run(go()).outcome is Outcome.SENT and len(wire.messages) == 1


def test_a_421_then_hang_up_is_classified_by_the_reply_not_the_drop(tmp_path: Path) -> None:
    async def dialogue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await greet(reader, writer)
        await envelope_in_one_go(reader)
        writer.write(b"421 4.3.2 shutting down\r\n")
        await writer.drain()

    async def go() -> SendResult:
        async with server(dialogue) as (port, _):
            return await send(pool(tmp_path, port))

    result = asyncio.run(go())
    assert (result.outcome, result.phase, result.code, result.enhanced) == (
        Outcome.TRANSIENT,
        Phase.MAIL,
        421,
        "4.3.2",
    )


def test_a_refused_recipient_is_explained_and_the_connection_reset_for_the_next(
    tmp_path: Path,
) -> None:
    async def dialogue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await greet(reader, writer)
        await envelope_in_one_go(reader)
        writer.write(b"250 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n")
        assert await reader.readline() == b"RSET\r\n"
        writer.write(b"250 reset\r\n")
        await envelope_in_one_go(reader)
        writer.write(b"250 ok\r\n250 ok\r\n354 go\r\n")
        wire.messages.append(await message(reader))
        writer.write(b"250 queued\r\n")
        await reader.readline()

    async def go() -> list[SendResult]:
        nonlocal wire
        async with server(dialogue) as (port, wire):
            p = pool(tmp_path, port)
            results = [await send(p), await send(p)]
            await p.close()
            return results

    wire = Wire()
    bounced, sent = asyncio.run(go())
    assert (bounced.outcome, bounced.phase, bounced.enhanced) == (
        Outcome.HARD_BOUNCE,
        Phase.RCPT,
        "5.1.1",
    )
    assert sent.outcome is Outcome.SENT and wire.connections == 1 and len(wire.messages) == 1


def test_a_stop_after_354_hangs_up_before_any_byte_of_the_message(tmp_path: Path) -> None:
    seen: list[bytes] = []

    async def dialogue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await greet(reader, writer)
        await envelope_in_one_go(reader)
        writer.write(b"250 ok\r\n250 ok\r\n354 go\r\n")
        seen.append(await reader.read())  # until the client hangs up

    async def go() -> SendResult:
        async def stop() -> bool:
            return False

        async with server(dialogue) as (port, _):
            result = await send(pool(tmp_path, port), on_before_data=stop)
            await asyncio.sleep(0.1)
            return result

    result = asyncio.run(go())
    assert result.outcome is Outcome.CANCELLED and seen == [b""]


def test_an_idle_connection_the_server_gave_up_on_is_replaced_not_retried(tmp_path: Path) -> None:
    async def dialogue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await greet(reader, writer)
        await envelope_in_one_go(reader)
        writer.write(b"250 ok\r\n250 ok\r\n354 go\r\n")
        wire.messages.append(await message(reader))
        writer.write(b"250 queued\r\n")
        if n == 1:
            writer.write(b"421 4.4.2 idle timeout\r\n")  # unsolicited, then the server hangs up
            await writer.drain()
            return
        await reader.readline()

    async def go() -> list[SendResult]:
        nonlocal wire
        async with server(dialogue) as (port, wire):
            p = pool(tmp_path, port)
            first = await send(p)
            await asyncio.sleep(0.2)
            second = await send(p)
            await p.close()
            return [first, second]

    wire = Wire()
    assert [r.outcome for r in asyncio.run(go())] == [Outcome.SENT, Outcome.SENT]
    assert wire.connections == 2 and len(wire.messages) == 2


def test_replies_are_parsed_across_segments_and_kept_past_a_hang_up() -> None:
    async def go() -> None:
        replies = Replies()
        for chunk in (
            b"250-first line\r\n25",
            b"0 second line\r\n354 go",
            b" ahead\r\n",
            b"221 bye\r\n",
        ):
            replies.data_received(chunk)
        replies.eof_received()
        assert await replies.read(1) == (250, "first line\nsecond line")
        assert await replies.read(1) == (354, "go ahead")
        assert await replies.read(1) == (221, "bye")
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await replies.read(1)

    asyncio.run(go())


def test_a_malformed_or_missing_reply_fails_the_read() -> None:
    async def go() -> None:
        garbled = Replies()
        garbled.data_received(b"hello there\r\n")
        with pytest.raises(aiosmtplib.SMTPResponseException, match="malformed reply line"):
            await garbled.read(1)
        with pytest.raises(aiosmtplib.SMTPReadTimeoutError):
            await Replies().read(0.05)

    asyncio.run(go())


@given(
    st.lists(
        st.sampled_from([b".", b"..", b"a", b"\r\n", b"\n", b" ", b"\xe3\x81\x82"]), max_size=30
    ).map(b"".join)
)
def test_dot_stuffing_doubles_every_dot_that_opens_a_line(raw: bytes) -> None:
    """RFC 5321 4.5.2: a line starting with "." gets one more; what a server un-stuffs is the message."""
    framed = frame_data(raw)
    assert framed.endswith(b"\r\n.\r\n")
    body = framed[: -len(b".\r\n")]
    assert body == re.sub(rb"(?m)^\.", b"..", raw) + (b"" if raw.endswith(b"\r\n") else b"\r\n")
    unstuffed = b"\n".join(
        line[1:] if line.startswith(b".") else line for line in body.split(b"\n")
    )
    assert unstuffed.removesuffix(b"\r\n") == raw.removesuffix(b"\r\n")
