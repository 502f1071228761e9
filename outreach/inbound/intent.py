"""What a human reply asks for: to stop (opt-out), to pass (decline), or neither.

Phrases are matched on NFKC-normalised, lower-cased own text. A phrase under negation
(「配信停止はしないでください」, "please don't remove me") does not count; the reason says so
so an operator can review it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Patterns (regular expressions over NFKC, lower-cased text), most specific first.
OPT_OUT_PHRASES = (
    r"unsubscribe",
    r"remove me",
    r"take me off",
    r"stop (?:emailing|sending|contacting|mailing)",
    r"(?:do not|don'?t) (?:email|e-mail|contact|write to) me",
    r"no more emails",
    r"opt[ -]?out",
    r"今後のご?(?:連絡|案内|メール)は?不要",  # not 「受領のご連絡は不要です」 (no need to confirm)
    r"配信(?:を)?(?:停止|解除)",
    r"配信不要",
    r"(?:メールを|今後は)送らないで",
    r"連絡しないで",
)
DECLINE_PHRASES = (
    r"見送らせていただ",
    r"見送り",
    r"辞退(?:いたします|させていただ|します)",
    r"遠慮させていただ",
    r"お断り",
    r"お(?:受け|引き受け)(?:でき|いたし)かね",
    r"お(?:受け|引き受け)できません",
    r"(?:not|no longer) interested",
    r"no,? thanks?(?: you)?\b",
    r"(?:i'll|i will|we'll|we will) pass\b(?! (?:it|this|that)? ?(?:on|along))",
    r"pass on this(?! (?:to|along))",
    r"(?:have to|must) decline",
    r"not (?:a|the) (?:good |right )?fit",
)
# English negation shortly before the phrase, in the same clause.
_NEG_BEFORE = re.compile(
    r"(?:\b(?:don'?t|do not|dont|never|no need to|not|won'?t|wouldn'?t)\b|n't)[^.!?。\n]{0,12}$"
)
# Japanese negation right after the phrase: 配信停止はしないで / 配信停止は不要 / しなくて大丈夫.
_NEG_AFTER = re.compile(
    r"^(?:の手続き)?(?:は|を|も)?\s*(?:しないで|しなくて|せずに|せず|不要|いりません|結構|やめて|しません|希望しません)"
)


@dataclass(frozen=True)
class Intent:
    kind: str  # "opt_out" | "decline" | "" (neither)
    reasons: tuple[str, ...]


def normalise(text: str) -> str:
    """NFKC (full-width to ASCII), lower case, curly apostrophes straightened."""
    return unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")


def _hits(text: str, phrases: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(phrases asserted, phrases found under negation)."""
    asserted: list[str] = []
    negated: list[str] = []
    for phrase in phrases:
        for found in re.finditer(phrase, text):
            before = text[max(0, found.start() - 30) : found.start()]
            after = text[found.end() : found.end() + 12]
            if _NEG_BEFORE.search(before) or _NEG_AFTER.match(after):
                negated.append(found.group(0))
            else:
                asserted.append(found.group(0))
    return asserted, negated


def intent_of(own_text: str) -> Intent:
    """Opt-out wins over decline; negated phrases are reported, never acted on."""
    text = normalise(own_text)
    reasons: list[str] = []
    for kind, phrases in (("opt_out", OPT_OUT_PHRASES), ("decline", DECLINE_PHRASES)):
        asserted, negated = _hits(text, phrases)
        reasons += [f"negated {kind} phrase {p!r} (not acted on)" for p in negated]
        if asserted:
            return Intent(kind, (*reasons, f"{kind} phrase {asserted[0]!r} in own text"))
    return Intent("", tuple(reasons))
