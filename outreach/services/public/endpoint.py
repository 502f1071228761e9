"""The one-click unsubscribe endpoint (RFC 8058), served by the daemon behind a reverse proxy.

GET shows a confirmation page and never changes state (link scanners fetch every URL in a
message). POST, either `List-Unsubscribe=One-Click` from a mail client or the page's form,
suppresses the address, stops every sequence for it and moves it to `unsubscribed`; doing it
again changes nothing. Tokens are those `services.compose` puts in every message
(`domain.optout`: sealed, expiring). A Host header outside the allowlist is refused: a
page on another site could otherwise reach the endpoint by pointing its own name at 127.0.0.1
(DNS rebinding).

Served by an asyncio loop in its own thread, HTTP/1.1 parsed by h11, one request per
connection: the request head and body each have a deadline, the body a size cap, and the number
of open connections a cap at which the oldest connection still sending its request is dropped
for the new one, so slow clients cannot hold the endpoint. Database work runs in a small pool.

Longer than 400 lines on purpose: this is the only code reachable from the internet, and it is
reviewed as one file.
"""

from __future__ import annotations

import asyncio
import html
import logging
import resource
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import h11
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from outreach.clock import Clock, SystemClock, naive_utc, utc
from outreach.config import Config, unsubscribe_secret
from outreach.domain.optout import Expired, verify_unsubscribe
from outreach.domain.stages import Stage
from outreach.errors import ConfigError
from outreach.services.pipeline.links import Redirects, redirect_answer
from outreach.store.queries.outbox import cancel_unsent
from outreach.store.queries.stages import stop_everywhere
from outreach.store.queries.suppression import is_erased, suppress
from outreach.store.session import describe_unavailable, is_busy, is_unavailable, writing

log = logging.getLogger(__name__)
MAX_BODY = 4096  # a one-click POST body is 26 bytes; refuse anything large
MAX_HEAD = 8192  # request line and headers; a longer head gets 431
HEAD_TIMEOUT = 10.0  # seconds from accepting a connection to the end of its request head
BODY_TIMEOUT = 10.0  # seconds from the end of the head to the end of the body
WRITE_TIMEOUT = 10.0  # seconds for a client to take the answer
LINGER_SECONDS = 1.0  # after answering a request not read whole, so the client sees the answer
MAX_CONNECTIONS = 1024  # open at once; lowered to what the process's file limit allows
FD_RESERVE = 256  # file descriptors kept for the database, SMTP and logs
DB_THREADS = 4  # POSTs recorded at once; more wait their turn
BACKLOG = 511  # connections the kernel queues before the loop accepts them (as nginx)
BUSY_WAIT_SECONDS = 60.0  # how long a POST keeps trying while the database is locked or unavailable
RECONNECT_PAUSE_SECONDS = 1.0  # between its tries when the database refused or lost the connection
RETRY_AFTER_SECONDS = 60  # told to the client when it could not be recorded (503)
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def unsubscribe(engine: Engine, address: str, campaign: str, now: datetime) -> bool:
    """Suppress the address everywhere and stop its sequences; True the first time only.
    An erased address stays suppressed by its hash alone and is not written again."""
    at = naive_utc(now)
    with writing(engine) as conn:
        added = not is_erased(conn, address) and suppress(
            conn, address, reason="opt_out", source=f"one-click unsubscribe ({campaign})", at=at
        )
        ids = stop_everywhere(
            conn,
            address,
            reason="unsubscribed (one-click)",
            stage=Stage.UNSUBSCRIBED,
            cause="opt_out",
            at=at,
        )
        cancel_unsent(conn, ids, reason="unsubscribed (one-click)", at=at)
    return added


