"""What a human reply asks for: interested, referral, decline or opt_out, with a confidence.

The phrases live in phrases.toml (data, not code). Matching runs on the sender's own words,
NFKC-normalised and lower-cased. A phrase under negation ("I don't want to unsubscribe",
「お断りするわけではありません」) or a mention (「配信停止のリンク」) never counts, and a
phrase the sender turns away from ("…のですが、2月なら可能です") is outweighed.
"""

from __future__ import annotations

import bisect
import itertools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from outreach.errors import InputError
from outreach.inbound.model import DECLINE, INTERESTED, OPT_OUT, REFERRAL, REPLY
from outreach.inbound.prefilter import PatternIndex
from outreach.inbound.textparts import (
    former_address,
    label_before,
    notice_start,
    quoted_from_others,
    retracted_quote,
    sentence_of,
    sign_off_start,
    signature_start,
)

#: An intent counts from this combined weight on.
DECIDES = 0.5
# The phrases read this much of a reply's own words: five pages, far more than anyone writes
# above a quote, and each of some three hundred patterns scans all of it.
READ_CHARS = 16_000
#: Matches read per pattern: a real reply repeats a phrase a few times, not thousands.
MAX_HITS = 20
#: A sign of interest outweighs an earlier refusal across a contrast from this weight on.
OVERRIDES = 0.5
#: A yes this sure is a counter-offer even beside a request to be asked again later.
FIRM_YES = 0.8
_CONSIDERS = re.compile(r"検討|\bconsider")
_GROUPS = (OPT_OUT, DECLINE, REFERRAL, "positive", "caution")
_COPIED = re.compile(r"\bcc|cc\b|copied|copying|loop|入れ")
_CLAUSE_END = re.compile(r"[!?。\n]|\.(?!\w)")  # an address's dots end nothing
# A spaced dash ends what a "not" before it negates: "not me - my agency handles brand stuff".
# Where a clause ends for a negation cue: a sentence's end, a dash between words, or an emoji,
# which closes a thought ("\"Simply reply unsubscribe\"? Never 😄 count me in!").
_NEGATED_IN = re.compile(r"[!?。\n\U0001F300-\U0001FAFF]|\.(?!\w)|\s[-–—]\s")
# The name after "on behalf of", up to the end of its phrase, and what a name and a domain
# label are compared without.
_NAME_AFTER = re.compile(r"\s*(?:the\s+)?([^\n,.;:!?()@]{2,40})")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
# "This address" in a signature's note (「※当アドレスへの…」).
_THIS_ADDRESS = re.compile(r"(?:当|本|この|こちらの)(?:メール)?アドレス")
_CLOSE_PAREN = re.compile(r"[)）]")  # where a bracketed aside ends
# "rather than to Lily's personal inbox": the person whose own address is not where to write.
_NOT_THEIRS = re.compile(
    r"\b(?:rather than|instead of|not)(?: to)? ([a-z]{3,})'s (?:personal |own |private )?"
    r"(?:inbox|e-?mail|address|account)\b"
)
# A list of addresses, and the text's own pick among them.
_PICK_NAMED = re.compile(
    r"\b([a-z][a-z0-9]{1,20})(?:'s| is) your (?:person|contact|go-to|point of contact)\b"
    r"|\b([a-z][a-z0-9]{1,20})\s*の方(?:へ|に|で|宛)"
)
_WROTE_TO = re.compile(
    r"\b(?:note|e-?mail|message|pitch|offer) (?:to|for) ([a-z]{2,20})\b"
    r"|\b(?:contacting|reaching out (?:to|about)|thinking of|working with) ([a-z]{2,20})\b"
)
# ("the former agency" is no pick: only "the former" on its own.)
_PICK_FIRST = re.compile(r"前者|\bthe former(?: one)?(?=\s*[.,;!)]|\s*$)|\bthe first one\b")
_PICK_LAST = re.compile(r"後者|\bthe latter(?: one)?(?=\s*[.,;!)]|\s*$)|\bthe second one\b")
_TRAILING_TURNS = frozenset({"though", "however"})
_ASKS = re.compile(r"[?？]")
_CHANGES = re.compile(
    r"今後|以後|以降|これから|from now on|going forward|in future|in the future|new address|instead"
)
_TELL_ME = re.compile(r"教えて|\b(?:tell|let) me\b|\bexplain\b")
# Words that point at the sender's own address just before it ("to me at", 「私(…)宛て」, or a
# child writing from a parent's account: "her email is …"): a signature line naming it points
# nowhere.
_SELF_POINTER = re.compile(
    r"(?:\b(?:me|us) at\b|\bto (?:me|us)\b|私|わたし|こちら"
    r"|\b(?:her|his|their)\s+(?:e-?mail|address|e-?mail\s+address)\s+is\b"
    r"|\b(?:use|at|to) this (?:address|e-?mail(?: address)?|thread)\b"
    r"|\b(?:be|been|are|is) (?:sent|directed|addressed|routed|forwarded) to\b)[^\n@]{0,25}$"
)
# Or pointed at from after it: 「以降のご連絡は本人ではなく tanaka@… 宛にお願いいたします」.
_SELF_POINTED = re.compile(
    r"^\s*\)?\s*(?:宛て?に?|あてに?|まで|へ|に)\s*(?:ご連絡|お送り|お願い|ご送付|送って)"
)
# Said of the address rather than pointing at it: 「こちらのアドレス(info@…)は代表窓口のため」.
_DESCRIBED = re.compile(r"^\s*\)?\s*(?:は|が)")
# ASCII: a Japanese character right before an address (「PRのご相談はpr@…まで」) is no part of it.
_ADDRESS = re.compile(
    r"(?<![\w.+-])[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}", re.ASCII
)
# Bounded spaces: an unbounded \s* at every position of a long blank run is quadratic.
_AT = re.compile(r"[ \t]{0,3}[\[(][ \t]{0,3}at[ \t]{0,3}[\])][ \t]{0,3}")
_DOT = re.compile(r"[ \t]{0,3}[\[(][ \t]{0,3}dot[ \t]{0,3}[\])][ \t]{0,3}")


@dataclass(frozen=True)
class Phrase:
    """One pattern of phrases.toml."""

    group: str  # opt_out | decline | referral | positive
    pattern: re.Pattern[str]
    weight: float
    source: str  # the entry as written, for reasons
    example: str
    needs_address: bool = False
    on_behalf: bool = False
    to_sender: bool = False  # "write to this address": the sender's own address is the one
    # The phrase states its own negation ("not for this inbox"): a "not" before it belongs to
    # another clause ("Not for me - and not for this inbox either"), not to this one.
    own_negation: bool = False
    # A positive that praises ("sounds lovely", "love it") without taking the offer: it turns a
    # refusal only right after a turn in the same sentence ("I wanted to unsubscribe but your
    # offer sounds great"); elsewhere ("…don't reach out again. None of this is a judgement on
    # the serum, which honestly sounds lovely.") it only lowers the refusal's confidence.
    praise: bool = False
    # Points at the writer ("direct all correspondence to me", 「担当の私宛に」): the sender when
    # the text gives no other address; one it gives is the writer's own other address (a parent
    # writing from the child's: 「私宛てに…今後のご連絡は下記に」).
    to_me: bool = False
    # Asks where the address came from: a complaint, unless the writer calls it curiosity.
    asks_source: bool = False


