"""OAuth2 for mailbox logins: the token client (authlib) and the SASL strings SMTP and IMAP send.

The protocol is authlib's (RFC 6749 token requests and client authentication, RFC 7636 PKCE,
error responses); this module only chooses the grant and turns what comes back into a `Grant`.
Nothing here keeps a token: the caller seals and stores it (services.mailbox.oauth).

Every error raised here is safe to log and to store as a pause reason: it names the endpoint's
host and the RFC 6749 5.2 error code, never a token, a code or the server's free-text
description (which may echo what was sent).
"""

from __future__ import annotations

import base64
import http.server
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx2
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.base import OAuth2Error

from outreach.config import OAuth2Config

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628 3.4


class OAuthFailure(Exception):
    """A token request failed; the message is safe to show, log and store."""


class TokenRevoked(OAuthFailure):
    """The refresh token no longer works (RFC 6749 5.2 `invalid_grant`): only a new login
    (`outreach mailbox login NAME`) fixes it."""


class AccessTokens(Protocol):
    """Where SMTP and IMAP get a mailbox's access token (services.mailbox.oauth.MailboxTokens).
    `renew`: the server refused the last one, refresh even if it has not expired. Blocking
    (it may call the token endpoint): the SMTP pool runs it in a worker thread."""

    user: str

    def access_token(self, renew: bool = False) -> str: ...


@dataclass(frozen=True)
class Grant:
    """A token response. The tokens are left out of repr so that no traceback shows them."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: float | None  # seconds from the response (None: the server did not say)
    scope: str = ""


@dataclass(frozen=True)
class DeviceCode:
    """RFC 8628 3.2: what the user is shown, and what we poll with."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: float
    interval: float


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def xoauth2(user: str, token: str) -> bytes:
    """The XOAUTH2 initial client response (before base64):
    https://developers.google.com/gmail/imap/xoauth2-protocol"""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def _saslname(user: str) -> str:
    """RFC 5801 section 4 (used by RFC 7628 3.1): ',' and '=' escaped in the GS2 header."""
    return user.replace("=", "=3D").replace(",", "=2C")


def oauthbearer(user: str, token: str, host: str, port: int) -> bytes:
    """The OAUTHBEARER initial client response (RFC 7628 3.1), before base64."""
    return (
        f"n,a={_saslname(user)},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"
    ).encode()


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


