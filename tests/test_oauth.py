"""auth = "oauth2" end to end on real parts: a local authorization server (tests.support.oauth),
aiosmtpd with XOAUTH2/OAUTHBEARER and pymap with XOAUTH2, both accepting only its live tokens.

Login (device and loopback flows), sealed storage, refresh before expiry, refresh once after a
535 or a NO, and a revoked login pausing the mailbox until the next login. No token or code may
appear in the database file, a log record, a pause reason or the command's output.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.config import Config, parse_config
from outreach.errors import ConfigError
from outreach.services.inbox.poll import poll
from outreach.services.mailbox.oauth import LoginResult, login, token_sources
from outreach.services.send.dispatch import DispatchReport, dispatch_once
from outreach.services.sequence.pause import missing_secrets, resume_mailbox
from outreach.store.schema import mailbox, oauth_token
from outreach.transport.oauth import DeviceCode, OAuthFailure, oauthbearer, xoauth2
from outreach.transport.sink import CaptureSink
from outreach.transport.smtp import SmtpTransport
from tests.support.imap import imap_settings
from tests.support.oauth import (
    KEY,
    KEY_ENV,
    OAuthImapServer,
    OAuthSmtpHandler,
    TokenServer,
    follow_redirect,
    running_token_server,
)
from tests.support.smtp import T0, config_data, outbox_states, raw_message, seed_outbox, toml_text
from tests.support.workspace import config_from

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> Iterator[TokenServer]:
    monkeypatch.setenv(KEY_ENV, KEY)
    with running_token_server() as server:
        yield server


def oauth_data(
    tmp_path: Path,
    port: int,
    tokens: TokenServer,
    inbox: dict[str, Any] | None = None,
    **oauth: Any,
) -> dict[str, Any]:
    data = config_data(port, db_url=f"sqlite:///{tmp_path / 'outreach.db'}")
    box = data["mailboxes"]["main"]
    box["smtp"]["username"] = tokens.account
    box["auth"] = "oauth2"
    box["oauth2"] = tokens.oauth2_settings(**oauth)
    if inbox is not None:
        box["inbox"] = inbox
    return data


def oauth_config(tmp_path: Path, port: int, tokens: TokenServer, **kw: Any) -> Config:
    data = oauth_data(tmp_path, port, tokens, **kw)
    return config_from(tmp_path, data)


def config_file(tmp_path: Path, tokens: TokenServer) -> Path:
    """config.toml for the command line (toml_text writes scalars; the scopes are a list)."""
    text = toml_text(oauth_data(tmp_path, 2525, tokens))
    path = tmp_path / "config.toml"
    path.write_text(text.replace("scopes = \"['mail']\"", 'scopes = ["mail"]'), encoding="utf-8")
    return path


def sign_in(engine: Engine, config: Config, at: Any = T0, **kw: Any) -> LoginResult:
    shown: list[DeviceCode] = []
    kw.setdefault("show_url", follow_redirect)
    return login(
        engine,
        config,
        FixedClock(at),
        "main",
        show_device=shown.append,
        sleep=lambda _: None,
        **kw,
    )


def send_pass(engine: Engine, config: Config, at: Any) -> DispatchReport:
    async def go() -> DispatchReport:
        clock = FixedClock(at)
        transport = SmtpTransport(config.mailboxes, token_sources(engine, config, clock))
        try:
            return await dispatch_once(
                engine, config, clock, transport, worker="w1", rng=random.Random(1)
            )
        finally:
            await transport.close()

    return asyncio.run(go())


def smtp_sink(tmp_path: Path, handler: OAuthSmtpHandler, *, bearer: bool = False) -> CaptureSink:
    return CaptureSink(
        tmp_path / "sink",
        handler=handler,
        auth_require_tls=False,
        auth_required=True,
        auth_exclude_mechanism=[] if bearer else ["OAUTHBEARER"],
    )


def stored_bytes(tmp_path: Path) -> bytes:
    """The database file and its write-ahead log, as a copy of the disk would hold them."""
    return b"".join(p.read_bytes() for p in tmp_path.glob("outreach.db*"))


def assert_no_secret(tokens: TokenServer, *texts: str | bytes) -> None:
    assert tokens.issued
    for text in texts:
        blob = text.encode() if isinstance(text, str) else text
        for secret in tokens.issued:
            assert secret.encode() not in blob, f"{secret[:6]}... leaked"


def pause_of(engine: Engine) -> tuple[Any, str]:
    with engine.connect() as conn:
        row = conn.execute(
            select(mailbox.c.paused_until, mailbox.c.pause_reason).where(mailbox.c.name == "main")
        ).one()
    return row.paused_until, row.pause_reason


def test_sasl_initial_responses() -> None:
    assert xoauth2("a@b.test", "T") == b"user=a@b.test\x01auth=Bearer T\x01\x01"
    # RFC 7628 3.1 with RFC 5801 escaping of "," and "=" in the authzid
    assert (
        oauthbearer("a,b=c@d.test", "T", "smtp.test", 587)
        == b"n,a=a=2Cb=3Dc@d.test,\x01host=smtp.test\x01port=587\x01auth=Bearer T\x01\x01"
    )


def test_device_login_then_send_with_xoauth2_and_nothing_in_clear(
    sqlite_db: Engine,
    tmp_path: Path,
    tokens: TokenServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    handler = OAuthSmtpHandler(tokens)
    with smtp_sink(tmp_path, handler) as sink:
        config = oauth_config(tmp_path, sink.port, tokens)
        done = sign_in(sqlite_db, config)
        assert done.account == "demouser" and done.expires_at == T0 + timedelta(hours=1)
        assert tokens.grants == {DEVICE: 1}
        seed_outbox(sqlite_db, 2)
        assert send_pass(sqlite_db, config, T0).sent == 2
    assert handler.auths == [("XOAUTH2", True)]
    assert len(handler.received) == 2
    with sqlite_db.connect() as conn:
        row = conn.execute(select(oauth_token)).one()
    assert row.revoked_at is None and row.account == "demouser"
    assert_no_secret(tokens, stored_bytes(tmp_path), caplog.text)


def test_oauthbearer_is_used_where_offered(
    sqlite_db: Engine, tmp_path: Path, tokens: TokenServer
) -> None:
    handler = OAuthSmtpHandler(tokens)
    with smtp_sink(tmp_path, handler, bearer=True) as sink:
        config = oauth_config(tmp_path, sink.port, tokens)
        sign_in(sqlite_db, config)
        seed_outbox(sqlite_db, 1)
        assert send_pass(sqlite_db, config, T0).sent == 1
    assert handler.auths == [("OAUTHBEARER", True)]


def test_loopback_login_with_pkce(sqlite_db: Engine, tmp_path: Path, tokens: TokenServer) -> None:
    handler = OAuthSmtpHandler(tokens)
    with smtp_sink(tmp_path, handler) as sink:
        config = oauth_config(tmp_path, sink.port, tokens, flow="loopback")
        sign_in(sqlite_db, config)  # the "browser" follows the redirect to 127.0.0.1
        assert tokens.grants == {"authorization_code": 1}
        seed_outbox(sqlite_db, 1)
        assert send_pass(sqlite_db, config, T0).sent == 1
    assert handler.auths == [("XOAUTH2", True)]


def test_refresh_before_expiry(sqlite_db: Engine, tmp_path: Path, tokens: TokenServer) -> None:
    tokens.expires_in = 600
    handler = OAuthSmtpHandler(tokens)
    with smtp_sink(tmp_path, handler) as sink:
        config = oauth_config(tmp_path, sink.port, tokens, refresh_before_seconds=300)
        sign_in(sqlite_db, config)
        seed_outbox(sqlite_db, 1)
        assert send_pass(sqlite_db, config, T0 + timedelta(minutes=4)).sent == 1
        assert tokens.grants["refresh_token"] == 0  # 6 min left: used as it is
        seed_outbox(sqlite_db, 1, start=1, at=T0 + timedelta(minutes=6))
        assert send_pass(sqlite_db, config, T0 + timedelta(minutes=6)).sent == 1
    assert tokens.grants["refresh_token"] == 1  # 4 min left: refreshed before AUTH
    assert handler.auths == [("XOAUTH2", True), ("XOAUTH2", True)]  # never a 535


def test_refresh_once_on_535(sqlite_db: Engine, tmp_path: Path, tokens: TokenServer) -> None:
    handler = OAuthSmtpHandler(tokens)
    with smtp_sink(tmp_path, handler) as sink:
        config = oauth_config(tmp_path, sink.port, tokens)
        sign_in(sqlite_db, config)
        tokens.forget_access_tokens()  # unexpired by its own clock, refused by the server
        seed_outbox(sqlite_db, 2)
        assert send_pass(sqlite_db, config, T0).sent == 2
    assert handler.auths == [("XOAUTH2", False), ("XOAUTH2", True)]
    assert tokens.grants["refresh_token"] == 1


def test_rotated_refresh_token_is_stored(
    sqlite_db: Engine, tmp_path: Path, tokens: TokenServer
) -> None:
    tokens.rotate_refresh = True
    handler = OAuthSmtpHandler(tokens)
    with smtp_sink(tmp_path, handler) as sink:
        config = oauth_config(tmp_path, sink.port, tokens)
        sign_in(sqlite_db, config)
        for n in range(3):
            tokens.forget_access_tokens()
            seed_outbox(sqlite_db, 1, start=n)
            assert send_pass(sqlite_db, config, T0).sent == 1
    assert tokens.grants["refresh_token"] == 3 and not tokens.refused


def test_revoked_login_pauses_the_mailbox_until_the_next_login(
    sqlite_db: Engine,
    tmp_path: Path,
    tokens: TokenServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    handler = OAuthSmtpHandler(tokens)
    with smtp_sink(tmp_path, handler) as sink:
        config = oauth_config(tmp_path, sink.port, tokens)
        sign_in(sqlite_db, config)
        tokens.revoke()
        seed_outbox(sqlite_db, 4)
        assert send_pass(sqlite_db, config, T0).sent == 0
        assert handler.commands["MAIL"] == 0
        assert outbox_states(sqlite_db) == {"queued": 4}
        until, reason = pause_of(sqlite_db)
        assert until.year == 2999  # held until someone acts, not the breaker's 30 minutes
        assert reason.startswith("OAuth2 login revoked: 127.0.0.1:")
        assert "invalid_grant" in reason and "`outreach mailbox login main`" in reason
        assert tokens.refused == {"invalid_grant": 1}  # asked once, then the row says revoked
        assert send_pass(sqlite_db, config, T0 + timedelta(minutes=31)).claimed == 0
        assert_no_secret(tokens, reason, caplog.text, stored_bytes(tmp_path))

        done = sign_in(sqlite_db, config, at=T0 + timedelta(hours=1))
        assert done.resumed == reason
        assert pause_of(sqlite_db) == (None, "")
        assert send_pass(sqlite_db, config, T0 + timedelta(hours=1)).sent == 4
    assert handler.auths[-1] == ("XOAUTH2", True)


def test_a_pause_by_hand_outlives_a_new_login(
    sqlite_db: Engine, tmp_path: Path, tokens: TokenServer
) -> None:
    config = oauth_config(tmp_path, 2525, tokens)
    runner = CliRunner()
    path = config_file(tmp_path, tokens)
    assert runner.invoke(cli, ["--config", str(path), "mailbox", "pause", "main"]).exit_code == 0
    assert sign_in(sqlite_db, config).resumed == ""
    assert pause_of(sqlite_db)[1].startswith("paused by hand")


def test_cli_login_prints_the_code_and_keeps_tokens_out(
    sqlite_db: Engine, tmp_path: Path, tokens: TokenServer
) -> None:
    path = config_file(tmp_path, tokens)
    result = CliRunner().invoke(cli, ["--config", str(path), "mailbox", "login", "main"])
    assert result.exit_code == 0, result.output
    assert f"open {tokens.url}/activate" in result.output
    assert "and enter the code " in result.output
    assert "mailbox main signed in as demouser (generic)" in result.output
    assert_no_secret(tokens, result.output, stored_bytes(tmp_path))


def test_login_refuses_a_missing_key_before_signing_in(
    sqlite_db: Engine, tmp_path: Path, tokens: TokenServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    config = oauth_config(tmp_path, 2525, tokens)
    with pytest.raises(ConfigError, match=f"{KEY_ENV} is not set"):
        sign_in(sqlite_db, config)
    assert not tokens.grants and not tokens.devices
    assert missing_secrets(config) == [
        f"mailboxes.main.oauth2.key_env: environment variable {KEY_ENV} is not set"
    ]


def test_config_needs_the_oauth2_table_and_https_endpoints(tmp_path: Path) -> None:
    data = config_data(2525, db_url="sqlite:///x.db")
    data["mailboxes"]["main"]["auth"] = "oauth2"
    with pytest.raises(ConfigError, match="oauth2"):
        parse_config(data, source="c.toml", base_dir=tmp_path)
    data["mailboxes"]["main"]["oauth2"] = {
        "provider": "generic",
        "client_id": "x",
        "token_endpoint": "http://auth.example.test/token",
        "device_authorization_endpoint": "https://auth.example.test/device",
        "scopes": ["mail"],
    }
    with pytest.raises(ConfigError, match="not an https:// URL"):
        parse_config(data, source="c.toml", base_dir=tmp_path)
    data["mailboxes"]["main"]["oauth2"] = {"provider": "google", "client_id": "x"}
    box = parse_config(data, source="c.toml", base_dir=tmp_path).mailboxes["main"]
    assert box.oauth2 is not None
    assert box.oauth2.endpoint("token_endpoint") == "https://oauth2.googleapis.com/token"
    assert box.oauth2.scope == "https://mail.google.com/"


def test_imap_xoauth2_login_refresh_and_revocation(
    sqlite_db: Engine, tmp_path: Path, tokens: TokenServer
) -> None:
    server = OAuthImapServer(tmp_path / "pymap.log", tokens)
    server.start()
    try:
        server.append([raw_message(1, "<m1@sakura.test>", "pr@sakura.test")])
        config = oauth_config(tmp_path, 2525, tokens, inbox=imap_settings(server.port))
        sign_in(sqlite_db, config)
        report = poll(sqlite_db, config, FixedClock(T0), mailbox="main")
        assert report.errors == {} and report.read == 1

        tokens.forget_access_tokens()  # NO to AUTHENTICATE, then a refreshed token works
        server.append([raw_message(2, "<m2@sakura.test>", "pr@sakura.test")])
        report = poll(sqlite_db, config, FixedClock(T0), mailbox="main")
        assert report.errors == {} and report.read == 1
        assert tokens.grants["refresh_token"] == 1

        tokens.revoke()
        report = poll(sqlite_db, config, FixedClock(T0), mailbox="main")
        assert "OAuth2 login revoked" in report.errors["main"]
        assert pause_of(sqlite_db)[1].startswith("OAuth2 login revoked")
        assert_no_secret(tokens, report.errors["main"], server.log.read_bytes())
    finally:
        server.stop()


def test_two_connections_refresh_once(
    sqlite_db: Engine, tmp_path: Path, tokens: TokenServer
) -> None:
    tokens.expires_in = 600
    handler = OAuthSmtpHandler(tokens)
    with smtp_sink(tmp_path, handler) as sink:
        data = oauth_data(tmp_path, sink.port, tokens)
        data["mailboxes"]["main"]["smtp"]["connections"] = 2
        config = parse_config(data, source="config.toml", base_dir=tmp_path)
        sign_in(sqlite_db, config)
        seed_outbox(sqlite_db, 4, at=T0 + timedelta(minutes=6))
        assert send_pass(sqlite_db, config, T0 + timedelta(minutes=6)).sent == 4
    assert tokens.grants["refresh_token"] == 1
    assert handler.auths == [("XOAUTH2", True), ("XOAUTH2", True)]


def test_resuming_by_hand_without_a_login_pauses_again(
    sqlite_db: Engine, tmp_path: Path, tokens: TokenServer
) -> None:
    handler = OAuthSmtpHandler(tokens)
    with smtp_sink(tmp_path, handler) as sink:
        config = oauth_config(tmp_path, sink.port, tokens)
        sign_in(sqlite_db, config)
        tokens.revoke()
        seed_outbox(sqlite_db, 2)
        send_pass(sqlite_db, config, T0)
        reason = pause_of(sqlite_db)[1]
        resume_mailbox(sqlite_db, config, "main")
        assert send_pass(sqlite_db, config, T0).sent == 0
    until, again = pause_of(sqlite_db)
    assert until.year == 2999 and again == reason  # not the breaker's 30 minutes
    assert tokens.refused == {"invalid_grant": 1}  # the provider is not asked again
    assert outbox_states(sqlite_db) == {"queued": 2}


def test_a_declined_or_forged_sign_in_stores_nothing(
    sqlite_db: Engine, tmp_path: Path, tokens: TokenServer
) -> None:
    tokens.deny = True
    config = oauth_config(tmp_path, 2525, tokens)
    with pytest.raises(OAuthFailure, match="declined"):
        sign_in(sqlite_db, config)

    def forged(url: str) -> None:  # a redirect whose state is not the one we sent (CSRF)
        follow_redirect(re.sub(r"state=[^&]+", "state=forged", url))

    config = oauth_config(tmp_path, 2525, tokens, flow="loopback")
    with pytest.raises(OAuthFailure, match="mismatching_state"):
        sign_in(sqlite_db, config, show_url=forged)
    assert not tokens.grants
    with sqlite_db.connect() as conn:
        assert conn.execute(select(oauth_token)).first() is None


def test_run_refuses_a_mailbox_never_signed_in(
    sqlite_db: Engine, tmp_path: Path, tokens: TokenServer
) -> None:
    path = config_file(tmp_path, tokens)
    args = ["--config", str(path), "run", "--once", "--allow-doctor-failures"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert str(result.exception) == (
        "mailboxes.main: never signed in (run `outreach mailbox login main`)"
        " (sign in, then start again)"
    )
    login_result = CliRunner().invoke(cli, ["--config", str(path), "mailbox", "login", "main"])
    assert login_result.exit_code == 0, login_result.output
    result = CliRunner().invoke(cli, args)
    assert "never signed in" not in f"{result.output}{result.exception}"
