"""Unsubscribe tokens: genuine ones verify, forged or altered ones do not."""

from __future__ import annotations

from outreach.domain.optout import sign_unsubscribe, verify_unsubscribe


def test_token_round_trip_and_tampering() -> None:
    token = sign_unsubscribe("key", campaign="spring", email="hanako@example.com")
    assert verify_unsubscribe("key", token) == ("spring", "hanako@example.com")
    assert verify_unsubscribe("other-key", token) is None
    payload, mac = token.split(".")
    forged = sign_unsubscribe("key", campaign="spring", email="boss@example.com").split(".")[0]
    assert verify_unsubscribe("key", f"{forged}.{mac}") is None
    assert verify_unsubscribe("key", "garbage") is None
    assert verify_unsubscribe("key", "") is None
    assert all(c.isalnum() or c in "-_." for c in token)  # URL-safe as is
