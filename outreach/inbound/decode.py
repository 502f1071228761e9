"""Bytes to text that never raises: lenient MIME parsing, header and charset recovery.

Real inbound mail is often broken (missing boundaries, wrong charset labels, 8-bit bodies in
7-bit messages, mixed line endings). Every recovery is recorded as a reason so `inbox classify`
can say what was broken.

Longer than 400 lines on purpose: each recovery for broken real mail is a small step, and they
are applied in order to one message.
"""

from __future__ import annotations

import codecs
import email
import html
import re
from datetime import date
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from outreach.domain.address import normalise_address

# Charsets mail is written in, by label. A label is matched with everything but letters and
# digits removed ("Shift_JIS", "shift-jis", "SJIS" -> shiftjis, sjis), and names a Python
# codec. Labels are those of the WHATWG Encoding Standard (https://encoding.spec.whatwg.org/
# #names-and-labels) and the IANA charset registry; a vendor superset is used where senders
# write one under the standard name (cp932 for Shift_JIS: ①, ㈱, NEC and IBM extensions;
# windows-1252 for ISO-8859-1, as WHATWG does). Any other label (punycode, rot13, base64,
# zlib, idna, utf-7, ...) is not a text charset of mail: Python would run it as a codec, with
# its cost and its exceptions, so it is refused and the text read by the fallbacks.
_LABELS: dict[str, tuple[str, ...]] = {
    # 8-bit text labelled ASCII is nearly always UTF-8 from a misconfigured client.
    "utf_8": (
        "utf8",
        "unicode11utf8",
        "unicode20utf8",
        "xunicode20utf8",
        "utf8mb4",
        "usascii",
        "ascii",
        "ansix341968",
        "us",
        "iso646us",
        "csascii",
        "ibm367",
        "cp367",
        "iso646irv1991",
        "isoir6",
    ),
    "cp1252": (
        "windows1252",
        "cp1252",
        "xcp1252",
        "iso88591",
        "iso885911987",
        "latin1",
        "l1",
        "isoir100",
        "csisolatin1",
        "ibm819",
        "cp819",
    ),
    "iso8859_2": ("iso88592", "iso885921987", "latin2", "l2", "isoir101", "csisolatin2"),
    "iso8859_3": ("iso88593", "iso885931988", "latin3", "l3", "isoir109", "csisolatin3"),
    "iso8859_4": ("iso88594", "iso885941988", "latin4", "l4", "isoir110", "csisolatin4"),
    "iso8859_5": ("iso88595", "iso885951988", "cyrillic", "isoir144", "csisolatincyrillic"),
    "iso8859_6": (
        "iso88596",
        "iso885961987",
        "arabic",
        "isoir127",
        "asmo708",
        "ecma114",
        "csisolatinarabic",
        "iso88596e",
        "iso88596i",
        "csiso88596e",
        "csiso88596i",
    ),
    "iso8859_7": (
        "iso88597",
        "iso885971987",
        "greek",
        "greek8",
        "isoir126",
        "ecma118",
        "elot928",
        "csisolatingreek",
        "suneugreek",
    ),
    "iso8859_8": (
        "iso88598",
        "iso885981988",
        "hebrew",
        "isoir138",
        "csisolatinhebrew",
        "iso88598e",
        "iso88598i",
        "csiso88598e",
        "csiso88598i",
        "logical",
        "visual",
    ),
    "cp1254": (
        "iso88599",
        "iso885991989",
        "latin5",
        "l5",
        "isoir148",
        "csisolatin5",
        "windows1254",
        "cp1254",
        "xcp1254",
    ),
    "iso8859_10": ("iso885910", "latin6", "l6", "isoir157", "csisolatin6"),
    "cp874": ("iso885911", "tis620", "windows874", "cp874", "dos874"),
    "iso8859_13": ("iso885913", "latin7", "l7"),
    "iso8859_14": ("iso885914", "latin8", "l8", "isoceltic"),
    "iso8859_15": ("iso885915", "latin9", "l9", "csisolatin9"),
    "iso8859_16": ("iso885916", "latin10", "l10"),
    "cp1250": ("windows1250", "cp1250", "xcp1250"),
    "cp1251": ("windows1251", "cp1251", "xcp1251"),
    "cp1253": ("windows1253", "cp1253", "xcp1253"),
    "cp1255": ("windows1255", "cp1255", "xcp1255"),
    "cp1256": ("windows1256", "cp1256", "xcp1256"),
    "cp1257": ("windows1257", "cp1257", "xcp1257"),
    "cp1258": ("windows1258", "cp1258", "xcp1258"),
    "koi8_r": ("koi8r", "koi8", "koi", "cskoi8r"),
    "koi8_u": ("koi8u", "koi8ru"),
    "cp866": ("ibm866", "cp866", "866", "csibm866"),
    "cp437": ("ibm437", "cp437", "437", "cspc8codepage437"),
    "cp850": ("ibm850", "cp850", "850", "cspc850multilingual"),
    "mac_roman": ("macintosh", "mac", "csmacintosh", "xmacroman", "macroman"),
    "mac_cyrillic": ("xmaccyrillic", "xmacukrainian", "maccyrillic"),
    "iso2022_jp": (
        "iso2022jp",
        "csiso2022jp",
        "jis",
        "iso2022jpms",
        "cp50220",
        "cp50221",
        "cp50222",
    ),
    "iso2022_jp_1": ("iso2022jp1",),
    "iso2022_jp_2": ("iso2022jp2", "csiso2022jp2"),
    "iso2022_jp_3": ("iso2022jp3",),
    "iso2022_jp_2004": ("iso2022jp2004",),
    "iso2022_jp_ext": ("iso2022jpext",),
    "cp932": (
        "shiftjis",
        "sjis",
        "mskanji",
        "csshiftjis",
        "windows31j",
        "cswindows31j",
        "xsjis",
        "cp932",
        "ms932",
        "ibm943",
        "xmscp932",
        "shiftjisms",
    ),
    "shift_jis_2004": ("shiftjis2004", "shiftjisx0213"),
    "euc_jis_2004": (
        "eucjp",
        "xeucjp",
        "cseucpkdfmtjapanese",
        "eucjis2004",
        "eucjisx0213",
        "eucjpms",
        "ujis",
    ),
    "gb18030": (
        "gb18030",
        "gb2312",
        "csgb2312",
        "chinese",
        "gbk",
        "cp936",
        "ms936",
        "windows936",
        "xgbk",
        "isoir58",
        "csiso58gb231280",
        "gb231280",
        "euccn",
        "xeuccn",
    ),
    "cp950": ("big5", "csbig5", "cnbig5", "xxbig5", "cp950", "ms950", "windows950"),
    "big5hkscs": ("big5hkscs",),
    "cp949": (
        "euckr",
        "cseuckr",
        "ksc56011987",
        "ksc5601",
        "ksc56011989",
        "isoir149",
        "csksc56011987",
        "korean",
        "windows949",
        "cp949",
        "uhc",
        "ms949",
    ),
    "iso2022_kr": ("iso2022kr", "csiso2022kr"),
    "utf_16": ("utf16", "ucs2", "csunicode", "iso10646ucs2", "unicode"),
    "utf_16_le": ("utf16le", "unicodefeff"),
    "utf_16_be": ("utf16be", "unicodefffe"),
    "utf_32": ("utf32", "ucs4", "iso10646ucs4"),
    "utf_32_le": ("utf32le",),
    "utf_32_be": ("utf32be",),
}
_CHARSETS = {label: codec for codec, labels in _LABELS.items() for label in labels}
# Read next when the declared superset rejects a byte: the standard it extends.
_FAMILY = {"cp1252": "latin_1", "cp1254": "iso8859_9", "cp949": "euc_kr", "cp950": "big5hkscs"}
_IGNORED_LABELS = frozenset({"unknown8bit", "xunknown", "unknown", "default", "xuserdefined"})
_FALLBACKS = ("utf-8", "cp932", "euc_jis_2004")
_JIS_ESCAPES = re.compile(rb"(\x1b(?:\$@|\$B|\$\(D|\(B|\(J|\(I))")
_CP50220 = "iso-2022-jp read through cp932"
_MAX_HEADER = 32_768  # characters of one header decoded (RFC 5322 2.1.1 lines are <= 998)


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
    found = (
        re.search(r"^--([^\s]{1,70})\s*$", payload, re.MULTILINE)
        if isinstance(payload, str)
        else None
    )
    if found is None:
        return msg
    boundary = found.group(1).removesuffix("--")
    try:
        msg.set_param("boundary", boundary)
        recovered = email.message_from_bytes(msg.as_bytes())
    except Exception:  # stdlib on headers with raw 8-bit junk
        return msg
    reasons.append(f"malformed MIME: missing boundary, recovered {boundary!r}")
    return recovered


