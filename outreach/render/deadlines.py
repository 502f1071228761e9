"""Which campaign dates a template states: `campaign.dates.reply_by` and the like.

A message sent after a date it states ("please reply by 11 December", sent on the 14th)
contradicts itself; the planner holds such a step instead of sending it. Found from the
template's syntax tree, through the templates it includes or imports, not by rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2 import nodes

from outreach.render.templates import blank_front_matter

_PARSER = jinja2.Environment(autoescape=False)  # parsing only: nothing is rendered with it


def _date_key(node: nodes.Node) -> str | None:
    """`campaign.dates.KEY` / `campaign.dates["KEY"]` -> KEY."""
    if isinstance(node, nodes.Getattr):
        key, parent = node.attr, node.node
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        key, parent = str(node.arg.value), node.node
    else:
        return None
    holder = (
        parent.attr
        if isinstance(parent, nodes.Getattr)
        else (
            str(parent.arg.value)
            if isinstance(parent, nodes.Getitem) and isinstance(parent.arg, nodes.Const)
            else None
        )
    )
    owner = parent.node if isinstance(parent, nodes.Getattr | nodes.Getitem) else None
    if holder == "dates" and isinstance(owner, nodes.Name) and owner.name == "campaign":
        return key
    return None


def stated_dates(
    source: str, load: Callable[[str], str | None], _seen: frozenset[str] = frozenset()
) -> frozenset[str]:
    """The `campaign.dates` keys a template's text states, following includes and imports
    that name a template literally (`load(name)` gives its source, None if unknown)."""
    try:
        tree = _PARSER.parse(blank_front_matter(source))
    except jinja2.TemplateSyntaxError:
        return frozenset()  # the renderer reports the syntax error itself
    found = {
        key
        for node in tree.find_all((nodes.Getattr, nodes.Getitem))
        if (key := _date_key(node)) is not None
    }
    refs: list[nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends] = [
        *tree.find_all(nodes.Include),
        *tree.find_all(nodes.Import),
        *tree.find_all(nodes.FromImport),
        *tree.find_all(nodes.Extends),
    ]
    for ref in refs:
        name = ref.template.value if isinstance(ref.template, nodes.Const) else None
        if isinstance(name, str) and name not in _seen:
            text = load(name)
            if text is not None:
                found |= stated_dates(text, load, _seen | {name})
    return frozenset(found)


@lru_cache(maxsize=256)
def _file_dates(path: Path, mtime_ns: int) -> frozenset[str]:
    folder = path.parent

    def load(name: str) -> str | None:
        candidate = folder / name
        return candidate.read_text(encoding="utf-8") if candidate.is_file() else None

    return stated_dates(path.read_text(encoding="utf-8"), load)


def file_dates(path: Path) -> frozenset[str]:
    """`stated_dates` of a template file (and its includes beside it), cached until it changes."""
    try:
        return _file_dates(path, path.stat().st_mtime_ns)
    except OSError:
        return frozenset()
