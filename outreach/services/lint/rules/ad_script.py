"""`ad-script`: the pitch must not dictate what the post says. Influencers know their audience
better than the brand, and ad-feel (広告感) drives followers away (sources 001, 004). Stating
expectations (content type, amount, dates) is fine; so is asking for the legally required ad
disclosure (#PR, #ad, 広告, プロモーション: 景品表示法's ステマ規制, the FTC's endorsement
guides), a campaign hashtag or a tag of the brand's account: those label the post, they do
not script it. What fires is wording imposed on them: a required caption, a script or talking
points, "must mention …", 「必ず〜と言及」, 「以下の文言」; saying there is none ("no script",
「台本はございません」) does not.
The influencer's own post texts quoted in the pitch are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule

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
        r"\b(required|mandatory) (caption|wording|text|script|phrases?|copy)\b|"
        r"\b(use|include|add) (the|these|this|our|the following) (exact |approved )?"
        r"(caption|wording|script|copy|phrases?)\b|"
        r"\b(script|talking points|verbatim|word[- ]for[- ]word)\b|"
        r"\b(please |kindly )?(post|say|write|read|copy) (the following|this text|exactly)\b|"
        r"\bcaption:",
        re.IGNORECASE,
    ),
    "ja": re.compile(
        r"必ず.{0,15}(言及|記載|入れて|含めて|使用|使って|つけて|付けて|言って|話して|読み上げ|述べ)|"
        r"以下の(文言|文章|キャプション|テキスト|台本|セリフ|フレーズ|原稿)|台本|セリフ|原稿(?!料)|読み上げ|"
        r"指定の(キャプション|文言|文章|フレーズ)|(キャプション|文言|文章)は(こちら|以下|下記)"
    ),
}


# What a request to label the post is about: hashtags, @accounts, tagging, disclosure.
_LABEL = re.compile(
    r"[#＃@＠]\S|ハッシュタグ|タグ付け|タグ|メンション|アカウント|\bhashtags?\b|\btag\b|"
    r"\bmention @|\baccount\b",
    re.IGNORECASE,
)
# Wording imposed on them even when a hashtag is asked for in the same clause.
_WORDING = re.compile(
    r"「[^」]*[^#＃\s」][^」]*」|\"[^\"]{4,}\"|“[^”]{4,}”|言及|述べ|言って|話して|読み上げ|"
    r"\bthat\b|\bsay\b|\bscript\b|文言|台本|セリフ",
    re.IGNORECASE,
)
# A match that itself names wording ("the following caption") is never a label request.
_NAMES_WORDING = re.compile(
    r"caption|script|wording|copy|phrase|talking|verbatim|word|キャプション|文言|文章|台本|セリフ|"
    r"原稿|フレーズ|テキスト|言及|述べ|言って|話して|読み上げ",
    re.IGNORECASE,
)


def _clause(line: str, start: int, end: int) -> str:
    """The clause of `line` around a match: from the previous sentence end to the next."""
    head = max(line.rfind(ch, 0, start) for ch in "。．.!?！？") + 1
    tails = [i for i in (line.find(ch, end) for ch in "。．!?！？") if i >= 0]
    dot = re.search(r"\.(\s|$)", line[end:])
    if dot:
        tails.append(end + dot.start())
    return line[head : min(tails) + 1 if tails else len(line)]


def _is_disclosure(fragment: str) -> bool:
    tags = _HASHTAG.findall(fragment)
    if tags:
        return all(DISCLOSURE.fullmatch(tag) for tag in tags)
    return bool(_DISCLOSURE_WORDS.search(fragment))


# "No script", 「台本はございません」: saying there is none is the opposite of dictating.
_NEGATED_BEFORE = re.compile(
    r"\b(no|without( a| any)?|not an?|never an?|zero|free of)\s+$", re.IGNORECASE
)
_NEGATED_AFTER = re.compile(
    r"^(など|等|や[^。]{0,10})?(は|も)?(特に|一切)?(ございません|ありません|ない|なし|無し|不要|"
    r"いりません|(ご)?用意しておりません)"
)


def _is_negated(line: str, start: int, end: int) -> bool:
    return bool(
        _NEGATED_BEFORE.search(line[max(0, start - 15) : start])
        or _NEGATED_AFTER.match(line[end : end + 20])
    )


def _is_label_request(clause: str, matched: str) -> bool:
    """Asking for hashtags, a tag or the disclosure, with no wording imposed."""
    if _NAMES_WORDING.search(matched):
        return False
    if not _LABEL.search(clause) and not _DISCLOSURE_WORDS.search(clause):
        return False
    without_tags = _HASHTAG.sub(" ", clause)
    return not _WORDING.search(without_tags)


@rule("ad-script", "error", "no required captions, scripts or talking points")
def check_ad_script(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    lang = "ja" if draft.language == "ja" else "en"
    for line in draft.own_text(draft.main).split("\n"):
        for m in _DICTATING[lang].finditer(line):
            context = line[max(0, m.start() - 10) : m.end() + 15]
            if (
                (_is_disclosure(context) and not _NAMES_WORDING.search(m.group()))
                or _is_label_request(_clause(line, m.start(), m.end()), m.group())
                or _is_negated(line, m.start(), m.end())
            ):
                continue
            yield RuleHit(
                draft.line_of(line),
                f"dictates the post: {m.group().strip()!r}",
                "give expectations (content type, amount, dates), not a script",
            )
