"""Automatic replies (RFC 3834 headers, vendor headers, out-of-office subjects and bodies)."""

from __future__ import annotations

import re
import unicodedata
from email.message import Message

# Subjects auto-responders write; "vacation" alone is left out (people write about vacations).
_SUBJECT = re.compile(
    r"^\s*(?:automatic\s+reply|auto\s*-?\s*reply|autoreply|auto\s*:|ooo\b)"
    r"|out\s+of\s+(?:the\s+)?office|不在|自動返信|自動応答|自動送信|休暇のお知らせ|"
    r"休業のお知らせ|休業のご案内|年末年始休業|夏季休業",
    re.IGNORECASE,
)
# Only formulaic responder wording counts on its own: a person may well write "I'm away until
# Monday, but yes!" in a real reply, which must stay a reply.
_BODY = re.compile(
    r"\bi\s*(?:am|'m)\s+(?:currently\s+)?(?:out\s+of\s+(?:the\s+)?office|away\s+from\s+(?:the\s+)?"
    r"office|on\s+(?:annual|parental|maternity|paternity)\s+leave)|this\s+is\s+an\s+automatic\s+"
    r"(?:reply|response)|\bauto(?:matic)?[-\s]?reply\b"
    r"|不在にしております|不在にしています|休暇をいただいております|休暇を頂いております|"
    r"休業とさせていただ|自動返信|自動応答|自動送信|このメールは自動",
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
