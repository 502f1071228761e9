"""`value-first`: the pitch opens on the recipient, not on the sender (source 004: "start your
message with what is in it for them").

The heuristic, in order:
1. Take the body above the signature; drop the greeting/宛名 line (a short first line that
   starts with Hi/Hello/Dear/Hey, ends with a comma, or carries 様/さん/さま/御中/各位) and
   set Japanese courtesy openers that say nothing about anyone (お世話になっております,
   突然のご連絡失礼いたします, ...).
2. The opening is the first sentence of what remains (up to 。！？!? , '. ' or a blank line).
3. It is sender-centric when a sender phrase ("we are", "our company", "I'm reaching out
   on behalf", 弊社は, 当社は, 私たちは, はじめまして、株式会社…の, …と申します) appears
   before any recipient phrase (you/your/あなた, their post or its title, their name,
   拝見, ご投稿, 動画, 発信, フォロワー). Only sender-centric openings are flagged: a neutral
   one is left alone rather than risk a false alarm.
4. A 名乗り opening (「〇〇の△△と申します」, "I'm Yui from Sakura Beauty"; see `intro`) is
   Japanese business courtesy, not self-promotion: it is accepted when the sentence after it
   (after at most two 名乗り sentences) is about them, e.g. names their post; otherwise that
   sentence is what the finding quotes.
It applies to the first step (the pitch).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.services.lint import text
from outreach.services.lint.intro import is_nanori
from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule

_GREETING = re.compile(
    r"^(hi|hello|dear|hey|good (morning|afternoon))\b|,$|様|さん|さま|御中|各位", re.IGNORECASE
)
_COURTESY = re.compile(
    r"^(はじめまして|初めまして)[。！!]?$|^(いつも)?お世話になって(おり|い)ます|^突然の(ご連絡|メール).{0,10}(失礼|申し訳)|"
    r"^(初めて|はじめて)ご連絡(いた|差し上げ)します|^(i )?hope (this|you|your)",
    re.IGNORECASE,
)
_SENDER = {
    "en": re.compile(
        r"\b(we are|we're|we have|we've|we make|our (company|brand|team|agency|products?|new|firm)|"
        r"my name is|i'?m \w+ (from|at|with)|i (work|am) (at|with|for)|i represent|"
        r"i'?m (reaching|writing|contacting|emailing)|reaching out on behalf|on behalf of|"
        r"(allow|let) me (to )?introduce)\b",
        re.IGNORECASE,
    ),
    "ja": re.compile(
        r"弊社|当社|私ども|私たち|わたしたち|我々|私は|わたしは|と申します|でございます|"
        r"(はじめまして|初めまして)、?(株式会社|有限会社|合同会社)|"
        r"(株式会社|有限会社|合同会社|（株）|\(株\))[^。]{0,30}の[^。]{1,15}です"
    ),
}
_RECIPIENT = {
    "en": re.compile(r"\b(you|your|you're|yours|you've)\b", re.IGNORECASE),
    "ja": re.compile(
        r"あなた|貴方|貴殿|様の|さんの|ご投稿|投稿|動画|拝見|発信|フォロワー|チャンネル|ご活躍"
    ),
}


def opening_sentences(main: str) -> list[str]:
    """The sentences after the greeting line, courtesy openers left out."""
    lines = main.strip("\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and len(lines[0].strip()) <= 40 and _GREETING.search(lines[0].strip()):
        lines.pop(0)
    out: list[str] = []
    for sentence in text.sentences("\n".join(lines)):
        one = " ".join(sentence.split())
        if not (out == [] and _COURTESY.search(one)):
            out.append(one)
    return out


def opening_sentence(main: str) -> str:
    """The first sentence after the greeting line and courtesy openers."""
    found = opening_sentences(main)
    return found[0] if found else ""


def _first(pattern: re.Pattern[str], s: str) -> int | None:
    m = pattern.search(s)
    return m.start() if m else None


def _recipient_at(draft: Draft, sentence: str, lang: str) -> int | None:
    positions = [_first(_RECIPIENT[lang], sentence)]
    for own in (*draft.post_texts, draft.influencer.name):
        if own and own in sentence:
            positions.append(sentence.index(own))
    found = [p for p in positions if p is not None]
    return min(found) if found else None


def is_sender_centric(draft: Draft, sentence: str) -> bool:
    lang = "ja" if draft.language == "ja" else "en"
    sender = _first(_SENDER[lang], sentence)
    if sender is None:
        return False
    recipient = _recipient_at(draft, sentence, lang)
    return recipient is None or sender < recipient


def is_about_them(draft: Draft, sentence: str) -> bool:
    """The sentence refers to them (their post, name, you/ご投稿) before any sender phrase."""
    lang = "ja" if draft.language == "ja" else "en"
    return _recipient_at(draft, sentence, lang) is not None and not is_sender_centric(
        draft, sentence
    )


def _shown(sentence: str) -> str:
    return sentence if len(sentence) <= 40 else sentence[:40] + "…"


@rule("value-first", "warning", "the opening sentence is about them, not about us")
def check_value_first(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    if draft.step != 1:
        return
    sentences = opening_sentences(draft.main)
    intro = 0
    while intro < min(2, len(sentences)) and is_nanori(sentences[intro], draft.sender):
        intro += 1
    if intro:
        after = sentences[intro] if intro < len(sentences) else ""
        if not is_about_them(draft, after):
            yield RuleHit(
                draft.line_of(after or sentences[0]),
                f"after the 名乗り the pitch does not say why them: {_shown(after)!r}"
                if after
                else "the pitch is only a 名乗り",
                "follow the 名乗り with their post: what you saw and why it fits",
            )
        return
    sentence = sentences[0] if sentences else ""
    if sentence and is_sender_centric(draft, sentence):
        yield RuleHit(
            draft.line_of(sentence),
            f"the pitch opens on the sender: {_shown(sentence)!r}",
            "open on their post or what is in it for them; introduce yourself after",
        )
