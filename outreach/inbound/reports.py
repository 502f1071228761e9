"""Machine-generated reports about our own mail: delivery status (RFC 3464) and ARF (RFC 5965).

The RFC 3464 parser runs first; flufl.bounce is only the fallback for non-standard bounces,
because it unions all its detectors and can pick addresses out of the quoted original
(flufl.bounce GitLab #12).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser

from flufl.bounce import all_failures

from outreach.inbound.decode import part_text
from outreach.inbound.model import Bounce

_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_SMTP_CODE = re.compile(r"(?<!\d)([45])\d\d(?!\d)")
_ACTION_RANK = {"failed": 0, "delayed": 1}
_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|mdaemon)@", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (status|failure|notification)|failure notice|returned mail|"
    r"mail delivery failed|could not be delivered|配信不能|不達|送信エラー|配送エラー",
    re.I,
)


@dataclass(frozen=True)
class Report:
    """What a DSN or ARF report says, before it is turned into a Classified."""

    bounce: Bounce | None
    original_message_id: str
    original_recipient: str
    reasons: tuple[str, ...]


def _fields(text: str) -> list[dict[str, str]]:
    """Blocks of `Name: value` lines separated by blank lines (continuations folded)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, ""
        elif line[0] in " \t" and last:
            current[last] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            last = name.strip().lower()
            current[last] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _status_part_blocks(part: Message, reasons: list[str]) -> list[dict[str, str]]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [{k.lower(): str(v).strip() for k, v in block.items()} for block in payload]
    return _fields(part_text(part, reasons))


def _address(value: str) -> str:
    """`rfc822; Taro@Example.JP` -> `taro@example.jp`."""
    addr = value.partition(";")[2] if ";" in value else value
    return addr.strip().strip("<>").strip().lower()


def _status_of(block: dict[str, str]) -> str:
    for source in (block.get("status", ""), block.get("diagnostic-code", "")):
        found = _STATUS.search(source)
        if found:
            return ".".join(found.groups())
    code = _SMTP_CODE.search(block.get("diagnostic-code", ""))
    if code:
        return f"{code.group(1)}.0.0"
    return "5.0.0" if block.get("action", "").lower() == "failed" else "4.0.0"


def _original(msg: Message, reasons: list[str]) -> tuple[str, str]:
    """(Message-ID, To) of the original message attached to a report, if any."""
    for part in msg.walk():
        ctype = part.get_content_type()
        headers: Message | None = None
        if ctype == "message/rfc822":
            inner = part.get_payload()
            headers = inner[0] if isinstance(inner, list) and inner else None
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers"):
            headers = HeaderParser().parsestr(part_text(part, reasons).lstrip())
        if headers is not None and headers.get("Message-ID"):
            to = re.findall(r"[\w.+\-]+@[\w.\-]+", str(headers.get("To", "")))
            return str(headers["Message-ID"]).strip(), (to[0].lower() if to else "")
    return "", ""


def _report_type(msg: Message) -> str:
    if msg.get_content_type() == "multipart/report":
        return str(msg.get_param("report-type", "") or "").lower()
    return ""


def delivery_status(msg: Message) -> Report | None:
    """An RFC 3464 DSN: the worst recipient (failed before delayed), or None if not a DSN."""
    reasons: list[str] = []
    parts = [p for p in msg.walk() if p.get_content_type() == "message/delivery-status"]
    if not parts and _report_type(msg) != "delivery-status":
        return None
    recipients = []
    for part in parts:
        blocks = _status_part_blocks(part, reasons)
        recipients += [b for b in blocks if "final-recipient" in b or "original-recipient" in b]
    if not recipients:
        reasons.append("delivery-status report without a recipient block")
        return Report(None, *_original(msg, reasons), tuple(reasons))
    recipients.sort(key=lambda b: _ACTION_RANK.get(b.get("action", "").lower(), 2))
    worst = recipients[0]
    action = worst.get("action", "").lower()
    status = _status_of(worst)
    rcpt = _address(worst.get("final-recipient") or worst.get("original-recipient", ""))
    bounce = Bounce(
        status=status,
        recipient=rcpt,
        permanent=status.startswith("5") and action in ("failed", ""),
        diagnostic=" ".join(worst.get("diagnostic-code", "").split()),
    )
    reasons.append(f"RFC 3464 delivery-status: Action {action or '?'}, Status {status}")
    msgid, _ = _original(msg, reasons)
    return Report(bounce, msgid, rcpt, tuple(reasons))


def _looks_like_bounce(msg: Message, from_addr: str, subject: str) -> bool:
    """Gate for flufl.bounce, whose phrase detectors would misfire on human replies."""
    null_sender = str(msg.get("Return-Path", "")).strip() == "<>"
    return bool(null_sender or _DAEMON.match(from_addr) or _BOUNCE_SUBJECT.search(subject))


def _text_status(body: str, rcpt: str, permanent: bool) -> tuple[str, str]:
    """Status and diagnostic line near the recipient in a free-text bounce."""
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if rcpt in line.lower():
            window = " ".join(lines[i : i + 4])
            found = _STATUS.search(window)
            diag = next((ln.strip() for ln in lines[i : i + 4] if _SMTP_CODE.search(ln)), "")
            if found:
                return ".".join(found.groups()), diag or line.strip()
            code = _SMTP_CODE.search(window)
            if code:
                return f"{code.group(1)}.0.0", diag
            return ("5.0.0" if permanent else "4.0.0"), line.strip()
    return ("5.0.0" if permanent else "4.0.0"), ""


def nonstandard_bounce(msg: Message, from_addr: str, subject: str, body: str) -> Report | None:
    """flufl.bounce's detectors, only for mail from a mailer daemon or with a bounce subject."""
    if not _looks_like_bounce(msg, from_addr, subject):
        return None
    try:
        temporary, permanent = all_failures(msg)
    except Exception:  # noqa: BLE001 - third-party detectors on malformed input
        return Report(None, "", "", ("flufl.bounce failed on this message",))
    addrs = sorted(a.decode("utf-8", "replace").lower() for a in permanent) or sorted(
        a.decode("utf-8", "replace").lower() for a in temporary
    )
    if not addrs:
        return None
    is_permanent = bool(permanent)
    rcpt = addrs[0]
    status, diagnostic = _text_status(body, rcpt, is_permanent)
    msgid = ""
    found = re.search(r"(?im)^\s*Message-ID:\s*(<[^>\s]+>)", body)
    if found:
        msgid = found.group(1)
    reasons = (f"non-standard bounce (flufl.bounce: {'permanent' if is_permanent else 'temporary'})",)
    return Report(Bounce(status, rcpt, is_permanent and status.startswith("5"), diagnostic), msgid, rcpt, reasons)


def complaint(msg: Message) -> Report | None:
    """An ARF feedback report (RFC 5965): the recipient marked our mail as spam."""
    reasons: list[str] = []
    parts = [p for p in msg.walk() if p.get_content_type() == "message/feedback-report"]
    if not parts and _report_type(msg) != "feedback-report":
        return None
    fields: dict[str, str] = {}
    for part in parts:
        for block in _status_part_blocks(part, reasons):
            fields.update(block)
    msgid, to = _original(msg, reasons)
    rcpt = _address(fields.get("original-rcpt-to", "")) or to
    reasons.append(f"ARF feedback-report: Feedback-Type {fields.get('feedback-type', '?')}")
    return Report(None, msgid, rcpt, tuple(reasons))

