"""The reply's own words: quoted history, forwarded originals and our own footer removed.

Our footer contains 配信停止 and every human reply quotes it, so opt-out phrases are only
looked for in what the sender wrote themselves.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from email.utils import getaddresses
from functools import lru_cache

from mailparser_reply import EmailReplyParser  # type: ignore[import-untyped]

#: Phrases that only occur in our own footer (a line containing one is dropped). Configurable
#: because the footer is the user's template; these cover the sample footers in both languages.
#: A short marker a person could write in a request ("To unsubscribe", 「配信停止：」) drops its
#: line only when the line also holds a link or an address: "I want to unsubscribe" stays.
DEFAULT_FOOTER_MARKERS: tuple[str, ...] = (
    "配信停止をご希望の方は",
    "配信停止はこちら",
    "配信停止:",
    "配信停止：",
    "今後のご案内が不要な方は",
    "このメールの配信を停止",
    "To unsubscribe",
    "Unsubscribe:",
    "unsubscribe here",
    "If you would rather not hear from us",
    "If you'd rather not hear from us",
    # The sample templates' footers, line by line: some clients quote with no "> " and no
    # attribution line, and each of these lines reads as an opt-out on its own.
    "今後このようなご案内が不要でしたら",
    "下記から配信停止をお申し付けください",
    "このメールに「配信停止」とご返信いただいても",
    "you can opt out at any time",
    'or simply reply "unsubscribe"',
)

# A line that introduces quoted history; everything from it on is the quote.
_QUOTE_HEADERS = re.compile(
    r"""^[ \t]{0,40}(?:
        -{2,}\s*(?:Original\s+Message|Forwarded\s+message|元のメッセージ|転送メッセージ|
            Reply\s+message|返信メッセージ)\s*-{2,}
      | -{2,}[^\n-]{0,40}(?:送った|送信した|前回の|以前の|元の|私が|\bsent\b|\bwrote\b|  # their own
            \boriginal\b|\bprevious\b|\bearlier\b)[^\n-]{0,40}-{2,}\s*$  # earlier mail, named
      | _{10,}\s*$                                             # Outlook's rule above the header
      | (?:On|Le|Am|El)\s.{4,160}\s(?:wrote|a\s+écrit|schrieb|escribió)\s*:\s*$
      | \d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日.{0,120}[:：]\s*$
      | .{0,160}(?:が書きました|さんは書きました|\bwrote)\s*[:：]\s*$
      | (?:From|差出人|送信者)\s*[:：].+\n
        \s*(?:Sent|Date|To|送信日時|日時|宛先|件名|Subject)\s*[:：]
    )""",
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^\s*(?:>|＞|\|)")
_URL_UNSUBSCRIBE = re.compile(r"https?://\S*(?:unsubscribe|optout|opt-out|unsub)\S*", re.IGNORECASE)
_BLANK_RUN = re.compile(r"\n(?:[ \t]*\n){2,}")
_PARSER = EmailReplyParser(languages=["ja", "en"])
# A reply's own words come first; what lies beyond this is quoted history or an attack.
MAX_CHARS = 64_000
# mail-parser-reply's regexes grow quadratically with line length ("On x x x ..." lines), so it
# only sees text of a size real replies have; our own cut has already run on everything else.
_REPLY_PARSER_MAX_CHARS = 16_000
_REPLY_PARSER_MAX_LINE = 1_000


_CLOSING_RULE = re.compile(r"^[ \t]*-{10,}[ \t]*$", re.MULTILINE)
# A line that takes up the sender's own words again below a pasted message ("上記の通りですので…").
_RESUMES = re.compile(
    r"^[ \t]*(?:上記の(?:通り|とおり)|以上の(?:通り|とおり)|as (?:you can see )?above|see above)",
    re.MULTILINE | re.IGNORECASE,
)
_PASTED_HEADER = re.compile(
    r"^[ \t]*(?:from|sent|date|to|cc|subject|差出人|送信者|送信日時|日時|宛先|件名)[ \t]*[:：]",
    re.IGNORECASE,
)
# A reply that only points at the message pasted below it ("See below.", 「下記のとおりです」).
_POINTS_BELOW = re.compile(
    r"\b(?:see|read) (?:below|the (?:e-?mail|message|note) below)\b|"
    r"(?:下記|以下)(?:の|を)(?:とおり|通り|ご覧|ご確認)",
    re.IGNORECASE,
)


def _cut_at_quote_header(text: str) -> str:
    """Text before the first quote header, unless nothing precedes it (a bottom-posted reply,
    whose own words follow the quote: then only the `>` lines are dropped, later)."""
    found = _QUOTE_HEADERS.search(text)
    if found and text[: found.start()].strip():
        # A message pasted in and closed by a rule of dashes, with the sender's words going on
        # below it ("上記のとおりでして、今回は見送らせていただけますと…"): those words are theirs.
        closing = _CLOSING_RULE.search(text, found.end()) or _RESUMES.search(text, found.end())
        rest = text[closing.start() :] if closing else ""
        if rest.strip() and not _QUOTE_HEADERS.search(rest):
            return text[: found.start()] + "\n" + rest
        head = text[: found.start()]
        later = _QUOTE_HEADERS.search(text, found.end())
        if later and not text[found.end() : later.start()].strip():
            later = _QUOTE_HEADERS.search(text, later.end())  # the pasted mail's own From/Sent
        if len(head) < 200 and _POINTS_BELOW.search(head) and not later:
            # "See below. I said this in October." over their own earlier mail pasted in:
            # the pasted words are what they are saying again (without its header lines).
            pasted = [
                line for line in text[found.end() :].split("\n") if not _PASTED_HEADER.match(line)
            ]
            return head + "\n" + "\n".join(pasted)
        return head
    if found:
        text = text[found.end() :]
    lines = text.split("\n")
    # "<anything>:" directly followed by quoted lines is an attribution line we did not know.
    for i, line in enumerate(lines[:-1]):
        if line.rstrip().endswith((":", "：")) and _QUOTED_LINE.match(lines[i + 1]):
            return "\n".join(lines[:i]) if "\n".join(lines[:i]).strip() else text
    return text


# A line that names a message (its date or its author's address) rather than introducing it.
_NAMES_A_MESSAGE = re.compile(r"\d{1,4}\s*[/年.-]\s*\d{1,2}|[\w.+-]+@[\w-]+\.")


def _between_quotes(text: str) -> str | None:
    """The sender's words around `>`-quoted blocks when some follow one: an answer written
    below or between quoted lines of the earlier exchange ("On Dec 2 I wrote: > No thanks" /
    "And now a third follow-up. Remove me."). None when no words of theirs follow a quoted
    block: the reply above its quote, which `_cut_at_quote_header` reads.

    A block's attribution line ("On … wrote:", "Dec 2, Dana <dana@…>:") goes with the block;
    the sender's own lead-in to it ("Last year I told you:") stays theirs. A quote header that
    no `>` line follows (Outlook's From:/Sent: block, "-----Original Message-----") starts a
    message pasted whole, whose end cannot be told: the rest is history.
    """
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    headers = {bisect_right(starts, m.start()) - 1 for m in _QUOTE_HEADERS.finditer(text)}

    def next_quoted(i: int) -> bool:
        following = next((line for line in lines[i + 1 :] if line.strip()), "")
        return bool(_QUOTED_LINE.match(following))

    kept: list[str] = []
    in_quote = resumed = False
    for i, line in enumerate(lines):
        if _QUOTED_LINE.match(line):
            in_quote = True
            continue
        if not line.strip():
            kept.append(line)
            continue
        attribution = line.rstrip().endswith((":", "：")) and next_quoted(i)
        if i in headers and not attribution:
            break
        if attribution and (i in headers or _NAMES_A_MESSAGE.search(line)):
            continue
        resumed = resumed or in_quote
        in_quote = False
        kept.append(line)
    return "\n".join(kept) if resumed else None


def own_text(body: str, footer_markers: Sequence[str] = DEFAULT_FOOTER_MARKERS) -> str:
    """What the sender wrote: before the first quote header, no `>` lines, no footer lines.

    Only the first MAX_CHARS characters of the body are read.
    """
    text = body[:MAX_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    # Runs of blank lines say nothing, and mail-parser-reply is quadratic in them.
    text = _BLANK_RUN.sub("\n\n", text)
    text = _MEMO_HEADING.sub("", text, count=1)
    between = _between_quotes(text)
    text = _cut_at_quote_header(text) if between is None else between
    parsed = None
    lines = text.split("\n")
    if len(text) <= _REPLY_PARSER_MAX_CHARS and max(map(len, lines)) <= _REPLY_PARSER_MAX_LINE:
        try:
            parsed = _PARSER.parse_reply(text)
        except Exception:  # third-party regexes on arbitrary input
            parsed = None
    if parsed and parsed.strip():
        text = parsed
    anywhere, with_link = _footer_patterns(tuple(footer_markers))
    kept = [
        line
        for line in (_unquote_footer(line, anywhere) for line in text.split("\n"))
        if not _QUOTED_LINE.match(line)
        and not (anywhere and anywhere.search(line))
        and not (with_link and with_link.search(line) and _LINK.search(line))
        and not _URL_UNSUBSCRIBE.search(line)
    ]
    return "\n".join(kept).strip()


# A letter headed as a memo at the very top, addressee first ("To: Hanami Labs\nFrom: Lotte
# Verhoeven\nDate: 17 December 2026\nSubject: Request for erasure"): its own heading, not the
# header of a message pasted below the reply (those start with From:, as Outlook writes them).
_MEMO_HEADING = re.compile(
    r"\A\s*(?:To|Attn|Attention)[ \t]*:[^\n]*\n(?:(?:From|Cc|Date|Subject|Re)[ \t]*:[^\n]*\n){2,5}"
    r"[ \t]*\n",
    re.IGNORECASE,
)


# Our footer's words in quotation marks inside the writer's own sentence: 'You wrote "If you
# would rather not hear from us again" - I would rather not. Please remove me.'
_QUOTED_SPAN = re.compile(r'"[^"\n]{1,200}"|“[^”\n]{1,200}”|「[^」\n]{1,200}」')


def _unquote_footer(line: str, anywhere: re.Pattern[str] | None) -> str:
    """The line without the quoted footer words it cites, when four words of the writer's own
    remain around them; the line as it is otherwise, to be dropped whole as a footer line (words
    are counted by spaces, so a Japanese line citing 「…」 is always dropped whole)."""
    if anywhere is None or not anywhere.search(line):
        return line
    rest = _QUOTED_SPAN.sub(lambda m: " " if anywhere.search(m.group(0)) else m.group(0), line)
    return rest if len(rest.split()) >= 4 and not anywhere.search(rest) else line


_LINK = re.compile(r"https?://|www\.|mailto:|@[\w-]+\.", re.IGNORECASE)


def _needs_link(marker: str) -> bool:
    """Short markers a person could write themselves ("To unsubscribe", 「配信停止：」); not the
    ones addressed to third parties (「配信停止をご希望の方は」)."""
    return len(marker) <= 16 and not marker.endswith(("方は", "方へ", "でしたら"))


@lru_cache(maxsize=16)
def _footer_patterns(
    markers: tuple[str, ...],
) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Case-insensitive patterns: markers that drop their line, and those that need a link."""

    def pattern(chosen: list[str]) -> re.Pattern[str] | None:
        return re.compile("|".join(map(re.escape, chosen)), re.IGNORECASE) if chosen else None

    real = [m for m in markers if m]
    return pattern([m for m in real if not _needs_link(m)]), pattern(
        [m for m in real if _needs_link(m)]
    )


# A short yes right below a quoted line of our footer's offer to stop: "> If you would
# rather not hear from us again" / "I would rather not, yes."; a quoted
# 「…「配信停止」とご返信いただいても承ります」 / 「では、そのようにお願いします」. Quoted, the
# offer is dropped from the own text, and the yes alone says nothing.
_TAKEN = re.compile(
    r"^\s*(?:yes|yep|yeah|yup|please|please do|do it|i would rather not|i'd rather not|"
    # "I would rather." below "If you would rather not hear from us again": I would rather not.
    r"i would rather[.!]*\s*$|i'd rather[.!]*\s*$|"
    r"こちらで(?:お願い|よろしく)|これで(?:お願い|よろしく)|"
    r"that's right|correct|exactly|はい|ええ|うん|では|じゃあ|それで|そのように|そうして|"
    r"お願いします|お願いいたします|お願い致します|希望します)",
    re.IGNORECASE,
)


# 「不要です」 below a quoted 「…ご案内が不要でしたら」: not needed, so stop (not 「不要だなんて
# とんでもない」, far from it). Only as an answer to an offer that says 不要 itself; below
# 「配信停止をお申し付けください」 alone it could mean "no need to stop".
_NOT_NEEDED = re.compile(
    r"^\s*(?:不要(?!(?:じゃ|では)(?:な|あり)|なわけ|(?:だ)?なんて|とは|どころか)|いりません|要りません|いらない|"
    r"必要(?:ありません|ないです|ございません))"
)


def takes_our_offer(body: str, footer_markers: Sequence[str] = DEFAULT_FOOTER_MARKERS) -> str:
    """The quoted line of our footer's offer to stop that the sender answers with a short yes
    right below it, or "". Only where the sender's own words begin: a footer quoted in the
    history below a reply is not an answer."""
    anywhere, with_link = _footer_patterns(tuple(footer_markers))
    lines = body[:MAX_CHARS].replace("\r\n", "\n").split("\n")
    offer = ""
    says_not_needed = False
    for line in lines[:40]:
        if _QUOTED_LINE.match(line):
            quoted = _QUOTED_LINE.sub("", line).strip()
            if (anywhere and anywhere.search(quoted)) or (with_link and with_link.search(quoted)):
                offer = quoted
                says_not_needed = says_not_needed or "不要" in quoted
            continue
        if not line.strip():
            continue
        # The first line of the sender's own: the answer, or words that are not one.
        answer = _TAKEN.match(line) or (says_not_needed and _NOT_NEEDED.match(line))
        return offer if offer and len(line.strip()) <= 80 and answer else ""
    return ""


_QUOTED_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def quoted_author(body: str) -> str:
    """The address in the line that introduces the quoted history ("On …, Dana <dana@…>
    wrote:", "From: …"), lower-cased, or "": whose message the reply sits above."""
    found = _QUOTE_HEADERS.search(body[:MAX_CHARS].replace("\r\n", "\n"))
    if not found:
        return ""
    address = _QUOTED_ADDRESS.search(found.group(0))
    return address.group(0).lower() if address else ""


# The header of a message pasted whole below the reply: a forward's rule, or a From: line with
# the lines that follow it.
_PASTED_START = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded\s+message|転送メッセージ|Original\s+Message|元のメッセージ)"
    r"|(?:From|差出人|送信者)\s*[:：])",
    re.IGNORECASE | re.MULTILINE,
)
_RECIPIENT_LINE = re.compile(r"^[ \t>]*(To|宛先|Cc|CC)\s*[:：]\s*(.+)$", re.IGNORECASE)


def pasted_recipients(body: str) -> list[tuple[str, str]]:
    """The (name, address) pairs of the To: and then Cc: lines in the header of the first
    message pasted below the reply (a forward's header: "Forwarding to my agency… reply to the
    talent inbox below"), addresses lower-cased; [] when there is none."""
    text = body[:MAX_CHARS].replace("\r\n", "\n")
    found = _PASTED_START.search(text)
    if not found:
        return []
    to: list[tuple[str, str]] = []
    cc: list[tuple[str, str]] = []
    for line in text[found.start() :].split("\n")[:12]:
        header = _RECIPIENT_LINE.match(line)
        if header:
            pairs = getaddresses([header.group(2).replace("、", ",")])
            kept = [(name.strip(), addr.lower()) for name, addr in pairs if "@" in addr]
            (cc if header.group(1).lower() == "cc" else to).extend(kept)
    return to + cc
