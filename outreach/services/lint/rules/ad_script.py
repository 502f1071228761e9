"""`ad-script`: the pitch must not dictate the post. Influencers know their audience better
than the brand, and ad-feel (広告感) drives followers away (sources 001, 004). Stating
expectations (content type, amount, dates) is fine, and so is asking for the legally required
ad disclosure (#PR, #ad, 広告, プロモーション: Japan's ステマ規制, the FTC's endorsement guides).
The influencer's own post texts quoted in the pitch are ignored (their hashtags are theirs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.services.lint.model import Draft
from outreach.services.lint.registry import Hit, Settings, rule

DISCLOSURE = re.compile(
    r"pr|ad|ads|sponsored|広告|プロモーション|タイアップ|提供|promotion|partner", re.IGNORECASE
)
_DISCLOSURE_WORDS = re.compile(
    r"\b(pr|ad|ads|sponsored|promotion|paid partnership)\b|広告|プロモーション|タイアップ|PR表記",
    re.IGNORECASE,
)
_HASHTAG = re.compile(r"[#＃]([^\s#＃、。,.!?！？「」()（）]+)")
_DICTATING = {
    "en": re.compile(
        r"\bmust (say|mention|include|use|read|write|state|show|tag)\b|"
        r"\b(required|mandatory) (caption|hashtags?|wording|text|script|phrases?|copy)\b|"
        r"\b(use|include|add) (the|these|this|our|the following) (exact |approved )?"
        r"(hashtags?|caption|wording|script|copy|phrases?)\b|"
        r"\b(script|talking points|verbatim|word[- ]for[- ]word)\b|"
        r"\b(please |kindly )?(post|say|write|read|copy) (the following|this text|exactly)\b|"
        r"\bcaption:",
        re.IGNORECASE,
    ),
    "ja": re.compile(
        r"必ず.{0,15}(言及|記載|入れて|含めて|使用|使って|つけて|付けて|言って|話して|読み上げ|述べ)|"
        r"以下の(文言|文章|キャプション|テキスト|台本|セリフ|フレーズ|原稿)|台本|セリフ|原稿(?!料)|読み上げ|"
        r"指定の(ハッシュタグ|キャプション|文言|文章|フレーズ)|(キャプション|文言|文章)は(こちら|以下|下記)|"
        r"ハッシュタグ.{0,15}(必須|つけて|付けて|入れて|お願い)"
    ),
}


def _is_disclosure(fragment: str) -> bool:
    tags = _HASHTAG.findall(fragment)
    if tags:
        return all(DISCLOSURE.fullmatch(tag) for tag in tags)
    return bool(_DISCLOSURE_WORDS.search(fragment))


@rule("ad-script", "error", "no required captions, hashtags or scripts")
def check_ad_script(draft: Draft, s: Settings) -> Iterator[Hit]:
    lang = "ja" if draft.language == "ja" else "en"
    for line in draft.own_text(draft.main).split("\n"):
        for m in _DICTATING[lang].finditer(line):
            context = line[max(0, m.start() - 10) : m.end() + 15]
            if _is_disclosure(context):
                continue
            yield Hit(
                draft.line_of(line),
                f"dictates the post: {m.group().strip()!r}",
                "give expectations (content type, amount, dates), not a script",
            )
        for tag in _HASHTAG.findall(line):
            if not DISCLOSURE.fullmatch(tag):
                yield Hit(
                    draft.line_of(line),
                    f"prescribes hashtag #{tag}",
                    "let them choose their hashtags; only ask for the ad disclosure",
                )
