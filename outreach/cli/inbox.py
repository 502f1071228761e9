"""`outreach inbox ...`: reading and classifying inbound mail."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from outreach.services.inbox_classify import classify_files


@click.group()
def inbox() -> None:
    """Inbound mail: replies, bounces, auto-replies and opt-outs.

    \b
    Example:
      outreach inbox classify bounce.eml --format json
    """


@inbox.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--received",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Anchor year-less return dates to this day instead of each message's Date header.",
)
def classify(files: tuple[str, ...], fmt: str, received: datetime | None) -> None:
    """Print how each .eml file would be classified (bounce, complaint, auto_reply, opt_out,
    decline, reply), its return date and bounce status. Touches no data.

    \b
    Example:
      outreach inbox classify ~/Downloads/*.eml --format json
    """
    rows = classify_files([Path(f) for f in files], received.date() if received else None)
    for row in rows:
        if fmt == "json":
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        extra = f" returns {row['returns_on']}" if row["returns_on"] else ""
        if row["bounce"]:
            b = row["bounce"]
            extra += f" {b['status']} {b['recipient']} {'permanent' if b['permanent'] else 'temporary'}"
        click.echo(f"{row['file']}: {row['kind']}{extra}")
        for reason in row["reasons"]:
            click.echo(f"    {reason}")
