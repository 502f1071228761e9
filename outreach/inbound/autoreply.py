"""Automatic replies (RFC 3834 headers, vendor headers, out-of-office subjects and bodies)."""

from __future__ import annotations

import re
import unicodedata
from email.message import Message

_SUBJECT = re.compile(
    r"^\s*(?:automatic\s+reply|auto\s*-?\s*reply|autoreply|auto\s*:|out\s+of\s+(?:the\s+)?office|"
    r"ooo\b|away\s+from\s+(?:the\s+)?office|vacation|自動応答|自動返信|【自動返信】|自動送信)"
    r"|out\s+of\s+(?:the\s+)?office|不在|自動返信|自動応答|休暇のお知らせ|休業のお知らせ|"
    r"休業のご案内|年末年始休業|夏季休業|自動送信",
    re.IGNORECASE,
)
_BODY = re.compile(
    r"\b(?:i\s*(?:am|'m)\s+(?:currently\s+)?(?:out\s+of\s+(?:the\s+)?office|away|on\s+(?:annual\s+)?"
    r"(?:leave|vacation|holiday|parental\s+leave))|(?:i\s*(?:am|'m)\s+)?out\s+of\s+(?:the\s+)?office\s+"
    r"(?:until|till|through|from|and)|this\s+is\s+an\s+automatic\s+reply|"
    r"(?:with\s+)?limited\s+access\s+to\s+(?:e-?mail|my\s+inbox))"
    r"|不在にしております|不在にしています|休暇をいただいております|休暇を頂いております|"
    r"休業とさせていただ|自動返信|自動応答|自動送信|出張のため",
    re.IGNORECASE,
)


def automatic_reasons(msg: Message, subject: str, own_text: str) -> list[str]:
    """Why this message is an automatic reply; empty if it looks written by a person."""
    reasons: list[str] = []
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        reasons.append(f"Auto-Submitted: {auto}")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if msg.get(name) is not None:
            reasons.append(f"{name} header")
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence in ("auto_reply", "bulk", "junk"):
        reasons.append(f"Precedence: {precedence}")
    suppress = str(msg.get("X-Auto-Response-Suppress", "")).lower()
    if "all" in suppress and msg.get("X-MS-Exchange-Inbox-Rules-Loop") is not None:
        reasons.append("Exchange inbox rule (X-Auto-Response-Suppress: All)")
    found = _SUBJECT.search(unicodedata.normalize("NFKC", subject))
    if found:
        reasons.append(f"out-of-office subject {found.group(0).strip()!r}")
    found = _BODY.search(unicodedata.normalize("NFKC", own_text))
    if found:
        reasons.append(f"out-of-office text {found.group(0).strip()!r}")
    return reasons