def unsubscribe_when_free(engine: Engine, address: str, campaign: str, now: datetime) -> bool:
    """`unsubscribe`, tried again for up to BUSY_WAIT_SECONDS while the database is unavailable:
    SQLite locked by another writer (a large import is one transaction), PostgreSQL restarting.
    It runs in the endpoint's database pool, and an opt-out the endpoint answered with an error
    may never be sent again. A failed try wrote nothing (its transaction rolled back)."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        try:
            return unsubscribe(engine, address, campaign, now)
        except OperationalError as exc:
            if not is_unavailable(exc) or time.monotonic() >= deadline:
                raise
            if not is_busy(exc):  # a busy try already waited SQLite's busy timeout
                time.sleep(RECONNECT_PAUSE_SECONDS)


def allowed_hosts(config: Config) -> frozenset[str]:
    public = urlsplit(config.unsubscribe.base_url).hostname or ""
    return LOOPBACK_HOSTS | {h.lower() for h in config.unsubscribe.allowed_hosts} | {public.lower()}


def _page(title: str, body: str) -> bytes:
    return (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
    ).encode()


def masked(address: str) -> str:
    """`t***@e***.jp`: enough to recognise one's address, not to learn someone else's."""
    local, _, domain = address.rpartition("@")
    host, dot, tld = domain.rpartition(".")
    return f"{local[:1]}***@{host[:1]}***{dot}{tld}" if host else f"{local[:1]}***@***"


Answer = tuple[int, bytes, dict[str, str]]
BAD_REQUEST: Answer = (400, _page("Bad request", "<p>Bad request.</p>"), {})
TIMED_OUT: Answer = (408, _page("Timeout", "<p>The request took too long.</p>"), {})
LENGTH_REQUIRED: Answer = (411, _page("Length required", "<p>Content-Length is required.</p>"), {})
TOO_LARGE: Answer = (413, _page("Too large", "<p>Request too large.</p>"), {})


class _TooLarge(Exception):
    pass


@dataclass(eq=False)
class _Client:
    """One open connection; `reading` while its request is still arriving."""

    task: asyncio.Task[None] | None
    reading: bool = True


@dataclass(eq=False)
class _Endpoint:
    engine: Engine
    key: str
    hosts: frozenset[str]
    clock: Clock
    mailto: str
    cap: int
    pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(DB_THREADS, thread_name_prefix="unsubscribe-db")
    )
    clients: dict[_Client, None] = field(default_factory=dict)  # in order of arrival
    server: asyncio.Server | None = None
    dropped: int = 0  # connections dropped at the cap (for the log and tests)
    redirects: Redirects | None = None  # tracking links: /r/<token>
    _cap_logged: float = 0.0

    async def start(self, sock: socket.socket) -> None:
        self.server = await asyncio.start_server(
            self.connection, sock=sock, limit=MAX_HEAD, backlog=BACKLOG
        )

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        tasks = [c.task for c in self.clients if c.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.redirects is not None:  # every click served is written before the end
            await asyncio.get_running_loop().run_in_executor(None, self.redirects.stop)
        self.pool.shutdown(wait=False)

    def _make_room(self) -> bool:
        """At the cap, drop the oldest connection still sending its request; False if none is."""
        oldest = next((c for c in self.clients if c.reading), None)
        if oldest is None:
            return False
        del self.clients[oldest]
        if oldest.task is not None:
            oldest.task.cancel()
        self.dropped += 1
        if time.monotonic() - self._cap_logged > 60:
            self._cap_logged = time.monotonic()
            log.warning(
                "unsubscribe endpoint: %d connections open (the cap); dropping the oldest"
                " unfinished requests for new ones",
                self.cap,
            )
        return True

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = _Client(asyncio.current_task())
        if len(self.clients) >= self.cap and not self._make_room():
            writer.transport.abort()
            return
        self.clients[client] = None
        try:
            await self._serve(client, reader, writer)
        except (asyncio.CancelledError, ConnectionError, TimeoutError):
            pass  # dropped at the cap, the server stopping, or the client gone
        except Exception:  # one connection's fault never stops the endpoint
            log.exception("unsubscribe endpoint: request failed")
        finally:
            self.clients.pop(client, None)
            if not writer.transport.is_closing():
                writer.transport.abort()

    async def _serve(
        self, client: _Client, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        h = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        method = ""
        answer: Answer | None = None
        whole = False  # the request was read to its end
        try:
            async with asyncio.timeout(HEAD_TIMEOUT):
                event = await _next_event(h, reader)
            if not isinstance(event, h11.Request):
                return  # closed before sending a request
            method = event.method.decode("ascii")
            answer = _framing(event)
            if answer is None:
                if h.they_are_waiting_for_100_continue:
                    writer.write(h.send(h11.InformationalResponse(status_code=100, headers=[])))
                async with asyncio.timeout(BODY_TIMEOUT):
                    body = await _read_body(h, reader)
                whole = True
                client.reading = False
                answer = await self._answer(method, event, body, _peer(writer))
        except TimeoutError:
            answer, whole = TIMED_OUT, True  # nothing more is read from a client this slow
        except h11.RemoteProtocolError as exc:
            status = exc.error_status_hint if 400 <= exc.error_status_hint < 600 else 400
            answer = (status, _page("Bad request", "<p>Bad request.</p>"), {})
        except _TooLarge:
            answer = TOO_LARGE
        await _reply(h, writer, reader, method, answer, linger=not whole)

    async def _answer(
        self, method: str, request: h11.Request, body: bytes, peer: str = ""
    ) -> Answer:
        headers = {name: value for name, value in request.headers}
        host = headers.get(b"host", b"").decode("ascii", "replace").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name not in self.hosts:
            return 421, _page("Misdirected", "<p>Unknown host.</p>"), {}
        path = urlsplit(request.target.decode("ascii", "replace")).path
        if path.startswith("/r/") and self.redirects is not None and method in ("GET", "HEAD"):
            return await redirect_answer(self.redirects, self.pool, method, path, headers, peer)
        if method not in ("GET", "HEAD", "POST"):
            return (
                405,
                _page("Not allowed", "<p>Method not allowed.</p>"),
                {"Allow": "GET, HEAD, POST"},
            )
        query = parse_qs(urlsplit(request.target.decode("ascii")).query, max_num_fields=8)
        token = (query.get("t") or [""])[0]
        if not token:
            return 400, _page("Bad request", "<p>This link is incomplete.</p>"), {}
        now = self.clock.now()
        found = verify_unsubscribe(self.key, token, today=utc(now).date())
        if found is None:
            return 403, _page("Invalid link", "<p>This unsubscribe link is not valid.</p>"), {}
        if isinstance(found, Expired):
            return 410, _page("Link expired", self._expired_text(found)), {}
        if method != "POST":
            form = (
                f"<p>{html.escape(masked(found.email))} への今後のご連絡を停止しますか？ / "
                "Stop all further email to this address?</p>"
                '<form method="post"><input type="hidden" name="confirm" value="yes">'
                '<button type="submit">配信停止 / Unsubscribe</button></form>'
            )
            return 200, _page("Unsubscribe", form), {}
        text = body.decode("utf-8", "replace")
        # RFC 8058 3.2: urlencoded or multipart/form-data; the token was checked already.
        one_click = "List-Unsubscribe" in text and "One-Click" in text
        if not (one_click or parse_qs(text, max_num_fields=8).get("confirm") == ["yes"]):
            return 400, _page("Bad request", "<p>Nothing to do.</p>"), {}
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                self.pool, unsubscribe_when_free, self.engine, found.email, found.campaign, now
            )
        except SQLAlchemyError as exc:  # not recorded: say so, so the client or person retries
            why = describe_unavailable(exc) if is_unavailable(exc) else type(exc).__name__
            log.error(
                "one-click unsubscribe (campaign %s) not recorded, answered 503: %s",
                found.campaign,
                why,
            )
            return (
                503,
                _page(
                    "Try again",
                    "<p>只今混み合っています。1分後にもう一度お試しください。 / "
                    "We could not record this just now. Please try again in a minute.</p>",
                ),
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        # RFC 8058: answer directly, never with a redirect.
        return 200, _page("Unsubscribed", "<p>配信を停止しました。 / You are unsubscribed.</p>"), {}

    def _expired_text(self, expired: Expired) -> str:
        where = (
            f' <a href="mailto:{html.escape(self.mailto)}?subject=unsubscribe">'
            f"{html.escape(self.mailto)}</a>"
            if self.mailto
            else ""
        )
        return (
            f"<p>このリンクの有効期限は {expired.expired_on.isoformat()} に切れました。"
            f"配信停止をご希望の場合は、メールに「配信停止」と返信してください。{where}</p>"
            f"<p>This link expired on {expired.expired_on.isoformat()}. To stop further email,"
            f" reply to the message with the word “unsubscribe”.{where}</p>"
        )


def _peer(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""


async def _next_event(h: h11.Connection, reader: asyncio.StreamReader) -> object:
    while True:
        event = h.next_event()
        if event is not h11.NEED_DATA:
            return event
        h.receive_data(await reader.read(4096))  # b"" at end of stream: h11 says what it means


def _framing(request: h11.Request) -> Answer | None:
    """411 or 413 from the request head alone (h11 refused a malformed Content-Length)."""
    headers = {name: value for name, value in request.headers}
    length = headers.get(b"content-length")
    if length is not None and int(length) > MAX_BODY:  # h11 allows at most 20 digits
        return TOO_LARGE
    if request.method == b"POST" and length is None and b"transfer-encoding" not in headers:
        return LENGTH_REQUIRED
    return None


async def _read_body(h: h11.Connection, reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        event = await _next_event(h, reader)
        if isinstance(event, h11.Data):
            size += len(event.data)
            if size > MAX_BODY:  # chunked bodies declare no length up front
                raise _TooLarge
            parts.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return b"".join(parts)
        else:
            raise h11.RemoteProtocolError("request body cut short", error_status_hint=400)


async def _reply(
    h: h11.Connection,
    writer: asyncio.StreamWriter,
    reader: asyncio.StreamReader,
    method: str,
    answer: Answer,
    *,
    linger: bool,
) -> None:
    if h.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
        return
    status, page, extra = answer
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(page))),
        ("Connection", "close"),
        *HEADERS.items(),
        *extra.items(),
    ]
    data = h.send(
        h11.Response(status_code=status, headers=headers, reason=HTTPStatus(status).phrase)
    )
    if method != "HEAD":
        data = (data or b"") + (h.send(h11.Data(data=page)) or b"")
    writer.write((data or b"") + (h.send(h11.EndOfMessage()) or b""))
    async with asyncio.timeout(WRITE_TIMEOUT):
        await writer.drain()
        if linger and writer.can_write_eof():
            # Closing with unread input makes the kernel send RST, which can destroy the answer
            # before the client reads it (RFC 9112 9.6): read a little for a moment first.
            writer.write_eof()
            try:
                async with asyncio.timeout(LINGER_SECONDS):
                    while len(await reader.read(MAX_HEAD)) > 0:
                        pass
            except TimeoutError:
                pass
    writer.close()


@dataclass
class ServerHandle:
    """A running endpoint: its bound address and a way to stop it."""

    endpoint: _Endpoint
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    sock: socket.socket

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.sock.getsockname()[:2]
        return str(host), int(port)

    @property
    def open_connections(self) -> int:
        return len(self.endpoint.clients)

    def stop(self) -> None:
        if not self.loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.endpoint.close(), self.loop).result(timeout=10)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.sock.close()


def _listen(config: Config) -> tuple[str, int]:
    host, _, port = config.unsubscribe.listen.rpartition(":")
    try:
        return host.strip("[]") or "127.0.0.1", int(port)
    except ValueError:
        raise ConfigError(
            f"not HOST:PORT: {config.unsubscribe.listen!r}",
            file=config.source,
            field="unsubscribe.listen",
        ) from None


def connection_cap() -> int:
    """MAX_CONNECTIONS, raising the soft file limit towards it when allowed, else what fits."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = MAX_CONNECTIONS * 2 + FD_RESERVE  # a proxy's socket may count too: stay well inside
    if soft != resource.RLIM_INFINITY and soft < want:
        target = want if hard == resource.RLIM_INFINITY else min(want, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, soft - FD_RESERVE))


def _serve_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.close()


def start_unsubscribe_server(
    engine: Engine, config: Config, clock: Clock | None = None
) -> ServerHandle:
    """Serve the endpoint on `unsubscribe.listen` from an event loop in a background thread."""
    key = unsubscribe_secret(config)  # ConfigError when too short
    if not key:
        raise ConfigError(
            f"environment variable {config.unsubscribe.secret_env} is not set",
            file=config.source,
            field="unsubscribe.secret_env",
            hint="set it to a long random string; the same value signs the links in sent mail",
        )
    host, port = _listen(config)
    sock = socket.create_server(
        (host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET, backlog=BACKLOG
    )
    endpoint = _Endpoint(
        engine,
        key,
        allowed_hosts(config),
        clock or SystemClock(),
        config.unsubscribe.mailto,
        connection_cap(),
    )
    endpoint.redirects = Redirects(engine, key, endpoint.clock)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=_serve_forever, args=(loop,), name="unsubscribe-http", daemon=True
    )
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(endpoint.start(sock), loop).result(timeout=10)
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        sock.close()
        raise
    return ServerHandle(endpoint, loop, thread, sock)