MAX_PARSED_BYTES = 1 << 20
"""The classifier reads the header block and at most this many bytes after it."""
MAX_PART_BYTES = 256 * 1024
"""Of each text part, at most this many decoded bytes are turned into text."""


def header_end(head: bytes) -> int:
    """Where the body starts: just after the first empty line of `head`, else 0 (no header
    block found in it)."""
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n", b"\r\r") if (i := head.find(sep)) != -1]
    return min(ends, default=0)


def cap_message(raw: bytes, limit: int) -> bytes:
    """The header block and the first `limit` bytes after it; a header block is looked for
    only in the first `limit` bytes, so the result is at most 2 x `limit` bytes."""
    if len(raw) <= limit:
        return raw
    return raw[: header_end(raw[:limit]) + limit]


# A Content-* field (unfolded: its continuation lines included), in any part's header block.
_CONTENT_FIELD = re.compile(rb"(?im)^content-[a-z-]{1,40}:[^\n]*(?:\n[ \t][^\n]*)*")
_MAX_PARAM_FIELD = 2048
_MAX_PARAMS = 64
# The stdlib parser recurses once per nested multipart or message/rfc822: 3,000 levels in
# 160 kB raised RecursionError. Real mail nests a handful.
_CONTAINER = re.compile(rb"(?i)content-type:[ \t]*(?:\n[ \t]+)?(?:multipart|message)/")
_MAX_CONTAINERS = 32