@dataclass(frozen=True)
class Phrasebook:
    """All phrase data: patterns per group, negation cues and contrast words."""

    phrases: tuple[Phrase, ...]
    negation_before: re.Pattern[str]
    negation_after: re.Pattern[str]
    contrast: re.Pattern[str]
    caveat: re.Pattern[str]
    deferral: re.Pattern[str]
    direct: re.Pattern[str]
    typos: tuple[str, ...] = ()  # words a one-letter slip still reads as
    # Their own earlier words, quoted and then taken back: "I wrote 'please don't send me any
    # more PR'. I take it back". Each never matches by default.
    reported_before: re.Pattern[str] = re.compile("(?!)")
    reported_after: re.Pattern[str] = re.compile("(?!)")
    retraction: re.Pattern[str] = re.compile("(?!)")
    # Words before a quotation that make it someone else's ("my friend told me she wrote
    # '…'"): a refusal inside it is not the sender's.
    reported_others: re.Pattern[str] = re.compile("(?!)")
    # Regret with nothing else ("Sorry! I'm 34 weeks along…", 「せっかくなのにすみません」), and
    # apologies that are about something else (a late reply).
    regret: re.Pattern[str] = re.compile("(?!)")
    regret_not: re.Pattern[str] = re.compile("(?!)")
    # Words that make an address a former one ("前任の鈴木(suzuki@…)は退職", "my old address").
    former: re.Pattern[str] = re.compile("(?!)")
    # Words saying the sender's own inbox is not where to write ("route offers through our
    # agency rather than her personal inbox"): an agency writing from it is not continued there.
    not_sender: re.Pattern[str] = re.compile("(?!)")
    disclaimer: re.Pattern[str] = re.compile("(?!)")  # legal boilerplate around an address
    # Someone copied only to see the thread ("adding my manager Sarah for visibility"): the
    # sentence does not send us to them.
    copied_only: re.Pattern[str] = re.compile("(?!)")
    # Someone who passed the pitch on as a friend ("my friend Orla forwarded me your email"):
    # the writer speaks for herself, not on anyone's behalf.
    friend: re.Pattern[str] = re.compile("(?!)")
    # A condition about the terms of this offer (「有償でのご依頼でしたらぜひ」): a counter-offer
    # now, not a yes put off to another time.
    deferral_terms: re.Pattern[str] = re.compile("(?!)")
    # Short words' slips ("remvoe", "stpo", "lsit") and the word each stands for.
    slips: dict[str, str] = field(default_factory=dict)
    slip_words: re.Pattern[str] = re.compile("(?!)")  # all of them, one pattern
    # The label of an address that is not where offers go (「代表：info@…」, "Fan mail: fan@…",
    # "General enquiries: hello@…"), written on its line before it.
    general: re.Pattern[str] = re.compile("(?!)")
    # Words that make "how did you get my address?" curiosity, not a complaint (「参考までに」,
    # "just curious, it's on my bio"), in its sentence or the next.
    curiosity: re.Pattern[str] = re.compile("(?!)")
    # The opening of a bracketed aside about something else ("(Totally unrelated, but do you
    # ship to Canada? My mum would love it.)"): a sign of interest inside it is not about the offer.
    aside: re.Pattern[str] = re.compile("(?!)")
    # A disclaimer for mail received in error ("if you are not the intended recipient, delete
    # it"): a stop's words in its sentence are boilerplate.
    misdirected: re.Pattern[str] = re.compile("(?!)")
    # A stop scoped to this one campaign (「この案件だけ、リストから外して」, "take me off the
    # Sakura Night Serum campaign only"): a no to this offer, not to us.
    scoped: re.Pattern[str] = re.compile("(?!)")
    # A request to be approached again later (「その際に改めてご相談いただけますと幸いです」): the
    # yes in its sentence or the one before is put off, whatever terms it names.
    deferral_again: re.Pattern[str] = re.compile("(?!)")
    # Words right before a refusal that make it about the whole offer (「ただ、…今回は見送らせて
    # いただきます」): no condition of a yes, whatever caveat precedes it.
    caveat_whole: re.Pattern[str] = re.compile("(?!)")
    # Words right before a sign of interest that make it a condition ("If I'm interested in a
    # brand I'll reach out myself"): no yes at all.
    conditional: re.Pattern[str] = re.compile("(?!)")
    # The same for a refusal ("If it is, I'll have to pass"): no refusal yet.
    refused_if: re.Pattern[str] = re.compile("(?!)")
    # The writer is her own manager ("brand partnerships I handle myself"): "write to me" is no
    # referral.
    self_managed: re.Pattern[str] = re.compile("(?!)")
    # A stop's words turned into a joke about wanting the product ("remove me from the list of
    # people who haven't tried it yet :)"): a yes in disguise, in its sentence.
    jest: re.Pattern[str] = re.compile("(?!)")
    # Which phrases could match a text at all (built from the phrases; see prefilter.py).
    index: PatternIndex | None = field(default=None, compare=False, repr=False)

    def spell(self, text: str) -> str:
        """`text` with each long English word one edit (a letter dropped, added, changed or two
        swapped) away from a word of [typos] written as that word: "unsubscibe" reads as
        "unsubscribe"; and each slip of a short word written as the word ("plz remvoe me")."""
        if self.typos:

            def fix(m: re.Match[str]) -> str:
                word = m.group(0)
                if word in self.typos:
                    return word
                return next((known for known in self.typos if _one_edit(word, known)), word)

            text = _WORD.sub(fix, text)
        if self.slips:
            text = self.slip_words.sub(lambda m: self.slips[m.group(0)], text)
        return text


def _slip_pattern(slips: Iterable[str]) -> re.Pattern[str]:
    """One pattern for all slips: a scan for a few dozen words costs a third of a lookup per
    word on a long text."""
    return re.compile(r"(?<![a-z])(?:" + "|".join(map(re.escape, sorted(slips))) + r")(?![a-z])")


def _slips(words: Sequence[str], real: Sequence[str] = ()) -> dict[str, str]:
    """The slips of short words that read as nothing else: two neighbouring letters swapped
    ("stpo", "lsit"), a letter doubled ("remoove"), or, in words of five letters or more, one
    inner letter dropped ("remve", "mailng"). The first and last letters stay when one is
    dropped, so "ailing" is never taken for "mailing"; `real` lists slips that are words or
    names of their own ("emil", "stoop")."""
    slips: dict[str, str] = {}
    for word in words:
        forms = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
        forms |= {word[: i + 1] + word[i:] for i in range(len(word))}
        if len(word) >= 5:
            forms |= {word[:i] + word[i + 1 :] for i in range(1, len(word) - 1)}
        slips.update((form, word) for form in forms - {word} if form not in (*words, *real))
    return slips


@dataclass(frozen=True)
class PhraseHit:
    """A phrase found in the text, and whether it counts."""

    phrase: Phrase
    start: int
    end: int
    text: str
    segment: int  # how many contrast words precede it
    blocked: str = ""  # why it does not count: negated, a mention, outweighed


@dataclass(frozen=True)
class Reading:
    """The intent of one reply, the address it refers us to, how sure, and why."""

    intent: str  # interested | referral | decline | opt_out
    confidence: float
    referred_to: str
    reasons: tuple[str, ...]
    interest: float = 0.0  # signs of interest (a yes, a question, a counter-offer), 0..1
    # Read from the shape of the text (regret and nothing else), not from a refusal's words:
    # a guess for a person to confirm, which an out-of-office notice's "sorry" also fits.
    guess: bool = False


@dataclass(frozen=True)
class Intent:
    """The older two-way view: opt_out, decline, or "" (neither)."""

    kind: str
    reasons: tuple[str, ...]


# Small vowels written for a softer tone (「送ってこなぃでくださぃ」) read as the vowels.
_SMALL_VOWELS = str.maketrans("ぁぃぅぇぉ", "あいうえお")

