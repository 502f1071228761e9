"""The 名乗り (the sender naming themselves), as `value-first` and `ja-business` both see it.

One rule for where it goes: within the first `intro_lines` non-blank lines (宛名 included),
either first (then the next sentence must say why them: their post) or right after the
sentence about their post. `ja-business` checks the window; `value-first` checks the order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

INTRO_LINES = 4

_JA = re.compile(
    r"と申します|と申す者|でございます|"
    # 「〜をしております佐藤です」「〜で広報をしております」「〜を担当しております」
    r"(?<!応援)(?<!期待)(を|で|に)(担当|運営|勤務|所属|従事)?(して|務めて|勤めて|働いて|携わって|"
    r"所属して)(おり|い)ます|"
    r"(株式会社|有限会社|合同会社|（株）|\(株\))[^。]{0,40}?(です|と申します)|"
    r"(担当|広報|PR|ＰＲ|マーケティング|営業|編集|企画|キャスティング|プランナー|プロデューサー|"
    r"ディレクター|マネージャー|代表)[^。、]{0,15}(です|と申します)|"
    r"^(わたくし|私|わたし)[、,][^。]{1,30}(です|と申します)|"
    r"^(はじめまして|初めまして)[、,][^。]{1,30}の[^。]{1,15}です"
)
_EN = re.compile(
    r"\bmy name is\b|"
    r"\b(i'?m|i am|this is) (?-i:[A-Z])[\w'-]*( (?-i:[A-Z])[\w'-]*)?,? (from|at|with|of|here at)\b|"
    r"\bi (work|am) (at|with|for|in charge of)\b|"
    r"\bi'?m (the|a|an) [^.]{0,40}\b(at|from|for) (?-i:[A-Z])",
    re.IGNORECASE,
)
# A brand describing itself is not a 名乗り: "弊社は…", "We are Sakura Beauty, a …".
_BRAND_TALK = re.compile(
    r"弊社|当社|私ども|私たち|わたしたち|我々|"
    r"\b(we are|we're|we have|we've|we make|our (company|brand|team|agency|products?|new|firm))\b",
    re.IGNORECASE,
)


def is_nanori(sentence: str, sender: Mapping[str, str] | None = None) -> bool:
    """True when the sentence introduces the writer (name, company, role) and does not go on
    to describe the brand (that is a sales opening, not a 名乗り)."""
    s = sentence.strip()
    if not s or _BRAND_TALK.search(s):
        return False
    if _JA.search(s) or _EN.search(s):
        return True
    own = [v for k, v in (sender or {}).items() if k in ("name", "organisation") and v]
    return any(v in s for v in own) and bool(re.search(r"です|と申します", s))
