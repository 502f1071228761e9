"""Where a reply's parts are: its signature, the sentence around a phrase, quotations of the
sender's own earlier words, and addresses the text calls former. Pure text in, positions out;
the phrase data that says which words count is passed in by `intent`."""

from __future__ import annotations

import re

# RFC 3676 4.3's signature separator ("-- ", often sent without its space): what follows is the
# sender's own boilerplate ("Weekly newsletter: … Unsubscribe anytime."), not a request.
_SIGNATURE = re.compile(r"\n--[ \t]*\n")
# A rule of five or more marks (━━━, ＊＊＊, ‥‥‥), or a "---" line, with at most a dozen lines
# after it and none of them a sentence: the signature block of Japanese business mail, and of
# many a newsletter writer's.
_RULE_LINE = re.compile(
    r"^[ \t]*(?:(?:[-*=_~・‥…━─＊―—–═┏┓┗┛┌┐└┘╔╗╚╝][ \t]*){5,}|-{3,4}[ \t]*)$", re.MULTILINE
)


def signature_start(text: str) -> int:
    """Where the sender's signature block begins, or the text's end."""
    found = _SIGNATURE.search(text)
    if found:
        return found.start()
    # Only a rule among the last thirteen non-empty lines can have a dozen or fewer after it:
    # look there alone, so a text of thousands of rules is read once, not once per rule.
    lines = text.split("\n")
    last = [n for n, line in enumerate(lines) if line.strip()][-13:]
    tail = sum(len(line) + 1 for line in lines[: last[0]]) if last else len(text)
    for rule in _RULE_LINE.finditer(text, tail):
        after = [line.strip() for line in text[rule.end() :].split("\n") if line.strip()]
        # A note (「※…」) is part of a signature, written as a sentence or not.
        if len(after) <= 12 and not any(
            _sentence(line) and not line.startswith("※") for line in after
        ):
            return rule.start()
    return len(text)


_SENTENCE_END = re.compile(r"[!?。;\n]|\.(?!\w)")
# Where the words about one address stop: a sentence's end or a Japanese comma, but not one
# right after a topic or subject (「…(old@…)は、昨年退所したため」 is still about old@); an
# English comma often sits inside the phrase ("my old agency, Bright (bright@…), closed").
_CLAUSE_BREAK = re.compile(r"[!?。\n]|(?<![はがも])、|\.(?!\w)")


def sentence_of(text: str, at: int, until: int, turn: re.Pattern[str] | None = None) -> str:
    """The sentence around text[at:until], looked for within 300 characters (an address's dots
    do not end it); with `turn` (contrast words: "…, but …"), only the part of it between the
    turns on either side."""
    before = text[max(0, at - 300) : at]
    ends = list(_SENTENCE_END.finditer(before))
    start = at - len(before) + (ends[-1].end() if ends else 0)
    after = _SENTENCE_END.search(text, until, until + 300)
    end = after.start() if after else min(len(text), until + 300)
    if turn is not None:
        start = max([start, *(t.end() for t in turn.finditer(text, start, at))])
        later = turn.search(text, until, end)
        end = later.start() if later else end
    return text[start:end]


def _sentence(line: str) -> bool:
    """A line written as a sentence (a closing rule above it ends a pasted message, not a
    signature): it ends like one, or runs long."""
    return (
        line.endswith(("。", "！", "!", "？", "?"))
        or (line.endswith(".") and len(line) > 25)
        or len(line) > 60
    )


_OPEN_QUOTES = '"“「『'
_CLOSE_OF = {'"': '"', "“": "”", "「": "」", "『": "』"}
# A single quote mark opens after a space and closes before a non-letter ("my earlier
# 'unsubscribe' reply"); inside a word it is an apostrophe.
_SINGLE_OPEN = re.compile(r"(?:^|(?<=\s))'(?=\w)")
_SINGLE_CLOSE = re.compile(r"(?<=\w)'(?!\w)")