# Whitespace runs collapse before matching: a run of spaces to one space, a run holding a line
# break to one line break. The phrases mean the same (they match `\s*`, `\s+` and line ends),
# and a pattern that may start at each of n blank lines and scan the rest of the run is then
# linear, not quadratic, on a reply of thousands of blank lines.
_SPACE_RUN = re.compile(r"[^\S\n]{2,}")
_LINE_TRIM = re.compile(r"[^\S\n]?\n[^\S\n]?")
_BLANK_RUN = re.compile(r"\n{2,}")
_WRAPPED_EN = re.compile(r"(?<=[A-Za-z,;])\n(?=[a-z])")
_WRAPPED_JA = re.compile(
    r"(?:(?<=[をにはがのとでもへて、])|(?<=から)|(?<=より))\n(?=[\u3040-\u30ff\u4e00-\u9fff])"
)


_WORD = re.compile(r"(?<![a-z])[a-z]{7,}(?![a-z])")


def _one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by one insertion, deletion, substitution or adjacent swap
    (Damerau-Levenshtein distance 1)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    return a[i + 1 :] == b[i + 1 :] or (
        i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    )


_JA_CHAR = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
_JA_TEXT = re.compile(f"[{_JA_CHAR}]")
_JA_SPACE = re.compile(f"(?<=[{_JA_CHAR}]) +(?=[{_JA_CHAR}])")


# A box left empty and a box ticked, at the start of a line: "[ ] Remove me from the list",
# "[x] Not this time", 「□ 参加する」, 「■ 今回は参加しない」. (In Japanese forms ○ marks a choice
# and × a refusal, so neither is a box here.)
_UNTICKED = re.compile(
    r"^[ \t]*(?:[□☐◻◽▢]|\[[ \t]?\]|［[ \t　]?］|\([ \t]\)|（[ \t　]）)", re.MULTILINE
)
_TICKED = re.compile(
    r"^[ \t]*(?:[■☑☒✅✓✔◼▣]|\[[ \t]?[xXvV✓✔✗][ \t]?\]|［[ \t]?[xXｘＸvV✓✔][ \t]?］"
    r"|\([xX✓]\)|（[xXｘＸ✓]）)",
    re.MULTILINE,
)


def chosen_only(text: str) -> str:
    """A reply that answers by ticking boxes: the lines whose box is left empty are options the
    writer did not choose, so their words are not the writer's. Only where at least one box is
    ticked too (a list of empty boxes alone may be a to-do list, or the writer's own marks)."""
    if not (_TICKED.search(text) and _UNTICKED.search(text)):
        return text
    return "\n".join(line for line in text.split("\n") if not _UNTICKED.match(line))


