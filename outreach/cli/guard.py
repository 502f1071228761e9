"""Run the command group the way a user sees it: a user error is one line on stderr and exit
status 1, never a traceback. Kept apart from app.py, which imports SQLAlchemy and the config
model: `outreach --help` needs neither."""

from __future__ import annotations

import sys
from typing import Any

import click

from outreach.errors import ImportRejected, UserError


def run_guarded(group: click.Group, argv: list[str]) -> Any:
    try:
        return group.main(args=argv, prog_name="outreach", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ImportRejected as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        click.echo(f"{len(exc.errors)} problem(s); nothing was imported", err=True)
        sys.exit(1)
    except UserError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:
        # The database went away mid-command: one line, not a traceback. SQLAlchemy is
        # imported here, where a database error can only come from a command that loaded it.
        from sqlalchemy.exc import OperationalError

        from outreach.store.session import describe_unavailable, is_unavailable

        if not (isinstance(exc, OperationalError) and is_unavailable(exc)):
            raise
        click.echo(f"error: {describe_unavailable(exc)}; nothing more was done", err=True)
        sys.exit(1)