def _quotation(text: str, start: int, end: int) -> tuple[int, int, int] | None:
    """(line start, opening mark, closing mark) of the quotation on its line that holds
    text[start:end], or None when it stands in none."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    head = text[line_start:start]
    opening = max(head.rfind(q) for q in _OPEN_QUOTES)
    # Matched with the character after the head in view: the mark right before the phrase
    # opens it ('unsubscribe') only if a word follows, which the head alone does not show.
    singles = [
        m.start()
        for m in _SINGLE_OPEN.finditer(text[line_start : start + 1])
        if m.start() < len(head)
    ]
    if singles and singles[-1] > opening:  # 'unsubscribe': an apostrophe is not a quote mark
        opening = singles[-1]
        shut = _SINGLE_CLOSE.search(text, end, line_end)
        closing = shut.start() if shut else -1
    else:
        if opening < 0:
            return None
        mark = head[opening]
        close = _CLOSE_OF[mark]
        if (mark == '"' and head.count('"') % 2 == 0) or (mark != '"' and close in head[opening:]):
            return None  # that mark closed an earlier quotation
        closing = text.find(close, end, line_end)
    return None if closing < 0 else (line_start, line_start + opening, closing)


def retracted_quote(
    text: str,
    start: int,
    end: int,
    reported_before: re.Pattern[str],
    reported_after: re.Pattern[str],
    retraction: re.Pattern[str],
) -> bool:
    """The phrase stands inside quotation marks on its line, reported as the sender's own
    earlier words (a reporting verb before the quote, or と/って + one after it), and the text
    later takes them back. Without the retraction, a quoted earlier refusal still counts."""
    found = _quotation(text, start, end)
    if found is None:
        return False
    line_start, opening, closing = found
    before = text[max(line_start, opening - 40) : opening]
    after = text[closing + 1 : closing + 20]
    reported = reported_before.search(before) or reported_after.match(after)
    # Taken back after the quote, or on its line before it ("please ignore my earlier '…'").
    return bool(reported) and (
        retraction.search(text, closing) is not None
        or retraction.search(text, line_start, opening) is not None
    )


def quoted_from_others(text: str, start: int, end: int, others: re.Pattern[str]) -> bool:
    """The phrase stands inside quotation marks that give someone else's words ("my friend Mel
    told me she emailed you to 'please remove me'"): not the sender's request."""
    # A phrase that starts inside the quotation is theirs, even where its words run past the
    # closing mark (「他のブランドさんには「…ご遠慮ください」とお返事することも多い」).
    found = _quotation(text, start, start + 1)
    if found is None:
        return False
    line_start, opening, _ = found
    return others.search(text[max(line_start, opening - 80) : opening]) is not None


