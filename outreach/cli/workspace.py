"""`outreach init` and `outreach db`: create a workspace, apply migrations."""

from __future__ import annotations

from pathlib import Path

import click

from outreach.cli.app import App
from outreach.services.workspace.create import create_workspace


@click.command()
@click.argument("directory", type=click.Path(file_okay=False), default=".")
def init(directory: str) -> None:
    """Create a workspace: config.toml, templates, sequences, campaigns, a sample roster
    and the SQLite database. Existing files are never overwritten. The sample campaign's
    reply_by and post_by are set 14 and 28 days from today.

    \b
    Example:
      outreach init spring-campaign
    """
    from outreach.clock import SystemClock

    today = SystemClock().now().astimezone().date()
    created = create_workspace(Path(directory), today=today)
    for name in created:
        click.echo(f"created {Path(directory) / name}")
    click.echo(
        f"database ready; next: cd {directory} && "
        "outreach import influencers roster/influencers.csv"
    )


@click.group()
def db() -> None:
    """Database maintenance.

    \b
    Example:
      outreach db upgrade
    """


@db.command("upgrade")
@click.pass_obj
def db_upgrade(app: App) -> None:
    """Apply pending migrations to the configured database.

    \b
    Example:
      outreach db upgrade
    """
    from outreach.store.session import make_engine, migrate

    migrate(make_engine(app.config.database_url))
    click.echo("database is up to date")
