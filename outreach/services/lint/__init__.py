"""Pitch lint: rules over rendered drafts (short, value-first, post-specific, compliant).

`lint_campaign(config, slug)` + `has_errors(findings)` are what `run` calls before starting;
`lint_message(config, composed, influencer, step=, now=)` is what `preview` shows per draft;
`lint_templates` is what `outreach lint` calls. Rules work on plain `Draft`s (see `model`).
"""

from outreach.services.lint import rules  # noqa: F401  (registers the rules)
from outreach.services.lint.model import Draft, Finding
from outreach.services.lint.registry import RULES, check_drafts, has_errors
from outreach.services.lint.runner import lint_campaign, lint_message, lint_templates

__all__ = [
    "RULES",
    "Draft",
    "Finding",
    "check_drafts",
    "has_errors",
    "lint_campaign",
    "lint_message",
    "lint_templates",
]
