"""`outreach campaign list|show|validate`: the campaign files ops edit."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from outreach.cli.app import App, emit, format_option
from outreach.services.sequence import campaigns as service


@click.group("campaign")
def campaign() -> None:
    """Campaigns: the files in campaigns/*.toml (brand, product, offer, dates, sequence).

    \b
    Example:
      outreach campaign list
      outreach campaign validate spring-launch
    """


@campaign.command("list")
@format_option()
@click.pass_obj
def list_(app: App, fmt: str) -> None:
    """List the campaigns of the workspace.

    \b
    Example:
      outreach campaign list --format json
    """
    columns = ["slug", "name", "brand", "sequence", "mailbox"]
    rows = [{k: getattr(c, k) for k in columns} for c in service.list_campaigns(app.config)]
    emit(rows, fmt, columns)


@campaign.command("show")
@click.argument("slug")
@click.pass_obj
def show(app: App, slug: str) -> None:
    """Show one campaign as parsed (what templates will see).

    \b
    Example:
      outreach campaign show spring-launch
    """
    data = asdict(service.load_campaign(app.config, slug))
    for key, value in data.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                click.echo(f"{key}.{sub}: {v}")
        else:
            click.echo(f"{key}: {', '.join(value) if isinstance(value, tuple) else value}")


@campaign.command("validate")
@click.argument("slug", required=False)
@click.pass_obj
def validate(app: App, slug: str | None) -> None:
    """Check campaigns can run: the file parses, its sequence, mailbox and templates exist,
    and its dates are neither past nor out of order (reply_by, ship_by, post_by, report_by).
    Exits 1 when any problem is found.

    \b
    Example:
      outreach campaign validate            # every campaign
      outreach campaign validate spring-launch
    """
    from zoneinfo import ZoneInfo

    from outreach.clock import SystemClock

    today = SystemClock().now().astimezone(ZoneInfo(app.config.sending.timezone)).date()
    report = service.validate(app.config, slug, today=today)
    failed = 0
    for name, problems in report.items():
        for problem in problems:
            click.echo(f"{name}: {problem}", err=True)
        if problems:
            failed += 1
        else:
            click.echo(f"{name}: ok")
    if failed:
        click.echo(f"{failed} campaign(s) with problems", err=True)
        sys.exit(1)
