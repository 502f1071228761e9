"""Pitch lint: rules over rendered drafts (short, value-first, post-specific, compliant).

`lint_campaign(config, slug)` + `has_errors(findings)` are what `run` calls before starting;
`lint_message(config, composed, influencer, step=, now=)` is what `preview` shows per draft;
`lint_workspace` is what a bare `outreach lint` calls (every campaign's templates, naming the
unused ones), `lint_templates` what `outreach lint TEMPLATE… [--campaign]` calls. Rules work
on plain `Draft`s (see `model`).
"""

from outreach.services.lint import rules  # noqa: F401  (registers the rules)
from outreach.services.lint.model import Draft, LintFinding
from outreach.services.lint.registry import RULES, check_drafts, has_errors
from outreach.services.lint.runner import (
    WorkspaceLint,
    lint_campaign,
    lint_message,
    lint_templates,
    lint_workspace,
)

__all__ = [
    "RULES",
    "Draft",
    "LintFinding",
    "WorkspaceLint",
    "check_drafts",
    "has_errors",
    "lint_campaign",
    "lint_message",
    "lint_templates",
    "lint_workspace",
]
