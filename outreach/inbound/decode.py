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
_FALLBACKS = ("utf-8", "cp932", "euc_jis_2004")
_JIS_ESCAPES = re.compile(rb"(\x1b(?:\$@|\$B|\$\(D|\(B|\(J|\(I))")
_CP50220 = "iso-2022-jp read through cp932"


def _jis_via_cp932(data: bytes) -> str:
    """ISO-2022-JP as Windows writes it (CP50220: ① ㈱ in row 13, half-width kana).

    Each JIS X 0208 pair is turned into its Shift_JIS bytes and the whole decoded as cp932,
    which holds the NEC extensions Python's iso2022_jp codec rejects.
    """
    if any(b > 0x7F for b in data):
        raise UnicodeDecodeError("iso2022_jp", data, 0, 1, "8-bit byte in a 7-bit charset")
    out = bytearray()
    mode = b"(B"
    for chunk in _JIS_ESCAPES.split(data):
        if chunk.startswith(b"\x1b"):
            mode = chunk[1:]
            continue
        if mode in (b"$@", b"$B", b"$(D"):
            i = 0
            while i < len(chunk):
                c1 = chunk[i]
                if c1 < 0x21 or i + 1 >= len(chunk):  # a line break inside kanji mode
                    out.append(c1)
                    i += 1
                    continue
                c2 = chunk[i + 1]
                if mode == b"$(D":  # JIS X 0212 has no cp932 equivalent
                    out += "？".encode("cp932")
                else:
                    out.append((c1 + 1) // 2 + (0x70 if c1 <= 0x5E else 0xB0))
                    out.append(c2 + 0x1F + (c2 >= 0x60) if c1 % 2 else c2 + 0x7E)
                i += 2
        elif mode == b"(I":
            out += bytes(b | 0x80 if 0x21 <= b <= 0x5F else b for b in chunk)
        else:
            out += chunk
    return bytes(out).decode("cp932")


def _recover_boundary(msg: Message, reasons: list[str]) -> Message:
    """A multipart without a boundary parameter: take the first `--token` line as boundary."""
    payload = msg.get_payload()
    found = re.search(r"^--([^\s]{1,70})\s*$", payload, re.M) if isinstance(payload, str) else None
    if found is None:
        return msg
    boundary = found.group(1).removesuffix("--")
    msg.set_param("boundary", boundary)
    try:
        recovered = email.message_from_bytes(msg.as_bytes())
    except (ValueError, LookupError, UnicodeError):
        return msg
    reasons.append(f"malformed MIME: missing boundary, recovered {boundary!r}")
    return recovered


def parse(raw: bytes) -> tuple[Message, list[str]]:
    """Parse with the lenient compat32 parser; line endings are unified first."""
    reasons: list[str] = []
    if b"\r" in raw:
        crlf, lf, cr = raw.count(b"\r\n"), raw.count(b"\n"), raw.count(b"\r")
        if lf == 0:
            reasons.append("CR-only line endings")
        elif not crlf == lf == cr:
            reasons.append("mixed line endings")
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    msg = email.message_from_bytes(raw)
    for part in msg.walk():
        for defect in part.defects:
            reasons.append(f"malformed MIME: {type(defect).__name__}")
    if msg.get_content_maintype() == "multipart" and not msg.is_multipart():
        msg = _recover_boundary(msg, reasons)
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
        name = "iso2022_jp"  # raw JIS with no (or a broken) label, as old Japanese mailers send
    declared: list[str] = []
    if name:
        declared = ["iso2022_jp", _CP50220] if name.startswith("iso2022_jp") else [name]
    for codec in [*declared, *_FALLBACKS]:
        try:
            text = _jis_via_cp932(data) if codec == _CP50220 else data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        if declared and codec != declared[0]:
            reasons.append(f"charset {label!r}: read as {codec}")
        elif not declared and codec != "utf-8" or not label and not data.isascii():
            reasons.append(f"8-bit text without a usable charset label: read as {codec}")
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