# An RFC 2231 extended parameter's charset: `name*=charset'lang'value`, `name*0*=...`.
_RFC2231_CHARSET = re.compile(rb"(\*[ \t]*=[ \t]*\"?)([^'\";\s]{1,64})'")


def _allowed_2231_charset(found: re.Match[bytes], reasons: list[str]) -> bytes:
    """The stdlib decodes such a value with the codec its charset names, whatever that is
    (`boundary*=idna''...` raised out of the parser): one mail does not use becomes utf-8."""
    label = found.group(2).decode("ascii", "replace")
    if _codec_name(label) is not None:
        return found.group()
    reasons.append(f"unknown charset {label!r} in an RFC 2231 parameter")
    return found.group(1) + b"utf-8'"


def _bound_field(found: re.Match[bytes], reasons: list[str], containers: list[int]) -> bytes:
    """Parts that nest past _MAX_CONTAINERS made text, unusable RFC 2231 charsets replaced, and
    the field cut to _MAX_PARAM_FIELD bytes and _MAX_PARAMS parameters: the stdlib
    reads parameters in quadratic time in the `;` inside quoted strings (CPython gh-136063),
    so one crafted 80 kB Content-Type took 20 s. Real fields are far below both bounds."""
    field = found.group()
    if _CONTAINER.match(field):
        containers[0] += 1
        if containers[0] > _MAX_CONTAINERS:
            return b"Content-Type: text/plain"
    if b"*" in field:
        field = _RFC2231_CHARSET.sub(lambda m: _allowed_2231_charset(m, reasons), field)
    if len(field) <= _MAX_PARAM_FIELD and field.count(b";") <= _MAX_PARAMS:
        return field
    cut = field[:_MAX_PARAM_FIELD]
    if cut.count(b";") > _MAX_PARAMS:
        cut = cut[: [i for i, c in enumerate(cut) if c == 0x3B][_MAX_PARAMS]]
    name = field.split(b":", 1)[0].decode("ascii", "replace")
    reasons.append(f"{name} header of {len(field)} bytes with {field.count(b';')} parameters: cut")
    return cut


