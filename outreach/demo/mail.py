"""The demo's scripted influencers: replies built from the pitches the capture server received.

They are delivered into the demo mailbox's Maildir and read by the same inbox code that reads a
real mailbox; nothing here touches the engine's state.
"""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from outreach.domain.address import normalise_address


@dataclass(frozen=True)
class Captured:
    """A message the capture server accepted."""

    message_id: str
    to_addr: str
    from_addr: str
    subject: str
    to: str = ""  # the To header as people read it: name and address
    in_thread: bool = False  # a follow-up (it has In-Reply-To)


def read_captured(maildir: Path) -> list[Captured]:
    """Messages the capture server accepted, in delivery order, headers decoded (RFC 2047)."""
    if not maildir.exists():
        return []
    parser = BytesParser(policy=policy.default)
    out = []
    files = [*maildir.glob("new/*"), *maildir.glob("cur/*")]
    for path in sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name)):
        msg = parser.parsebytes(path.read_bytes(), headersonly=True)
        out.append(
            Captured(
                message_id=str(msg["Message-ID"] or "").strip(),
                to_addr=normalise_address(parseaddr(str(msg["To"] or ""))[1]),
                from_addr=parseaddr(str(msg["From"] or ""))[1],
                subject=str(msg["Subject"] or ""),
                to=str(msg["To"] or ""),
                in_thread=bool(msg["In-Reply-To"]),
            )
        )
    return out


def _reply(pitch: Captured, body: str, at: datetime, *, subject: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = pitch.to_addr
    msg["To"] = pitch.from_addr
    msg["Subject"] = subject or f"Re: {pitch.subject}"
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(domain=pitch.to_addr.rpartition("@")[2] or "example.jp")
    msg["In-Reply-To"] = pitch.message_id
    msg["References"] = pitch.message_id
    quoted = "\n".join("> " + line for line in ["(original message)", "配信停止をご希望の方は…"])
    msg.set_content(f"{body}\n\n{format_datetime(at)} {pitch.from_addr}:\n{quoted}\n")
    return msg


def human_reply_ja(pitch: Captured, at: datetime) -> EmailMessage:
    return _reply(
        pitch,
        "ご連絡ありがとうございます。\nぜひ詳しくお話を伺いたいです。"
        "投稿時期と報酬について、もう少し詳しく教えていただけますか。",
        at,
    )


def out_of_office(pitch: Captured, at: datetime, back: datetime) -> EmailMessage:
    msg = _reply(
        pitch,
        f"Thanks for your email. I'm away until {back:%A, %B} {back.day} with limited access "
        "to email, and will reply when I'm back.",
        at,
        subject=f"Automatic reply: {pitch.subject}",
    )
    msg["Auto-Submitted"] = "auto-replied"
    return msg


def opt_out_ja(pitch: Captured, at: datetime) -> EmailMessage:
    return _reply(pitch, "今後のご連絡は不要です。配信停止をお願いいたします。", at)


def bounce(pitch: Captured, at: datetime, reporting_mta: str = "mx.example.com") -> bytes:
    """An RFC 3464 delivery status notification for the pitch's recipient (5.1.1)."""
    rcpt = pitch.to_addr
    boundary = "=_dsn_" + make_msgid().strip("<>").split("@")[0]
    lines = [
        f"From: Mail Delivery Subsystem <MAILER-DAEMON@{reporting_mta}>",
        f"To: {pitch.from_addr}",
        "Subject: Delivery Status Notification (Failure)",
        f"Date: {format_datetime(at)}",
        f"Message-ID: {make_msgid(domain=reporting_mta)}",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        f"Your message to {rcpt} couldn't be delivered: the address was not found.",
        "",
        f"--{boundary}",
        "Content-Type: message/delivery-status",
        "",
        f"Reporting-MTA: dns; {reporting_mta}",
        "",
        f"Final-Recipient: rfc822; {rcpt}",
        "Action: failed",
        "Status: 5.1.1",
        f"Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
        "",
        f"--{boundary}",
        "Content-Type: text/rfc822-headers",
        "",
        f"Message-ID: {pitch.message_id}",
        f"To: {rcpt}",
        "",
        f"--{boundary}--",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


def deliver(inbox: Path, message: EmailMessage | bytes) -> None:
    """Drop one message into a Maildir, as an MDA would."""
    box = mailbox.Maildir(str(inbox), create=True)
    box.add(message if isinstance(message, bytes) else message.as_bytes())


def script_replies(pitches: list[Captured], inbox: Path, now: datetime) -> list[tuple[str, str]]:
    """Deliver the demo's four replies to the first four pitches; return (address, what)."""
    plan: list[tuple[str, Callable[[Captured], EmailMessage | bytes]]] = [
        ("human reply (Japanese)", lambda p: human_reply_ja(p, now)),
        ("out of office", lambda p: out_of_office(p, now, now + timedelta(days=4))),
        ("opt-out (Japanese)", lambda p: opt_out_ja(p, now)),
        ("bounce 5.1.1", lambda p: bounce(p, now)),
    ]
    done = []
    for pitch, (what, build) in zip(pitches, plan, strict=False):  # the first four only
        deliver(inbox, build(pitch))
        done.append((pitch.to_addr, what))
    return done
