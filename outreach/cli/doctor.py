"""`outreach doctor`: check a mailbox's domain and servers the way receiving providers do."""

from __future__ import annotations

import json
import sys

import click

from outreach.cli.app import App
from outreach.domain.display import safe_text


@click.command("doctor")
@click.argument("mailbox", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json (one array) for CI.",
)
@click.option(
    "--no-network",
    is_flag=True,
    help="DNS and our own data only: skip the TLS and HTTPS connections.",
)
@click.pass_obj
def doctor(app: App, mailbox: str | None, fmt: str, no_network: bool) -> None:
    """Check SPF, DKIM, DMARC, MX, one-click unsubscribe, TLS and complaint and bounce rates
    of each mailbox (or MAILBOX); exit 1 when any check fails.

    \b
    Example:
      outreach doctor
      outreach doctor main --format json
    """
    from outreach.clock import SystemClock
    from outreach.services.workspace.doctor import diagnose

    config = app.config
    names = [mailbox] if mailbox else sorted(config.mailboxes)
    findings = diagnose(config, app.engine, names, now=SystemClock().now(), network=not no_network)
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1))
    else:
        current = ""
        for f in findings:
            if f.mailbox != current:
                current = f.mailbox
                click.echo(f"mailbox {current} ({config.mailboxes[current].from_address})")
            click.echo(
                f"  {f.status:<4}  {f.check:<11} {safe_text(f.subject)}: {safe_text(f.meaning)}"
            )
            if f.publish:
                label = (
                    "publish" if any(k in f.publish for k in (" TXT ", " MX ", " A ")) else "set"
                )
                click.echo(f"        {label}: {safe_text(f.publish)}")
        counts = {s: sum(f.status == s for f in findings) for s in ("fail", "warn", "ok")}
        click.echo(f"{counts['fail']} fail, {counts['warn']} warn, {counts['ok']} ok")
    if any(f.status == "fail" for f in findings):
        sys.exit(1)
