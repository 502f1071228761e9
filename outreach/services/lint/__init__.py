"""Pitch lint: rules over rendered drafts (short, value-first, post-specific, compliant).

`lint_campaign(config, slug)` and `has_errors(findings)` are what `preview` and `run` call;
`lint_templates` is what `outreach lint` calls. Rules work on plain `Draft`s (see `model`).
"""

from outreach.services.lint import rules  # noqa: F401  (registers the rules)
from outreach.services.lint.model import Draft, Finding
from outreach.services.lint.registry import RULES, check_drafts, has_errors
from outreach.services.lint.runner import lint_campaign, lint_templates

__all__ = [
    "RULES",
    "Draft",
    "Finding",
    "check_drafts",
    "has_errors",
    "lint_campaign",
    "lint_templates",
]
