"""`post-specific`, `offer`, `personalisation`: what a pitch must say (source 004,
"customise your outreach"). They apply to the first step, the pitch; follow-ups may be brief.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule

_PAY = {
    "en": re.compile(
        r"[¥$€£]\s?\d|\d\s?(yen|usd|eur|gbp|dollars?)\b|\b(fee|pay|paid|payment|commission|"
        r"gift|gifted|free product|compensat\w*|reward\w*|affiliate)\b",
        re.IGNORECASE,
    ),
    "ja": re.compile(
        r"[¥￥]\s?\d|\d\s?円|謝礼|報酬|ギャラ|プレゼント|ご提供|無償提供|"
        r"お送りします|お届けします|アフィリエイト|成果報酬"
    ),
}
_WHEN = {
    "en": re.compile(
        r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
        r"\b\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)|\d{4}-\d{2}-\d{2}|"
        r"\b\d{1,2}/\d{1,2}\b|\b(within|in) (\d+|a|one|two|three) (days?|weeks?|months?)\b|"
        r"\b(this|next) (week|month)\b|\bby (mon|tues|wednes|thurs|fri|satur|sun)day\b",
        re.IGNORECASE,
    ),
    "ja": re.compile(
        r"\d{1,2}月\d{1,2}日|\d{1,2}/\d{1,2}|\d+\s?(日|週間|か月|ヶ月|カ月)以内|"
        r"来週|今週|今月|来月|月末|月内"
    ),
}
_PERSONAL = re.compile(
    r"\{[{%][^}]*?\b(influencer\.(?!name\b)\w+|post|posts|top_post)\b[^}]*?[}%]\}", re.DOTALL
)


@rule("post-specific", "error", "the pitch names one of the influencer's posts")
def check_post_specific(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    if draft.step != 1 or not draft.posts:  # no posts at all: stale-post names the influencer
        return
    if any(quoted in draft.main for quoted in draft.post_texts):
        return
    yield RuleHit(
        draft.body_start_line,
        f"the pitch mentions no post of @{draft.influencer.handle} (title, URL or caption)",
        "open on their post: {{ post.label }} or {{ post.url }}",
    )


@rule("offer", "error", "the pitch says how they are paid and by when")
def check_offer(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    if draft.step != 1:
        return
    lang = "ja" if draft.language == "ja" else "en"
    own = draft.own_text(draft.main)
    if not _PAY[lang].search(own):
        yield RuleHit(
            draft.body_start_line,
            "the pitch does not say how the influencer is paid or rewarded",
            "e.g. {{ campaign.offer.amount | money }} and {{ campaign.offer.description }}",
        )
    if not _WHEN[lang].search(own):
        yield RuleHit(
            draft.body_start_line,
            "the pitch gives no date or time frame",
            "e.g. {{ campaign.dates.reply_by | date }}",
        )


@rule("personalisation", "error", "an influencer-specific variable besides the name")
def check_personalisation(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    if draft.step != 1:
        return
    body = "\n".join(draft.source_lines[draft.body_start_line - 1 :])
    if _PERSONAL.search(body):
        return
    yield RuleHit(
        draft.body_start_line,
        "nothing in the pitch is specific to the influencer but the name",
        "use {{ post.label }}, {{ influencer.niche }} or {{ influencer.followers | followers }}",
    )
