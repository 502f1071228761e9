"""Bytes to text that never raises: lenient MIME parsing, header and charset recovery.

Real inbound mail is often broken (missing boundaries, wrong charset labels, 8-bit bodies in
7-bit messages, mixed line endings). Every recovery is recorded as a reason so `inbox classify`
can say what was broken.
"""

from __future__ import annotations

import codecs
import email
import html
import re
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from datetime import date

# Labels whose real-world senders use the vendor superset (①, ㈱, NEC/IBM extensions).
_SUPERSETS = {"shift_jis": "cp932", "euc_jp": "euc_jis_2004", "gb2312": "gb18030", "ascii": "utf-8"}
_ISO2022_JP = ("iso2022_jp", "iso2022_jp_2004", "iso2022_jp_ext", "iso2022_jp_2")
_FALLBACKS = ("utf-8", "cp932", "euc_jis_2004")


def parse(raw: bytes) -> tuple[Message, list[str]]:
    """Parse with the lenient compat32 parser; line endings are unified first."""
    reasons: list[str] = []
    if b"\r" in raw:
        crlf = raw.count(b"\r\n")
        if crlf != raw.count(b"\n") or crlf != raw.count(b"\r"):
            reasons.append("mixed line endings")
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    msg = email.message_from_bytes(raw)
    for part in msg.walk():
        for defect in part.defects:
            reasons.append(f"malformed MIME: {type(defect).__name__}")
    return msg, reasons


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    cleaned = re.sub(r"[^A-Za-z0-9_\-]", "", label.strip().strip('"').lower())
    try:
        name = codecs.lookup(cleaned).name
    except LookupError:
        return None
    return _SUPERSETS.get(name.replace("-", "_"), name)


def decode_bytes(data: bytes, label: str | None, reasons: list[str]) -> str:
    """Decode with the declared charset, then known look-alikes, then lossy UTF-8."""
    name = _codec_name(label)
    if label and name is None:
        reasons.append(f"unknown charset {label!r}")
    if name is None and b"\x1b$" in data:
        name = "iso2022_jp"  # raw JIS without a label (old Japanese mailers)
    candidates: tuple[str, ...] = ()
    if name:
        candidates = _ISO2022_JP if name.startswith("iso2022_jp") else (name,)
    for i, codec in enumerate(candidates + _FALLBACKS):
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        if name and codec not in candidates:
            reasons.append(f"charset {label!r} did not decode; read as {codec}")
        return text
    reasons.append(f"undecodable bytes with charset {label!r}; replaced")
    return data.decode("utf-8", errors="replace")


def header_text(msg: Message, name: str, reasons: list[str]) -> str:
    """A header as one line of text, RFC 2047 words and raw JIS decoded, never raising."""
    value = msg.get(name)
    if value is None:
        return ""
    out: list[str] = []
    try:
        chunks = decode_header(value if isinstance(value, Header) else str(value))
    except Exception:  # noqa: BLE001 - malformed encoded-words: keep the raw text
        reasons.append(f"malformed {name} header")
        chunks = [(str(value), None)]
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            label = None if charset in (None, "unknown-8bit") else charset
            chunk = decode_bytes(chunk, label, reasons)
        elif "\x1b$" in chunk:
            chunk = decode_bytes(chunk.encode("latin-1", "replace"), "iso-2022-jp", reasons)
        out.append(chunk)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def addresses(msg: Message, name: str) -> list[str]:
    """Normalised (lower-case) addresses of an address header."""
    values = [str(v) for v in msg.get_all(name, [])]
    return [addr.strip().lower() for _, addr in getaddresses(values) if "@" in addr]


def message_ids(value: str) -> tuple[str, ...]:
    """Message-IDs in angle brackets, in order; a bare id if there are no brackets."""
    found = re.findall(r"<[^<>\s]+>", value)
    if found:
        return tuple(found)
    bare = value.strip()
    return (f"<{bare}>",) if bare and " " not in bare else ()


def sent_date(msg: Message) -> date | None:
    """The Date header's calendar day in the sender's own time zone."""
    value = msg.get("Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value)).date()
    except (TypeError, ValueError, IndexError):
        return None


def part_text(part: Message, reasons: list[str]) -> str:
    """A leaf part's decoded text (transfer encoding and charset undone)."""
    payload = part.get_payload(decode=True)
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    if not isinstance(payload, bytes):
        return str(payload)
    return decode_bytes(payload, part.get_content_charset(), reasons)


def _html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|<blockquote[^>]*>", "\n", markup)
    markup = re.sub(r"(?is)<blockquote\b.*", "", markup)  # quoted history in HTML replies
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def body_text(msg: Message, reasons: list[str]) -> str:
    """The first text/plain part outside attached messages, else the first text/html as text."""
    plain: Message | None = None
    markup: Message | None = None
    stack = [msg]
    while stack:
        part = stack.pop(0)
        ctype = part.get_content_type()
        if part.is_multipart():
            if not ctype.startswith("message/"):
                stack[:0] = [p for p in part.get_payload() if isinstance(p, Message)]
            continue
        if ctype == "text/plain" and plain is None:
            plain = part
        elif ctype == "text/html" and markup is None:
            markup = part
        elif part is msg and not ctype.startswith("text/"):
            plain = part  # malformed multipart: the whole payload is the text
    if plain is not None:
        return part_text(plain, reasons).replace("\r\n", "\n")
    if markup is not None:
        return _html_to_text(part_text(markup, reasons))
    return ""
