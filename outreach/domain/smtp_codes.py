"""Classify an SMTP attempt's ending by phase and enhanced status code (RFC 3463, RFC 5321).

The reply class alone is not enough: `550 5.1.1` on RCPT means the address is bad (suppress it),
`550 5.7.1` means our relay refuses us (pause the mailbox, blame nobody), and a drop after the
final dot means the message may have been delivered (never resend on our own).
"""

from __future__ import annotations

import re
from enum import StrEnum

from outreach.domain.outbox import Outcome


class Phase(StrEnum):
    """Where in the SMTP dialogue an attempt ended."""

    CONNECT = "connect"  # TCP, greeting, EHLO, TLS (implicit or STARTTLS)
    AUTH = "auth"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"  # the DATA command and the message bytes, before the final dot is written
    DOT = "dot"  # the reply after the final dot
    DONE = "done"


_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
_BARE_BAD_ADDRESS = frozenset({550, 551, 553})  # RFC 5321 codes that name the mailbox


def enhanced_status(message: str) -> str:
    """The RFC 3463 enhanced status code at the start of a reply text, or ''."""
    m = _ENHANCED.match(message or "")
    return ".".join(m.groups()) if m else ""


def _subject(enhanced: str) -> str:
    """'5.1.1' -> '1' (the subject digit), '' when absent."""
    parts = enhanced.split(".")
    return parts[1] if len(parts) == 3 else ""


def _sender_fault(enhanced: str) -> bool:
    """Relaying/policy, authentication, protocol misuse and our own sending quota."""
    return _subject(enhanced) in ("7", "5") or enhanced == "5.4.5"


def classify_reply(phase: Phase, code: int, enhanced: str) -> Outcome:
    """The outcome of a non-success reply `code` (with `enhanced` or '') received at `phase`."""
    if phase is Phase.DOT and 200 <= code < 300:
        return Outcome.SENT
    if 400 <= code < 500:
        # 454 4.7.0 on AUTH/STARTTLS is a credentials/TLS problem on our side, not a busy server.
        return (
            Outcome.SENDER_FAULT
            if phase is Phase.AUTH and enhanced.startswith("4.7.")
            else Outcome.TRANSIENT
        )
    if phase in (Phase.CONNECT, Phase.AUTH, Phase.MAIL):
        return Outcome.SENDER_FAULT  # 535, MAIL FROM refused, TLS refused: the mailbox is wrong
    subject = _subject(enhanced)
    if subject == "1" or (not enhanced and phase is Phase.RCPT and code in _BARE_BAD_ADDRESS):
        return Outcome.HARD_BOUNCE
    if subject == "2":
        return Outcome.SOFT_BOUNCE
    if phase is Phase.RCPT and _sender_fault(enhanced):
        return Outcome.SENDER_FAULT
    if phase in (Phase.DATA, Phase.DOT) and (subject == "5" or enhanced == "5.4.5"):
        return Outcome.SENDER_FAULT
    return Outcome.REJECTED  # content or policy on this one message (5.7.1 spam, 5.6.x, 5.3.4)


def classify_drop(phase: Phase) -> Outcome:
    """A timeout or disconnect (no reply) at `phase`."""
    if phase is Phase.DOT:
        return Outcome.AMBIGUOUS  # the bytes and the dot went out: maybe delivered
    if phase in (Phase.CONNECT, Phase.AUTH):
        return Outcome.SENDER_FAULT  # relay unreachable, TLS or AUTH broken: the mailbox's fault
    return Outcome.TRANSIENT
