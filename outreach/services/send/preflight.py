"""What `outreach run` checks before it starts: no live campaign may send lint errors."""

from __future__ import annotations

from sqlalchemy import Engine

from outreach.config import Config
from outreach.services.lint import LintFinding, has_errors, lint_campaign
from outreach.services.sequence.campaigns import list_campaigns
from outreach.store.queries.progress import live_campaigns
from outreach.store.session import reading


def lint_errors(engine: Engine, config: Config) -> dict[str, list[LintFinding]]:
    """Per live campaign, its lint errors (warnings are left to `outreach lint`)."""
    with reading(engine) as conn:
        slugs = live_campaigns(conn)
    on_disk = {c.slug for c in list_campaigns(config)}
    found: dict[str, list[LintFinding]] = {}
    # A live campaign whose file is gone has nothing left to render: its queued rows hold
    # their bytes already, and the planner marks its enrollments `error` for the operator.
    for slug in (s for s in slugs if s in on_disk):
        findings = lint_campaign(config, slug)
        if has_errors(findings):
            found[slug] = [f for f in findings if str(f.severity) == "error"]
    return found
