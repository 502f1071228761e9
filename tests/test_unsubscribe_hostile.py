"""The one-click endpoint against hostile clients, over real sockets on 127.0.0.1 with real
SQLite and PostgreSQL: bad Content-Length, slow and stalled clients, a connection flood, and
tokens that are short-keyed, expired, of the earlier format or replayed after `forget`."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from outreach.clock import FixedClock, SystemClock
from outreach.domain.optout import sign_unsubscribe
from outreach.errors import ConfigError
from outreach.render.compose import Composer
from outreach.services.public import endpoint as unsubscribe
from outreach.services.public.endpoint import ServerHandle, start_unsubscribe_server
from outreach.services.roster.importer import forget_address
from outreach.store.queries.suppression import email_hash, is_suppressed
from outreach.store.schema import suppression
from outreach.store.session import make_engine, reading
from tests.support.inbox import T0, enrol, make_config
from tests.support.net import free_port
from tests.support.unsubscribe import KEY, ONE_CLICK, request, state

SLOW_CLIENTS = 500


@pytest.fixture
def start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[list[ServerHandle], object]]:
    """start(engine) -> a running endpoint on a free port, stopped at the end of the test."""
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", KEY)
    handles: list[ServerHandle] = []

    def run(engine: Engine, clock: object = None) -> ServerHandle:
        config = make_config(
            tmp_path,
            {"source": "none"},
            unsubscribe={"listen": f"127.0.0.1:{free_port()}", "mailto": "optout@brand.example"},
        )
        handle = start_unsubscribe_server(engine, config, clock or FixedClock(T0))  # type: ignore[arg-type]
        handles.append(handle)
        return handle

    yield handles, run
    for handle in handles:
        handle.stop()


def _raw(handle: ServerHandle, data: bytes, timeout: float = 5.0) -> bytes:
    """Send `data`, half-close, and read until the server closes: the whole answer."""
    with socket.create_connection(handle.address, timeout=timeout) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def _post_head(token: str, extra: bytes) -> bytes:
    return f"POST /unsubscribe?t={token} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() + extra


# --- Content-Length ------------------------------------------------------------------------

BAD_LENGTHS = [
    (None, 411),  # missing on a POST
    (b"-1", 400),
    (b"\xc2\xb2", 400),  # U+00B2 SUPERSCRIPT TWO: str.isdigit() is True, int() refuses it
    (b"9" * 5000, 400),  # past int()'s 4300-digit limit
    (b"26abc", 400),
    (b"0x1a", 400),
    (b"26, 27", 400),  # two different lengths
    (b"4097", 413),  # larger than the body cap
    (b"99999999999999999999", 413),  # 20 digits
]


@pytest.mark.parametrize(("length", "status"), BAD_LENGTHS, ids=lambda v: repr(v)[:16])
def test_a_bad_content_length_gets_a_clean_4xx(
    sqlite_db: Engine, start: tuple[list[ServerHandle], object], length: bytes | None, status: int
) -> None:
    db = sqlite_db
    handle = start[1](db)  # type: ignore[operator]
    enrol(db, "taro@example.jp", message_id="<p1@brand.example>")
    token = sign_unsubscribe(KEY, campaign="spring", email="taro@example.jp")
    before = state(db)
    header = b"" if length is None else b"Content-Length: " + length + b"\r\n"
    answer = _raw(handle, _post_head(token, header + b"\r\n" + ONE_CLICK.encode()))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
    assert b"Connection: close" in head and body.startswith(b"<!doctype html>")
    assert b"Traceback" not in answer
    assert state(db) == before


def test_a_chunked_body_over_the_cap_gets_413_and_a_small_one_is_honoured(
    sqlite_db: Engine, start: tuple[list[ServerHandle], object]
) -> None:
    handle = start[1](sqlite_db)  # type: ignore[operator]
    enrol(sqlite_db, "taro@example.jp", message_id="<p1@brand.example>")
    token = sign_unsubscribe(KEY, campaign="spring", email="taro@example.jp")
    big = b"%x\r\n%s\r\n0\r\n\r\n" % (8192, b"a" * 8192)
    answer = _raw(handle, _post_head(token, b"Transfer-Encoding: chunked\r\n\r\n" + big))
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert not _suppressed(sqlite_db, "taro@example.jp")
    body = ONE_CLICK.encode()
    small = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    answer = _raw(handle, _post_head(token, b"Transfer-Encoding: chunked\r\n\r\n" + small))
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert _suppressed(sqlite_db, "taro@example.jp")


def test_an_oversized_head_gets_431_and_garbage_gets_400(
    sqlite_db: Engine, start: tuple[list[ServerHandle], object]
) -> None:
    handle = start[1](sqlite_db)  # type: ignore[operator]
    token = sign_unsubscribe(KEY, campaign="spring", email="taro@example.jp")
    answer = _raw(handle, _post_head(token, b"X-Pad: " + b"a" * 20_000 + b"\r\n\r\n"))
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert _raw(handle, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64).startswith(
        b"HTTP/1.1 400 "
    )
    assert _raw(
        handle,
        f"PUT /u?t={token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n".encode(),
    ).startswith(b"HTTP/1.1 405 ")


# --- Deadlines -----------------------------------------------------------------------------


def test_a_stalled_post_body_is_answered_408_and_dropped_at_the_deadline(
    sqlite_db: Engine, start: tuple[list[ServerHandle], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unsubscribe, "BODY_TIMEOUT", 1.0)
    handle = start[1](sqlite_db)  # type: ignore[operator]
    enrol(sqlite_db, "taro@example.jp", message_id="<p1@brand.example>")
    token = sign_unsubscribe(KEY, campaign="spring", email="taro@example.jp")
    with socket.create_connection(handle.address, timeout=10) as s:
        s.sendall(_post_head(token, b"Content-Length: 26\r\n\r\nList-Unsub"))  # and no more
        began = time.monotonic()
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        held = time.monotonic() - began
    assert out.startswith(b"HTTP/1.1 408 ")
    assert 0.9 <= held < 3.0, held
    assert handle.open_connections == 0
    assert not _suppressed(sqlite_db, "taro@example.jp")


def test_a_head_trickled_a_byte_at_a_time_is_dropped_at_the_deadline(
    sqlite_db: Engine, start: tuple[list[ServerHandle], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unsubscribe, "HEAD_TIMEOUT", 1.0)
    handle = start[1](sqlite_db)  # type: ignore[operator]
    with socket.create_connection(handle.address, timeout=5) as s:
        s.sendall(b"GET /unsubscribe?t=x HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.settimeout(0.1)
        began = time.monotonic()
        closed_after = None
        while time.monotonic() - began < 4:  # a header byte every 100 ms: never a whole head
            try:
                s.sendall(b"X")
                s.recv(65536)  # the 408, or the end; a reset when our bytes crossed the close
            except TimeoutError:
                continue
            except OSError:
                pass
            closed_after = time.monotonic() - began
            break
    assert closed_after is not None and 0.9 <= closed_after < 3.0, closed_after
    assert _wait_for(lambda: handle.open_connections == 0, 1)


# --- Load: slow connections ---------------------------------------------------------------


class SlowClients:
    """N connections that each sent half a request head and add a header line every 0.5 s."""

    def __init__(self, address: tuple[str, int], count: int) -> None:
        self.socks: list[socket.socket] = []
        for i in range(count):
            s = socket.create_connection(address, timeout=5)
            s.sendall(
                b"POST /unsubscribe?t=slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-%d: 1\r\n" % i
            )
            self.socks.append(s)
        self.stop = threading.Event()
        self.closed_by_server = 0
        self.thread = threading.Thread(target=self._trickle, name="slowloris", daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        deadline = time.monotonic() + 30  # bounded even if the test forgets to stop it
        live = list(self.socks)
        while live and not self.stop.wait(0.5) and time.monotonic() < deadline:
            still = []
            for s in live:
                try:
                    s.sendall(b"X-More: 1\r\n")
                    still.append(s)
                except OSError:
                    self.closed_by_server += 1
            live = still

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for s in self.socks:
            s.close()


def _wait_for(condition: object, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return bool(condition())  # type: ignore[operator]


def test_500_slow_connections_do_not_delay_a_one_click_post_and_are_dropped_at_the_deadline(
    db: Engine,
    start: tuple[list[ServerHandle], object],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(unsubscribe, "HEAD_TIMEOUT", 3.0)
    handle = start[1](db)  # type: ignore[operator]
    people = [f"p{i}@example.jp" for i in range(10)]
    for i, address in enumerate(people):
        enrol(db, address, message_id=f"<m{i}@brand.example>")
    tokens = [sign_unsubscribe(KEY, campaign="spring", email=a) for a in people]
    slow = SlowClients(handle.address, SLOW_CLIENTS)
    try:
        assert _wait_for(lambda: handle.open_connections >= SLOW_CLIENTS, 5)
        latencies = []
        for token in tokens:
            began = time.monotonic()
            status, text, _ = request(handle, "POST", token, ONE_CLICK)
            latencies.append(time.monotonic() - began)
            assert status == 200 and "unsubscribed" in text
        held = handle.open_connections
        assert held >= SLOW_CLIENTS  # the slow ones were still open during every POST
        assert max(latencies) < 1.0, latencies
        assert all(_suppressed(db, a) for a in people)
        # At the head deadline the server answers 408 and closes every one of them.
        assert _wait_for(lambda: handle.open_connections == 0, 3.0 + 3.0)
        assert _wait_for(lambda: slow.closed_by_server == SLOW_CLIENTS, 3.0)
    finally:
        slow.close()
    with capsys.disabled():
        print(
            f"\n[{db.dialect.name}] {SLOW_CLIENTS} slow connections held: one-click POST latency"
            f" median {statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
            f" over {len(latencies)} POSTs; all slow ones dropped at the 3 s head deadline"
        )


def test_at_the_connection_cap_the_oldest_unfinished_request_makes_room(
    sqlite_db: Engine, start: tuple[list[ServerHandle], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unsubscribe, "MAX_CONNECTIONS", 50)
    handle = start[1](sqlite_db)  # type: ignore[operator]
    enrol(sqlite_db, "taro@example.jp", message_id="<p1@brand.example>")
    slow = SlowClients(handle.address, 50)
    try:
        assert _wait_for(lambda: handle.open_connections == 50, 5)
        began = time.monotonic()
        status, _, _ = request(
            handle,
            "POST",
            sign_unsubscribe(KEY, campaign="spring", email="taro@example.jp"),
            ONE_CLICK,
        )
        assert status == 200 and time.monotonic() - began < 1.0
        assert handle.open_connections <= 50 and handle.endpoint.dropped == 1
        slow.socks[0].settimeout(2)
        # the oldest was the one dropped: its end, or a reset where bytes crossed the abort
        with contextlib.suppress(ConnectionResetError):
            assert slow.socks[0].recv(1) == b""
        slow.socks[-1].settimeout(0.2)
        with pytest.raises(TimeoutError):
            slow.socks[-1].recv(1)  # the newest is still being waited for
    finally:
        slow.close()
    assert _suppressed(sqlite_db, "taro@example.jp")


# --- Tokens --------------------------------------------------------------------------------


def test_a_short_secret_is_refused_at_start_naming_the_variable(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(
        tmp_path, {"source": "none"}, unsubscribe={"listen": f"127.0.0.1:{free_port()}"}
    )
    for short in ("abc", "x" * 31, "é" * 15):  # 3, 31 and 30 bytes
        monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", short)
        with pytest.raises(
            ConfigError, match=r"OUTREACH_UNSUBSCRIBE_SECRET is \d+ bytes long; at least 32"
        ):
            start_unsubscribe_server(sqlite_db, config)
        with pytest.raises(ConfigError, match="OUTREACH_UNSUBSCRIBE_SECRET"):
            Composer(config)  # nor is mail signed with it
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", "x" * 32)
    start_unsubscribe_server(sqlite_db, config).stop()


def test_the_page_and_the_link_do_not_show_the_address(
    sqlite_db: Engine, start: tuple[list[ServerHandle], object]
) -> None:
    handle = start[1](sqlite_db, SystemClock())  # type: ignore[operator]
    token = sign_unsubscribe(KEY, campaign="spring", email="hanako.yamada@yamada-family.jp")
    status, text, _ = request(handle, "GET", token)
    assert (
        status == 200 and "h***@y***.jp" in text and "hanako" not in text and "yamada" not in text
    )
    decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"hanako" not in decoded and "hanako" not in token


def test_an_expired_link_gets_410_and_says_how_to_opt_out_and_changes_nothing(
    sqlite_db: Engine, start: tuple[list[ServerHandle], object]
) -> None:
    handle = start[1](sqlite_db)  # type: ignore[operator]
    enrol(sqlite_db, "taro@example.jp", message_id="<p1@brand.example>")
    old = sign_unsubscribe(
        KEY, campaign="spring", email="taro@example.jp", issued=(T0 - timedelta(days=401)).date()
    )
    before = state(sqlite_db)
    for method, body in (("POST", ONE_CLICK), ("GET", "")):
        status, text, _ = request(handle, method, old, body)
        assert (
            status == 410
            and "2025-11-30" in text
            and "optout@brand.example" in text
            and "配信停止" in text
        )
    assert state(sqlite_db) == before
    recent = sign_unsubscribe(
        KEY, campaign="spring", email="taro@example.jp", issued=(T0 - timedelta(days=400)).date()
    )
    assert request(handle, "POST", recent, ONE_CLICK)[0] == 200


def _legacy(key: str, campaign: str, email: str) -> str:
    payload = base64.urlsafe_b64encode(f"{campaign}\n{email}".encode()).rstrip(b"=").decode()
    mac = hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest()[:16]
    return f"{payload}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def test_a_link_of_the_earlier_format_still_unsubscribes(
    db: Engine, start: tuple[list[ServerHandle], object]
) -> None:
    handle = start[1](db)  # type: ignore[operator]
    enrol(db, "taro@example.jp", message_id="<p1@brand.example>")
    old = _legacy(KEY, "spring", "taro@example.jp")
    assert request(handle, "POST", old + "=", ONE_CLICK)[0] == 403  # one spelling only
    assert request(handle, "POST", old, ONE_CLICK)[0] == 200
    assert _suppressed(db, "taro@example.jp")


def test_replaying_a_link_after_forget_stores_nothing_readable(
    db: Engine, start: tuple[list[ServerHandle], object]
) -> None:
    handle = start[1](db)  # type: ignore[operator]
    enrol(db, "taro@example.jp", message_id="<p1@brand.example>")
    token = sign_unsubscribe(KEY, campaign="spring", email="taro@example.jp")
    forget_address(db, "taro@example.jp", clock=FixedClock(T0))
    erased = _suppression_rows(db)
    assert erased and all(norm is None for _, norm in erased)
    for _ in range(2):
        status, text, _ = request(handle, "POST", token, ONE_CLICK)
        assert status == 200 and "unsubscribed" in text  # success, as for anyone
    assert _suppression_rows(db) == erased  # nothing written: the address is not stored again
    assert _suppressed(db, "taro@example.jp")


def test_an_unreachable_database_gives_503(
    tmp_path: Path,
    start: tuple[list[ServerHandle], object],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(unsubscribe, "BUSY_WAIT_SECONDS", 0.5)
    monkeypatch.setattr(unsubscribe, "RECONNECT_PAUSE_SECONDS", 0.1)
    gone = make_engine(f"sqlite:///{tmp_path}/no/such/dir/outreach.db")
    handle = start[1](gone)  # type: ignore[operator]
    with caplog.at_level(logging.ERROR, logger="outreach.services.public.endpoint"):
        status, text, resp = request(
            handle, "POST", sign_unsubscribe(KEY, campaign="spring", email="a@b.jp"), ONE_CLICK
        )
    assert status == 503 and resp.getheader("Retry-After") == "60" and "try again" in text
    assert "Traceback" not in caplog.text


def _suppressed(engine: Engine, address: str) -> bool:
    with reading(engine) as conn:
        return is_suppressed(conn, address)


def _suppression_rows(engine: Engine) -> list[tuple[str, str | None]]:
    with reading(engine) as conn:
        return sorted(
            (r.reason, r.email_norm)
            for r in conn.execute(
                select(suppression.c.reason, suppression.c.email_norm).where(
                    suppression.c.email_hash == email_hash("taro@example.jp")
                )
            )
        )