class TokenClient:
    """One provider's token endpoint (and its device or authorization endpoint)."""

    def __init__(self, cfg: OAuth2Config, client_secret: str | None) -> None:
        self.cfg = cfg
        self._secret = client_secret or None
        self.token_url = cfg.endpoint("token_endpoint")

    def _client(self, **kwargs: Any) -> OAuth2Client:
        # RFC 6749 2.3.1: a confidential client sends its secret in the body (accepted by
        # Google and Microsoft); a public client only names itself (authlib's "none").
        return OAuth2Client(
            client_id=self.cfg.client_id,
            client_secret=self._secret,
            token_endpoint_auth_method="client_secret_post" if self._secret else "none",
            scope=self.cfg.scope,
            timeout=self.cfg.timeout,
            **kwargs,
        )

    def _failure(self, url: str, exc: Exception) -> OAuthFailure:
        where = _host(url)
        if isinstance(exc, OAuthError):
            code = str(exc.error or "error")
            if code == "invalid_grant":
                return TokenRevoked(
                    f"{where} refused the refresh token (invalid_grant: revoked, expired or "
                    "the password changed)"
                )
            return OAuthFailure(f"{where} refused the token request ({code})")
        if isinstance(exc, OAuth2Error):  # e.g. a redirect whose `state` is not ours
            return OAuthFailure(f"the sign-in redirect was refused ({exc.error})")
        if isinstance(exc, httpx2.HTTPStatusError):
            return OAuthFailure(f"{where} answered HTTP {exc.response.status_code}")
        if isinstance(exc, httpx2.HTTPError):
            return OAuthFailure(f"cannot reach {where} ({type(exc).__name__})")
        return OAuthFailure(f"{where} sent a response that is not a token ({type(exc).__name__})")

    @staticmethod
    def _grant(token: Mapping[str, Any], refresh_token: str = "") -> Grant:
        access = str(token.get("access_token") or "")
        refresh = str(token.get("refresh_token") or refresh_token)
        if not access:
            raise ValueError("no access_token")
        expires = token.get("expires_in")
        return Grant(
            access,
            refresh,
            float(expires) if isinstance(expires, int | float | str) and expires else None,
            str(token.get("scope") or ""),
        )

    def refresh(self, refresh_token: str) -> Grant:
        """RFC 6749 section 6. A response without a refresh token keeps the one sent."""
        try:
            with self._client() as client:
                token = client.refresh_token(self.token_url, refresh_token=refresh_token)
                return self._grant(token, refresh_token)
        except (OAuthError, httpx2.HTTPError, ValueError) as exc:
            raise self._failure(self.token_url, exc) from None

    # --- RFC 8628: device authorization grant ---------------------------------------------

    def start_device(self) -> DeviceCode:
        """RFC 8628 3.1-3.2: ask for a device code and the code the user types."""
        url = self.cfg.endpoint("device_authorization_endpoint")
        try:
            with self._client() as client:
                resp = client.post(
                    url,
                    data={"scope": self.cfg.scope},
                    auth=client.client_auth(client.token_endpoint_auth_method),
                )
                body = (
                    resp.json()
                    if resp.headers.get("content-type", "").startswith("application/json")
                    else {}
                )
                if not isinstance(body, dict) or "error" in body or resp.status_code != 200:
                    code = body.get("error") if isinstance(body, dict) else None
                    raise OAuthError(error=code or f"HTTP {resp.status_code}")
        except (OAuthError, httpx2.HTTPError, ValueError) as exc:
            raise self._failure(url, exc) from None
        # Microsoft's v2 endpoint says `verification_uri`; Google's says `verification_url`.
        uri = str(body.get("verification_uri") or body.get("verification_url") or "")
        if not body.get("device_code") or not body.get("user_code") or not uri:
            raise OAuthFailure(f"{_host(url)} sent a device authorization without a code")
        return DeviceCode(
            str(body["device_code"]),
            str(body["user_code"]),
            uri,
            str(body.get("verification_uri_complete") or ""),
            float(body.get("expires_in") or 600),
            float(body.get("interval") or 5),  # RFC 8628 3.2: 5 s when absent
        )

    def poll_device(
        self, device: DeviceCode, *, sleep: Callable[[float], None] = time.sleep
    ) -> Grant:
        """RFC 8628 3.4-3.5: poll the token endpoint until the user approves or declines."""
        interval = device.interval
        deadline = time.monotonic() + device.expires_in
        with self._client() as client:
            while True:
                try:
                    token = client.fetch_token(
                        self.token_url, grant_type=DEVICE_GRANT, device_code=device.device_code
                    )
                    return self._grant(token)
                except OAuthError as exc:
                    if exc.error == "authorization_pending":
                        pass
                    elif exc.error == "slow_down":
                        interval += 5  # RFC 8628 3.5
                    elif exc.error == "access_denied":
                        raise OAuthFailure("the sign-in was declined") from None
                    elif exc.error == "expired_token":
                        raise OAuthFailure(
                            "the code expired before the sign-in; run it again"
                        ) from None
                    else:
                        raise self._failure(self.token_url, exc) from None
                except (httpx2.HTTPError, ValueError) as exc:
                    raise self._failure(self.token_url, exc) from None
                if time.monotonic() + interval > deadline:
                    raise OAuthFailure("the code expired before the sign-in; run it again")
                sleep(interval)

    # --- RFC 8252: authorization code on a loopback redirect, with PKCE (RFC 7636) ---------

    def loopback(self, show: Callable[[str], None], *, wait_seconds: float = 300.0) -> Grant:
        """Open a one-shot HTTP listener on 127.0.0.1 (RFC 8252 7.3), `show` the authorization
        URL (the caller prints it or opens a browser), take the redirect, exchange the code."""
        auth_url = self.cfg.endpoint("authorization_endpoint")
        received: list[str] = []
        done = threading.Event()

        class Redirect(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if "code=" in self.path or "error=" in self.path:
                    received.append(self.path)
                    done.set()
                body = b"outreach: signed in; you can close this tab.\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line holds the authorization code: never print it

        server = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
        thread = threading.Thread(target=server.serve_forever, name="oauth-loopback", daemon=True)
        thread.start()
        redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/"
        verifier = secrets.token_urlsafe(64)  # RFC 7636 4.1: 43-128 characters
        try:
            with self._client(redirect_uri=redirect_uri, code_challenge_method="S256") as client:
                url, state = client.create_authorization_url(auth_url, code_verifier=verifier)
                show(url)
                if not done.wait(wait_seconds):
                    raise OAuthFailure(f"no sign-in came back within {wait_seconds:g} s")
                path = received[0]
                if "error=" in path and "code=" not in path:
                    raise OAuthFailure("the sign-in was declined")
                try:
                    token = client.fetch_token(
                        self.token_url,
                        authorization_response=redirect_uri.rstrip("/") + path,
                        state=state,
                        code_verifier=verifier,
                        redirect_uri=redirect_uri,
                    )
                    return self._grant(token)
                except (OAuthError, OAuth2Error, httpx2.HTTPError, ValueError) as exc:
                    raise self._failure(self.token_url, exc) from None
        finally:
            server.shutdown()
            server.server_close()
