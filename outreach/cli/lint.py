"""`outreach lint`: check pitch templates against the pitch rules; exit 1 on errors."""

from __future__ import annotations

import json
import sys

import click

from outreach.cli.app import App


@click.command("lint")
@click.argument("templates", nargs=-1)
@click.option(
    "--campaign",
    default=None,
    help="Render with this campaign and lint its sequence's templates "
    "(default: the first campaign file, every template).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: template:line: rule severity: message (hint); json: one object per line.",
)
@click.pass_obj
def lint(app: App, templates: tuple[str, ...], campaign: str | None, fmt: str) -> None:
    """Render each TEMPLATE (default: all) for sample influencers from the roster (or built-in
    samples) and check the pitch rules: length, post-specific, value-first, offer,
    personalisation, compliance, deliverability, ad-script, stale-post, ja-business, tone.
    Severities and thresholds come from [lint.<rule-id>] in config.toml; a template
    that cannot be rendered is a `render` error. Exits 1 on errors.

    \b
    Example:
      outreach lint
      outreach lint pitch.ja followup1 --campaign spring-serum
      outreach lint --format json > lint.jsonl
    """
    from outreach.services.lint import has_errors, lint_templates

    findings = lint_templates(app.config, templates=templates, campaign=campaign)
    for finding in findings:
        if fmt == "json":
            click.echo(json.dumps(finding.as_dict(), ensure_ascii=False))
        else:
            click.echo(str(finding))
    errors = sum(f.severity == "error" for f in findings)
    click.echo(f"{errors} error(s), {len(findings) - errors} warning(s)", err=True)
    if has_errors(findings):
        sys.exit(1)
