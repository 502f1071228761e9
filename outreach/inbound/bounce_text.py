"""Bounces written as free text (no message/delivery-status part): who failed and what was said.

Mail servers that do not send RFC 3464 reports (qmail, Exim, OpenSMTPD, DragonFly, old Sendmail,
Lotus Notes, Japanese carriers and filters) all write the same three things: a notice, the
failed address with the remote server's words, then a copy of the original message. This
module reads that shape in general; the per-server wordings are data (`NOTICE`, `ORIGINAL`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from outreach.domain.address import normalise_address
from outreach.inbound.bounce_reasons import one_line, squash

# Senders of delivery reports (the local part of From, or its display name).
DAEMON = re.compile(
    r"(?:^|[\s<\"])(?:mailer[-_.]?daemon|mail[-_.]?daemon|post_?master|mdaemon|"
    r"mail delivery (?:subsystem|system))(?:$|[@\s>\"\\])",
    re.IGNORECASE,
)
# Subjects of delivery reports.
SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (?:status|failure|failed|notification|has failed|problem)|"
    r"failure notice|returned mail|mail delivery failed|could not be delivered|"
    r"could not send message|non-?deliver|delivery report|mail system error|"
    r"message not delivered|delivery incomplete|mail delivery error|returned to sender|"
    r"rejected message|warning: message|delayed mail|mail failed|failed mail|mail failure|"
    r"delivery (?:warning|delayed|postponed)|"
    r"メールエラー通知|配信できません|送信できません|配信不能|不達|送信エラー|配送エラー|エラーメール|返送|配信失敗|送信失敗|"
    r"传输失败|投递失败|发送失败|退信|無法投遞|傳送失敗",
    re.IGNORECASE,
)
REPLY_PREFIX = re.compile(r"^\s*(?:re|fwd?|aw|wg|sv|返信|転送)\s*[:：]", re.IGNORECASE)
# Sentences a delivery report opens with: evidence that a text is a bounce at all.
NOTICE = re.compile(
    r"could not be delivered|couldn'?t be delivered|was not delivered|delivery (?:to the "
    r"following|has failed|failed|attempts? failed|problems?)|undeliverable|"
    r"permanent (?:fatal )?errors?|fatal errors?|error (?:occurred|has occurred) while|"
    r"there was an error delivering|unable to deliver|failed to deliver|did not reach|"
    r"following (?:address|recipient)|addresses? had (?:permanent )?(?:fatal )?errors|"
    r"rejected by|could not deliver|transcript of session|failure reasons|"
    r"message could not be sent|mailer-daemon|not be delivered|recipient was rejected|"
    r"does not like recipient|delivery error|returned to the sender|trouble delivering|"
    r"error sending|rejected recipient|failed addresses|address(?:es)? failed|mail failed|"
    r"requested action not taken|has been returned|returned because|intended recipient|"
    r"message not delivered|not delivered to|incorrectly constructed|malformed recipient address|"
    r"\b[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b|"
    r"送信できません|配信できません|届きませんでした|送信に失敗|配信に失敗|"
    r"エラー|宛先不明|存在しません|"
    r"delivery of (?:e-?mail|your message|mail) to|无法发送|无法送达|无法投递|無法送達",
    re.IGNORECASE,
)
# Lines that start the copy of the original message in a text bounce.
ORIGINAL = re.compile(
    r"^[ \t]*(?:[-=_*]+[ \t]*)?(?:"  # no two adjacent optional runs: linear on blank lines
    r"original message|original mail|unsent message|returned (?:message|mail follows)|"
    r"message headers follow|below is a copy|this is a copy of|copy of (?:the|your) "
    r"(?:original )?message|headers? of (?:the|your) (?:original )?message|"
    r"original message (?:follows|headers)|"
    r"below this line is a copy|content of the original|message text follows|"
    r"以下(?:、|は)?(?:元|オリジナル|送信)|元の?メッセージ|元のメール|送信したメール"
    r")",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9-]{1,40}):(?: |\t|\S)")
# A copied message header starts with one of these (not Content-*: a MIME part's own header).
_KNOWN_HEADER = re.compile(
    r"^(?:received|return-path|message-id|from|to|subject|date|"
    r"x-[a-z0-9-]+|dkim-signature|reply-to|cc|delivered-to|sender|references|in-reply-to|"
    r"authentication-results|arc-[a-z-]+|domainkey-signature):",
    re.IGNORECASE,
)
ADDRESS = re.compile(
    r"(?<![\w.%+\-=/!#$&'*?^`{|}~])((?:[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"|\"[^\"\s\\]{1,62}\")@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9])(?![\w-]|\.\w)",
    re.IGNORECASE,
)
_VALID = re.compile(
    r"(?:[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*|\"[^\"\s\\]{1,62}\")"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})"
)
# Words right before an address that make it the sender, not the failed recipient.
_SENDER_CONTEXT = re.compile(
    r"(?:mail from|envelope-from|envelope from|return-path|sender|from|reply-to|"
    r"generated from|sent by)\s*:?\s*<?\s*$",
    re.IGNORECASE,
)


def valid_address(value: str) -> bool:
    """A syntactically usable mailbox: dot-atom local part, a dotted domain with a real TLD.

    Pipe commands, file paths, X.400 and source routes, bare hosts fail; the local part is at
    most 64 characters (RFC 5321 4.5.3.1.1).
    """
    if not _VALID.fullmatch(value):
        return False
    local = value.rpartition("@")[0]
    return 0 < len(local) <= 64 and not local.startswith(("|", "/"))


def split_original(text: str) -> tuple[str, str]:
    """(report, original): the text before the attached copy of our message, and the copy."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if ORIGINAL.match(line):
            return "\n".join(lines[:i]), "\n".join(lines[i + 1 :])
        if _KNOWN_HEADER.match(line) and _header_block(lines, i):
            return "\n".join(lines[:i]), "\n".join(lines[i:])
    return text, ""


