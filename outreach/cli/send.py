"""`outreach run`, `outreach status`, `outreach outbox ...`, `outreach sink`."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from outreach.cli import times
from outreach.cli.app import App, emit, format_option
from outreach.domain.display import safe_text
from outreach.store.queries.sent_copy import Backlog


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _until(at: datetime | str, zone: ZoneInfo | None) -> str:
    return times.show(at, zone) if isinstance(at, datetime) else "further notice"


def _sent_copy_line(copies: Backlog, zone: ZoneInfo | None) -> str:
    """`sent folder NAME: 3 waiting (oldest ...), 1 failed: why` for `outreach status`."""
    parts = []
    if copies.queued:
        at = copies.oldest_queued
        oldest = f" (oldest {times.show(at, zone)})" if at else ""
        parts.append(f"{copies.queued} waiting{oldest}")
    if copies.failed:
        parts.append(f"{copies.failed} failed (`outreach outbox sent-copies --retry`)")
    error = f"; last error: {copies.last_error}" if copies.last_error else ""
    return f"sent folder {copies.mailbox}: {', '.join(parts)}{error}"


def _doctor_gate(app: App) -> None:
    """Refuse to start while a mailbox relaying off this machine fails a DNS or rate check of
    `outreach doctor` (no TLS or HTTPS connection is made here, only DNS queries)."""
    from outreach.clock import SystemClock
    from outreach.errors import UserError
    from outreach.services.workspace.doctor import diagnose, gated

    names = gated(app.config)
    if not names:
        return
    failed = [
        f
        for f in diagnose(app.config, app.engine, names, now=SystemClock().now(), network=False)
        if f.status == "fail"
    ]
    for f in failed:
        click.echo(f"mailbox {f.mailbox}: {f.check} {f.subject}: {f.meaning}", err=True)
    if failed:
        boxes = sorted({f.mailbox for f in failed})
        raise UserError(
            f"{len(failed)} doctor check(s) fail for mailbox {', '.join(boxes)}; nothing was sent",
            hint=f"`outreach doctor {boxes[0]}` shows what to publish; "
            "or pass --allow-doctor-failures",
        )


@click.command()
@click.option(
    "--once",
    is_flag=True,
    help="One pass of every job (plan, dispatch), then exit (for cron); exit status 75 "
    "when the database was locked by another writer or unavailable (try again later).",
)
@click.option(
    "--allow-lint-errors",
    is_flag=True,
    help="Start even if a campaign's templates have lint errors.",
)
@click.option(
    "--allow-doctor-failures",
    is_flag=True,
    help="Start even if `outreach doctor` fails a mailbox (checked for relays not on loopback).",
)
@click.pass_obj
def run(app: App, once: bool, allow_lint_errors: bool, allow_doctor_failures: bool) -> None:
    """Run the sending daemon: send due messages within each mailbox's limits, until
    SIGINT/SIGTERM (which finish the SMTP transactions in flight, then exit 0).

    \b
    Example:
      outreach run
      outreach run --once
    """
    from outreach.clock import SystemClock
    from outreach.daemon.run import AppContext, run_daemon
    from outreach.errors import UserError
    from outreach.services.mailbox.oauth import missing_logins, token_sources
    from outreach.services.send.preflight import lint_errors
    from outreach.services.sequence.pause import check_secrets, note_mailbox_configs

    check_secrets(app.config)  # an unset password variable stops here, named
    never = missing_logins(app.engine, app.config)
    if never:
        raise UserError("; ".join(never), hint="sign in, then start again")
    if not allow_lint_errors:
        errors = [f for found in lint_errors(app.engine, app.config).values() for f in found]
        for finding in errors:
            click.echo(str(finding), err=True)
        if errors:
            raise UserError(
                f"{len(errors)} lint error(s) in the templates of live campaigns; nothing was sent",
                hint="fix them (`outreach lint`) or pass --allow-lint-errors",
            )
    if not allow_doctor_failures:
        _doctor_gate(app)
    from outreach.transport.smtp import SmtpTransport

    _logging()
    for name, why in note_mailbox_configs(app.engine, app.config, SystemClock()).items():
        logging.getLogger("outreach.run").warning(
            "mailbox %s: its settings changed since the breaker paused it (%s): resumed",
            name,
            why,
        )
    from outreach.services.send.outbox import status as get_status

    for box in get_status(app.engine, app.config, SystemClock()).mailboxes:
        if box["paused_until"]:
            logging.getLogger("outreach.run").warning(
                "mailbox %s is paused until %s (%s): nothing is sent from it; "
                "`outreach mailbox resume %s` lifts it",
                box["mailbox"],
                _until(box["paused_until"], app.display_zone),
                box["why"],
                box["mailbox"],
            )
    ctx = AppContext(
        app.config,
        app.engine,
        SystemClock(),
        SmtpTransport(app.config.mailboxes, token_sources(app.engine, app.config, SystemClock())),
        lint_gate=not allow_lint_errors,
    )
    sys.exit(asyncio.run(run_daemon(ctx, once=once)))


@click.command()
@click.pass_obj
def status(app: App) -> None:
    """Per mailbox: sent today against the cap, next slot, paused and why; the outbox by
    state; what is due now; rows whose delivery is unknown; each inbox's last read (stale:
    follow-ups are held) and error; sequences stopped because a step failed or expired.

    \b
    Example:
      outreach status
    """
    from outreach.clock import SystemClock
    from outreach.services.send.outbox import status as get_status

    st = get_status(app.engine, app.config, SystemClock())
    emit(st.mailboxes, "table")
    click.echo("")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(st.counts.items())) or "empty"
    click.echo(f"outbox: {counts}")
    click.echo(f"due now: {st.due_now}")
    if st.unknown:
        click.echo(
            f"\n{len(st.unknown)} unknown "
            "(maybe delivered; `outreach outbox resend ID` sends again):"
        )
        emit(
            st.unknown,
            "table",
            ["id", "mailbox", "email_norm", "step", "subject", "last_error"],
        )
    for health in st.inboxes:
        click.echo(
            safe_text(health.describe(lambda at: times.show(at, app.display_zone)))
        )  # the IMAP server's own error text
    for copies in st.sent_copies:
        click.echo(safe_text(_sent_copy_line(copies, app.display_zone)))
    if st.attention:
        click.echo(
            f"\n{st.attention} enrollment(s) need attention (fix, then "
            "`outreach enroll CAMPAIGN --retry`):"
        )
        emit(st.latest_attention, "table", ["handle", "campaign", "stop_reason"])
    from outreach.services.send.preflight import lint_errors

    for slug, found in sorted(lint_errors(app.engine, app.config).items()):
        click.echo(
            f"campaign {slug}: held by lint, {len(found)} error(s); first: {found[0]} "
            "(it resumes by itself once fixed)"
        )
    for slug, (held, since) in sorted(st.held_campaigns.items()):
        at = f" since {times.show(since, app.display_zone)}" if since else ""
        click.echo(f"campaign {slug}: {held}{at}")
    if st.failure_stops:
        shown = (
            f" (latest {len(st.latest_failure_stops)})"
            if st.failure_stops > len(st.latest_failure_stops)
            else ""
        )
        click.echo(f"\n{st.failure_stops} enrollment(s) stopped by failures{shown}:")
        emit(st.latest_failure_stops, "table", ["handle", "campaign", "stop_reason"])


@click.group()
def outbox() -> None:
    """Look at and act on queued and sent messages.

    \b
    Example:
      outreach outbox list --state unknown
    """


@outbox.command("sent-copies")
@click.option("--retry", is_flag=True, help="Queue the failed copies again.")
@click.option("--mailbox", default=None, help="Only this mailbox's copies (with --retry).")
@click.pass_obj
def outbox_sent_copies(app: App, retry: bool, mailbox: str | None) -> None:
    """Copies of sent messages not yet in their mailbox's Sent folder, per mailbox: how
    many wait for the append job, how many failed and why. --retry queues failed ones again
    (each first looks for itself in the folder, so nothing is stored twice).

    \b
    Example:
      outreach outbox sent-copies --retry --mailbox main
    """
    from outreach.clock import SystemClock
    from outreach.services.send.sent_copy import backlog, retry_failed

    if mailbox is not None:
        app.config.mailbox(mailbox)  # names the configured ones if it is not one
    if retry:
        n = retry_failed(app.engine, SystemClock(), mailbox)
        click.echo(f"{n} failed cop{'y' if n == 1 else 'ies'} queued again")
    rows = backlog(app.engine)
    for copies in rows:
        click.echo(safe_text(_sent_copy_line(copies, app.display_zone)))
    if not rows:
        click.echo("every sent message is in its Sent folder (or needs none)")


@outbox.command("list")
@click.option("--state", default=None, help="Only rows in this state (queued, sent, unknown, ...).")
@click.option("--limit", default=200, show_default=True, help="At most this many rows.")
@format_option()
@click.pass_obj
def outbox_list(app: App, state: str | None, limit: int, fmt: str) -> None:
    """List outbox rows.

    \b
    Example:
      outreach outbox list --state failed
    """
    from outreach.services.send.outbox import list_outbox

    cols = [
        "id",
        "state",
        "mailbox",
        "email_norm",
        "step",
        "attempt",
        "due_at",
        "sent_at",
        "subject",
        "last_error",
    ]
    emit(list_outbox(app.engine, state=state, limit=limit), fmt, cols)


@outbox.command("show")
@click.argument("outbox_id", type=int)
@click.option("--raw", is_flag=True, help="Print the exact bytes that are (or were) sent.")
@click.pass_obj
def outbox_show(app: App, outbox_id: int, raw: bool) -> None:
    """Show one row and its attempts.

    \b
    Example:
      outreach outbox show 42 --raw
    """
    from outreach.services.send.outbox import show_outbox

    row, attempts = show_outbox(app.engine, outbox_id)
    if raw:
        click.echo(bytes(row["raw"]).decode("ascii", "replace"), nl=False)
        return
    for key in (
        "id",
        "state",
        "mailbox",
        "mail_from",
        "rcpt_to",
        "message_id",
        "subject",
        "step",
        "attempt",
        "due_at",
        "sent_at",
        "last_error",
    ):
        value = row[key]
        shown = times.show(value, app.display_zone) if isinstance(value, datetime) else value
        click.echo(f"{key}: {shown}")
    if row.get("template_hash"):
        click.echo(
            f"template: sha256 {row['template_hash'][:12]} (the version its bytes were "
            "rendered from)"
        )
    if attempts:
        click.echo("")
        emit(
            attempts,
            "table",
            [
                "attempt",
                "at",
                "worker",
                "outcome",
                "smtp_code",
                "enhanced_status",
                "server_text",
            ],
        )


@outbox.command("replan")
@click.option("--campaign", "slug", default=None, help="Only this campaign's rows.")
@click.pass_obj
def outbox_replan(app: App, slug: str | None) -> None:
    """Re-render queued rows that were never tried, with the templates as they are now:
    each row is dropped and its step planned again on the next pass (same due time).
    Rows with an attempt keep their bytes: a retry must send what the server saw.

    \b
    Example:
      outreach outbox replan --campaign spring-serum
    """
    from outreach.services.send.outbox import replan

    done = replan(app.engine, campaign=slug)
    click.echo(f"{done} queued row(s) will be rendered again on the next plan pass")


@outbox.command("cancel")
@click.argument("outbox_id", type=int)
@click.pass_obj
def outbox_cancel(app: App, outbox_id: int) -> None:
    """Cancel a row that has not gone out.

    \b
    Example:
      outreach outbox cancel 42
    """
    from outreach.clock import SystemClock
    from outreach.services.send.outbox import cancel_outbox

    cancel_outbox(app.engine, SystemClock(), outbox_id)
    click.echo(f"cancelled {outbox_id}")


@outbox.command("resend")
@click.argument("outbox_id", type=int)
@click.pass_obj
def outbox_resend(app: App, outbox_id: int) -> None:
    """Queue an unknown or failed row again: the same bytes and Message-ID. An unknown row
    may already have been delivered: check the recipient's side or your Sent folder first.

    \b
    Example:
      outreach outbox resend 42
    """
    from outreach.clock import SystemClock
    from outreach.services.send.outbox import resend_outbox

    resend_outbox(app.engine, app.config, SystemClock(), outbox_id)
    click.echo(f"queued {outbox_id} again; `outreach run` sends it")


@click.command()
@click.option("--port", default=8025, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--maildir",
    default="sink",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Maildir every accepted message is written to.",
)
def sink(port: int, maildir: str) -> None:
    """A capture SMTP server on 127.0.0.1: accepts everything, delivers nothing, writes each
    message to a Maildir. Point a mailbox at it (security = "none") to try a config safely.

    \b
    Example:
      outreach sink --port 8025 --maildir captured
    """
    from outreach.transport.sink import CaptureSink

    with CaptureSink(Path(maildir), port=port):
        click.echo(f"capturing on 127.0.0.1:{port} into {maildir}/new (Ctrl-C stops)")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            click.echo("stopped")
