"""Unsubscribe tokens: genuine ones verify, forged, altered, respelled or expired ones do not."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import date, timedelta

import pytest

from outreach.domain.optout import (
    LEGACY_ACCEPTED_UNTIL,
    TOKEN_LIFETIME,
    Expired,
    KeyTooShort,
    OptOut,
    sign_unsubscribe,
    verify_unsubscribe,
)

KEY = "k" * 16 + "0123456789abcdef"  # 32 bytes
DAY = date(2026, 12, 6)


def _legacy(key: str, campaign: str, email: str) -> str:
    """A token as the earlier format made it: base64(campaign, address) '.' HMAC."""
    payload = base64.urlsafe_b64encode(f"{campaign}\n{email}".encode()).rstrip(b"=").decode()
    mac = hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest()[:16]
    return f"{payload}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def test_token_round_trip_and_tampering() -> None:
    token = sign_unsubscribe(KEY, campaign="spring", email="hanako@example.com", issued=DAY)
    assert verify_unsubscribe(KEY, token, today=DAY) == OptOut("spring", "hanako@example.com", DAY)
    assert verify_unsubscribe("another-key-of-32-bytes-or-more!!", token, today=DAY) is None
    for i in range(len(token)):  # every single-character change is refused
        c = "A" if token[i] != "A" else "B"
        assert verify_unsubscribe(KEY, token[:i] + c + token[i + 1 :], today=DAY) is None
    assert verify_unsubscribe(KEY, "garbage", today=DAY) is None
    assert verify_unsubscribe(KEY, "", today=DAY) is None
    assert all(c.isalnum() or c in "-_" for c in token)  # URL-safe as is


def test_token_reveals_nothing_about_the_address() -> None:
    token = sign_unsubscribe(KEY, campaign="spring", email="hanako@example.com", issued=DAY)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"hanako" not in raw and b"example" not in raw and b"spring" not in raw
    again = sign_unsubscribe(KEY, campaign="spring", email="hanako@example.com", issued=DAY)
    assert again != token  # a fresh nonce each time: two tokens are not linkable
    short = sign_unsubscribe(KEY, campaign="s", email="a@b.jp", issued=DAY)
    longer = sign_unsubscribe(
        KEY, campaign="spring-2026", email="a.long.name@sub.example.co.jp", issued=DAY
    )
    assert len(short) == len(token) == len(longer) == 124  # padded: the length says nothing


def test_only_one_spelling_verifies() -> None:
    token = ""
    while not ("-" in token or "_" in token):  # so that the standard alphabet spells it apart
        token = sign_unsubscribe(KEY, campaign="spring", email="hanako@example.com", issued=DAY)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    std = base64.b64encode(raw).decode()
    spellings = [
        token + "=",  # padded
        token + "==",
        std.rstrip("="),  # the standard alphabet where it differs
        std,
        token.swapcase(),
        token + "\n",
        " " + token,
    ]
    assert len(raw) % 3 == 0  # 93 bytes: no unused bits in the last character to respell
    for spelling in spellings:
        assert verify_unsubscribe(KEY, spelling, today=DAY) is None, spelling


def test_tokens_expire_after_their_lifetime() -> None:
    token = sign_unsubscribe(KEY, campaign="spring", email="hanako@example.com", issued=DAY)
    last = DAY + TOKEN_LIFETIME
    assert timedelta(days=400) == TOKEN_LIFETIME
    assert isinstance(verify_unsubscribe(KEY, token, today=last), OptOut)
    assert verify_unsubscribe(KEY, token, today=last + timedelta(days=1)) == Expired(last)


def test_a_key_shorter_than_32_bytes_is_refused() -> None:
    with pytest.raises(KeyTooShort, match="31 bytes"):
        sign_unsubscribe("x" * 31, campaign="spring", email="a@b.jp", issued=DAY)
    with pytest.raises(KeyTooShort):
        verify_unsubscribe("abc", "garbage", today=DAY)


def test_tokens_of_the_earlier_format_verify_until_their_cutoff_in_one_spelling() -> None:
    old = _legacy(KEY, "spring", "taro@example.jp")
    assert verify_unsubscribe(KEY, old, today=DAY) == OptOut("spring", "taro@example.jp", None)
    assert verify_unsubscribe(KEY, old, today=LEGACY_ACCEPTED_UNTIL + timedelta(days=1)) == Expired(
        LEGACY_ACCEPTED_UNTIL
    )
    payload, mac = old.split(".")
    low_bits = (
        mac[:-1]
        + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(mac[-1]) | 1)
        ]
    )  # 16 bytes in 22 characters: the last one's 4 low bits are unused
    respelled = (
        f"{payload}=.{mac}",
        f"{payload}.{mac}==",
        old.replace("-", "+").replace("_", "/"),
        f"{payload}.{low_bits}",
    )
    assert base64.urlsafe_b64decode(low_bits + "==") == base64.urlsafe_b64decode(mac + "==")
    for spelling in respelled:
        if spelling != old:
            assert verify_unsubscribe(KEY, spelling, today=DAY) is None, spelling
    other = _legacy(KEY, "spring", "boss@example.jp").split(".")[0]
    assert verify_unsubscribe(KEY, f"{other}.{mac}", today=DAY) is None
    assert (
        verify_unsubscribe(
            KEY, _legacy("another-key-of-32-bytes-or-more!!", "spring", "t@x.jp"), today=DAY
        )
        is None
    )


def test_signing_is_fast_enough_for_a_batch() -> None:
    # CPU time of this process: the bound is on the work done, which other processes sharing the
    # machine (the suite's parallel workers) cannot stretch as they stretch wall-clock time.
    start = time.process_time()
    for i in range(2000):
        sign_unsubscribe(KEY, campaign="spring", email=f"user{i}@example.jp", issued=DAY)
    assert time.process_time() - start < 1.0