def normalise(text: str) -> str:
    """NFKC (full-width to ASCII), lower case, straight apostrophes, "[at]"/"[dot]" spelt out,
    whitespace runs collapsed."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").translate(_SMALL_VOWELS)
    # Each line break alone with its spaces, a run of blank lines as one blank line: a wrapped
    # line is joined below only where no blank line parts it from the next ("停止で" and then
    # the pasted message below it are two things).
    text = _BLANK_RUN.sub("\n\n", _LINE_TRIM.sub("\n", _SPACE_RUN.sub(" ", text)))
    # A line that ends mid-sentence and goes on in lower case was wrapped by the sender's
    # client ("please remove both our roster and\nthis agency from your lists"): one sentence.
    text = _WRAPPED_EN.sub(" ", text).lower()
    # A line that ends on a particle or a comma was wrapped mid-sentence (Japanese business
    # mail wraps by hand: 「今後はご連絡を\nお控えくださいますよう」): one sentence again.
    text = _WRAPPED_JA.sub("", text).replace("\n\n", "\n")
    # Spaces between Japanese words (「もう おくらないで ください」, as learners and some phone
    # keyboards write) carry no meaning in Japanese: the phrases read the words joined.
    text = _JA_SPACE.sub("", text)
    return _DOT.sub(".", _AT.sub("@", text))


def _compile(where: str, pattern: str) -> re.Pattern[str]:
    # ASCII: `\b`, `\w` and `\s` are about English words. Unicode `\b` sees no boundary between
    # "unsubscribe" and the で after it, so a mixed-language 「unsubscribeでお願いします」 missed.
    try:
        return re.compile(pattern, re.ASCII)
    except re.error as exc:
        raise InputError(f"not a regular expression: {exc}", field=where) from None


# The tables a phrase file may hold besides the phrase groups; any other name is a typo that
# would otherwise be read as nothing.
_SECTIONS = frozenset(
    {
        *("aside", "caveat", "contrast", "curiosity", "deferral", "direct", "former"),
        *("negation", "regret", "reported", "terms", "typos"),
    }
)


def _parse(data: dict[str, Any], file: str) -> Phrasebook:
    unknown = sorted(set(data) - _SECTIONS - set(_GROUPS))
    if unknown:
        raise InputError(
            f"unknown table [{unknown[0]}]: the phrase groups are {', '.join(_GROUPS)}",
            file=file,
            field=unknown[0],
        )
    terms = {str(k): str(v) for k, v in data.get("terms", {}).items()}

    def expand(pattern: str) -> str:
        for name, value in terms.items():
            pattern = pattern.replace("{" + name + "}", value)
        return pattern

    phrases: list[Phrase] = []
    for group in _GROUPS:
        for i, entry in enumerate(data.get(group, [])):
            where = f"{group}[{i + 1}]"
            try:
                source, weight = str(entry["re"]), float(entry["weight"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(
                    f"needs re and a numeric weight ({exc})", file=file, field=where
                ) from None
            if not 0.0 < weight <= 1.0:
                raise InputError(f"weight {weight} is not in (0, 1]", file=file, field=where)
            phrases.append(
                Phrase(
                    group,
                    _compile(f"{file}: {where}", expand(source)),
                    weight,
                    source,
                    str(entry.get("example", "")),
                    bool(entry.get("needs_address", False)),
                    bool(entry.get("on_behalf", False)),
                    bool(entry.get("to_sender", False)),
                    bool(entry.get("own_negation", False)),
                    bool(entry.get("praise", False)),
                    bool(entry.get("to_me", False)),
                    bool(entry.get("asks_source", False)),
                )
            )
    negation = data.get("negation", {})
    reported = data.get("reported", {})
    regret = data.get("regret", {})
    window = int(negation.get("window", 14))
    typos = data.get("typos", {})
    slips = _slips(
        [str(w).lower() for w in typos.get("short", ())],
        [str(w).lower() for w in typos.get("real", ())],
    )
    slips |= {str(k).lower(): str(v).lower() for k, v in typos.get("heard", {}).items()}
    before = f"(?:{negation.get('before', '(?!)')})[^.!?。,、\\n]{{0,{window}}}$"
    return Phrasebook(
        tuple(phrases),
        _compile(f"{file}: negation.before", before),
        _compile(f"{file}: negation.after", str(negation.get("after", "(?!)"))),
        _compile(f"{file}: contrast.re", str(data.get("contrast", {}).get("re", "(?!)"))),
        _compile(f"{file}: caveat.re", str(data.get("caveat", {}).get("re", "(?!)"))),
        _compile(f"{file}: deferral.re", str(data.get("deferral", {}).get("re", "(?!)"))),
        _compile(f"{file}: direct.re", str(data.get("direct", {}).get("re", "(?!)"))),
        tuple(str(w).lower() for w in typos.get("words", ())),
        _compile(f"{file}: reported.before", str(reported.get("before", "(?!)"))),
        _compile(f"{file}: reported.after", str(reported.get("after", "(?!)"))),
        _compile(f"{file}: reported.retraction", str(reported.get("retraction", "(?!)"))),
        _compile(f"{file}: reported.others", str(reported.get("others", "(?!)"))),
        _compile(f"{file}: regret.re", str(regret.get("re", "(?!)"))),
        _compile(f"{file}: regret.not", str(regret.get("not", "(?!)"))),
        _compile(f"{file}: former.re", str(data.get("former", {}).get("re", "(?!)"))),
        _compile(f"{file}: former.sender", str(data.get("former", {}).get("sender", "(?!)"))),
        _compile(
            f"{file}: former.disclaimer", str(data.get("former", {}).get("disclaimer", "(?!)"))
        ),
        _compile(f"{file}: former.copied", str(data.get("former", {}).get("copied", "(?!)"))),
        _compile(f"{file}: former.friend", str(data.get("former", {}).get("friend", "(?!)"))),
        _compile(f"{file}: deferral.terms", str(data.get("deferral", {}).get("terms", "(?!)"))),
        slips,
        _slip_pattern(slips) if slips else re.compile("(?!)"),
        general=_compile(
            f"{file}: former.general", str(data.get("former", {}).get("general", "(?!)"))
        ),
        curiosity=_compile(
            f"{file}: curiosity.re", str(data.get("curiosity", {}).get("re", "(?!)"))
        ),
        aside=_compile(f"{file}: aside.re", str(data.get("aside", {}).get("re", "(?!)"))),
        misdirected=_compile(
            f"{file}: negation.misdirected", str(negation.get("misdirected", "(?!)"))
        ),
        scoped=_compile(f"{file}: negation.scoped", str(negation.get("scoped", "(?!)"))),
        deferral_again=_compile(
            f"{file}: deferral.again", str(data.get("deferral", {}).get("again", "(?!)"))
        ),
        caveat_whole=_compile(
            f"{file}: caveat.whole", str(data.get("caveat", {}).get("whole", "(?!)"))
        ),
        conditional=_compile(
            f"{file}: negation.conditional", str(negation.get("conditional", "(?!)")) + "$"
        ),
        refused_if=_compile(
            f"{file}: negation.refused_if", str(negation.get("refused_if", "(?!)")) + "$"
        ),
        jest=_compile(f"{file}: negation.jest", str(negation.get("jest", "(?!)"))),
        self_managed=_compile(
            f"{file}: direct.self_managed", str(data.get("direct", {}).get("self_managed", "(?!)"))
        ),
        index=PatternIndex([phrase.pattern for phrase in phrases]),
    )


def load_phrasebook(path: Path | None = None) -> Phrasebook:
    """The phrase data: the file shipped with the package, or `path`."""
    if path is None:
        return _shipped()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read phrase data: {exc}", file=str(path)) from None
    return _parse(data, str(path))


@lru_cache(maxsize=1)
def _shipped() -> Phrasebook:
    text = resources.files("outreach.inbound").joinpath("phrases.toml").read_text("utf-8")
    return _parse(tomllib.loads(text), "outreach/inbound/phrases.toml")


def _hits(
    text: str,
    book: Phrasebook,
    groups: tuple[str, ...] = _GROUPS,
    signature: int | None = None,
) -> list[PhraseHit]:
    turns = [m.end() for m in book.contrast.finditer(text)]
    signature = signature_start(text) if signature is None else signature
    joking = book.jest.search(text) is not None  # rare: most texts skip the per-hit check
    found: list[PhraseHit] = []
    maybe = None if book.index is None else book.index.candidates(text)
    for i, phrase in enumerate(book.phrases):
        if phrase.group not in groups or (maybe is not None and i not in maybe):
            continue
        for m in itertools.islice(phrase.pattern.finditer(text), MAX_HITS):
            if m.end() == m.start():
                continue
            segment = bisect.bisect_right(turns, m.start())
            # A pattern may begin with the punctuation before its words (". Remove."): the
            # clause it negates in starts after that punctuation.
            lead = len(m.group(0)) - len(m.group(0).lstrip(".!?,;:。、 \t\n"))
            head = text[max(0, m.start() + lead - 60) : m.start() + lead]
            clause = _NEGATED_IN.split(head)[-1]
            blocked = ""
            if not phrase.own_negation and book.negation_before.search(clause):
                blocked = "negated"
            elif book.negation_after.match(text[m.end() : m.end() + 16]):
                blocked = "negated"  # or only mentioned: 「配信停止のリンク」
            elif retracted_quote(
                text, m.start(), m.end(), book.reported_before, book.reported_after, book.retraction
            ):
                blocked = "their own earlier words, quoted and taken back"
            elif quoted_from_others(text, m.start(), m.end(), book.reported_others):
                blocked = "someone else's words, quoted"
            elif (
                m.start() > signature
                and phrase.group in (OPT_OUT, DECLINE, "caution")
                and not (phrase.group == OPT_OUT and _standing_note(text, m.start()))
            ):
                blocked = "in their signature"
            elif phrase.group == REFERRAL and book.copied_only.search(
                sentence_of(text, m.start(), m.end(), book.contrast)
            ):
                blocked = "someone copied only to see the thread"
            elif phrase.on_behalf and book.friend.search(sentence_of(text, m.start(), m.end())):
                blocked = "passed on by a friend: no one writes on their behalf"
            elif phrase.group in (OPT_OUT, DECLINE) and book.misdirected.search(
                sentence_of(text, m.start(), m.end())
            ):
                blocked = "a disclaimer's words"
            elif (
                joking
                and phrase.group in (OPT_OUT, DECLINE, "caution")
                and book.jest.search(sentence_of(text, m.start(), m.end()))
            ):
                blocked = "a joke about wanting it"
            elif phrase.asks_source and book.curiosity.search(_and_next(text, m.start(), m.end())):
                blocked = "asked out of curiosity"
            elif phrase.group == "positive" and _in_aside(text, m.start(), book.aside):
                blocked = "in an aside about something else"
            elif (phrase.group == "positive" and book.conditional.search(head)) or (
                phrase.group in (OPT_OUT, DECLINE) and book.refused_if.search(head)
            ):
                blocked = "conditional"
            if (
                not blocked
                and phrase.group == OPT_OUT
                and book.scoped.search(sentence_of(text, m.start(), m.end()))
            ):
                read_as = replace(phrase, group=DECLINE)
            else:
                read_as = phrase
            found.append(
                PhraseHit(read_as, m.start(), m.end(), m.group(0).strip(), segment, blocked)
            )
    return found


def _outweigh(hits: list[PhraseHit], text: str, book: Phrasebook) -> list[PhraseHit]:
    """A refusal followed, across a contrast, by a sign of interest does not count; a sign of
    interest followed by a refusal does not either (the words after the turn are the point),
    unless the refusal is a condition of the yes ("ぜひ!ただ、顔出しは…ご遠慮…")."""
    first_yes = min(
        (
            h.end
            for h in hits
            if not h.blocked
            and h.phrase.group == "positive"
            and h.phrase.weight >= OVERRIDES
            and not h.phrase.praise
        ),
        default=-1,
    )
    caveats = [m.start() for m in book.caveat.finditer(text)] if first_yes >= 0 else []
    hits = [
        PhraseHit(h.phrase, h.start, h.end, h.text, h.segment, "a condition of a yes")
        if not h.blocked
        and h.phrase.group == DECLINE
        and any(first_yes <= at <= h.start for at in caveats)
        and not book.caveat_whole.search(
            _CLAUSE_END.split(text[max(0, h.start - 30) : h.start])[-1]
        )
        else h
        for h in hits
    ]
    # A "sign of interest" that is part of a refusal's own words (「ご連絡いただかなくて問題
    # ありません」 holds 「問題ありません」) is no sign of interest.
    refusals = [h for h in hits if not h.blocked and h.phrase.group in (OPT_OUT, DECLINE)]
    hits = [
        PhraseHit(h.phrase, h.start, h.end, h.text, h.segment, "part of a refusal's words")
        if h.phrase.group == "positive"
        and not h.blocked
        and any(r.start <= h.start and h.end <= r.end for r in refusals)
        else h
        for h in hits
    ]
    live = [h for h in hits if not h.blocked]
    # A yes put off to another time (「その際はぜひよろしく」) does not take back a refusal.
    last_positive = max((h.segment for h in live if _a_yes(h, text, book)), default=-1)
    last_negative = max(
        (h.segment for h in live if h.phrase.group in (OPT_OUT, DECLINE)), default=-1
    )
    out = []
    for h in hits:
        if not h.blocked and (
            (h.phrase.group in (OPT_OUT, DECLINE) and last_positive > h.segment)
            or (h.phrase.group == "positive" and last_negative > h.segment)
        ):
            h = PhraseHit(h.phrase, h.start, h.end, h.text, h.segment, "outweighed")
        out.append(h)
    return out


def _standing_note(text: str, at: int) -> bool:
    """A stop written as a note of the signature about this very address (「※当アドレスへの営業
    メールはお断りしております」): the sender's standing request, which this mail is subject to."""
    line = text[text.rfind("\n", 0, at) + 1 : at]
    return line.lstrip().startswith("※") and _THIS_ADDRESS.search(line) is not None


