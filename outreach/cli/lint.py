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
    "(default: every campaign, each with its own templates).",
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
    """Render each TEMPLATE (default: the templates of every campaign's sequence, each with its
    campaign; unused templates are named and skipped) for sample influencers from the roster
    (or built-in samples) and check the pitch rules: length, post-specific, value-first,
    offer, personalisation, compliance, deliverability, ad-script, stale-post, ja-business,
    tone, placeholder, followup-subject, mixed-script.
    Severities and thresholds come from [lint.<rule-id>] in config.toml; a template
    that cannot be rendered is a `render` error. Exits 1 on errors.

    \b
    Example:
      outreach lint
      outreach lint pitch.ja followup1 --campaign spring-serum
      outreach lint --format json > lint.jsonl
    """
    from outreach.services.lint import has_errors, lint_templates, lint_workspace

    if templates or campaign:
        findings = lint_templates(app.config, templates=templates, campaign=campaign)
    else:
        report = lint_workspace(app.config)
        findings = report.findings
        if report.skipped:
            click.echo(
                f"skipped (no campaign's sequence uses them): {', '.join(report.skipped)}",
                err=True,
            )
    for finding in findings:
        if fmt == "json":
            click.echo(json.dumps(finding.as_dict(), ensure_ascii=False))
        else:
            click.echo(str(finding))
    errors = sum(f.severity == "error" for f in findings)
    click.echo(f"{errors} error(s), {len(findings) - errors} warning(s)", err=True)
    if has_errors(findings):
        sys.exit(1)
