"""Signed one-click unsubscribe tokens (RFC 8058): who opted out of which campaign.

The token carries the campaign slug and the address, signed with an HMAC key that only the
environment holds, so a token cannot be forged or pointed at someone else's address. Pure:
the caller passes the key; nothing here reads the environment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_MAC_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, payload: str) -> bytes:
    return hmac.new(key.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest()[
        :_MAC_BYTES
    ]


def sign_unsubscribe(key: str, *, campaign: str, email: str) -> str:
    """An opaque URL-safe token for (campaign, address)."""
    payload = _b64(f"{campaign}\n{email}".encode())
    return f"{payload}.{_b64(_mac(key, payload))}"


def verify_unsubscribe(key: str, token: str) -> tuple[str, str] | None:
    """(campaign, address) when the token is genuine, else None."""
    payload, _, mac = token.partition(".")
    try:
        if not hmac.compare_digest(_unb64(mac), _mac(key, payload)):
            return None
        campaign, _, email = _unb64(payload).decode("utf-8").partition("\n")
    except (ValueError, UnicodeDecodeError):
        return None
    return (campaign, email) if email else None