# A closing line ("Kind regards,", "Cheers", 「よろしくお願いいたします。」): what follows it, a few
# lines at most, is the writer's name and contact block.
_CLOSING = re.compile(
    r"^[ \t]*(?:(?:kind|best|warm|warmest|many)?[ \t]*regards|best(?: wishes)?|all the best|"
    r"thanks(?: again| so much)?|thank you|many thanks|cheers|sincerely|warmly|warm wishes|"
    r"with love|love|take care|speak soon|talk soon|respectfully|cordially|x{2,}|(?:xo)+|"
    r"yours(?: sincerely| "
    r"faithfully| truly)?|よろしくお願い(?:いたします|致します|します|申し上げます))"
    r"[ \t]*[,.!。]?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)


# A sign-off with no closing word above it: after the last sentence, a line with a name alone
# ("Felix Nord") and at most four lines not written as sentences ("Represented by Bluehour
# Talent, …", "Sent from my iPhone").
# A name alone: "Jordan", "Sienna Mae", 「あやね」, 「桃井 亜美」.
_NAME_LINE = re.compile(
    r"[a-z][a-z.'-]*(?: [a-z][a-z.'-]*){0,2}"
    r"|[\u3040-\u30ff\u4e00-\u9fff]{1,8}(?:[ \u3000][\u3040-\u30ff\u4e00-\u9fff]{1,6})?",
    re.IGNORECASE,
)
_ENDS = ("。", "！", "!", "？", "?", ".")


def _written(line: str) -> bool:
    """A line the writer wrote as words to us (a sentence, a P.S.), not a signature's own."""
    return line.endswith(_ENDS) or line.lower().startswith(("p.s", "ps "))


def sign_off_start(text: str) -> int:
    """Where the writer's sign-off block begins (after the last closing line, when at most
    seven lines follow it; else a name alone after the last sentence), or the text's end."""
    found = [m.end() for m in _CLOSING.finditer(text)]
    if found and text[found[-1] :].count("\n") <= 7:
        return found[-1]
    lines = text.rstrip().split("\n")
    for back in range(2, min(6, len(lines))):
        name, before, after = lines[-back].strip(), lines[-back - 1].strip(), lines[-back + 1 :]
        if any(_written(line.strip()) for line in after):
            break
        if _NAME_LINE.fullmatch(name) and before.endswith(_ENDS):
            return sum(len(line) + 1 for line in lines[:-back])
    return len(text)


def notice_start(text: str, after: int, label: re.Pattern[str]) -> int:
    """Where the first line from `after` on that opens with a notice's label ("DISCLAIMER:",
    "Privacy Policy:", 「本メールは機密情報を…」) begins, or the text's end."""
    start = text.rfind("\n", 0, after) + 1
    for line in text[start:].split("\n"):
        if label.search(line[:40]):
            return start
        start += len(line) + 1
    return len(text)


def _clause_start(body: str, at: int, reach: int) -> int:
    """Where the clause holding position `at` begins, at most `reach` characters back on its
    line."""
    start = max(body.rfind("\n", 0, at) + 1, at - reach)
    return max([start, *(m.end() for m in _CLAUSE_BREAK.finditer(body, start, at))])


def label_before(body: str, at: int) -> str:
    """The words that label the address at `at` (「代表：」, "General enquiries: ", "For invoices
    on existing contracts only, use "): the start of its clause, at most 48 characters back."""
    return body[_clause_start(body, at, 48) : at]


_NAMED_NEW = re.compile(
    r"(?:新(?:担当|窓口|アドレス|連絡先|メールアドレス)|新しい(?:担当者?|窓口|アドレス|連絡先|メールアドレス)"
    r"|\bnew (?:address|contact|e-?mail|manager|agent|inbox))\s*(?:は|:|：)?\s*(?:\S{1,10}\s+)?$"
)
_SET_AGAINST = re.compile(
    r"\b(?:and )?(?:not|rather than|instead of)(?: to)?\s+(?:my|her|his|their|the)?\s*$"
)


def former_address(
    body: str, at: int, addr: str, former: re.Pattern[str], disclaimer: re.Pattern[str]
) -> bool:
    """The words around the address in its clause call it a former one (a predecessor who left,
    an old address): it is not where to write. The clause ends at a sentence's end or a
    Japanese comma: in 「以前の事務所(old@…)は退所しておりまして、現在の窓口は new@…」 the
    words about the old address stop at 「、」 and the new one is current."""
    line_start = body.rfind("\n", 0, at) + 1
    line_end = body.find("\n", at)
    after = _CLAUSE_BREAK.search(body, at + len(addr))
    start = _clause_start(body, at, 48)
    around = body[start : after.start() if after else len(body)]
    tail = at + len(addr) - start  # where the words after the address begin
    for m in former.finditer(around.replace(addr, " " * len(addr))):
        # "send everything there and not to my old address": after the address, a former one
        # set against it with "not"/"rather than" is another address; this one is the new one.
        if m.start() >= tail and _SET_AGAINST.search(around[tail : m.start()]):
            continue
        # 「今後は新担当 sato@… 宛に(旧担当宛は×)」: named as the new one, the old one after it.
        if m.start() >= tail and _NAMED_NEW.search(
            around[max(0, tail - len(addr) - 16) : tail - len(addr)]
        ):
            continue
        return True
    # Or its line is a confidentiality notice ("…contact postmaster@… and delete it").
    line = body[line_start : len(body) if line_end < 0 else line_end]
    return disclaimer.search(line) is not None
