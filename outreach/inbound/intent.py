"""What a human reply asks for: to stop (opt-out), to pass (decline), or neither.

Phrases are matched on NFKC-normalised, lower-cased own text. A phrase under negation
(「配信停止はしないでください」, "please don't remove me") does not count; the reason says so
so an operator can review it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

OPT_OUT_PHRASES = (
    "unsubscribe",
    "remove me",
    "take me off",
    "stop emailing",
    "stop sending",
    "stop contacting",
    "opt out",
    "opt-out",
    "配信停止",
    "配信を停止",
    "今後のご連絡は不要",
    "今後の連絡は不要",
    "今後のご案内は不要",
    "メールを送らないで",
    "今後は送らないで",
    "連絡しないで",
)
DECLINE_PHRASES = (
    "今回は見送らせていただ",
    "見送らせていただ",
    "見送り",
    "辞退いたします",
    "辞退させていただ",
    "お断り",
    "not interested",
    "no thanks",
    "no, thanks",
    "no thank you",
    "pass on this",
    "not a fit",
    "not a good fit",
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
        for found in re.finditer(re.escape(phrase), text):
            before = text[max(0, found.start() - 30) : found.start()]
            after = text[found.end() : found.end() + 12]
            if _NEG_BEFORE.search(before) or _NEG_AFTER.match(after):
                negated.append(phrase)
            else:
                asserted.append(phrase)
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
