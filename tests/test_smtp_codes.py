"""Classification of SMTP endings by phase and enhanced status code (RFC 3463, RFC 5321)."""

from __future__ import annotations

import pytest

from outreach.domain.outbox import Outcome
from outreach.domain.smtp_codes import Phase, classify_drop, classify_reply, enhanced_status

OUT, P = Outcome, Phase

REPLIES = [
    # phase, code, text, outcome
    (P.DOT, 250, "2.0.0 OK queued", OUT.SENT),
    (P.RCPT, 550, "5.1.1 User unknown", OUT.HARD_BOUNCE),
    (P.RCPT, 553, "5.1.3 Bad recipient address syntax", OUT.HARD_BOUNCE),
    (P.RCPT, 550, "No such user here", OUT.HARD_BOUNCE),  # bare 550 without an enhanced code
    (P.RCPT, 552, "5.2.2 Mailbox full", OUT.SOFT_BOUNCE),
    (P.RCPT, 550, "5.2.1 Mailbox disabled", OUT.SOFT_BOUNCE),
    (P.RCPT, 550, "5.7.1 Relaying denied", OUT.SENDER_FAULT),
    (P.RCPT, 550, "5.4.5 Daily sending quota exceeded", OUT.SENDER_FAULT),
    (P.RCPT, 503, "5.5.1 Need MAIL first", OUT.SENDER_FAULT),
    (P.RCPT, 451, "4.3.0 Try later", OUT.TRANSIENT),
    (P.RCPT, 450, "4.2.1 Rate limited", OUT.TRANSIENT),
    (P.MAIL, 421, "4.7.0 Closing", OUT.TRANSIENT),
    (P.MAIL, 550, "5.7.1 Sender not allowed", OUT.SENDER_FAULT),
    (P.MAIL, 553, "5.1.8 Bad sender domain", OUT.SENDER_FAULT),
    (P.AUTH, 535, "5.7.8 Authentication credentials invalid", OUT.SENDER_FAULT),
    (P.AUTH, 454, "4.7.0 Temporary authentication failure", OUT.SENDER_FAULT),
    (P.CONNECT, 554, "5.7.0 No SMTP service here", OUT.SENDER_FAULT),
    (P.CONNECT, 421, "4.3.2 Too busy", OUT.TRANSIENT),
    (P.DATA, 451, "4.3.0 Local error", OUT.TRANSIENT),
    (P.DATA, 554, "5.5.1 No valid recipients", OUT.SENDER_FAULT),
    (P.DOT, 554, "5.7.1 Message rejected as spam", OUT.REJECTED),
    (P.DOT, 550, "5.6.0 Content rejected", OUT.REJECTED),
    (P.DOT, 552, "5.3.4 Message too big", OUT.REJECTED),
    (P.DOT, 552, "5.2.2 Mailbox full", OUT.SOFT_BOUNCE),
    (P.DOT, 550, "5.1.1 User unknown", OUT.HARD_BOUNCE),
    (P.DOT, 451, "4.7.1 Greylisted", OUT.TRANSIENT),
    (P.DOT, 550, "5.4.5 Quota exceeded", OUT.SENDER_FAULT),
]


@pytest.mark.parametrize(("phase", "code", "text", "outcome"), REPLIES)
def test_reply_classification(phase: Phase, code: int, text: str, outcome: Outcome) -> None:
    assert classify_reply(phase, code, enhanced_status(text)) is outcome


@pytest.mark.parametrize(
    ("phase", "outcome"),
    [
        (P.CONNECT, OUT.SENDER_FAULT),
        (P.AUTH, OUT.SENDER_FAULT),
        (P.MAIL, OUT.TRANSIENT),
        (P.RCPT, OUT.TRANSIENT),
        (P.DATA, OUT.TRANSIENT),
        (P.DOT, OUT.AMBIGUOUS),
    ],
)
def test_drops_before_the_dot_retry_after_it_are_unknown(phase: Phase, outcome: Outcome) -> None:
    assert classify_drop(phase) is outcome


@pytest.mark.parametrize(
    ("text", "enhanced"),
    [
        ("5.1.1 User unknown", "5.1.1"),
        ("  4.7.0 later", "4.7.0"),
        ("User unknown", ""),
        ("5.1 short", ""),
        ("2.0.0", "2.0.0"),
        ("5.7.123 long", "5.7.123"),
    ],
)
def test_enhanced_status_parsing(text: str, enhanced: str) -> None:
    assert enhanced_status(text) == enhanced
