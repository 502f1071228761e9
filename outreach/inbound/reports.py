"""Machine-generated reports about our own mail: bounces (RFC 3464 and free text), complaints
(ARF, RFC 5965, and the non-ARF forms) and unsubscribe requests.

The RFC 3464 fields are read first; a bounce without them is read as text (bounce_text). The
reason and whose side failed come from bounce_reasons. flufl.bounce's detectors only add
weight to an address the text parser found, because they union all detectors and can pick
addresses out of the quoted original (flufl.bounce GitLab #12).

Longer than 400 lines on purpose: the report formats share their address and status extraction,
so they are read side by side.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses

from flufl.bounce import all_failures

from outreach.domain.address import normalise_address
from outreach.inbound import bounce_text
from outreach.inbound.bounce_reasons import (
    SENDER_SIDE_HINT,
    SUCCESS_ACTIONS,
    best_status,
    one_line,
    squash,
    verdict,
)
from outreach.inbound.decode import decode_bytes, own_parts, part_text
from outreach.inbound.model import Bounce

_ACTION_RANK = {"failed": 0, "delayed": 1}
_STATUS_TYPES = (
    "message/delivery-status",
    "message/global-delivery-status",
    "text/delivery-status",  # mislabelled by some servers
)
_MSGID_HEADER = re.compile(
    r"(?im)^(?:message-id|in-reply-to|references|x-ms-exchange-[a-z-]*messageid)\s*:\s*(.*)$"
)
# Hotmail/Outlook.com JMRP complaints: a message/rfc822 copy carrying this header.
_JMRP_HEADER = "X-HmXmrOriginalRecipient"
_COMPLAINT_SUBJECT = re.compile(
    r"complaint about message|abuse report|spam report|feedback report", re.IGNORECASE
)
# A person forwarding a bounce to us ("Fwd: Returned mail: ..."): the report is quoted inside.
_FORWARDED = re.compile(r"^\s*(?:fwd?|転送)\s*[:：]", re.IGNORECASE)
# [ \t]*, not \s*: \s also matches line ends, which makes a multi-line search quadratic.
_FINAL_RECIPIENT = re.compile(r"(?im)^[ \t]*final-recipient[ \t]*:")
_QUOTED_DAEMON = re.compile(
    r"(?im)^[> ]*from:.*(?:mailer-daemon|mail delivery (?:subsystem|system)|postmaster)"
)
# A List-Unsubscribe mailto: request (RFC 2369; Apple Mail sends one with Auto-Submitted).
_UNSUBSCRIBE_SUBJECT = re.compile(r"^\s*\[?\s*unsubscribe\b", re.IGNORECASE)


@dataclass(frozen=True)
class Report:
    """What a DSN or ARF report says, before it is turned into a Classified."""

    bounce: Bounce | None
    original_message_id: str
    original_recipient: str
    reasons: tuple[str, ...]
    kind: str = ""  # "" (decided by the caller), "complaint", "opt_out", "delivered"


@dataclass(frozen=True)
class _Original:
    """What is known of our message quoted inside a report."""

    message_id: str = ""
    to: tuple[str, ...] = ()  # To, Cc, X-Original-To, Received "for <...>"
    senders: tuple[str, ...] = ()  # From, Sender, Return-Path, Reply-To


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
        blocks = [b for b in payload if isinstance(b, Message)]
        return [{k.lower(): str(v).strip() for k, v in block.items()} for block in blocks]
    return _fields(part_text(part, reasons))


def _address(value: str) -> str:
    """`rfc822; Taro@Example.JP` -> `taro@example.jp`."""
    addr = value.partition(";")[2] if ";" in value else value
    return normalise_address(addr.strip().strip("<>").strip().strip("'\""))


def _emails(values: list[str]) -> list[str]:
    out = []
    for _, addr in getaddresses(values):
        addr = normalise_address(addr)
        if bounce_text.valid_address(addr):
            out.append(addr)
    return out


_HEADER_START = re.compile(r"(?m)^[A-Za-z][A-Za-z0-9-]{0,40}:[ \t]")


def _headers_of(text: str) -> Message:
    """The header block of a copied message; notes before it (Exim's "------ The body of the
    message is 5384741 characters long") are skipped."""
    start = _HEADER_START.search(text[:2000])
    return HeaderParser().parsestr(text[start.start() :] if start else text.lstrip())


def _original_from_headers(headers: Message) -> _Original:
    to = _emails(
        [
            str(v)
            for n in ("To", "Cc", "X-Original-To", "Delivered-To", _JMRP_HEADER)
            for v in headers.get_all(n, [])
        ]
    )
    copied = _emails([str(v) for v in headers.get_all("Cc", [])])
    for received in headers.get_all("Received", []):
        to += [
            normalise_address(a)
            for a in re.findall(r"\bfor\s+<?([^<>\s;]+@[^<>\s;]+?)>?(?:;|\s|$)", str(received))
            if bounce_text.valid_address(normalise_address(a))
        ]
    senders = _emails(
        [
            str(v)
            for n in ("From", "Sender", "Return-Path", "Reply-To")
            for v in headers.get_all(n, [])
        ]
    )
    # A sender who copied itself (Cc: its own address) did not fail to reach itself: when
    # the real recipient is unreadable, its own address must not stand in for it. (A test
    # mail To: oneself does fail to reach oneself, so To is kept.)
    self_copies = {a for a in copied if a in senders} - set(
        _emails([str(v) for v in headers.get_all("To", [])])
    )
    to = [a for a in to if a not in self_copies]
    msgid = str(headers.get("Message-ID", "") or "").strip()
    found = re.search(r"<[^<>\s]+>", msgid)
    return _Original(
        found.group(0) if found else "", tuple(dict.fromkeys(to)), tuple(dict.fromkeys(senders))
    )


def _original(msg: Message, reasons: list[str], text_copy: str = "") -> _Original:
    """Our message attached to a report (message/rfc822, its headers, or a text copy)."""
    for part in own_parts(msg):
        ctype = part.get_content_type()
        headers: Message | None = None
        if ctype == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            headers = first if isinstance(first, Message) else None
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers", "text/rfc822-header"):
            headers = _headers_of(part_text(part, reasons))
        if headers is not None and (headers.get("Message-ID") or headers.get("To")):
            return _original_from_headers(headers)
    if text_copy.strip():
        return _original_from_headers(_headers_of(text_copy))
    return _Original()


def _report_type(msg: Message) -> str:
    if msg.get_content_type() == "multipart/report":
        return str(msg.get_param("report-type", "") or "").lower()
    return ""


def _leaf_texts(msg: Message, reasons: list[str]) -> list[str]:
    """Decoded text of every own text part (not attached messages)."""
    texts = []
    for part in own_parts(msg):
        if part.is_multipart() or part.get_content_type().startswith("message/"):
            continue
        broken = part.get_content_maintype() == "multipart"  # its structure did not parse
        if part.get_content_maintype() == "text" or part is msg or broken:
            texts.append(part_text(part, reasons))
    return texts


def _message_ids(msg: Message, texts: list[str]) -> set[str]:
    """Every Message-ID in the report and its copies: never a recipient (Zoho quotes one)."""
    ids: set[str] = set()
    sources = [f"{k}: {v}" for k, v in msg.items()] + texts
    for text in sources:
        for value in _MSGID_HEADER.findall(text):
            ids.update(m.lower() for m in re.findall(r"<?([^<>\s]+@[^<>\s]+?)>?(?:\s|$)", value))
    return ids


def _recipient_blocks(msg: Message, reasons: list[str]) -> list[dict[str, str]]:
    """Per-recipient fields of the report's status part, or of DSN fields written in its text."""
    blocks: list[dict[str, str]] = []
    for part in own_parts(msg):
        if part.get_content_type() in _STATUS_TYPES:
            if part.get_content_type() == "text/delivery-status":
                reasons.append("status part labelled text/delivery-status")
            blocks += _status_part_blocks(part, reasons)
    found = [b for b in blocks if "final-recipient" in b or "original-recipient" in b]
    if found:
        return found
    for text in _leaf_texts(msg, reasons):
        if _FINAL_RECIPIENT.search(text):
            report, _ = _split_at_copy(text)
            found += [b for b in _fields(report) if "final-recipient" in b]
    if found:
        reasons.append("delivery-status fields read from the report's text")
    return found


def _split_at_copy(text: str) -> tuple[str, str]:
    """The report text before an attached copy of the original (DSN fields stay in)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if bounce_text.ORIGINAL.match(line):
            return "\n".join(lines[:i]), "\n".join(lines[i + 1 :])
    return text, ""


def _unjis(value: str) -> str:
    """A header-like field with raw ISO-2022-JP in it (Lotus Domino's Diagnostic-Code)."""
    if "\x1b$" not in value:
        return value
    return decode_bytes(value.encode("latin-1", "replace"), "iso-2022-jp", [])


def _failed_header(msg: Message) -> list[str]:
    """Exim's X-Failed-Recipients header: the addresses that failed, as we addressed them."""
    return _emails([str(v) for v in msg.get_all("X-Failed-Recipients", [])])


def _pick_recipient(block: dict[str, str], original: _Original, failed: list[str]) -> str:
    """The failed address: Final-, Original- or X-Actual-Recipient, preferring one we mailed;
    else X-Failed-Recipients, else the original's only To."""
    names = ("final-recipient", "original-recipient", "x-actual-recipient")
    values = [_address(block.get(n, "")) for n in names]
    valid = [v for v in values if bounce_text.valid_address(v)]
    for value in valid:
        if value in original.to:
            return value
    if valid:
        return valid[0]
    if len(failed) == 1:
        return failed[0]
    return original.to[0] if len(original.to) == 1 else ""


@dataclass(frozen=True)
class _Failure:
    recipient: str
    action: str
    status_field: str
    diagnostic: str


def _bounce(f: _Failure, context: str) -> tuple[Bounce, str]:
    status = best_status(f.status_field, f.diagnostic, f.action, context)
    v = verdict(status, f.diagnostic, f.action, context)
    side = (
        f" (sender side: {SENDER_SIDE_HINT.get(v.reason, v.reason)}; not suppressed)"
        if v.sender_side
        else ""
    )
    why = f"reason {v.reason}: {v.why}{side}"
    return Bounce(
        status, f.recipient, v.permanent, f.diagnostic[:500], v.reason, v.sender_side
    ), why


def delivery_status(msg: Message) -> Report | None:
    """An RFC 3464 DSN: the worst recipient (failed before delayed), or None if not a DSN."""
    reasons: list[str] = []
    has_part = any(p.get_content_type() in _STATUS_TYPES for p in own_parts(msg))
    blocks = _recipient_blocks(msg, reasons)
    if not blocks and not has_part and _report_type(msg) != "delivery-status":
        return None
    texts = _leaf_texts(msg, reasons)
    human = next((t for t in texts if not _FINAL_RECIPIENT.search(t)), "")
    report_text, copy = bounce_text.split_original(human)
    original = _original(msg, reasons, copy)
    if not blocks:
        reasons.append("delivery-status report without a recipient block")
        return Report(None, original.message_id, "", tuple(reasons))
    actions = [b.get("action", "").lower().split(" ")[0].strip("();") for b in blocks]
    if all(a in SUCCESS_ACTIONS for a in actions):
        reasons.append(f"success DSN (Action: {actions[0]}): not a bounce")
        return Report(None, original.message_id, "", tuple(reasons), kind="delivered")
    order = sorted(range(len(blocks)), key=lambda i: _ACTION_RANK.get(actions[i], 2))
    i = order[0]
    worst = blocks[i]
    rcpt = _pick_recipient(worst, original, _failed_header(msg))
    diagnostic = one_line(_unjis(worst.get("diagnostic-code", "")))
    lines = report_text.split("\n")
    near = next((n for n, ln in enumerate(lines) if rcpt and rcpt in ln.lower()), -1)
    context = bounce_text.diagnostic_near(lines, near, rcpt) if near >= 0 else ""
    failure = _Failure(rcpt, actions[i], worst.get("status", ""), diagnostic)
    bounce, why = _bounce(failure, context)
    if not rcpt:
        reasons.append("no valid recipient address in the report: matched by Message-ID only")
    reasons.insert(
        0, f"RFC 3464 delivery-status: Action {actions[i] or '?'}, Status {bounce.status}; {why}"
    )
    return Report(bounce, original.message_id, rcpt, tuple(reasons))


def bounce_signs(msg: Message, from_addr: str, subject: str) -> tuple[bool, bool, bool]:
    """(strong, weak, daemon) signs of a report from a mail system.

    Strong: a daemon's From (MAILER-DAEMON, postmaster, post_master) or Return-Path, or a
    bounce subject that is not a reply's. Weak: a null Return-Path or Auto-Submitted, which
    RFC 3834 automatic replies carry as well, or a no-reply sender. Daemon: the From itself
    is a mail system's.
    """
    return_path = str(msg.get("Return-Path", "") or "").strip().lower()
    raw_from = str(msg.get("From", "") or "")
    from_daemon = bool(bounce_text.DAEMON.search(raw_from))
    daemon = from_daemon or "mailer-daemon" in return_path
    by_subject = bool(bounce_text.SUBJECT.search(subject)) and not bounce_text.REPLY_PREFIX.match(
        subject
    )
    null_sender = msg.get("Return-Path") is not None and return_path in ("<>", "")
    auto = str(msg.get("Auto-Submitted", "") or "").strip().lower()
    # "auto-replied" is what RFC 3834 responders send (section 5): a person's mailbox answering,
    # whatever its subject says ("Undeliverable mailbox notice"); a mail system's report is
    # "auto-generated" if it says anything.
    by_subject = by_subject and not (auto.startswith("auto-replied") and not from_daemon)
    no_reply = bool(re.match(r"^(?:no-?reply|noreply|do-?not-?reply)@", from_addr))
    weak = null_sender or no_reply or (bool(auto) and not auto.startswith("no"))
    return daemon or by_subject, weak, from_daemon


def nonstandard_bounce(msg: Message, from_addr: str, subject: str, body: str) -> Report | None:
    """A bounce written as text: gate on who sent it, then read the failed address and words."""
    strong, weak, daemon = bounce_signs(msg, from_addr, subject)
    reasons: list[str] = []
    texts = _leaf_texts(msg, reasons) or [body]
    payload = msg.get_payload()
    if isinstance(payload, str) and not any(t.strip() for t in texts):
        texts.append(payload)  # a multipart whose structure did not parse: read it whole
    if _FORWARDED.match(subject) and any(_QUOTED_DAEMON.search(t) for t in texts):
        # A person forwarded a bounce inline ("Fwd: Returned mail"): the report is in the text.
        strong = True
        reasons.append("a bounce forwarded inline")
    if not (strong or weak):
        return None
    text = next((t for t in texts if bounce_text.NOTICE.search(t)), body)
    report, copy = bounce_text.split_original(text)
    if not bounce_text.NOTICE.search(report) and not (
        (strong and bounce_text.SUBJECT.search(subject)) or daemon
    ):
        return None
    original = _original(msg, reasons, copy)
    own = _emails(
        [
            str(v)
            for n in ("To", "Cc", "From", "Reply-To", "Return-Path")
            for v in msg.get_all(n, [])
        ]
    )
    failed = _failed_header(msg)
    exclude = {*own, *original.senders, *_message_ids(msg, texts)} - {*original.to, *failed}
    preferred = {*original.to, *failed}
    found = bounce_text.candidates(report, exclude, preferred)
    flufl: set[str] = set()
    if len(found) > 1 and found[0].score == found[1].score and len(report) < _FLUFL_MAX:
        # A tie: flufl.bounce's per-format detectors break it (they are slow on big bodies).
        flufl = _flufl(msg)
        found = bounce_text.candidates(report, exclude, preferred | flufl)
    # An automatic reply also has a null sender: only a report naming the address our
    # message went to counts.
    if not strong and (not found or found[0].recipient not in original.to):
        return None
    if found:
        best = found[0]
        rcpt, diagnostic = best.recipient, best.diagnostic
        how = "text bounce" + (" (flufl.bounce agrees)" if rcpt in flufl else "")
    elif len(failed) == 1:
        rcpt, diagnostic = failed[0], one_line(report)[-400:]
        how = "text bounce: recipient from X-Failed-Recipients"
    elif len(original.to) == 1:
        rcpt, diagnostic = original.to[0], one_line(report)[-400:]
        how = "text bounce: recipient from the original message's To"
    elif bounce_text.SUBJECT.search(subject) and (
        bounce_text.NOTICE.search(report)
        # A mail system's plain-text notice in words the NOTICE list lacks ("User mailbox
        # exceeds allowed size"); a structured DSN with no recipient stays automatic.
        or (daemon and _report_type(msg) != "delivery-status")
    ):
        rcpt, diagnostic = "", one_line(report)[-400:]
        how = "text bounce naming no valid recipient: matched by Message-ID only"
    else:
        return None
    action = (
        "delayed"
        if re.search(
            r"(?i)\b(?:delayed|will (?:keep|continue) trying|still trying|not yet been delivered)\b"
            r"|warning: (?:could not send|message)",
            f"{subject}\n{report}",
        )
        else "failed"
    )
    failure = _Failure(rcpt, action, "", diagnostic)
    bounce, why = _bounce(failure, squash(report))
    return Report(bounce, original.message_id, rcpt, (f"{how}; {why}", *reasons))


_FLUFL_MAX = 64_000


def _flufl(msg: Message) -> set[str]:
    try:
        temporary, permanent = all_failures(msg)
    except Exception:  # third-party detectors on malformed input
        return set()
    return {normalise_address(a.decode("utf-8", "replace")) for a in (*temporary, *permanent)}


def ses_notification(body: str) -> Report | None:
    """An Amazon SES notification delivered by e-mail (SNS): Bounce, Complaint or Delivery."""
    if "notificationType" not in body:
        return None
    start, end = body.find("{"), body.rfind("}")
    try:
        data = json.loads(body[start : end + 1], strict=False)  # SNS folds long lines
        if isinstance(data, dict) and isinstance(data.get("Message"), str):
            # The raw SNS envelope: the SES notification is a JSON string in `Message`.
            data = json.loads(data["Message"], strict=False)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    kind = str(data.get("notificationType", ""))
    mail = data.get("mail") if isinstance(data.get("mail"), dict) else {}
    msgid = f"<{mail['messageId']}>" if isinstance(mail, dict) and mail.get("messageId") else ""
    if kind == "Complaint":
        people = data.get("complaint", {}).get("complainedRecipients", [])
        rcpt = normalise_address(str(people[0].get("emailAddress", ""))) if people else ""
        return Report(None, msgid, rcpt, ("Amazon SES complaint notification",), "complaint")
    if kind == "Delivery":
        return Report(
            None, msgid, "", ("Amazon SES delivery notification: not a bounce",), "delivered"
        )
    if kind != "Bounce":
        return None
    info = data.get("bounce", {})
    people = info.get("bouncedRecipients", []) or [{}]
    first = people[0]
    rcpt = normalise_address(str(first.get("emailAddress", "")))
    rcpt = rcpt if bounce_text.valid_address(rcpt) else ""
    action = str(first.get("action", "failed")).lower()
    if str(info.get("bounceType", "")).lower() == "transient" and action == "failed":
        action = "delayed"
    failure = _Failure(
        rcpt, action, str(first.get("status", "")), one_line(str(first.get("diagnosticCode", "")))
    )
    bounce, why = _bounce(failure, "")
    return Report(bounce, msgid, rcpt, (f"Amazon SES bounce notification; {why}",))


def complaint(msg: Message, subject: str = "") -> Report | None:
    """A complaint: an ARF feedback report (RFC 5965) or Hotmail's JMRP copy of our message.

    An ARF report with Feedback-Type `opt-out` (or `unsubscribe`) is an opt-out request.
    """
    reasons: list[str] = []
    parts = [p for p in own_parts(msg) if p.get_content_type() == "message/feedback-report"]
    if not parts and _report_type(msg) != "feedback-report":
        return _jmrp(msg, subject)
    fields: dict[str, str] = {}
    for part in parts:
        for block in _status_part_blocks(part, reasons):
            fields.update(block)
    original = _original(msg, reasons)
    rcpt = _address(fields.get("original-rcpt-to", ""))
    if not bounce_text.valid_address(rcpt):
        rcpt = original.to[0] if original.to else ""
    feedback = fields.get("feedback-type", "?").strip().lower()
    reasons.append(f"ARF feedback-report: Feedback-Type {feedback}")
    kind = "opt_out" if feedback in ("opt-out", "optout", "unsubscribe") else "complaint"
    return Report(None, original.message_id, rcpt, tuple(reasons), kind)


def _jmrp(msg: Message, subject: str) -> Report | None:
    """Hotmail/Outlook.com JMRP: multipart/mixed with our message attached, no ARF part."""
    reasons: list[str] = []
    for part in own_parts(msg):
        if part.get_content_type() != "message/rfc822":
            continue
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        if not isinstance(first, Message):
            continue
        marked = first.get(_JMRP_HEADER) is not None
        by_subject = bool(_COMPLAINT_SUBJECT.search(subject)) and not (
            bounce_text.REPLY_PREFIX.match(subject)  # a person forwarding our mail is no report
        )
        if marked or by_subject:
            original = _original_from_headers(first)
            rcpt = _address(str(first.get(_JMRP_HEADER, "")))
            if not bounce_text.valid_address(rcpt):
                rcpt = original.to[0] if original.to else ""
            why = f"{_JMRP_HEADER} header" if marked else f"complaint subject {subject!r}"
            reasons.append(f"non-ARF complaint (Hotmail JMRP form): {why}")
            return Report(None, original.message_id, rcpt, tuple(reasons), "complaint")
    return None


def unsubscribe_request(msg: Message, subject: str) -> Report | None:
    """A List-Unsubscribe mailto: request: subject `unsubscribe` (Apple Mail marks it
    X-Apple-Unsubscribe and Auto-Submitted, which must not make it an automatic reply)."""
    apple = str(msg.get("X-Apple-Unsubscribe", "") or "").strip().lower() == "true"
    if not (apple or _UNSUBSCRIBE_SUBJECT.match(subject)):
        return None
    why = "X-Apple-Unsubscribe: true" if apple else f"Subject {subject!r}"
    return Report(None, "", "", (f"unsubscribe request: {why}",), "opt_out")