def _in_aside(text: str, at: int, aside: re.Pattern[str]) -> bool:
    """Whether text[at] lies inside a bracketed aside about something else, before its close."""
    for m in aside.finditer(text, max(0, at - 300), at):
        close = _CLOSE_PAREN.search(text, m.end())
        if close is None or close.start() > at:
            return True
    return False


def _and_next(text: str, at: int, until: int) -> str:
    """The sentence around text[at:until] and the one after it."""
    this = sentence_of(text, at, until)
    end = text.find(this, max(0, at - 300)) + len(this)
    rest = text[end : end + 300].lstrip("!?。;.？！ \n")
    return this + " " + (sentence_of(rest, 0, 0) if rest else "")


def _points_at_own(body: str, sender: str) -> list[tuple[int, str]]:
    """Where the text names the sender's own address right after pointing at it ("to me at
    dan@…", 「私 kimura@… 宛に」)."""
    found = []
    at = body.find(sender) if sender else -1
    while at >= 0:
        after = body[at + len(sender) : at + len(sender) + 20]
        if _SELF_POINTED.match(after) or (
            _SELF_POINTER.search(body[max(0, at - 40) : at]) and not _DESCRIBED.match(after)
        ):
            found.append((at, sender))
        at = body.find(sender, at + 1)
    return found


def _combined(hits: list[PhraseHit]) -> float:
    miss = 1.0
    for h in hits:
        miss *= 1.0 - h.phrase.weight
    return 1.0 - miss


def _addresses(text: str, sender: str, our_domains: set[str]) -> list[tuple[int, str]]:
    """(position, address) of each address in the text other than the sender's and ours."""
    seen = []
    for m in _ADDRESS.finditer(text):
        addr = m.group(0).rstrip(".")
        if addr != sender and addr.rpartition("@")[2] not in our_domains:
            seen.append((m.start(), addr))
    return seen


def _picked(body: str, candidates: list[tuple[int, str]]) -> str:
    """The one address of a list the text itself picks for us: by the name at its start ("As
    you're in Japan, Ellie's your person!", 「jp の方へお願いします」) or by its place
    (「今回は前者のほうへ」, "the latter")."""
    if len(candidates) < 2:
        return ""
    ordered = [a for _, a in sorted(candidates)]
    if _PICK_FIRST.search(body):
        return ordered[0]
    if _PICK_LAST.search(body):
        return ordered[-1]
    names = {n.lower() for m in _PICK_NAMED.finditer(body) for n in m.groups() if n}
    named = [a for a in ordered if _first_name(a) in names]
    if len(named) == 1:
        return named[0]
    # A list by talent ("for Milo, … me at ryan@…; for Ava, use ava-bookings@…") and the
    # talent we wrote to, named in the text ("Your note to Milo was forwarded to me").
    talents = {g for m in _WROTE_TO.finditer(body) for g in m.groups() if g}
    labelled = [
        a
        for at, a in sorted(candidates)
        if any(re.search(rf"\bfor {re.escape(t)}\b", label_before(body, at)) for t in talents)
    ]
    return labelled[0] if len(labelled) == 1 else ""


# A line of copies ("Cc: Mina <mina@…>, Office <info@…>"): every address on it is copied.
_CC_LINE = re.compile(r"[ \t]*cc[ \t]*[:：]")


def _pasted_pick(
    body: str, pasted: Sequence[tuple[str, str]], sender: str, our_domains: set[str]
) -> str:
    """The recipient of a pasted message that the referral means: the one whose name the text
    gives, else the first (the To: line comes first), or "" when none is another's."""
    others = [
        (normalise(name), addr)
        for name, addr in ((name, normalise(addr).strip()) for name, addr in pasted)
        if addr not in ("", sender) and addr.rpartition("@")[2] not in our_domains
    ]
    for name, addr in others:
        words = [w for w in re.split(r"[\s,.、・]+", name) if len(w) >= (3 if w.isascii() else 2)]
        if any(
            re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", body) if w.isascii() else w in body
            for w in words
        ):
            return addr
    return others[0][1] if others else ""


def _first_name(addr: str) -> str:
    """The first word of an address's local part: "lily" of lily.nguyen@…, "jp" of jp@…."""
    return re.split(r"[._+-]", addr.partition("@")[0])[0]


def _nearest(addresses: list[tuple[int, str]], cues: list[PhraseHit]) -> str:
    """The address written closest to a referral phrase (not the signature's own address)."""

    def distance(item: tuple[int, str]) -> int:
        at, addr = item
        return min(max(h.start - (at + len(addr)), at - h.end, 0) for h in cues)

    return min(addresses, key=distance)[1] if cues and addresses else ""


