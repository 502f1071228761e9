"""`length`: short pitches get read (source 004: "ideally under 100 words").

English counts words of the body above the signature, URLs left out. Japanese counts
full-width units (全角換算: a half-width letter or digit is half a unit) of the same text,
whitespace and URLs left out. The influencer's own post title or caption quoted in the body is
not counted either: quoting it is what `post-specific` asks for, and its length is theirs.
Subjects: characters in English, full-width units in Japanese.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.services.lint import text
from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule

_WORD = re.compile(r"\S*\w\S*")


def word_count(s: str) -> int:
    return len(_WORD.findall(text.without_urls(s)))


def ja_units(s: str) -> float:
    return text.width(re.sub(r"\s+", "", text.without_urls(s)))


@rule(
    "length",
    "warning",
    "body and subject short enough to be read",
    max_words=100,
    max_chars_ja=250,
    max_subject=60,
    max_subject_ja=30,
)
def check_length(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    who = f"@{draft.influencer.handle}"
    if draft.language == "ja":
        units = ja_units(draft.own_text(draft.main))
        if units > s["max_chars_ja"]:
            yield RuleHit(
                draft.body_start_line,
                f"body is {units:g} characters for {who} (max {s['max_chars_ja']})",
                "cut to what is in it for them, the offer and a date",
            )
        subject_len = text.width(draft.subject)
        limit = s["max_subject_ja"]
    else:
        words = word_count(draft.own_text(draft.main))
        if words > s["max_words"]:
            yield RuleHit(
                draft.body_start_line,
                f"body is {words} words for {who} (max {s['max_words']})",
                "cut to what is in it for them, the offer and a date",
            )
        subject_len = len(draft.subject)
        limit = s["max_subject"]
    if subject_len > limit:
        yield RuleHit(
            draft.subject_line,
            f"subject is {subject_len:g} characters for {who} (max {limit})",
            "a subject has one job: to get the email opened",
        )
