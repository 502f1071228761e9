"""parse_and_classify: raw message bytes in, one Classified value out; never raises.

Order: bounce -> complaint -> auto-reply -> opt-out -> decline -> reply.
A DSN also carries Auto-Submitted, so reports are recognised before automatic replies, and
opt-out/decline phrases are looked for only in the sender's own text (our footer, quoted in
every human reply, contains 配信停止).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from email.message import Message

from outreach.inbound import reports
from outreach.inbound.autoreply import automatic_reasons, how_sure
from outreach.inbound.dates import return_date
from outreach.inbound.decode import addresses, body_text, header_text, message_ids, parse, sent_date
from outreach.inbound.intent import KIND_OF, read_reply
from outreach.inbound.learned import second_reading
from outreach.inbound.model import AUTO_REPLY, BOUNCE, COMPLAINT, OPT_OUT, REPLY, Classified
from outreach.inbound.owntext import (
    DEFAULT_FOOTER_MARKERS,
    own_text,
    pasted_recipients,
    quoted_author,
    takes_our_offer,
)


def _report(
    msg: Message, from_addr: str, subject: str, body: str
) -> tuple[str, reports.Report] | None:
    """A DSN first, then a complaint (ARF, JMRP, SES), a text bounce, an unsubscribe request.

    All run before the automatic-mail check: bounces and Apple Mail's unsubscribe request
    carry Auto-Submitted too.
    """
    dsn = reports.delivery_status(msg)
    if dsn is not None and dsn.bounce is not None:
        return BOUNCE, dsn
    ses = reports.ses_notification(body)
    if ses is not None:
        return (ses.kind or BOUNCE), ses
    arf = reports.complaint(msg, subject)
    if arf is not None:
        return (arf.kind or COMPLAINT), arf
    if dsn is None or dsn.kind != "delivered":
        other = reports.nonstandard_bounce(msg, from_addr, subject, body)
        if other is not None and other.bounce is not None:
            return BOUNCE, other
    if dsn is not None:
        return BOUNCE, dsn
    request = reports.unsubscribe_request(msg, subject)
    if request is not None:
        return OPT_OUT, request
    return None


def parse_and_classify(
    raw: bytes,
    *,
    received: date | None = None,
    footer_markers: Sequence[str] = DEFAULT_FOOTER_MARKERS,
) -> Classified:
    """Classify one raw message. `received` anchors year-less return dates (default: its Date).

    Never raises: a message the parsers choke on is an unparsed `reply`, the conservative kind
    (its sequence stops and an operator reads it), with the error in `reasons`.
    """
    try:
        return _classify(raw, received, footer_markers)
    except Exception as exc:  # stdlib and third-party parsers on hostile input
        return _unparsed(raw, exc)


def _unparsed(raw: bytes, exc: Exception) -> Classified:
    def header(name: str) -> str:
        found = re.search(rb"(?im)^" + name.encode() + rb":[ \t]*(<[^<>\s]+>)", raw)
        return found.group(1).decode("ascii", "replace") if found else ""

    return Classified.unreadable(
        REPLY,
        f"unparsed: {type(exc).__name__}: {exc}",
        message_id=header("Message-ID"),
        in_reply_to=header("In-Reply-To"),
    )


def _classify(raw: bytes, received: date | None, footer_markers: Sequence[str]) -> Classified:
    if isinstance(received, datetime):
        received = received.date()
    msg, problems = parse(raw)
    reasons = list(problems)
    subject = header_text(msg, "Subject", reasons)
    senders = addresses(msg, "From")
    from_addr = senders[0] if senders else ""
    if not from_addr:
        reasons.append("no usable From address")
    body = body_text(msg, reasons)
    text = own_text(body, footer_markers)
    base = Classified(
        kind=REPLY,
        message_id=(message_ids(header_text(msg, "Message-ID", reasons)) or ("",))[0],
        in_reply_to=(message_ids(header_text(msg, "In-Reply-To", reasons)) or ("",))[0],
        references=message_ids(header_text(msg, "References", reasons)),
        from_addr=from_addr,
        subject=subject,
        text=text,
        returns_on=None,
        bounce=None,
        original_message_id="",
        reasons=(),
    )
    found = _report(msg, from_addr, subject, body)
    if found is not None:
        kind, rep = found
        if kind in (BOUNCE, "delivered") and rep.bounce is None:
            reasons.append("delivery report names no recipient: treated as automatic")
            kind = AUTO_REPLY
        return replace(
            base,
            kind=kind,
            bounce=rep.bounce,
            original_message_id=rep.original_message_id,
            original_recipient=rep.original_recipient,
            reasons=(*rep.reasons, *reasons),
        )
    automatic = automatic_reasons(msg, subject, text)
    if automatic:
        anchor = received or sent_date(msg)
        returns_on = None
        if anchor is None:
            reasons.append("no received date: return date not read")
        else:
            back = return_date(f"{subject}\n{text}", anchor)
            if back is None:
                reasons.append("no return date found")
            else:
                returns_on = back.day
                reasons.append(f"returns {back.day.isoformat()} from {back.evidence!r}")
        return replace(
            base,
            kind=AUTO_REPLY,
            returns_on=returns_on,
            confidence=how_sure(automatic),
            reasons=(*automatic, *reasons),
        )
    # A human reply: its own words (and a Subject such as a List-Unsubscribe mailto: request's)
    # say interested, referral, decline or opt_out, with how sure the reading is.
    reading = second_reading(
        text,
        read_reply(
            text,
            subject=subject,
            sender=from_addr,
            cc=addresses(msg, "Cc"),
            ours=addresses(msg, "To"),
            offer=takes_our_offer(body, footer_markers),
            quoted=quoted_author(body),
            pasted=pasted_recipients(body),
        ),
    )
    return replace(
        base,
        kind=KIND_OF[reading.intent],
        intent=reading.intent,
        referred_to=reading.referred_to,
        confidence=reading.confidence,
        reasons=(*reading.reasons, *reasons),
    )
