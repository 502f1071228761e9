"""`placeholder`: text left for later must never reach an influencer. Flags, in the subject and
the rendered body (their quoted posts, URLs and addresses left out): `[…]` (not a footnote
number or an ad label such as [PR]), `【…】` holding TODO-ish words (【要確認】, 【商品名】;
【ご相談】 is a normal subject tag), runs of 〇〇/○○/△△/××, `XX` (XX様), TBD/TODO/FIXME (not
TBA: "venue TBA" tells the reader something), and unrendered merge fields: `{name}`,
`{{ name }}`, `${name}`, `%NAME%`, `<<name>>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.services.lint import text
from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule

_TODO_WORDS = (
    r"TODO|TBD|TBA|FIXME|要確認|要修正|要変更|未定|仮|入力|記入|ここに|差し?替え?|〇〇|○○|◯◯|"
    r"XX|ＸＸ|名前|氏名|お名前|商品名|会社名|担当者?名|日付|日時|金額|URL|リンク|挿入|"
    r"placeholder|insert|name"
)
_PATTERNS = (
    re.compile(r"\[[^\[\]\n]{1,40}\]|［[^［］\n]{1,40}］"),
    re.compile(rf"【[^【】\n]{{0,30}}(?:{_TODO_WORDS})[^【】\n]{{0,30}}】", re.IGNORECASE),
    re.compile(r"[〇○◯●]{2,}|[△▲]{2,}|[×✕]{2,}|[□■]{2,}"),
    re.compile(r"(?<![A-Za-z0-9])(?:[Xx]{2,}|[Ｘｘ]{2,})(?![A-Za-z0-9])"),
    re.compile(r"(?<![A-Za-z0-9])(?:TBD|tbd|TODO|FIXME|TKTK)(?![A-Za-z0-9])"),
    re.compile(r"\{\{?\s*[A-Za-z_][\w.]*\s*\}\}?|\$\{[^}\n]+\}|%[A-Z][A-Z_]+%|<<[^<>\n]+>>"),
)
# Square brackets that are not left-over: a footnote number, an ad label.
_FINE_BRACKET = re.compile(
    r"[\[［]\s*(\d+|PR|AD|Ad|ad|広告|Sponsored|sponsored|プロモーション)\s*[\]］]"
)


def placeholders(line: str) -> list[str]:
    """The placeholders in one line of text, in order."""
    found: list[tuple[int, str]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(line):
            if _FINE_BRACKET.fullmatch(m.group()):
                continue
            if any(start <= m.start() < start + len(s) for start, s in found):
                continue
            found.append((m.start(), m.group()))
    return [s for _, s in sorted(found)]


@rule("placeholder", "error", "no [PLACEHOLDER], 〇〇, XX様, TBD or unrendered {fields}")
def check_placeholder(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    hint = "replace it with the real text or a template variable"
    for found in placeholders(text.EMAIL.sub(" ", draft.own_text(draft.subject))):
        yield RuleHit(draft.subject_line, f"placeholder in the subject: {found!r}", hint)
    for line in draft.body_text.split("\n"):
        own = text.EMAIL.sub(" ", draft.own_text(line))
        for found in placeholders(own):
            yield RuleHit(draft.line_of_rendered(line), f"placeholder left in: {found!r}", hint)
