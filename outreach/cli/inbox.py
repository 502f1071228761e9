"""`outreach inbox ...`: reading and classifying inbound mail."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from outreach.cli.app import App, emit, format_option
from outreach.clock import SystemClock
from outreach.domain.display import safe_json, safe_text
from outreach.inbound import KINDS
from outreach.inbound.model import DELIVERED, NEEDS_REVIEW
from outreach.services.inbox import poll as inbox_service
from outreach.services.inbox.classify import classify_files
from outreach.services.inbox.poll import RESOLVE_KINDS, UNPARSED, PollReport


@click.group()
def inbox() -> None:
    """Inbound mail: replies, bounces, auto-replies and opt-outs.

    \b
    Example:
      outreach inbox classify bounce.eml --format json
    """


@inbox.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
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
            click.echo(safe_json(json.dumps(row, ensure_ascii=False)))
            continue
        extra = f" returns {row['returns_on']}" if row["returns_on"] else ""
        if row["intent"] and row["intent"] != row["classified_as"]:
            extra += f" {row['intent']}" + (
                f" -> {row['referred_to']}" if row["referred_to"] else ""
            )
        if row["confidence"] < 1.0:
            extra += f" confidence {row['confidence']:.2f}"
        if row["kind"] != row["classified_as"]:
            extra += f" (classified {row['classified_as']})"
        if row["bounce"]:
            b = row["bounce"]
            extra += (
                f" {b['status']} {b['recipient'] or '(recipient unknown)'}"
                f" {'permanent' if b['permanent'] else 'temporary'} {b['reason']}"
                + (" sender-side" if b["sender_side"] else "")
            )
        click.echo(safe_text(f"{row['file']}: {row['kind']}{extra}"))
        for reason in row["reasons"]:
            click.echo(f"    {safe_text(reason)}")


def _print_report(report: PollReport) -> None:
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(report.kinds.items())) or "nothing new"
    click.echo(
        f"read {report.read}: {kinds}; unmatched {report.unmatched}; "
        f"already processed {report.duplicates}"
    )
    for box, error in report.errors.items():
        click.echo(safe_text(f"error: mailbox {box}: {error}"), err=True)


@inbox.command()
@click.option("--mailbox", default=None, help="Read only this mailbox's inbox.")
@click.pass_obj
def poll(app: App, mailbox: str | None) -> None:
    """Read every configured inbox once (IMAP or Maildir), classify new mail and apply its
    effect: replies stop sequences, bounces and opt-outs suppress, auto-replies pause.

    \b
    Example:
      outreach inbox poll
      outreach inbox poll --mailbox main
    """
    report = inbox_service.poll(app.engine, app.config, SystemClock(), mailbox=mailbox)
    _print_report(report)
    if report.errors:
        raise SystemExit(1)


@inbox.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--mailbox", default=None, help="Treat the mail as received by this mailbox.")
@click.pass_obj
def import_(app: App, files: tuple[str, ...], mailbox: str | None) -> None:
    """Process .eml files and mbox files as received mail (same effects as a poll).

    \b
    Example:
      outreach inbox import replies.mbox bounce.eml
    """
    paths = [Path(f) for f in files]
    clock = SystemClock()
    report = inbox_service.import_files(app.engine, app.config, clock, paths, mailbox=mailbox)
    _print_report(report)


@inbox.command("list")
@click.option(
    "--kind",
    type=click.Choice([*KINDS, NEEDS_REVIEW, DELIVERED, UNPARSED]),
    default=None,
    help="Only this kind.",
)
@click.option("--unmatched", is_flag=True, help="Only mail that matched no enrollment.")
@click.option(
    "--needs-review", is_flag=True, help="Only mail waiting for `outreach inbox resolve`."
)
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
@format_option()
@click.pass_obj
def list_(
    app: App, kind: str | None, unmatched: bool, needs_review: bool, limit: int, fmt: str
) -> None:
    """List processed mail, newest first, with its kind and effect.

    \b
    Example:
      outreach inbox list --kind reply
      outreach inbox list --unmatched
      outreach inbox list --needs-review
    """
    rows = inbox_service.inbound_list(
        app.engine, kind=kind, unmatched=unmatched, limit=limit, needs_review=needs_review
    )
    for row in rows:
        row["processed_at"] = f"{row['processed_at']:%Y-%m-%d %H:%M}"
    cols = ["id", "processed_at", "kind", "from_addr", "handle", "campaign", "subject", "effect"]
    emit(rows, fmt, cols)


@inbox.command()
@click.argument("inbound_id", type=int)
@click.pass_obj
def show(app: App, inbound_id: int) -> None:
    """Show one processed message: who, what kind, its effect and the sender's own text.

    \b
    Example:
      outreach inbox show 12
    """
    row = inbox_service.inbound_show(app.engine, inbound_id)

    def echo(line: str) -> None:
        """Every line below holds text a stranger wrote: printed with controls made visible."""
        click.echo(safe_text(line))

    who = f" (@{row['handle']}, {row['campaign']})" if row["handle"] else " (unmatched)"
    echo(f"#{row['id']} {row['kind']} from {row['from_addr']}{who}")
    echo(f"subject:  {row['subject']}")
    received = f"{row['received_at']:%Y-%m-%d %H:%M} UTC"
    echo(f"received: {received} via {row['source']} ({row['mailbox']})")
    echo(f"effect:   {row['effect']}")
    if row.get("resolved_as"):
        echo(f"resolved: as {row['resolved_as']} on {row['resolved_at']:%Y-%m-%d %H:%M} UTC")
    elif row["kind"] == NEEDS_REVIEW:
        echo(f"review:   outreach inbox resolve {row['id']} --as KIND")
    detail = row["detail"] or {}
    if detail.get("returns_on"):
        echo(f"returns:  {detail['returns_on']}")
    if detail.get("bounce"):
        b = detail["bounce"]
        echo(f"bounce:   {b['status']} {b['recipient']} {b['diagnostic']}")
    kept, size = row.get("raw_kept"), row.get("raw_size")
    if kept is not None and size is not None and size > kept:
        echo(f"truncated: kept {kept} of {size} bytes")
    click.echo("")
    click.echo(safe_text(row["text"], multiline=True))


@inbox.command()
@click.argument("inbound_id", type=int)
@click.option(
    "--as",
    "kind",
    required=True,
    type=click.Choice(RESOLVE_KINDS),
    help="What the message really is; `ignore` keeps only the safe action already taken.",
)
@click.pass_obj
def resolve(app: App, inbound_id: int, kind: str) -> None:
    """Confirm a message that needs review: apply the real effect of KIND once.

    A message needs review when the classifier was unsure, its From was not authenticated,
    its thread belongs to someone else, or a bounce or complaint is not tied to our mail.

    \b
    Example:
      outreach inbox list --needs-review
      outreach inbox resolve 12 --as opt_out
    """
    effect = inbox_service.resolve(app.engine, app.config, SystemClock(), inbound_id, kind)
    click.echo(f"#{inbound_id} resolved as {kind}: {effect}")