def read_reply(
    text: str,
    *,
    subject: str = "",
    sender: str = "",
    cc: Sequence[str] = (),
    ours: Sequence[str] = (),
    book: Phrasebook | None = None,
    offer: str = "",
    quoted: str = "",
    pasted: Sequence[tuple[str, str]] = (),
) -> Reading:
    """The intent of a human reply's own text (and an opt-out said in its Subject).

    `cc`: the reply's Cc addresses, for "I've cc'd my manager" with no address in the text.
    `ours`: addresses the reply went to; no address at their domains is a referral (our own
    signature, quoted without "> ", names one).
    `offer`: the quoted line of our footer's offer to stop that the reply answers with a yes
    (`owntext.takes_our_offer`): an opt-out.
    `quoted`: the author of the message quoted below the reply ("adding my manager, see her
    note below"), the address to continue with when the referral names none.
    `pasted`: the (name, address) recipients of a message pasted below the reply (a forward to
    the manager): one whose name the text gives (「マネージャーの佐藤に転送しました」), or the
    first, when the referral names no address.
    """
    book = book or _shipped()
    body = book.spell(normalise(chosen_only(text[:READ_CHARS])))
    sender = normalise(sender).strip()
    # A legal or privacy notice below the sign-off ("DISCLAIMER: … To opt out of marketing from
    # us, reply STOP") is the signature's own boilerplate, whatever it asks of its readers.
    sign_off = sign_off_start(body)
    signature = min(signature_start(body), notice_start(body, sign_off, book.disclaimer))
    hits = _outweigh(_hits(body, book, signature=signature), body, book)
    subject_hits = [h for h in _hits(normalise(subject), book, (OPT_OUT,)) if not h.blocked]
    our_domains = {normalise(a).strip().rpartition("@")[2] for a in ours if "@" in a}
    addresses = _addresses(body, sender, our_domains)
    reasons: list[str] = []
    live: dict[str, list[PhraseHit]] = {g: [] for g in _GROUPS}
    # The sender's own address written out ("send details to me at dan@…", a parent writing
    # for a child) is an address given: the one to continue with.
    own = [
        (at, a)
        for at, a in _points_at_own(body, sender)
        if not former_address(body, at, a, book.former, book.disclaimer)
    ]
    self_named = bool(own)
    # Words that only count beside an address ("my manager's email is …") need one that is
    # still in use: "please stop cc'ing my old work address (…)" gives none.
    # (A former one beside the sender's own still counts: "you've cc'd our old address (…). The
    # correct one is mgmt@…", written from it.)
    former = {
        (at, a) for at, a in addresses if former_address(body, at, a, book.former, book.disclaimer)
    }
    in_use = len(former) < len(addresses) or (bool(addresses) and bool(sender) and sender in body)
    # "Could you send a sample first?": a verb that is a referral only beside an address is part
    # of a yes here, with no address in its sentence, not where to write.
    yeses = [(h.start, h.end) for h in hits if h.phrase.group == "positive" and not h.blocked]
    for h in hits:
        if h.phrase.needs_address and not in_use and not self_named:
            continue
        if (
            h.phrase.needs_address
            and h.phrase.group == REFERRAL
            and h.end - h.start <= len("reach out to")
            and any(a <= h.start and h.end < b for a, b in yeses)
            and not _ADDRESS.search(sentence_of(body, h.start, h.end))
            and not _SENT_ON.match(body, h.end)
        ):
            continue
        if h.phrase.on_behalf and _names_sender(body, h.end, sender):
            reasons.append(f"{h.text!r} names the sender itself: no one else writes for it")
            continue
        if h.blocked:
            reasons.append(f"{h.blocked} {h.phrase.group} phrase {h.text!r} (not acted on)")
        else:
            live[h.phrase.group].append(h)
    for h in subject_hits:
        live[OPT_OUT].append(h)
        reasons.append(f"opt_out phrase {h.text!r} in the Subject")
    score = {g: _combined(live[g]) for g in _GROUPS}
    if offer:
        reasons.append(f"answers our offer to stop ({offer!r}, quoted) with a yes")
        score[OPT_OUT] = max(score[OPT_OUT], 0.9)
    pointed = _combined([h for h in live[REFERRAL] if not h.phrase.on_behalf])
    here = bool(sender) and any(h.phrase.to_sender or h.phrase.to_me for h in live[REFERRAL])
    if here and any(h.phrase.on_behalf for h in live[REFERRAL]):
        # An assistant or agency that says who it is and to write to it ("I'm Rosa, Maya's
        # assistant… stop emailing Maya's personal address and send everything to me"):
        # the writer is where to write, however weak "to me" is alone.
        pointed = max(pointed, DECIDES)
    # Addresses the stop itself refuses, named before it in its sentence (「このアドレスにも、仕事用
    # のアドレス(…)にも、ご案内は送らないで」), give nowhere to write instead.
    refused = {
        (at, a)
        for at, a in former
        for h in live[OPT_OUT]
        if at < h.start and a in sentence_of(body, h.start, h.end)
    }
    if (
        live[OPT_OUT]
        and (len(refused) < len(addresses) or here or self_named)
        and pointed >= DECIDES
    ):
        # 「直接のご連絡はお控えいただき、事務所(…)経由で」, "don't email me directly; my agent
        # handles everything: …": the stop is about writing to them directly (or to a former
        # address: 「以前の事務所には送らないよう」), and the address given is where to write
        # instead. Saying who one is ("I handle press for a studio") points nowhere: "remove
        # this address" then stays an opt-out.
        # The words just before the stop in its clause, and just after it. Japanese puts the
        # object first, often far ahead of the verb (「こちらの個人アドレス(…)には今後お送り
        # いただかなくて大丈夫です」), so its clause is read further back.
        clauses = [
            _CLAUSE_END.split(
                body[max(0, h.start - (60 if _JA_TEXT.search(h.text) else 30)) : h.end]
            )[-1]
            for h in live[OPT_OUT]
        ]
        if all(
            book.direct.search(c)
            or book.direct.search(body[h.end : h.end + 60])
            or book.former.search(sentence_of(body, h.start, h.end))
            for c, h in zip(clauses, live[OPT_OUT], strict=True)
        ):
            reasons.append(
                "asks not to be written to directly, and names where to write: a referral"
            )
            _drop_stops(live, score)
    elif (
        live[OPT_OUT]
        and sender
        and any(h.phrase.on_behalf for h in live[REFERRAL])
        and _TAKES_OVER.search(body)
        and all(
            _TALENT_DIRECT.search(sentence_of(body, h.start, h.end, book.contrast))
            for h in live[OPT_OUT]
        )
    ):
        # An agency that says who it is: 「本人への直接のご連絡はご遠慮いただいており、本件は
        # 弊社にて窓口を」 asks us not to write to the talent; the agency, writing, goes on.
        reasons.append("an agency asks not to write to the talent directly: a referral to it")
        _drop_stops(live, score)
    for g in (OPT_OUT, DECLINE, REFERRAL):
        for h in live[g][:3]:
            reasons.append(f"{g} phrase {h.text!r} (weight {h.phrase.weight:g})")
    blocked_refusal = max(
        (h.phrase.weight for h in hits if h.blocked and h.phrase.group in (OPT_OUT, DECLINE)),
        default=0.0,
    )
    positive = score["positive"]

    if score[OPT_OUT] >= DECIDES:
        last_stop = max((h.start for h in live[OPT_OUT]), default=-1)
        after = [h for h in live["positive"] if h.start > last_stop and _a_yes(h, body, book)]
        if any(h.phrase.asks_source for h in live[OPT_OUT]):
            # 「どうしてこのアドレスをご存知なのでしょうか…教えていただけますか」: asking to be
            # told is the same question about the address, not a yes.
            after = [h for h in after if not _TELL_ME.search(h.text)]
        if after and live[OPT_OUT]:
            reasons.append("asks to stop, then says yes: a person decides")
            return Reading(INTERESTED, 0.5, "", tuple(reasons), positive)
        doubt = max(positive * 0.6, 0.3 * blocked_refusal)
        return Reading(
            OPT_OUT,
            _clamp(score[OPT_OUT] * (1 - 0.5 * doubt)),
            "",
            _first(reasons, OPT_OUT),
            positive,
        )
    # A manager who only says who they are (「弊社所属タレント…」, "I'm her manager") and turns
    # the offer down is declining for the talent, not sending us elsewhere.
    # (The addresses of its own signature point nowhere: with only who-I-am phrases, a decline
    # stays a decline.)
    only_behalf = all(h.phrase.on_behalf or h.start > signature for h in live[REFERRAL])
    # A signature's "Represented by Bluehour Talent" with no address anywhere sends us nowhere.
    signed = min(signature, sign_off)
    signed_only = all(h.start > signed for h in live[REFERRAL]) and not addresses and not cc
    # The talent's own yes, then where to send the papers: 「ぜひお引き受けしたいと思って
    # います。契約書など、遠慮なくこちらのアドレスにお送りください」 points at the address we
    # wrote to, unless it says the address changes (「今後は」, "from now on").
    # A change away from her own former address (「旧アドレス(…)はもう使っていないので…今後は
    # このアドレスで」) keeps the thread with her as well.
    moved_here = bool(addresses) and all(item in former for item in addresses)
    own_yes = (
        here
        and (not addresses or moved_here)
        and not self_named
        and not any(h.phrase.on_behalf for h in live[REFERRAL])
        and all(h.phrase.to_sender for h in live[REFERRAL])
        and any(_a_yes(h, body, book) for h in live["positive"])
        and (moved_here or not _CHANGES.search(body))
    )
    # "She's interested, but she's booked solid through mid-April. If a late-April post works,
    # send over a brief": the manager's refusal is taken back by a yes; the manager goes on.
    yes_after = _yes_after_refusal(live, body, book)
    if (
        score[REFERRAL] >= DECIDES
        and not (only_behalf and score[DECLINE] >= DECIDES and not yes_after)
        and not signed_only
        and not own_yes
    ):
        behalf = any(h.phrase.on_behalf for h in live[REFERRAL])
        # "I'll stay your main contact", 「本メールアドレス宛てに」: the sender says to keep
        # writing to them, whatever other address (a colleague for shipping) the text names;
        # unless an address is in the words or follows them at once (「こちらのアドレス(…)宛に」,
        # 「こちらのアドレスに→ pr@…」).
        stays = here and any(
            h.phrase.to_sender and not _address_follows(body, h.start, h.end)
            for h in live[REFERRAL]
        )
        # Not a former address, and not one copied in only to follow the thread ("looping in
        # Tom (tom@…) so he's aware, but please send the brief to bookings@…").
        # And not the talent's own, named elsewhere as where not to write ("Thanks for your
        # note to Lily (lily.nguyen@…). … rather than to Lily's personal inbox").
        not_theirs = {m.group(1) for m in _NOT_THEIRS.finditer(body)}
        current = [
            (at, a)
            for at, a in addresses
            if (at, a) not in former
            and not book.copied_only.search(sentence_of(body, at, at + len(a), book.contrast))
            and _first_name(a) not in not_theirs
        ]
        # A switchboard or fan-mail address (「代表：info@…」) is not where offers go when the
        # text gives another one, points at the writer ("reply directly to me here"), or an
        # agency writes for its talent and signs with the writer's own (「担当直通：sasaki@…」).
        general = [(at, a) for at, a in current if book.general.search(label_before(body, at))]
        if general and (len(general) < len(current) or here or (behalf and sender in body)):
            current = [item for item in current if item not in general]
        # The writer points at herself ("reply directly to me here") and the only addresses
        # are in her own sign-off (her company's line below "Kind regards, Sam"): the writer.
        if here and current and all(at > sign_off for at, _ in current):
            current = []
        # She points at herself (「以降は私宛に」) and the others are only copied on a Cc line
        # that the text picks none of: the writer.
        if (
            here
            and current
            and all(_CC_LINE.match(body, body.rfind("\n", 0, at) + 1) for at, _ in current)
            and not _picked(body, current + own)
        ):
            current = []
        if stays or (
            not current and addresses and (self_named or here or behalf or sender in body)
        ):
            # Only addresses that are not where to write (a former one, the talent's own, a
            # switchboard, an assistant copied "for scheduling only"), besides the sender's
            # own, which they name or point at, or write from for the talent.
            to = sender
        else:
            # The sender's own address, pointed at, competes with the others: 「今後のご連絡は私
            # kimura@… 宛に」 beats the switchboard address of the signature below it.
            # Words of their own signature ("Business: hello@…") name their own contact; the
            # referral is made in the text above it when the text makes one.
            cues = [h for h in live[REFERRAL] if h.start < signature] or live[REFERRAL]
            to = _picked(body, current + own) or _nearest((current or addresses) + own, cues)
        copied = [
            a
            for a in (normalise(c).strip() for c in cc)
            if a and a != sender and a.rpartition("@")[2] not in our_domains
        ]
        if not to and copied and any(_COPIED.search(h.text) for h in live[REFERRAL]):
            to = copied[0]
            reasons.append("the referral is copied in (Cc)")
        if not to and (here or self_named):
            to = sender
            reasons.append("asks to write to this address: continue with the sender")
        quoted = normalise(quoted).strip()
        if (
            not to
            and quoted
            and quoted != sender
            and quoted.rpartition("@")[2] not in our_domains
            and not all(h.phrase.on_behalf for h in live[REFERRAL])
        ):
            to = quoted
            reasons.append("the referral points at the author of the message quoted below")
        if not to and behalf and sender and not book.not_sender.search(body):
            to = sender
            reasons.append("written on the talent's behalf: continue with the sender")
        if not to and not behalf:
            to = _pasted_pick(body, pasted, sender, our_domains)
            if to:
                reasons.append("the referral points at a recipient of the message pasted below")
        if not to and sender and not addresses and sender in body[:signed]:
            # 「仕事用のアドレスに改めてお送りいただけますか？\n仕事用：work.rin@…」, written from
            # that very address: the only address the text gives is where to write.
            to = sender
            reasons.append("the only address the text gives is the sender's own: continue with it")
        if (
            to in ("", sender)
            and not (
                to == sender
                and any(h.phrase.on_behalf and _A_ROLE.search(h.text) for h in live[REFERRAL])
            )
            and book.self_managed.search(body[:signed])
        ):
            # The talent, who is her own manager, says to keep writing to her, or names an
            # agency only as her past. (An assistant who says who she is and to keep writing to
            # her, 「このまま私とやりとりさせてください」, is the contact she names.)
            reasons.append("the writer manages herself: writing to her is no referral")
            score[REFERRAL] = 0.0
        else:
            confidence = score[REFERRAL] * (1.0 if to else 0.8) * (1 - 0.3 * score[DECLINE])
            if to:
                reasons.append(f"referred to {to}")
            else:
                reasons.append("referral names no address")
            return Reading(REFERRAL, _clamp(confidence), to, _first(reasons, REFERRAL), positive)
    if score[DECLINE] >= DECIDES:
        if yes_after:
            reasons.append("a refusal and then a yes in the same breath: read as interested")
            return Reading(
                INTERESTED, _clamp(0.55 - 0.1 * score[DECLINE]), "", tuple(reasons), positive
            )
        doubt = positive * 0.6
        return Reading(
            DECLINE,
            _clamp(score[DECLINE] * (1 - 0.5 * doubt)),
            "",
            _first(reasons, DECLINE),
            positive,
        )
    if not body.strip():
        return Reading(INTERESTED, 0.3, "", ("no words of their own", *reasons), positive)
    outweighed = max(
        (
            h.phrase.weight
            for h in hits
            if h.blocked == "outweighed" and h.phrase.group in (OPT_OUT, DECLINE)
        ),
        default=0.0,
    )
    weak = max(score[OPT_OUT], score[DECLINE], score[REFERRAL])
    regrets = book.regret.search(book.regret_not.sub(" ", body))
    if regrets and not weak and positive < 0.3 and not live["caution"] and not _ASKS.search(body):
        # Regret, no sign of interest, no question: how a decline that explains itself ends
        # ("I'm pregnant and avoiding caffeine… sorry!"). Below the review threshold, so a person
        # confirms it; the sequence stops meanwhile and nothing is suppressed.
        reasons.append(
            f"regrets ({regrets.group(0)!r}) with no sign of interest and no question: "
            "probably a decline, for a person to confirm"
        )
        return Reading(DECLINE, 0.55, "", tuple(reasons), positive, guess=True)
    # Words a stop request is made of (remove, block, 解除, 迷惑…) in a reply no phrase read:
    # it may be a refusal in words the phrase data lacks, so a person reads it first.
    cautious = 0.6 * score["caution"]
    if live["caution"]:
        reasons.append(f"mentions {live['caution'][0].text!r}: may be a refusal in other words")
    doubt = max(outweighed * 0.8, weak, 0.3 * blocked_refusal, cautious)
    confidence = 0.8 + 0.2 * positive - 0.5 * doubt
    reasons.append("human reply: interested (no opt-out, decline or referral)")
    return Reading(INTERESTED, _clamp(confidence), "", tuple(reasons), positive)


