"""`outreach init` and `outreach db`: create a workspace, apply migrations."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from outreach.cli.app import App

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def create_workspace(target: Path) -> list[str]:
    """Copy the sample workspace into target (never overwriting) and migrate its database."""
    from outreach.config import load_config
    from outreach.store.session import make_engine, migrate

    target.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    for src in sorted(SAMPLES.rglob("*")):
        rel = src.relative_to(SAMPLES)
        if src.is_dir() or "__pycache__" in rel.parts:
            continue
        name = Path("config.toml") if rel == Path("config.example.toml") else rel
        dest = target / name
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        created.append(str(name))
    for folder in ("templates", "sequences", "campaigns", "inbox"):
        (target / folder).mkdir(exist_ok=True)
    config = load_config(target / "config.toml")
    migrate(make_engine(config.database_url))
    return created


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("directory", type=click.Path(file_okay=False), default=".")
    def init(directory: str) -> None:
        """Create a workspace: config.toml, templates, sequences, campaigns, a sample roster
        and the SQLite database. Existing files are never overwritten.

        \b
        Example:
          outreach init spring-campaign
        """
        created = create_workspace(Path(directory))
        for name in created:
            click.echo(f"created {Path(directory) / name}")
        click.echo(f"database ready; next: cd {directory} && outreach import influencers roster.csv")

    @cli.group()
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