def _header_block(lines: list[str], start: int) -> bool:
    """Three or more header lines (continuations allowed) from `start`: a copied header."""
    count = 0
    for line in lines[start : start + 12]:
        if not line.strip():
            break
        if line[0] in " \t":
            continue
        if not _HEADER_LINE.match(line):
            return False
        count += 1
    return count >= 3


@dataclass(frozen=True)
class Failed:
    """One failed address found in a text bounce, with the server's words about it."""

    recipient: str
    diagnostic: str
    score: int


def candidates(report: str, exclude: set[str], preferred: set[str]) -> list[Failed]:
    """Failed addresses in the report text, best first.

    An address the original message was sent to scores highest; one standing at the start of
    a line or in angle brackets next; addresses after sender words (MAIL FROM, envelope-from)
    and those in `exclude` (our own, the reporting system's, Message-IDs) are skipped.
    """
    scores: dict[str, int] = {}
    first: dict[str, int] = {}
    lines = report.split("\n")
    for n, line in enumerate(lines):
        for found in ADDRESS.finditer(line):
            addr = normalise_address(found.group(1)).strip(".'")
            if addr in exclude or not valid_address(addr):
                continue
            before = line[: found.start()]
            if _SENDER_CONTEXT.search(before[-30:]):
                continue
            if "http" in before[-80:] and "/" in before[before.rfind("http") :]:
                continue  # inside a URL (…?Endpoint=addr)
            score = 1
            if addr in preferred:
                score += 8
            if not before.strip(" \t<>*-:\"'(") or before.rstrip().endswith("<"):
                score += 2
            scores[addr] = scores.get(addr, 0) + score
            first.setdefault(addr, n)
    ranked = sorted(scores, key=lambda a: (-scores[a], first[a]))
    return [Failed(a, diagnostic_near(lines, first[a], a), scores[a]) for a in ranked]


def _another_recipient(line: str, addr: str) -> bool:
    """A line that opens the next recipient's block (`"other@example.jp":`, `<other@...>:`)."""
    found = ADDRESS.match(line.lstrip("\"'<"))
    return found is not None and normalise_address(found.group(1)) != addr


def diagnostic_near(lines: list[str], at: int, addr: str) -> str:
    """The server's words about `addr`: its line and the paragraph after it, squashed."""
    words: list[str] = []
    for line in lines[at : at + 8]:
        stripped = line.strip()
        if words and (not stripped or ORIGINAL.match(line) or _another_recipient(stripped, addr)):
            break
        words.append(stripped)
    text = " ".join(words)
    if len(squash(text).replace(addr, "").strip(" <>:*-()[]\"'")) < 4:
        # The address stands alone ("kijitora@example.jp" then a blank line): the words are
        # in the next paragraph (Lotus Notes, mFILTER, Japanese carriers) or before it.
        tail = [ln.strip() for ln in lines[at + 1 : at + 10] if ln.strip()][:4]
        head = [ln.strip() for ln in lines[max(0, at - 3) : at] if ln.strip()]
        text = " ".join([*head, text, *tail])
    return one_line(text)[:800]
