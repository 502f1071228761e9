"""`outreach demo`: the whole loop on a throw-away workspace and a local capture server."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import click

from outreach.cli.app import App
from outreach.errors import InputError


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Workspace to create (must not exist yet). Default: a new temporary folder.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=10),
    default=120.0,
    show_default=True,
    help="Give up after this many seconds.",
)
@click.pass_obj
def demo(app: App, directory: str | None, timeout: float) -> None:
    """Run the real engine end to end on sample data, with nothing leaving this machine:
    import the sample roster, enrol it, send the sequence into a capture SMTP server on
    127.0.0.1, answer with a reply, an out-of-office, an opt-out and a bounce, and print
    what was sent and the pipeline board.

    \b
    Example:
      outreach demo
      outreach demo --dir /tmp/try-outreach
    """
    from outreach.cli.pipeline import board_lines
    from outreach.clock import SystemClock
    from outreach.config import load_config
    from outreach.demo.mail import read_captured
    from outreach.demo.run import run_demo
    from outreach.services.pipeline.stages import board
    from outreach.store.session import make_engine

    if directory and Path(directory).exists() and any(Path(directory).iterdir()):
        raise InputError(
            f"{directory} is not empty",
            field="--dir",
            hint="the demo makes a fresh workspace; pick a new folder",
        )
    workspace = Path(directory or tempfile.mkdtemp(prefix="outreach-demo-")).resolve()
    logging.basicConfig(level=logging.WARNING, format="  %(message)s", stream=sys.stdout)
    logging.getLogger("outreach").setLevel(logging.INFO)  # one line per send, reply, failure
    run = asyncio.run(run_demo(workspace, echo=click.echo, timeout=timeout))
    logging.getLogger("outreach").setLevel(logging.WARNING)

    sent = read_captured(run.sent_maildir)
    click.echo(f"\nsent {len(sent)} messages:")
    for mail in sent:
        click.echo(f"  {'  ↳' if mail.in_thread else '   '} {mail.to:<48} {mail.subject}")
    config = load_config(workspace / "config.toml")
    engine = make_engine(config.database_url)
    click.echo("\npipeline:")
    for line in board_lines(board(engine, SystemClock(), config.pipeline.stale_days)):
        click.echo(f"  {line}")
    engine.dispose()
    click.echo(f"\nopen the captured mail: {run.sent_maildir}/new/*  (any mail client reads .eml)")
    prog = "outreach" if shutil.which("outreach") else f"{sys.executable} -m outreach"
    click.echo(f"explore: cd {workspace} && {prog} status && {prog} inbox list")
    if not run.settled:
        sys.exit(1)
