"""The one-click unsubscribe endpoint over real HTTP on 127.0.0.1 (RFC 8058)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from outreach.clock import FixedClock
from outreach.domain import optout
from outreach.domain.optout import sign_unsubscribe
from outreach.services.public.endpoint import ServerHandle, start_unsubscribe_server
from outreach.store.queries.suppression import is_suppressed
from outreach.store.schema import enrollment, outbox
from outreach.store.session import reading
from tests.support.inbox import T0, enrol, make_config
from tests.support.net import free_port
from tests.support.unsubscribe import KEY, ONE_CLICK, request, state


@pytest.fixture
def endpoint(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ServerHandle, Engine]]:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", KEY)
    config = make_config(
        tmp_path,
        {"source": "none"},
        unsubscribe={
            "listen": f"127.0.0.1:{free_port()}",
            "base_url": "https://brand.example/unsubscribe",
        },
    )
    handle = start_unsubscribe_server(db, config, FixedClock(T0))
    try:
        yield handle, db
    finally:
        handle.stop()


def test_one_click_post_unsubscribes_once_and_is_idempotent(
    endpoint: tuple[ServerHandle, Engine],
) -> None:
    handle, engine = endpoint
    a = enrol(engine, "Taro@Example.jp", message_id="<p1@brand.example>")
    b = enrol(engine, "Taro@Example.jp", message_id="<p2@brand.example>", campaign_slug="autumn")
    token = sign_unsubscribe(KEY, campaign="spring", email="Taro@Example.jp")
    status, text, resp = request(handle, "POST", token, ONE_CLICK)
    assert status == 200 and "unsubscribed" in text
    assert resp.getheader("Location") is None and resp.getheader("Set-Cookie") is None
    with reading(engine) as conn:
        assert is_suppressed(conn, "taro@example.jp")
        rows = {r.id: (r.status, r.stage) for r in conn.execute(select(enrollment))}
        states = {r.state for r in conn.execute(select(outbox.c.state).where(outbox.c.step == 2))}
    assert rows == {a: ("stopped", "unsubscribed"), b: ("stopped", "unsubscribed")}
    assert states == {"cancelled"}
    first = state(engine)
    status, _, _ = request(handle, "POST", token, ONE_CLICK)
    assert status == 200
    assert state(engine) == first  # no duplicate suppression or history


def test_get_shows_a_form_and_never_changes_state(endpoint: tuple[ServerHandle, Engine]) -> None:
    handle, engine = endpoint
    enrol(engine, "hanako@example.jp", message_id="<p3@brand.example>")
    token = sign_unsubscribe(KEY, campaign="spring", email="hanako@example.jp")
    before = state(engine)
    for _ in range(10):  # a link scanner
        status, text, resp = request(handle, "GET", token)
        assert status == 200 and 'method="post"' in text
        assert resp.getheader("X-Content-Type-Options") == "nosniff"
    assert state(engine) == before
    status, _, _ = request(handle, "POST", token, "confirm=yes")  # the page's button
    assert status == 200
    with reading(engine) as conn:
        assert is_suppressed(conn, "hanako@example.jp")


def test_forged_altered_and_replayed_tokens_are_refused(
    endpoint: tuple[ServerHandle, Engine],
) -> None:
    handle, engine = endpoint
    enrol(engine, "a@example.jp", message_id="<p4@brand.example>")
    enrol(engine, "b@example.jp", message_id="<p5@brand.example>")
    good = sign_unsubscribe(KEY, campaign="spring", email="a@example.jp")
    flipped = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    other = sign_unsubscribe(KEY, campaign="spring", email="b@example.jp")
    before = state(engine)
    for token in (
        flipped,  # one character of the sealed token changed
        sign_unsubscribe(
            "another-key-0123456789abcdef-0123", campaign="spring", email="a@example.jp"
        ),
        good[:60] + other[60:],  # halves of A's and B's tokens
        "garbage",
    ):
        for method, body in (("POST", ONE_CLICK), ("GET", "")):
            status, _, _ = request(handle, method, token, body)
            assert status == 403, token
    assert request(handle, "POST", "", ONE_CLICK)[0] == 400
    assert state(engine) == before


def test_foreign_host_is_refused(endpoint: tuple[ServerHandle, Engine]) -> None:
    handle, engine = endpoint
    enrol(engine, "c@example.jp", message_id="<p6@brand.example>")
    token = sign_unsubscribe(KEY, campaign="spring", email="c@example.jp")
    before = state(engine)
    assert request(handle, "POST", token, ONE_CLICK, host="evil.example")[0] == 421
    assert request(handle, "GET", token, host="rebind.attacker.example:8780")[0] == 421
    assert state(engine) == before
    assert request(handle, "GET", token, host="brand.example")[0] == 200  # the public host


def test_token_comparison_is_constant_time() -> None:
    # The sealed format's tag is checked inside the AEAD; the earlier format's MAC by this.
    assert "hmac.compare_digest" in inspect.getsource(optout._open_legacy)


def test_server_refuses_to_start_without_a_secret(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outreach.errors import ConfigError

    monkeypatch.delenv("OUTREACH_UNSUBSCRIBE_SECRET", raising=False)
    config = make_config(tmp_path, {"source": "none"})
    with pytest.raises(ConfigError, match="OUTREACH_UNSUBSCRIBE_SECRET"):
        start_unsubscribe_server(sqlite_db, config)


def test_multipart_one_click_and_empty_post(endpoint: tuple[ServerHandle, Engine]) -> None:
    handle, engine = endpoint
    enrol(engine, "d@example.jp", message_id="<p7@brand.example>")
    token = sign_unsubscribe(KEY, campaign="spring", email="d@example.jp")
    assert request(handle, "POST", token, "")[0] == 400  # nothing asked: nothing done
    with reading(engine) as conn:
        assert not is_suppressed(conn, "d@example.jp")
    body = (
        '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        "One-Click\r\n--b--\r\n"
    )
    assert request(handle, "POST", token, body)[0] == 200
    with reading(engine) as conn:
        assert is_suppressed(conn, "d@example.jp")
