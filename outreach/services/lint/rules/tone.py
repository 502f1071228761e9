"""`tone`: follow-ups are not copy-paste. Two steps of one sequence may not share a passage of
`min_shared_chars` or more characters of the templates' own prose (each `{{ }}` counts as one
character, tags such as the footer include are left out, whitespace runs count as one), since
a repeated pitch reads like a robot (source 004: "sound like a human").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from outreach.services.lint import text
from outreach.services.lint.model import Draft
from outreach.services.lint.registry import RuleHit, Settings, sequence_rule


def longest_shared(a: Draft, b: Draft) -> tuple[str, int]:
    """The longest passage of b's own prose also in a's, and b's file line where it starts."""
    return _longest_shared(a.source_text, a.body_start_line, b.source_text, b.body_start_line)


@lru_cache(maxsize=256)  # the same two templates come back once per influencer
def _longest_shared(source_a: str, start_a: int, source_b: str, start_b: int) -> tuple[str, int]:
    prose_a, _ = text.masked_prose(source_a, start_a)
    prose_b, lines_b = text.masked_prose(source_b, start_b)
    m = SequenceMatcher(None, prose_a, prose_b, autojunk=False).find_longest_match(
        0, len(prose_a), 0, len(prose_b)
    )
    start = m.b
    while start < m.b + m.size and prose_b[start] == " ":
        start += 1
    shared = prose_b[start : m.b + m.size].rstrip()
    return shared, (lines_b[start] if shared else start_b)


@sequence_rule(
    "tone", "warning", "steps of a sequence don't repeat each other", min_shared_chars=40
)
def check_tone(drafts: Sequence[Draft], s: Settings) -> Iterator[tuple[Draft, RuleHit]]:
    distinct = list({d.template_name: d for d in drafts}.values())
    for i, later in enumerate(distinct):
        for earlier in distinct[:i]:
            # variants of one step are alternatives a person never both receives
            if earlier.language != later.language or earlier.step == later.step:
                continue
            shared, line = longest_shared(earlier, later)
            if len(shared) >= s["min_shared_chars"]:
                shown = shared if len(shared) <= 50 else shared[:50] + "…"
                yield (
                    later,
                    RuleHit(
                        line,
                        f"repeats {len(shared)} characters of {earlier.template_name}: {shown!r}",
                        "write the follow-up afresh; say something new",
                    ),
                )
