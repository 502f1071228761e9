"""`outreach web`, `outreach web adduser`: the local console and its users."""

from __future__ import annotations

import click

from outreach.cli.app import App
from outreach.clock import SystemClock


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8790, show_default=True)
@click.pass_context
def web(ctx: click.Context, host: str, port: int) -> None:
    """Serve the console: today's work, campaigns, drafts, the board, people, the inbox and
    the report. On 127.0.0.1 with no console user it needs no sign-in; once a user exists, or
    on any other address, every page does (`outreach web adduser`).

    \b
    Example:
      outreach web                          # http://127.0.0.1:8790/
      outreach web adduser aiko --role operator
      outreach web --host 0.0.0.0 --port 8443
    """
    if ctx.invoked_subcommand is not None:
        return
    from zoneinfo import ZoneInfo

    from outreach.web.server import console_for, serve

    app: App = ctx.obj
    zone = app.display_zone or ZoneInfo("UTC")
    console = console_for(app.config, app.engine, SystemClock(), host, port, zone=zone)
    shown = f"[{host}]" if ":" in host else host
    mode = "local, no users: no sign-in" if console.open_local else "sign-in required"
    click.echo(f"console on http://{shown}:{port}/ ({mode}); Ctrl-C stops it")
    serve(console, host, port)


@web.command("adduser")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["viewer", "operator", "admin"]),
    default="operator",
    show_default=True,
    help="viewer: read only; operator: act; admin: act and see the audit log.",
)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given (10 characters or more).",
)
@click.pass_obj
def adduser(app: App, name: str, role: str, password: str) -> None:
    """Add a console user, or set an existing one's password and role. The password is kept
    as an argon2id hash.

    \b
    Example:
      outreach web adduser aiko --role operator
    """
    from outreach.services.console.accounts import add_user

    created = add_user(app.engine, name, password, role, SystemClock().now())
    click.echo(f"user {name} {'added' if created else 'updated'} (role {role})")
