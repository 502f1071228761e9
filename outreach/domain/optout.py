"""One-click unsubscribe tokens (RFC 8058): who opted out of which campaign, sealed.

A token is campaign, address and day of issue encrypted and authenticated with
ChaCha20-Poly1305 (RFC 8439) under a key derived from a secret of at least 32 bytes: it
reveals nothing but a length rounded up to 64 bytes, cannot be forged or re-pointed, has one
spelling, and expires TOKEN_LIFETIME after issue. The caller passes the key (and the day).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from outreach.config import UNSUBSCRIBE_KEY_MIN_BYTES as MIN_KEY_BYTES

# Far beyond what the law asks (CAN-SPAM: 30 days after sending; Japan's Act on Specified
# Electronic Mail: for as long as mail is sent), so a link in a year-old message still works.
TOKEN_LIFETIME = timedelta(days=400)
# Tokens of the earlier format (HMAC-signed, address readable) are honoured until then, the
# same 400 days from the day the sealed format replaced them, so mail already sent keeps working.
LEGACY_ACCEPTED_UNTIL = date(2028, 1, 10)

_VERSION = b"\x01"
_AAD = b"outreach one-click unsubscribe v1"
_NONCE = 12
_TAG = 16
_HEAD = struct.Struct(">IBH")  # day of issue (days since 1970-01-01), campaign and address length
_BLOCK = 64  # the plaintext is zero-padded to a multiple of this: the length says ~nothing
_MAX_TOKEN = 1024  # characters; longer is never one of ours
_EPOCH = date(1970, 1, 1)
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
_LEGACY_MAC = 16


class KeyTooShort(ValueError):
    """The secret is shorter than MIN_KEY_BYTES."""


@dataclass(frozen=True)
class OptOut:
    """A genuine token's content."""

    campaign: str
    email: str
    issued: date | None  # None for a token of the earlier format


@dataclass(frozen=True)
class Expired:
    """A genuine token past its lifetime: it no longer unsubscribes anyone."""

    expired_on: date


def _secret(key: str) -> bytes:
    raw = key.encode("utf-8")
    if len(raw) < MIN_KEY_BYTES:
        raise KeyTooShort(
            f"the unsubscribe key is {len(raw)} bytes; at least {MIN_KEY_BYTES} are needed"
        )
    return raw


@functools.lru_cache(maxsize=4)
def _aead(key: str) -> ChaCha20Poly1305:
    # HKDF (RFC 5869) turns a text secret into a uniform 256-bit key bound to this one use.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_AAD).derive(_secret(key))
    return ChaCha20Poly1305(derived)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Strict base64url without padding: any other spelling of the same bytes is refused."""
    if len(text) > _MAX_TOKEN or not _ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not canonical base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(raw) != text:  # non-zero unused bits in the last character
        raise ValueError("not canonical base64url")
    return raw


def sign_unsubscribe(key: str, *, campaign: str, email: str, issued: date | None = None) -> str:
    """A URL-safe opaque token for (campaign, address), issued on `issued` (default: today, UTC)."""
    issued = issued or datetime.now(UTC).date()
    c, e = campaign.encode("utf-8"), email.encode("utf-8")
    if len(c) > 0xFF or len(e) > 0xFFFF:
        raise ValueError("campaign or address too long for a token")
    plain = _HEAD.pack((issued - _EPOCH).days, len(c), len(e)) + c + e
    plain += bytes(-len(plain) % _BLOCK)
    nonce = os.urandom(_NONCE)  # random 96-bit nonce: a collision is ~2^-32 after 2^32 tokens
    return _b64(_VERSION + nonce + _aead(key).encrypt(nonce, plain, _AAD + _VERSION))


def _open(key: str, token: str) -> OptOut | None:
    raw = _unb64(token)
    if len(raw) < 1 + _NONCE + _TAG + _BLOCK or raw[:1] != _VERSION:
        return None
    nonce, sealed = raw[1 : 1 + _NONCE], raw[1 + _NONCE :]
    try:
        plain = _aead(key).decrypt(nonce, sealed, _AAD + _VERSION)
    except InvalidTag:
        return None
    days, clen, elen = _HEAD.unpack_from(plain)
    end = _HEAD.size + clen + elen
    if end > len(plain) or any(plain[end:]):
        return None
    campaign = plain[_HEAD.size : _HEAD.size + clen].decode("utf-8")
    email = plain[_HEAD.size + clen : end].decode("utf-8")
    return OptOut(campaign, email, _EPOCH + timedelta(days=days)) if email else None


def _legacy_mac(key: str, payload: str) -> bytes:
    return hmac.new(key.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest()[
        :_LEGACY_MAC
    ]


def _open_legacy(key: str, token: str) -> OptOut | None:
    """The earlier `payload.mac` format (HMAC-SHA256), canonical spelling only."""
    payload, _, mac = token.partition(".")
    if not hmac.compare_digest(_unb64(mac), _legacy_mac(key, payload)):
        return None
    campaign, _, email = _unb64(payload).decode("utf-8").partition("\n")
    return OptOut(campaign, email, None) if email else None


def verify_unsubscribe(key: str, token: str, *, today: date) -> OptOut | Expired | None:
    """The token's content when it is genuine and current, Expired when genuine but too old,
    else None. Raises KeyTooShort for a key under MIN_KEY_BYTES."""
    _secret(key)
    try:
        if "." in token:
            found = _open_legacy(key, token)
            if found is not None and today > LEGACY_ACCEPTED_UNTIL:
                return Expired(LEGACY_ACCEPTED_UNTIL)
            return found
        found = _open(key, token)
    except (ValueError, UnicodeDecodeError):  # not canonical base64url, not UTF-8
        return None
    if found is not None and found.issued is not None and today > found.issued + TOKEN_LIFETIME:
        return Expired(found.issued + TOKEN_LIFETIME)
    return found
