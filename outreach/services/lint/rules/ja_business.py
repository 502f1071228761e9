"""`ja-business`: the shape of a Japanese business email (ビジネスメール), for `ja` templates.

- 宛名: the first line addresses the person with 様 (or 御中 for an organisation), and
  never a job title plus 様 (「部長様」 is a double honorific: write 「部長 山田様」).
- 名乗り: the sender names themselves within the first `intro_lines` non-blank lines, 宛名
  included (…と申します, 〜をしております佐藤です, …です with the company or the configured
  sender; see `intro`). It may come first or right after the sentence about their post:
  `value-first` accepts a 名乗り opening when the next sentence is about them.
- 結び: a closing such as よろしくお願いいたします before the signature.
- 署名: a signature (the sender's name or organisation) at the end.
- Line width: no line wider than `line_width` full-width characters (URLs excepted):
  Japanese mail is wrapped by hand, and clients that don't wrap make long lines unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from outreach.services.lint import text
from outreach.services.lint.intro import INTRO_LINES, is_nanori
from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, rule

TITLES = (
    "部長",
    "課長",
    "社長",
    "係長",
    "主任",
    "専務",
    "常務",
    "取締役",
    "会長",
    "店長",
    "代表",
    "所長",
    "室長",
    "次長",
    "支店長",
    "マネージャー",
    "先生",
)
_TITLE_SAMA = re.compile(rf"({'|'.join(TITLES)})\s*様")
_ATENA = re.compile(r"様|御中|各位")
_MUSUBI = re.compile(
    r"よろしくお願い(いた)?(します|申し上げます)|お願い申し上げます|ご検討の(ほど|程)|"
    r"失礼いたします|今後ともよろしく"
)


def _names_self(lines: list[str], draft: Draft) -> bool:
    """A 名乗り in these lines (the 宛名 line left out; sentences may wrap across lines)."""
    if lines and _ATENA.search(lines[0]):
        lines = lines[1:]
    return any(is_nanori(s, draft.sender) for s in text.sentences("\n".join(lines)))


def _signed(draft: Draft) -> bool:
    tail = draft.footer or "\n".join(text.non_blank_lines(draft.body_text)[-4:])
    own = [v for k, v in draft.sender.items() if k in ("name", "organisation") and v]
    return any(v in tail for v in own) if own else bool(tail.strip())


@rule(
    "ja-business",
    "warning",
    "宛名 with 様, 名乗り, 結び, 署名, line width",
    line_width=38,
    intro_lines=INTRO_LINES,
)
def check_ja_business(draft: Draft, s: Settings) -> Iterator[RuleHit]:
    if draft.language != "ja":
        return
    lines = text.non_blank_lines(draft.main)
    first = lines[0] if lines else ""
    if not _ATENA.search(first):
        yield RuleHit(
            draft.body_start_line,
            "宛名 without 様: the first line should address them",
            "start with {{ influencer | honorific }}",
        )
    for m in _TITLE_SAMA.finditer(draft.main):
        yield RuleHit(
            draft.line_of(m.group()),
            f"「{m.group()}」: a title plus 様 is a double honorific",
            f"write 「{m.group(1)} 山田様」 or the name with 様",
        )
    if not _names_self(lines[: s["intro_lines"]], draft):
        yield RuleHit(
            draft.body_start_line,
            f"no 名乗り in the first {s['intro_lines']} lines: say who is writing early",
            "e.g. {{ sender.organisation }}の{{ sender.name }}と申します。",
        )
    if not _MUSUBI.search("\n".join(lines[-4:])):
        yield RuleHit(
            draft.line_of_tag(r"\{%-?\s*include", default=len(draft.source_lines)),
            "no 結び (closing) before the signature",
            "e.g. どうぞよろしくお願いいたします。",
        )
    if not _signed(draft):
        yield RuleHit(
            draft.line_of_tag(r"\{%-?\s*include", default=len(draft.source_lines)),
            "no 署名 (signature) with the sender's name",
            "include the footer with {{ sender.name }}",
        )
    footer = set(draft.footer.split("\n")) if draft.footer else set()
    for line in draft.body_text.split("\n"):
        wide = text.width(text.without_urls(line).rstrip())
        if wide > s["line_width"]:
            where = (
                draft.line_of_tag(r"\{%-?\s*include", default=len(draft.source_lines))
                if (line in footer)
                else draft.line_of(line)
            )
            yield RuleHit(
                where,
                f"line is {wide:g} full-width characters (max {s['line_width']})",
                "break the line by hand",
            )
