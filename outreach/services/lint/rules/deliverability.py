"""`deliverability`: what gets a pitch filtered or distrusted. At most `max_links` links (the
tracking link and the opt-out), no URL shorteners (spam filters and people distrust them), no
spam-trigger phrases (built-in English and Japanese lists plus `extra_phrases`), no all-caps
subject, no attachments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from outreach.services.lint import text
from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule

SHORTENERS = frozenset(
    {
        "bit.ly",
        "t.co",
        "tinyurl.com",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "rebrand.ly",
        "cutt.ly",
        "shorturl.at",
        "t.ly",
        "rb.gy",
        "x.gd",
        "tiny.cc",
        "bl.ink",
        "s.id",
        "lnkd.in",
        "amzn.to",
        "v.gd",
        "qr.net",
        "urx.nu",
    }
)
SPAM_PHRASES = {
    "en": (
        "act now",
        "100% free",
        "free money",
        "risk-free",
        "risk free",
        "guaranteed",
        "click here",
        "limited time",
        "urgent",
        "winner",
        "you have been selected",
        "no obligation",
        "cash bonus",
        "double your",
        "once in a lifetime",
        "make money",
        "earn $",
        "$$$",
        "!!!",
    ),
    "ja": (
        "完全無料",
        "今すぐクリック",
        "ここをクリック",
        "こちらをクリック",
        "絶対に儲かる",
        "必ず儲かる",
        "高収入",
        "誰でも稼げる",
        "当選しました",
        "緊急",
        "今だけ",
        "期間限定",
        "！！！",
    ),
}


def _host(url: str) -> str:
    full = url if "://" in url else f"https://{url}"
    return (urlsplit(full).hostname or "").lower().removeprefix("www.")


@rule(
    "deliverability",
    "error",
    "few links, no shorteners, spam phrases, caps or attachments",
    max_links=2,
    extra_phrases=(),
)
def check_deliverability(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    urls = list(dict.fromkeys(m.group() for m in text.URL.finditer(draft.body_text)))
    if len(urls) > s["max_links"]:
        yield RuleHit(
            draft.line_of(urls[s["max_links"]]),
            f"{len(urls)} links (max {s['max_links']})",
            "keep the tracking {{ link }} and the opt-out; drop the rest",
        )
    for url in urls:
        if _host(url) in SHORTENERS:
            yield RuleHit(
                draft.line_of(url),
                f"URL shortener {_host(url)}",
                "use the full URL; {{ link }} already tracks clicks",
            )
    lang = "ja" if draft.language == "ja" else "en"
    own = draft.own_text(draft.body_text).lower()
    subject = draft.subject.lower()
    for phrase in (*SPAM_PHRASES[lang], *s["extra_phrases"]):
        p = phrase.lower()
        if p in own:
            yield RuleHit(
                draft.line_of(phrase), f"spam-trigger phrase {phrase!r}", "say it plainly"
            )
        elif p in subject:
            yield RuleHit(
                draft.subject_line,
                f"spam-trigger phrase {phrase!r} in the subject",
                "say it plainly",
            )
    letters = re.sub(r"[^A-Za-z]", "", draft.own_text(draft.subject))
    if len(letters) >= 6 and letters.isupper():
        yield RuleHit(
            draft.subject_line, "the subject is all capitals", "write it in sentence case"
        )
    for name in draft.attachments:
        yield RuleHit(
            draft.body_start_line,
            f"attachment {name!r}",
            "link to the brief instead; attachments from strangers get filtered",
        )
