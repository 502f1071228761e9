"""OAuth2 mailbox logins (`auth = "oauth2"`): sign in once, keep the tokens sealed, hand a
valid access token to SMTP and IMAP, and pause the mailbox when the login is revoked.

Sending (SMTP) and reading (IMAP) both use it, and a revoked login pauses the mailbox.

- `outreach mailbox login NAME` runs the device flow (RFC 8628) or the loopback redirect flow
  (RFC 8252) through transport.oauth, and stores the refresh and access tokens sealed with
  ChaCha20-Poly1305 under a key derived (HKDF-SHA256) from the environment variable
  `[mailboxes.NAME.oauth2] key_env`; the mailbox name, provider and account are the
  associated data, so a sealed row copied to another mailbox does not open.
- `MailboxTokens.access_token()` returns the stored access token while it has more than
  `refresh_before_seconds` left, else refreshes (RFC 6749 section 6) and stores the result
  with a compare-and-set, so two processes refreshing at once keep one pair. `renew=True`
  refreshes regardless: SMTP and IMAP ask for it once after the server refused a token
  (535, a NO to AUTHENTICATE).
- A refresh refused with `invalid_grant` marks the row revoked and pauses the mailbox with the
  reason and the command that fixes it; a new login lifts that pause.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine

from outreach.clock import Clock
from outreach.config import Config, MailboxConfig, OAuth2Config, secret
from outreach.errors import ConfigError
from outreach.store.queries import tokens as q
from outreach.store.queries.mailbox import pause_mailbox
from outreach.store.session import reading, writing
from outreach.transport.oauth import DeviceCode, Grant, OAuthFailure, TokenClient, TokenRevoked

log = logging.getLogger("outreach.oauth")

KEY_MIN_BYTES = 32
REVOKED = "OAuth2 login revoked"  # the start of the pause reason a new login lifts
_SEAL_VERSION = b"\x01"


def login_command(name: str) -> str:
    return f"outreach mailbox login {name}"


def _settings(config: Config, name: str) -> tuple[MailboxConfig, OAuth2Config]:
    box = config.mailbox(name)
    if box.auth != "oauth2" or box.oauth2 is None:
        raise ConfigError(
            f'mailbox {name} does not use OAuth2 (auth = "{box.auth}")',
            file=config.source,
            field=f"mailboxes.{name}.auth",
            hint='set auth = "oauth2" and a [mailboxes.NAME.oauth2] table',
        )
    return box, box.oauth2


def _key(config: Config, name: str, cfg: OAuth2Config) -> bytes:
    raw = secret(cfg.key_env) or ""
    if len(raw.encode("utf-8")) < KEY_MIN_BYTES:
        raise ConfigError(
            f"environment variable {cfg.key_env or '(unset)'} is "
            + ("not set" if not raw else f"{len(raw.encode('utf-8'))} bytes long")
            + f"; the token key needs at least {KEY_MIN_BYTES} bytes",
            file=config.source,
            field=f"mailboxes.{name}.oauth2.key_env",
            hint="generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'; "
            "changing it later means `outreach mailbox login` again",
        )
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"outreach oauth_token v1"
    ).derive(raw.encode("utf-8"))


def _aad(name: str, provider: str, account: str) -> bytes:
    return "\x00".join((name, provider, account)).encode("utf-8")


def seal(key: bytes, aad: bytes, grant: Grant) -> bytes:
    """version || 96-bit random nonce || ChaCha20-Poly1305(JSON of both tokens)."""
    nonce = os.urandom(12)
    plain = json.dumps({"refresh": grant.refresh_token, "access": grant.access_token})
    return _SEAL_VERSION + nonce + ChaCha20Poly1305(key).encrypt(nonce, plain.encode(), aad)


def unseal(key: bytes, aad: bytes, blob: bytes) -> tuple[str, str]:
    """(refresh token, access token); OAuthFailure when the key or the row does not match."""
    if blob[:1] != _SEAL_VERSION or len(blob) < 13:
        raise OAuthFailure("the stored OAuth2 login is not in a known format")
    try:
        plain = ChaCha20Poly1305(key).decrypt(blob[1:13], blob[13:], aad)
    except InvalidTag:
        raise OAuthFailure(
            "the stored OAuth2 login does not open with this key (key_env changed, or the "
            "account or provider changed since the login)"
        ) from None
    data = json.loads(plain)
    return str(data["refresh"]), str(data["access"])


def _expires(now: datetime, grant: Grant) -> datetime | None:
    return now + timedelta(seconds=grant.expires_in) if grant.expires_in else None


def token_client(config: Config, name: str) -> TokenClient:
    _, cfg = _settings(config, name)
    return TokenClient(cfg, secret(cfg.client_secret_env))


class MailboxTokens:
    """The access token of one OAuth2 mailbox, refreshed when due (see the module docstring).
    Safe to call from worker threads: every call reads the row, and writes compare-and-set."""

    def __init__(
        self,
        engine: Engine,
        config: Config,
        name: str,
        clock: Clock,
        client: TokenClient | None = None,
    ) -> None:
        box, cfg = _settings(config, name)
        self.engine, self.config, self.name, self.clock = engine, config, name, clock
        self.cfg = cfg
        self.user = box.login_user
        self._client = client or token_client(config, name)
        self._key: bytes | None = None
        self._refreshing = threading.Lock()
        self._aad = _aad(name, cfg.provider, self.user)

    def _opened_key(self) -> bytes:
        if self._key is None:
            self._key = _key(self.config, self.name, self.cfg)
        return self._key

    def _stored(self) -> q.StoredToken:
        with reading(self.engine) as conn:
            row = q.get_token(conn, self.name)
        if row is None:
            raise OAuthFailure(
                f"mailbox {self.name} has no OAuth2 login yet: run `{login_command(self.name)}`"
            )
        if row.revoked_at is not None:
            # Held again if the pause was lifted (by hand, or by a settings change) without a
            # new login: the login is still revoked, and the breaker's short pause would cycle.
            reason = row.revoked_reason or f"{REVOKED}; fix: `{login_command(self.name)}`"
            with writing(self.engine) as conn:
                pause_mailbox(conn, self.name, reason=reason)
            raise TokenRevoked(reason)
        return row

    def access_token(self, renew: bool = False) -> str:
        """A token to send now. OAuthFailure (its message safe to show) when there is none."""
        row = self._stored()
        refresh, access = unseal(self._opened_key(), self._aad, row.sealed)
        now = self.clock.now()
        margin = timedelta(seconds=self.cfg.refresh_before_seconds)
        due = row.access_expires_at is not None and row.access_expires_at - margin <= now
        if access and not renew and not due:
            return access
        with self._refreshing:  # one refresh at a time in this process; then re-read
            latest = self._stored()
            if latest.sealed != row.sealed:
                return unseal(self._opened_key(), self._aad, latest.sealed)[1]
            return self._refresh(row, refresh, now)

    def _refresh(self, row: q.StoredToken, refresh: str, now: datetime) -> str:
        key = self._opened_key()
        try:
            grant = self._client.refresh(refresh)
        except TokenRevoked as exc:
            return self._revoked(row, exc, now)
        sealed = seal(key, self._aad, grant)
        with writing(self.engine) as conn:
            stored = q.save_refresh(
                conn,
                self.name,
                was=row.sealed,
                sealed=sealed,
                access_expires_at=_expires(now, grant),
                at=now,
            )
            latest = None if stored else q.get_token(conn, self.name)
        if latest is not None and latest.revoked_at is None:
            # Another process refreshed first; a provider that rotates refresh tokens may
            # already have retired the one we used, so keep theirs.
            return unseal(key, self._aad, latest.sealed)[1]
        log.info("mailbox %s: access token refreshed", self.name)
        return grant.access_token

    def _revoked(self, row: q.StoredToken, exc: TokenRevoked, now: datetime) -> str:
        reason = f"{REVOKED}: {exc}; fix: `{login_command(self.name)}`"
        with writing(self.engine) as conn:
            if not q.mark_revoked(conn, self.name, was=row.sealed, reason=reason, at=now):
                latest = q.get_token(conn, self.name)
                if latest is not None and latest.revoked_at is None:  # refreshed meanwhile
                    return unseal(self._opened_key(), self._aad, latest.sealed)[1]
            pause_mailbox(conn, self.name, reason=reason)
        log.error("mailbox %s paused: %s", self.name, reason)
        raise TokenRevoked(reason) from None


def missing_logins(engine: Engine, config: Config) -> list[str]:
    """Each OAuth2 mailbox that was never signed in, with the command that signs it in: a
    daemon started without one would only learn it at its first send and pause the mailbox."""
    names = [n for n, box in sorted(config.mailboxes.items()) if box.auth == "oauth2"]
    if not names:
        return []
    with reading(engine) as conn:
        stored = {name: q.get_token(conn, name) for name in names}
    return [
        f"mailboxes.{name}: never signed in (run `{login_command(name)}`)"
        for name in names
        if stored[name] is None
    ]


def token_sources(engine: Engine, config: Config, clock: Clock) -> dict[str, MailboxTokens]:
    """A MailboxTokens for each mailbox with auth = "oauth2" (for SmtpTransport and IMAP)."""
    return {
        name: MailboxTokens(engine, config, name, clock)
        for name, box in sorted(config.mailboxes.items())
        if box.auth == "oauth2"
    }


@dataclass(frozen=True)
class LoginResult:
    account: str
    provider: str
    expires_at: datetime | None
    scope: str
    resumed: str  # the revoked-login pause this login lifted ('' if none)


def login(
    engine: Engine,
    config: Config,
    clock: Clock,
    name: str,
    *,
    flow: str | None = None,
    show_url: Callable[[str], None],
    show_device: Callable[[DeviceCode], None],
    client: TokenClient | None = None,
    sleep: Callable[[float], None] | None = None,
) -> LoginResult:
    """Sign mailbox NAME in and store its tokens sealed; lift a pause a revoked login made."""
    box, cfg = _settings(config, name)
    key = _key(config, name, cfg)  # before the sign-in: a missing key must not waste one
    if cfg.client_secret_env and not secret(cfg.client_secret_env):
        raise ConfigError(
            f"environment variable {cfg.client_secret_env} is not set",
            file=config.source,
            field=f"mailboxes.{name}.oauth2.client_secret_env",
        )
    client = client or token_client(config, name)
    if (flow or cfg.flow) == "device":
        device = client.start_device()
        show_device(device)
        grant = client.poll_device(device, **({"sleep": sleep} if sleep else {}))
    else:
        grant = client.loopback(show_url)
    if not grant.refresh_token:
        raise OAuthFailure(
            "the provider sent no refresh token: the scopes must allow offline access "
            "(Microsoft: offline_access)"
        )
    now = clock.now()
    account = box.login_user
    with writing(engine) as conn:
        q.save_login(
            conn,
            name,
            provider=cfg.provider,
            account=account,
            sealed=seal(key, _aad(name, cfg.provider, account), grant),
            access_expires_at=_expires(now, grant),
            at=now,
        )
        resumed = q.lift_revoked_pause(conn, name, REVOKED)
    log.info("mailbox %s: signed in with %s", name, cfg.provider)
    return LoginResult(account, cfg.provider, _expires(now, grant), grant.scope, resumed)
