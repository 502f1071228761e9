"""The phrase prefilter: it may only skip a pattern that cannot match, never one that can."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.inbound.intent import _hits, load_phrasebook, normalise
from outreach.inbound.prefilter import PatternIndex, required_factors


@pytest.mark.parametrize(
    "pattern,factors",
    [
        ("unsubscribe", {"unsubscribe"}),
        (r"\bremove (?:me|us)\b", {"remove me", "remove us"}),
        (r"don'?t", {"dont", "don't"}),
        # The longest stretch known exactly wins over a shorter one.
        (r"\w+ from (?:your|the) list", {" from your list", " from the list"}),
        # A repeat of at least one copy requires what one copy requires.
        (r"(?:ab)+c", {"ab"}),
        # Lookarounds consume nothing and constrain nothing here.
        (r"(?<!not )stop(?! by)", {"stop"}),
        (r"[ab]c", {"ac", "bc"}),
        ("配信(?:停止|解除)", {"配信停止", "配信解除"}),
        # Every branch has its own factor; the alternation requires one of them.
        (r"\bstop\w* emails|メール.{0,5}不要", {"stop", "メール"}),
    ],
)
def test_required_factors_of_each_construct(pattern: str, factors: set[str]) -> None:
    assert required_factors(re.compile(pattern, re.ASCII)) == factors


@pytest.mark.parametrize(
    "pattern",
    [
        r"\w+",  # classes only
        r"(?:stop)?",  # may match nothing
        r"stop|\d+",  # one branch has no literal
        r"(?i)stop",  # case-insensitive: the literal is not what the text holds
        r"(?i:stop)|later",
        r"[^a]b?",
    ],
)
def test_a_pattern_without_a_nameable_factor_is_always_tried(pattern: str) -> None:
    assert required_factors(re.compile(pattern, re.ASCII)) is None
    index = PatternIndex([re.compile(pattern, re.ASCII)])
    assert index.candidates("anything at all") == {0}


def test_every_phrase_is_a_candidate_for_its_own_example() -> None:
    book = load_phrasebook()
    assert book.index is not None
    for i, phrase in enumerate(book.phrases):
        assert i in book.index.candidates(normalise(phrase.example)), phrase.source


_BOOK = load_phrasebook()
_PIECES = [normalise(p.example) for p in _BOOK.phrases]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4),
    st.lists(st.sampled_from([" ", "。", ", ", "\n", "でも", " but "]), min_size=4, max_size=4),
    st.integers(min_value=0, max_value=40),
)
def test_the_prefilter_never_changes_what_the_phrases_find(
    pieces: list[str], joins: list[str], cut: int
) -> None:
    # Examples cut and spliced together: matches across the seams, half-words at the ends.
    text = "".join(p + j for p, j in zip(pieces, joins, strict=False))[cut:]
    plain = replace(_BOOK, index=None)
    assert _hits(text, _BOOK) == _hits(text, plain)
