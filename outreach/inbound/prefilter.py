"""Which of many regular expressions could match a text, found in one pass over it.

The phrase data holds hundreds of patterns, and a reply matches a few dozen at most; trying each
pattern at every position of every reply was most of the time a poll spent classifying. Each
pattern is reduced to a set of literal strings of which every match must contain one (its
*required factors*, the idea of RE2's FilteredRE2 and of Cox's "Regular Expression Matching
with a Trigram Index", https://swtch.com/~rsc/regexp/regexp4.html); an Aho-Corasick automaton
(pyahocorasick) finds every factor present in a text in one pass, and only the patterns with a
factor present are tried. A pattern whose factors cannot be named is always tried, so the
filter changes how fast a text is read, never what is found in it.

The factors are read from the parse tree of Python's own `re` (`re._parser`, present in every
supported Python since 3.11); anything it does not recognise, or any error reading it, leaves
that pattern unfiltered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, TypeGuard

import ahocorasick

#: The most strings a sequence's exact set may grow to (a cross product of its parts) before
#: it is cut into shorter runs, and the most an alternation's factors may count in all.
_MAX_EXACT = 64
_MAX_FACTORS = 4096
#: Factors this long are as selective as any: past it, fewer strings count for more.
_LONG_ENOUGH = 3
#: How much of each factor the automaton holds.
_KEPT = 8

_Info = tuple[set[str] | None, set[str] | None]  # (every string it matches, required factors)


def required_factors(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Literal strings of which every match of `pattern` contains at least one, or None where
    they cannot be named (a pattern that can match the empty string, a case-insensitive one,
    or one built only of classes such as `\\w+`)."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        if parsed.state.flags & sre.SRE_FLAG_IGNORECASE:
            return None
        exact, factors = _sequence(parsed)
    except Exception:  # a parser this module does not know: try the pattern always
        return None
    found = exact if exact is not None else factors
    return frozenset(found) if _useful(found) else None


class PatternIndex:
    """The patterns of a list that could match a text, by their required factors."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        owners: dict[str, set[int]] = {}
        always = []
        for i, pattern in enumerate(patterns):
            factors = required_factors(pattern)
            if factors is None:
                always.append(i)
                continue
            for factor in factors:
                # A factor's first characters are required too, and select about as well:
                # cutting them short keeps the automaton small.
                owners.setdefault(factor[:_KEPT], set()).add(i)
        self._always = frozenset(always)
        self._automaton: Any = None
        if owners:
            shared: dict[frozenset[int], frozenset[int]] = {}
            automaton = ahocorasick.Automaton()
            for factor, ids in owners.items():
                key = frozenset(ids)
                automaton.add_word(factor, shared.setdefault(key, key))
            automaton.make_automaton()
            self._automaton = automaton

    def candidates(self, text: str) -> frozenset[int]:
        """Indexes of the patterns that may match `text`; the others cannot."""
        if self._automaton is None or not text:
            return self._always
        found = set(self._always)
        for _end, ids in self._automaton.iter(text):
            found |= ids
        return frozenset(found)


def _useful(strings: set[str] | None) -> TypeGuard[set[str]]:
    return strings is not None and len(strings) > 0 and "" not in strings


def _cross(left: set[str], right: set[str]) -> set[str] | None:
    if len(left) * len(right) > _MAX_EXACT:
        return None
    return {a + b for a in left for b in right}


def _selectivity(strings: set[str]) -> tuple[int, int]:
    return min(min(map(len, strings)), _LONG_ENOUGH), -len(strings)


def _sequence(items: Iterable[tuple[Any, Any]]) -> _Info:
    """A concatenation: the exact strings of each unbroken run of exactly-known parts are
    required factors, as is any part's own; the most selective of them is kept."""
    run: set[str] = {""}
    exact_throughout = True
    found: list[set[str]] = []
    for op, av in items:
        exact, factors = _node(op, av)
        if exact is None:
            exact_throughout = False
            found.append(run)
            run = {""}
            if factors is not None:
                found.append(factors)
            continue
        longer = _cross(run, exact)
        if longer is None:
            exact_throughout = False
            found.append(run)
            run = exact
        else:
            run = longer
    found.append(run)
    usable = [f for f in found if _useful(f)]
    best = max(usable, key=_selectivity) if usable else None
    return (run if exact_throughout else None), best


def _node(op: Any, av: Any) -> _Info:
    if op is sre.LITERAL:
        return {chr(av)}, {chr(av)}
    if op is sre.IN:
        return _char_class(av)
    if op is sre.BRANCH:
        return _alternation([_sequence(branch) for branch in av[1]])
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, items = av
        if add_flags & sre.SRE_FLAG_IGNORECASE:
            return None, None
        return _sequence(items)
    if op is sre.ATOMIC_GROUP:
        return _sequence(av)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return _repeat(*av)
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return {""}, None  # zero width: `\b`, `^`, a lookaround consume nothing
    return None, None  # any character, a negated literal, a category, a back-reference


def _char_class(items: Any) -> _Info:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < 16:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None, None  # negated, a category or a wide range
    return chars, chars


def _alternation(branches: list[_Info]) -> _Info:
    exact: set[str] | None = set()
    for known, _ in branches:
        if known is None or exact is None:
            exact = None
            break
        exact |= known
    if exact is not None and len(exact) > _MAX_EXACT:
        exact = None
    factors: set[str] | None = set()
    for known, own in branches:
        either = known if _useful(known) else own
        if factors is None or either is None or not _useful(either):
            factors = None
            break
        factors |= either
    if factors is not None and len(factors) > _MAX_FACTORS:
        factors = None
    return exact, factors


def _repeat(low: int, high: int, items: Any) -> _Info:
    exact, factors = _sequence(items)
    if low == 0:
        if high == 1 and exact is not None:
            return {""} | exact, None
        return None, None
    either = exact if _useful(exact) else factors
    if low == high and exact is not None:
        times: set[str] | None = {""}
        for _ in range(low):
            times = _cross(times, exact) if times is not None else None
        return times, either
    return None, either