def parse(raw: bytes) -> tuple[Message, list[str]]:
    """Parse with the lenient compat32 parser; line endings are unified first. Only the
    header block and the first MAX_PARSED_BYTES after it are read."""
    reasons: list[str] = []
    capped = cap_message(raw, MAX_PARSED_BYTES)
    if len(capped) < len(raw):
        reasons.append(
            f"message truncated for classification: read {len(capped)} of {len(raw)} bytes"
        )
        raw = capped
    if b"\r" in raw:
        crlf, lf, cr = raw.count(b"\r\n"), raw.count(b"\n"), raw.count(b"\r")
        if lf == 0:
            reasons.append("CR-only line endings")
        elif not crlf == lf == cr:
            reasons.append("mixed line endings")
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    containers = [0]
    raw = _CONTENT_FIELD.sub(lambda found: _bound_field(found, reasons, containers), raw)
    if containers[0] > _MAX_CONTAINERS:
        reasons.append(
            f"{containers[0]} multipart or message parts: those after the first "
            f"{_MAX_CONTAINERS} read as text"
        )
    msg = email.message_from_bytes(raw)
    for part in msg.walk():
        for defect in part.defects:
            reasons.append(f"malformed MIME: {type(defect).__name__}")
    if msg.get_content_maintype() == "multipart" and not msg.is_multipart():
        msg = _recover_boundary(msg, reasons)
    return msg, reasons


