"""Text measures the rules share: URLs, the signature separator, full-width units, sentences,
and mapping rendered text back to template lines."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'）」』]+", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# RFC 3676 "-- " and the ruled lines Japanese business mail puts above a signature.
_SEPARATOR = re.compile(r"^\s*(?:--\s?|[-=_*─━―‐～~＝＿]{5,})\s*$")
_EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)(?=\s)|\n\s*\n")


def front_matter_height(source: str) -> int:
    """Lines taken by the `---` front matter block (0 when there is none)."""
    lines = source.split("\n")
    if not lines or lines[0].rstrip("\r") != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r") == "---":
            return i + 1
    return 0


def split_footer(body: str) -> tuple[str, str]:
    """(text above the last signature separator, the footer below it); no separator: (body, "")."""
    lines = body.split("\n")
    for i in range(len(lines) - 1, -1, -1):
        if _SEPARATOR.match(lines[i]):
            return "\n".join(lines[:i]), "\n".join(lines[i + 1 :])
    return body, ""


def width(s: str) -> float:
    """Length in full-width units (全角換算): wide characters count 1, narrow ones 1/2."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in s)


def without_urls(s: str) -> str:
    return URL.sub(" ", s)


def non_blank_lines(s: str) -> list[str]:
    return [line.strip() for line in s.split("\n") if line.strip()]


def sentences(s: str) -> list[str]:
    """Sentences, split at 。！？!? , at '. ' and at blank lines."""
    return [part.strip() for part in _SENTENCE_END.split(s) if part and part.strip()]


def literal_fragments(source_line: str) -> list[str]:
    """The literal text of a template line: what remains between `{{ }}`/`{% %}` tags."""
    return [f.strip() for f in _EXPRESSION.split(source_line) if len(f.strip()) >= 2]


def source_line_for(source_lines: Sequence[str], rendered: str, start: int) -> int | None:
    """The template line (from `start`, 1-based) whose literal text best covers `rendered`."""
    best, best_score = None, 0
    needle = rendered.strip()
    for number in range(start, len(source_lines) + 1):
        score = sum(
            len(f) if f in needle else len(needle) if needle and needle in f else 0
            for f in literal_fragments(source_lines[number - 1])
        )
        if score > best_score:
            best, best_score = number, score
    return best


def first_line_matching(source_lines: Sequence[str], pattern: str, start: int) -> int | None:
    regex = re.compile(pattern)
    for number in range(start, len(source_lines) + 1):
        if regex.search(source_lines[number - 1]):
            return number
    return None


def masked_prose(source: str, start_line: int) -> tuple[str, list[int]]:
    """The template's own prose from `start_line`: `{{ }}` become one '◆', tags vanish,
    whitespace collapses. Returns the prose and the file line of each of its characters."""
    out: list[str] = []
    lines: list[int] = []
    body = source.split("\n")[start_line - 1 :]
    for offset, line in enumerate(body):
        number = start_line + offset
        pos = 0
        for m in _EXPRESSION.finditer(line):
            out.extend(line[pos : m.start()])
            lines.extend([number] * (m.start() - pos))
            if m.group().startswith("{{"):
                out.append("◆")
                lines.append(number)
            pos = m.end()
        out.extend(line[pos:] + " ")
        lines.extend([number] * (len(line) - pos + 1))
    collapsed: list[str] = []
    collapsed_lines: list[int] = []
    for ch, number in zip(out, lines, strict=True):
        if ch.isspace() and (not collapsed or collapsed[-1] == " "):
            continue
        collapsed.append(" " if ch.isspace() else ch)
        collapsed_lines.append(number)
    return "".join(collapsed), collapsed_lines