# "Send it there", "send the brief to …": the verb sends somewhere, whatever yes it is part of.
_SENT_ON = re.compile(
    r"\s+(?:(?:it|this|them|everything|one|the \w+)\s+)?(?:over\s+)?(?:there|to)\b"
)


# Words naming the writer's role for someone else: an assistant, an agency.
_A_ROLE = re.compile(
    r"アシスタント|スタッフ|秘書|マネージャー|マネジメント|事務所|弊社|"
    r"\b(?:assistant|pa|manager|management|agent|agency|team|inbox for|coordinat\w*)\b"
)
# A stop about writing to the talent herself, not to whoever writes for her.
_TALENT_DIRECT = re.compile(
    r"(?:ご)?(?:本人|所属タレント|タレント|クリエイター)(?:様|さん)?(?:へ|宛)の?\s*直接|"
    r"\b(?:contact|e-?mail|write to|message|reach out to|pitch) (?:her|him|them) directly\b(?! or)"
)
# The agency saying it takes the matter over: 「本件は弊社にて窓口を」, "through us".
_TAKES_OVER = re.compile(
    r"弊社(?:にて|で|が)(?:窓口|担当|対応)|弊社(?:の)?(?:事務局|窓口|担当(?:者)?)?(?:宛|あて|まで)|"
    r"\b(?:through|via) us\b|"
    r"\bwe(?:'ll| will) (?:handle|take (?:it|this|things) (?:from here|over))\b"
)


