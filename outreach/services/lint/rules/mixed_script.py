"""`mixed-script`: the rendered text is in the template's language. An English template must
not show Japanese text (kana or kanji), e.g. a campaign's Japanese product name; a Japanese
template must not show English phrases (two or more lower-case words in a row, such as
"feed post"; brand names and acronyms are fine). The influencer's own name, handle and quoted
posts, URLs and addresses are left out. When the text comes from a campaign field, the hint
names it: give that field a value per language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from outreach.domain.campaign import LOCALIZABLE, Campaign
from outreach.services.lint import text
from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule

_JAPANESE = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f々〆]"
    r"(?:[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f々〆ー・ 　]*"
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f々〆ー])?"
)
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ \t]+[A-Za-z][A-Za-z'’-]*)+")
_LOWER_WORD = re.compile(r"[a-z]{2,}")
_NAMES = {"ja": "Japanese", "en": "English"}


def foreign_fragments(s: str, language: str) -> list[str]:
    """Pieces of `s` written in the other script than `language` expects."""
    if language == "ja":
        return [
            m.group()
            for m in _LATIN_RUN.finditer(s)
            if sum(bool(_LOWER_WORD.fullmatch(w)) for w in m.group().split()) >= 2
        ]
    return [m.group() for m in _JAPANESE.finditer(s)]


def _field_holding(campaign: Campaign | None, language: str, fragment: str) -> str | None:
    if campaign is None:
        return None
    seen = campaign.for_language(language)
    values = {
        "name": seen.name,
        "brand": seen.brand,
        "product": seen.product,
        "brief": seen.brief,
        "deliverables": "\n".join(seen.deliverables),
        "offer.description": seen.offer.description,
    }
    for key in LOCALIZABLE:
        if fragment in values[key]:
            return key
    return None


def _hint(draft: Draft, fragment: str) -> str:
    lang = "ja" if draft.language == "ja" else "en"
    key = _field_holding(draft.campaign, lang, fragment) if fragment else None
    if key is None:
        return f"write it in {_NAMES[lang]}, or fix the data it comes from"
    source = Path(draft.campaign.source) if draft.campaign and draft.campaign.source else None
    where = f" in {source.parent.name}/{source.name}" if source else ""
    leaf = key.rpartition(".")[2]
    example = '["…"]' if key == "deliverables" else '"…"'
    return (
        f"campaign {key} has no {lang} value: {leaf} = {{ ja = {example}, en = {example} }}{where}"
    )


@rule("mixed-script", "warning", "the rendered text is in the template's language")
def check_mixed_script(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    lang = "ja" if draft.language == "ja" else "en"
    theirs = [draft.influencer.name, draft.influencer.handle]

    def clean(part: str) -> str:
        part = text.EMAIL.sub(" ", draft.own_text(part))
        for own in theirs:
            part = part.replace(own, " ") if own else part
        return part

    what = f"{_NAMES['en' if lang == 'ja' else 'ja']} text"
    where = f"in an {_NAMES[lang]} template" if lang == "en" else f"in a {_NAMES[lang]} template"

    def hit(line: int, fragments: list[str], place: str) -> RuleHit:
        shown = ", ".join(repr(f) for f in fragments[:3]) + (" …" if len(fragments) > 3 else "")
        hints = [h for h in (_hint(draft, f) for f in fragments) if h.startswith("campaign")]
        return RuleHit(
            line, f"{what} {shown}{place} {where}", hints[0] if hints else _hint(draft, "")
        )

    found = list(dict.fromkeys(foreign_fragments(clean(draft.subject), lang)))
    if found:
        yield hit(draft.subject_line, found, " in the subject,")
    for line in draft.body_text.split("\n"):
        found = list(dict.fromkeys(foreign_fragments(clean(line), lang)))
        if found:
            yield hit(draft.line_of_rendered(line), found, "")