def _codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label of mail, or None (no label, or not a text charset)."""
    if not label:
        return None
    return _CHARSETS.get(re.sub(r"[^a-z0-9]", "", label[:64].lower()))


def _decode(data: bytes, codec: str) -> str:
    """Strict decoding, except that a character cut off at the very end (the message or part
    was truncated to a size cap) is dropped instead of failing the whole text."""
    if codec == _CP50220:
        return _jis_via_cp932(data)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    text = decoder.decode(data, final=False)
    return text + "\ufffd" if decoder.getstate()[0] else text


def decode_bytes(data: bytes, label: str | None, reasons: list[str]) -> str:
    """Decode with the declared charset, then known look-alikes, then a replacing decode.

    Only the text charsets mail uses are honoured (see _LABELS); any other label is reported
    and the text read as if unlabelled. Never raises.
    """
    name = _codec_name(label)
    if label and name is None and re.sub(r"[^a-z0-9]", "", label.lower()) not in _IGNORED_LABELS:
        reasons.append(f"unknown charset {label[:64]!r}")
    if name and name.startswith(("utf_16", "utf_32")) and data.isascii() and b"\x00" not in data:
        # Real UTF-16/32 text has NUL bytes (in every space, line break and Latin letter), so
        # ASCII without one is mislabelled; read strictly it becomes CJK-looking noise.
        reasons.append(f"charset {label!r} on ASCII text: read as utf-8")
        name = "utf_8"
    if name is None and b"\x1b$" in data:
        name = "iso2022_jp"  # raw JIS with no (or a broken) label, as old Japanese mailers send
    declared: list[str] = []
    if name:
        declared = ["iso2022_jp", _CP50220] if name.startswith("iso2022_jp") else [name]
        if name in _FAMILY:
            declared.append(_FAMILY[name])
    for codec in [*declared, *_FALLBACKS]:
        try:
            text = _decode(data, codec)
        except (UnicodeError, LookupError):
            continue
        if declared and codec != declared[0]:
            reasons.append(f"charset {label!r}: read as {codec}")
        elif not declared and not data.isascii():
            reasons.append(f"8-bit text without a usable charset label: read as {codec}")
        return text
    reasons.append(f"undecodable bytes with charset {label!r}; replaced")
    return data.decode(declared[0] if declared else "utf-8", errors="replace")


def header_text(msg: Message, name: str, reasons: list[str]) -> str:
    """A header as one line of text, RFC 2047 words and raw JIS decoded, never raising."""
    value = msg.get(name)
    if value is None:
        return ""
    if not isinstance(value, Header) and len(str(value)) > _MAX_HEADER:
        reasons.append(f"{name} header longer than {_MAX_HEADER} characters: cut")
        value = str(value)[:_MAX_HEADER]
    out: list[str] = []
    try:
        chunks = decode_header(value if isinstance(value, Header) else str(value))
    except Exception:  # malformed encoded-words: keep the raw text
        reasons.append(f"malformed {name} header")
        chunks = [(str(value), None)]
    last_encoded, last_space = False, False
    for chunk, charset in chunks:
        encoded = charset not in (None, "us-ascii")
        if isinstance(chunk, bytes):
            label = None if charset in (None, "unknown-8bit") else charset
            chunk = decode_bytes(chunk, label, reasons)
        elif "\x1b$" in chunk:
            chunk = decode_bytes(chunk.encode("latin-1", "replace"), "iso-2022-jp", reasons)
        if out and encoded != last_encoded and not (last_space if encoded else _spacing(chunk[:1])):
            # decode_header drops the white space around encoded words; RFC 2047 6.2 removes it
            # only between two encoded words (as email.header.Header.__str__ puts it back).
            out.append(" ")
        last_encoded, last_space = encoded, _spacing(chunk[-1:])
        out.append(chunk)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _spacing(char: str) -> bool:
    return char.isspace() or char in ("(", ")", "\\")


_MAX_ADDRESS_HEADER = 8192  # characters of an address header read (a To: of 100 addresses: 4 kB)


def addresses(msg: Message, name: str) -> list[str]:
    """Normalised (lower-case) addresses of an address header; none when it cannot be read.

    The stdlib's address parser recurses per nested comment (`From: ((((...` raised
    RecursionError) and slows with length, so each header is cut and its failure contained."""
    values = [str(v)[:_MAX_ADDRESS_HEADER] for v in msg.get_all(name, [])[:8]]
    try:
        pairs = getaddresses(values)
    except (RecursionError, ValueError, TypeError, IndexError):
        return []
    return [normalise_address(addr) for _, addr in pairs if "@" in addr]


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
        return str(payload)[:MAX_PART_BYTES]
    if len(payload) > MAX_PART_BYTES:
        reasons.append(f"text part of {len(payload)} bytes: the first {MAX_PART_BYTES} read")
        payload = payload[:MAX_PART_BYTES]
    return decode_bytes(payload, _content_charset(part, reasons), reasons)


def _content_charset(part: Message, reasons: list[str]) -> str | None:
    """The charset parameter; an RFC 2231 `charset*=` is decoded by the stdlib with the charset
    it names itself, so any failure there is a label we cannot use."""
    try:
        return part.get_content_charset()
    except (UnicodeError, LookupError, ValueError, TypeError):
        reasons.append("unreadable charset parameter")
        return None


# Where HTML clients start the quoted history: blockquotes (Apple, Gmail), Gmail's and Yahoo's
# quote containers, Outlook's divider before the original's header block. Plain substring
# search: regexes over attacker-sized markup backtrack.
_HTML_QUOTE_MARKS = (
    "<blockquote",
    "gmail_quote",
    "yahoo_quoted",
    'id="appendonsend',
    'id="stopspelling',
    'id="divrplyfwdmsg',
)


_MAX_HTML = 256_000


def _drop_elements(markup: str, names: tuple[str, ...]) -> str:
    """Remove <name ...>...</name> elements in one linear pass (an unclosed one runs to the end)."""
    for name in names:
        opening = re.compile(rf"<{name}[\s>/]", re.IGNORECASE)
        closing = re.compile(rf"</{name}\s*>", re.IGNORECASE)
        out: list[str] = []
        pos = 0
        while (start := opening.search(markup, pos)) is not None:
            out.append(markup[pos : start.start()])
            end = closing.search(markup, start.end())
            pos = end.end() if end else len(markup)
        out.append(markup[pos:])
        markup = "".join(out)
    return markup


def _html_to_text(markup: str) -> str:
    """Visible text of an HTML body, without quoted history (an HTML-only reply's own words)."""
    markup = markup[:_MAX_HTML]
    lower = markup.lower()
    found = [i for i in (lower.find(mark) for mark in _HTML_QUOTE_MARKS) if i != -1]
    if found:
        markup = markup[: max(0, lower.rfind("<", 0, min(found) + 1))]
    markup = _drop_elements(markup, ("head", "style", "script"))
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", markup)
    return html.unescape(re.sub(r"<[^<>]*>", "", markup))


def own_parts(msg: Message) -> list[Message]:
    """Every part of this message, without descending into attached messages (message/*).

    A report's own parts are what it says; a bounce forwarded inside a reply is not ours.
    """
    parts: list[Message] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        parts.append(part)
        if part.is_multipart() and not part.get_content_type().startswith("message/"):
            stack.extend(reversed([p for p in part.get_payload() if isinstance(p, Message)]))
    return parts


def body_text(msg: Message, reasons: list[str]) -> str:
    """The first text/plain part outside attached messages, else the first text/html as text."""
    plain: Message | None = None
    markup: Message | None = None
    for part in own_parts(msg):
        ctype = part.get_content_type()
        if part.is_multipart() or part.get_content_disposition() == "attachment":
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
