"""The one-click unsubscribe endpoint (RFC 8058), served by the daemon behind a reverse proxy.

GET shows a confirmation page and never changes state (link scanners fetch every URL in a
message). POST, either `List-Unsubscribe=One-Click` from a mail client or the page's form,
suppresses the address, stops every sequence for it and moves it to `unsubscribed`; doing it
again changes nothing. Tokens are those `services.compose` puts in every message
(`domain.optout`: campaign and address signed with HMAC-SHA256, compared in constant time).
A Host header outside the allowlist is refused (DNS rebinding; RELIABILITY 6.7).
"""

from __future__ import annotations

import html
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from outreach.clock import Clock, SystemClock, naive_utc
from outreach.config import Config, secret
from outreach.domain.optout import verify_unsubscribe
from outreach.domain.stages import Stage
from outreach.errors import ConfigError
from outreach.store.queries.inbox import cancel_unsent
from outreach.store.queries.pipeline import stop_everywhere, suppress
from outreach.store.session import describe_unavailable, is_busy, is_unavailable, writing

log = logging.getLogger(__name__)
MAX_BODY = 4096  # a one-click POST body is 26 bytes; refuse anything large
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
    """Suppress the address everywhere and stop its sequences; True the first time only."""
    at = naive_utc(now)
    with writing(engine) as conn:
        added = suppress(
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
    The request runs in its own thread, and an opt-out the endpoint answered with an error may
    never be sent again. A failed try wrote nothing (its transaction rolled back)."""
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


def _handler(
    engine: Engine, key: str, hosts: frozenset[str], clock: Clock
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "outreach-unsubscribe"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:  # no tokens in logs
            log.debug("unsubscribe %s %s", self.command, args[1] if len(args) > 1 else "")

        def _send(self, code: int, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in {**HEADERS, **(extra or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _checked(self) -> tuple[str, str] | None:
            """(campaign, address) after the Host and token checks, else None (answered)."""
            host = (self.headers.get("Host") or "").strip().lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in hosts:
                self._send(421, _page("Misdirected", "<p>Unknown host.</p>"))
                return None
            query = parse_qs(urlsplit(self.path).query)
            token = (query.get("t") or [""])[0]
            if not token:
                self._send(400, _page("Bad request", "<p>This link is incomplete.</p>"))
                return None
            found = verify_unsubscribe(key, token)
            if found is None:
                self._send(403, _page("Invalid link", "<p>This unsubscribe link is not valid.</p>"))
                return None
            return found

        def do_GET(self) -> None:
            checked = self._checked()
            if checked is None:
                return
            address = checked[1]
            form = (
                f"<p>{html.escape(address)} への今後のご連絡を停止しますか？ / "
                "Stop all further email to this address?</p>"
                '<form method="post"><input type="hidden" name="confirm" value="yes">'
                '<button type="submit">配信停止 / Unsubscribe</button></form>'
            )
            self._send(200, _page("Unsubscribe", form))

        do_HEAD = do_GET

        def do_POST(self) -> None:
            checked = self._checked()
            if checked is None:
                return
            length_text = self.headers.get("Content-Length") or "0"
            length = int(length_text) if length_text.isdigit() else -1
            if not 0 <= length <= MAX_BODY:
                self._send(413, _page("Too large", "<p>Request too large.</p>"))
                return
            body = self.rfile.read(length).decode("utf-8", "replace")
            form = parse_qs(body)
            # RFC 8058 3.2: urlencoded or multipart/form-data; the token was checked already.
            one_click = "List-Unsubscribe" in body and "One-Click" in body
            if not (one_click or form.get("confirm") == ["yes"]):
                self._send(400, _page("Bad request", "<p>Nothing to do.</p>"))
                return
            campaign, address = checked
            try:
                unsubscribe_when_free(engine, address, campaign, clock.now())
            except SQLAlchemyError as exc:  # not recorded: say so, so the client or person retries
                why = describe_unavailable(exc) if is_unavailable(exc) else type(exc).__name__
                log.error("one-click unsubscribe (campaign %s) not recorded, answered 503: %s", campaign, why)
                self._send(503, _page("Try again", "<p>只今混み合っています。1分後にもう一度お試しください。 / "
                                      "We could not record this just now. Please try again in a minute.</p>"),
                           {"Retry-After": str(RETRY_AFTER_SECONDS)})
                return
            # RFC 8058: answer directly, never with a redirect.
            self._send(
                200, _page("Unsubscribed", "<p>配信を停止しました。 / You are unsubscribed.</p>")
            )

    return Handler


@dataclass
class ServerHandle:
    """A running endpoint: its bound address and a way to stop it."""

    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


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


def start_unsubscribe_server(
    engine: Engine, config: Config, clock: Clock | None = None
) -> ServerHandle:
    """Serve the endpoint on `unsubscribe.listen` in a background thread."""
    key = secret(config.unsubscribe.secret_env)
    if not key:
        raise ConfigError(
            f"environment variable {config.unsubscribe.secret_env} is not set",
            file=config.source,
            field="unsubscribe.secret_env",
            hint="set it to a long random string; the same value signs the links in sent mail",
        )
    handler = _handler(engine, key, allowed_hosts(config), clock or SystemClock())
    server = ThreadingHTTPServer(_listen(config), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="unsubscribe-http", daemon=True)
    thread.start()
    return ServerHandle(server, thread)
