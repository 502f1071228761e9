"""OAuth2 test parts, all real and on 127.0.0.1:

- `TokenServer`: a small HTTP authorization server: the device authorization grant (RFC 8628),
  the authorization code grant with PKCE for the loopback flow (RFC 6749 4.1, RFC 7636), the
  refresh grant (RFC 6749 section 6) and token introspection (RFC 7662) for the mail servers.
  It issues random opaque tokens and can expire or revoke them.
- `OAuthSmtpHandler`: an aiosmtpd handler with `auth_XOAUTH2` and `auth_OAUTHBEARER` methods
  that accept only an access token the TokenServer issued and has not expired or revoked.
- `OAuthImapServer`: pymap (the dict backend, as tests.support.imap) started through
  tests/support/pymap_oauth.py, which adds pysasl's XOAUTH2 server mechanism to the
  mechanisms pymap offers and checks its bearer token against the TokenServer's
  introspection endpoint. pymap takes SASL mechanisms from pysasl and has no option to add
  one, so extending its login in a launcher keeps the real IMAP server instead of a mock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from aiosmtpd.smtp import SMTP, AuthResult

from tests.support.imap import ImapServer
from tests.support.smtp import ScriptedHandler

CLIENT_ID = "outreach-test-client"
KEY_ENV = "OUTREACH_TEST_TOKEN_KEY"
KEY = "k" * 40  # at least 32 bytes, as the token key must be


@dataclass
class _Access:
    account: str
    expires: float  # time.time()


@dataclass
class _Device:
    user_code: str
    account: str
    approved: bool = False
    polls: int = 0


@dataclass
class TokenServer:
    """The authorization server. `account` is who signs in; `approve_after_polls`: a device
    code is approved by itself at that poll (a person entering the code meanwhile)."""

    account: str = "demouser"
    expires_in: int = 3600
    approve_after_polls: int = 1
    rotate_refresh: bool = False
    deny: bool = False  # the person declines the device sign-in
    grants: Counter[str] = field(default_factory=Counter)  # grant_type -> how many issued
    refused: Counter[str] = field(default_factory=Counter)  # RFC 6749 error code -> how many
    access: dict[str, _Access] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> account (live)
    devices: dict[str, _Device] = field(default_factory=dict)
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # code -> challenge...
    issued: list[str] = field(default_factory=list)  # every token and code handed out
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _http: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._http is not None
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def oauth2_settings(self, **extra: Any) -> dict[str, Any]:
        """The `[mailboxes.NAME.oauth2]` table pointing at this server."""
        return {
            "provider": "generic",
            "client_id": CLIENT_ID,
            "token_endpoint": f"{self.url}/token",
            "device_authorization_endpoint": f"{self.url}/device",
            "authorization_endpoint": f"{self.url}/authorize",
            "scopes": ["mail"],
            "key_env": KEY_ENV,
            **extra,
        }

    # --- what a test does to the issued tokens ---------------------------------------------

    def valid(self, token: str) -> str | None:
        """The account an access token is for, while it is live."""
        with self._lock:
            found = self.access.get(token)
            if found is None or found.expires <= time.time():
                return None
            return found.account

    def forget_access_tokens(self) -> None:
        """Every access token stops working (as when a provider rotates its signing keys)."""
        with self._lock:
            self.access.clear()

    def revoke(self) -> None:
        """The user revoked the app's access: no refresh or access token works any more."""
        with self._lock:
            self.access.clear()
            self.refresh.clear()

    # --- the HTTP side ----------------------------------------------------------------------

    def _new(self, prefix: str) -> str:
        token = f"{prefix}-{secrets.token_urlsafe(24)}"
        self.issued.append(token)
        return token

    def _tokens(self, grant: str, account: str, refresh: str | None = None) -> dict[str, Any]:
        access = self._new("at")
        self.access[access] = _Access(account, time.time() + self.expires_in)
        if refresh is None or self.rotate_refresh:
            if refresh is not None:
                del self.refresh[refresh]
            refresh = self._new("rt")
            self.refresh[refresh] = account
        self.grants[grant] += 1
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": refresh,
            "scope": "mail",
        }

    def _error(self, code: str) -> tuple[int, dict[str, Any]]:
        self.refused[code] += 1
        return 400, {"error": code, "error_description": f"test server: {code}"}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if form.get("client_id") != CLIENT_ID:
                return self._error("invalid_client")
            grant = form.get("grant_type", "")
            if grant == "refresh_token":
                account = self.refresh.get(form.get("refresh_token", ""))
                if account is None:
                    return self._error("invalid_grant")
                return 200, self._tokens(grant, account, form["refresh_token"])
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                device = self.devices.get(form.get("device_code", ""))
                if device is None:
                    return self._error("invalid_grant")
                device.polls += 1
                if self.deny:
                    return self._error("access_denied")
                if device.polls >= self.approve_after_polls:
                    device.approved = True
                if not device.approved:
                    return self._error("authorization_pending")
                del self.devices[form["device_code"]]
                return 200, self._tokens(grant, device.account)
            if grant == "authorization_code":
                found = self.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                digest = hashlib.sha256(verifier.encode()).digest()
                challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                if found is None or found[0] != challenge or found[1] != form.get("redirect_uri"):
                    return self._error("invalid_grant")
                return 200, self._tokens(grant, found[2])
            return self._error("unsupported_grant_type")

    def device(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if form.get("client_id") != CLIENT_ID:
                return self._error("invalid_client")
            code = self._new("dc")
            user_code = f"{secrets.randbelow(10000):04d}-{secrets.randbelow(10000):04d}"
            self.devices[code] = _Device(user_code, self.account)
        return 200, {
            "device_code": code,
            "user_code": user_code,
            "verification_uri": f"{self.url}/activate",
            "expires_in": 600,
            "interval": 1,
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Consent at once; the redirect back to the client's loopback listener."""
        with self._lock:
            code = self._new("code")
            self.codes[code] = (
                query.get("code_challenge", ""),
                query.get("redirect_uri", ""),
                self.account,
            )
        back = urlencode({"code": code, "state": query.get("state", "")})
        return f"{query.get('redirect_uri', '')}?{back}"

    def introspect(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        account = self.valid(form.get("token", ""))
        return 200, {"active": True, "username": account} if account else {"active": False}

    def start(self) -> TokenServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _form(self) -> dict[str, str]:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                return {k: v[0] for k, v in parse_qs(body).items()}

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                form = self._form()
                if path == "/token":
                    self._json(*owner.token(form))
                elif path == "/device":
                    self._json(*owner.device(form))
                elif path == "/introspect":
                    self._json(*owner.introspect(form))
                else:
                    self._json(404, {"error": "not_found"})

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/authorize":
                    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                    self.send_response(302)
                    self.send_header("Location", owner.authorize(query))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None


@contextmanager
def running_token_server(**kw: Any) -> Iterator[TokenServer]:
    server = TokenServer(**kw).start()
    try:
        yield server
    finally:
        server.stop()


def follow_redirect(url: str) -> None:
    """What the browser does in the loopback flow: open the authorization URL and follow its
    redirect to the client's listener on 127.0.0.1."""
    with urllib.request.urlopen(url, timeout=10) as resp:
        resp.read()


class OAuthSmtpHandler(ScriptedHandler):
    """ScriptedHandler that also offers AUTH XOAUTH2 and OAUTHBEARER (start the server with
    auth_exclude_mechanism=["OAUTHBEARER"] to offer XOAUTH2 alone), accepting only a live
    token of `tokens` for its account. `auths`: (mechanism, accepted) per AUTH."""

    def __init__(self, tokens: TokenServer) -> None:
        super().__init__()
        self.tokens = tokens
        self.auths: list[tuple[str, bool]] = []

    async def _sasl(self, server: SMTP, args: list[str], mechanism: str) -> AuthResult:
        if len(args) > 1:
            blob: Any = base64.b64decode(args[1])
        else:
            blob = await server.challenge_auth("")
        if not isinstance(blob, bytes):
            return AuthResult(success=False, handled=True)
        fields = dict(part.split("=", 1) for part in blob.decode().split("\x01") if "=" in part)
        user = fields.get("user", "")
        if mechanism == "OAUTHBEARER":  # RFC 7628 3.1: n,a=USER,
            header = blob.decode().split("\x01", 1)[0]
            user = next((p[2:] for p in header.split(",") if p.startswith("a=")), "")
        token = fields.get("auth", "").removeprefix("Bearer ")
        ok = bool(user) and self.tokens.valid(token) == user
        self.auths.append((mechanism, ok))
        if ok:
            return AuthResult(success=True, auth_data=user)
        # XOAUTH2 and RFC 7628 3.2.2: an error challenge, the client's dummy reply, then 535
        error = json.dumps({"status": "401", "schemes": "bearer"}).encode()
        await server.challenge_auth(error)
        return AuthResult(success=False, handled=False)

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._sasl(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._sasl(server, args, "OAUTHBEARER")


class OAuthImapServer(ImapServer):
    """pymap through tests/support/pymap_oauth.py: XOAUTH2 checked against `tokens`."""

    def __init__(self, log: Path, tokens: TokenServer) -> None:
        super().__init__(log)
        self.tokens = tokens

    def start(self) -> None:
        launcher = Path(__file__).with_name("pymap_oauth.py")
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    str(launcher),
                    f"{self.tokens.url}/introspect",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--no-tls",
                    "dict",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with self.client():
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"pymap did not start; see {self.log}")