def _drop_stops(live: dict[str, list[PhraseHit]], score: dict[str, float]) -> None:
    """The stops say where not to write, not to stop: they no longer count, nor does a decline
    inside their words (「ご依頼は控えて」 holds 「依頼は控えて」)."""
    stops = live[OPT_OUT]
    live[DECLINE] = [
        h for h in live[DECLINE] if not any(s.start <= h.start and h.end <= s.end for s in stops)
    ]
    live[OPT_OUT] = []
    score[OPT_OUT] = 0.0
    score[DECLINE] = _combined(live[DECLINE])


def _yes_after_refusal(live: dict[str, list[PhraseHit]], body: str, book: Phrasebook) -> bool:
    """Whether a yes strong enough to turn a refusal comes after the last live decline."""
    if not live[DECLINE]:
        return False
    last_decline = max(h.start for h in live[DECLINE])
    return any(h.start > last_decline and _a_yes(h, body, book) for h in live["positive"])


# What may follow an address on its own line: the name of whoever reads it (「(担当:井上)」).
_LABEL_AFTER = re.compile(r"\s*(?:\([^)\n]{0,30}\))?\s*")


def _names_sender(body: str, end: int, sender: str) -> bool:
    """ "Bel, on behalf of Two Lamps", sent from studio@twolampsonline…: the group a writer
    speaks for is the sender itself (a duo's or a studio's shared inbox), not a talent whose
    agency writes."""
    named = _NAME_AFTER.match(body, end)
    if named is None or "@" not in sender:
        return False
    name = _NOT_ALNUM.sub("", named.group(1))
    label = _NOT_ALNUM.sub("", sender.rsplit("@", 1)[1].split(".")[0])
    return len(name) >= 6 and label.startswith(name)


def _address_follows(body: str, start: int, end: int) -> bool:
    """An address in the words, or right after them on their line (「こちらのアドレス(…)宛に」,
    「こちらのアドレスに→ pr@…」), or alone on the next line (「…こちらのアドレスにお願いしても
    よいでしょうか。\nwork.rina@…」, or with its reader's name after it): "this address" is that
    one, not the sender's."""
    if _ADDRESS.search(body[start : end + 40].split("\n")[0]):
        return True
    following = body[end:].split("\n", 1)
    below = following[1].lstrip("\n").split("\n", 1)[0].strip() if len(following) > 1 else ""
    address = _ADDRESS.match(below)
    return address is not None and _LABEL_AFTER.fullmatch(below[address.end() :]) is not None


def _first(reasons: list[str], intent: str) -> tuple[str, ...]:
    """The phrases that decided the intent first (what `suppression list` shows as evidence)."""
    return tuple(sorted(reasons, key=lambda r: not r.startswith(f"{intent} phrase")))


def _a_yes(hit: PhraseHit, text: str, book: Phrasebook) -> bool:
    """A sign of interest that can turn a refusal: strong enough, praise only right after a turn
    in its sentence, and not a yes put off to another time."""
    return (
        hit.phrase.group == "positive"
        and hit.phrase.weight >= OVERRIDES
        and (
            not hit.phrase.praise
            or sentence_of(text, hit.start, hit.end)
            != sentence_of(text, hit.start, hit.end, book.contrast)
        )
        and not _deferred(text, hit, book)
        and not _SEND_OFF.search(sentence_of(text, hit.start, hit.end))
    )


# A wish of luck in the sentence makes its praise a send-off: "Best of luck with the serum, it
# looks amazing!!" after a refusal keeps the refusal.
_SEND_OFF = re.compile(
    r"\b(?:good|best of) luck with\b|\ball the best with\b|ご成功を(?:お祈り|祈って)"
)


def _deferred(text: str, hit: PhraseHit, book: Phrasebook) -> bool:
    """A yes put off to another time in its own clause (「また別の商品のときにぜひ」, "maybe next
    time, happy to", "happy to hear about future projects"): the refusal before it stands."""
    before = _CLAUSE_END.split(text[max(0, hit.start - 160) : hit.start])[-1]
    # A turn starts the yes's own clause: 「以前、別の商品のときに…お返事しましたが、今回の
    # セラムはぜひ」 is about this offer, whatever came before the turn. "Though" and "however"
    # also trail the words they turn from ("if you ever do something for dogs though, I'm all
    # ears"): they start nothing.
    turns = [m for m in book.contrast.finditer(before) if m.group(0) not in _TRAILING_TURNS]
    before = before[turns[-1].end() :] if turns else before
    after = _CLAUSE_END.split(text[hit.start : hit.start + 120])[0]
    clause = before + after
    # Asked to be approached again then, a could-consider (「4月以降でしたら検討可能ですので、
    # その際に改めてご相談いただけますと」, or 「ぜひ前向きに検討させていただきたいです」, however
    # strongly worded) is a no for now; a firm yes with it (「3月以降であればぜひお受けしたいので、
    # その頃にもう一度ご連絡いただけますか」) is a counter-offer.
    firm = hit.phrase.weight >= FIRM_YES and not _CONSIDERS.search(text, hit.start, hit.end + 16)
    if not firm and book.deferral_again.search(_and_next(text, hit.start, hit.end)):
        return True
    # The yes is the request itself (「4月以降でしたら、ぜひ改めてご相談させてください」).
    near = book.deferral_again.finditer(text, max(0, hit.start - 30), hit.end + 30)
    if any(m.start() < hit.end and hit.start < m.end() for m in near):
        return True
    found = book.deferral.search(clause)
    # A condition about this offer's terms or timing before the deferral words, right before
    # the yes (「2月以降の撮影でもよろしければぜひ」) or right after the deferral words ("could
    # you circle back in early March?") makes it a counter-offer.
    return (
        found is not None
        and not book.deferral_terms.search(clause[: found.start()])
        and not book.deferral_terms.search(before)
        and not book.deferral_terms.search(_RIGHT_AFTER.split(clause[found.end() :])[0][:40])
    )


# Where the words right after a deferral end: "circle back in early March?" names the month;
# "…hear about it then; the clause should be done by April" does not.
_RIGHT_AFTER = re.compile(r"[;,:?!.。、]")


def _clamp(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 2)


def interest(text: str, book: Phrasebook | None = None) -> float:
    """How much the text signals interest: a yes, a question, a counter-offer (0..1)."""
    book = book or _shipped()
    body = book.spell(normalise(text))
    return _combined(
        [
            h
            for h in _outweigh(_hits(body, book), body, book)
            if h.phrase.group == "positive" and not h.blocked
        ]
    )


def intent_of(own_text: str) -> Intent:
    """opt_out, decline or "" for anything else (interested, referral)."""
    found = read_reply(own_text)
    kind = found.intent if found.intent in (OPT_OUT, DECLINE) else ""
    return Intent(kind, found.reasons)


#: The pipeline kind of each intent: interested and referral are replies to act on.
KIND_OF = {OPT_OUT: OPT_OUT, DECLINE: DECLINE, INTERESTED: REPLY, REFERRAL: REPLY}
