"""`outreach rehearse`: what a campaign would send, when, and what holds it, on a copy."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import wcwidth

from outreach.cli import times
from outreach.cli.app import App
from outreach.errors import InputError


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - wcwidth.wcswidth(text), 0)


def _start(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{value!r} is not an ISO 8601 time",
            field="--start",
            hint="for example 2026-12-01T09:00+09:00",
        ) from None
    if at.tzinfo is None:
        raise InputError(
            f"{value!r} has no UTC offset", field="--start", hint="add one: 2026-12-01T09:00+09:00"
        ) from None
    return at


@click.command("rehearse")
@click.argument("campaign")
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=30,
    show_default=True,
    help="Stop after this many simulated days (sooner when the sequences end).",
)
@click.option(
    "--start",
    "start_at",
    default=None,
    help="Simulated start, ISO 8601 with offset (default: now).",
)
@click.option(
    "--no-enroll",
    is_flag=True,
    help="Rehearse only who is enrolled already (default: also whoever `outreach "
    "enroll CAMPAIGN` would enrol now).",
)
@click.option(
    "--keep",
    "keep_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Keep the copied database and the captured mail in this folder.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object per line (times ISO 8601).",
)
@click.pass_obj
def rehearse(
    app: App,
    campaign: str,
    days: int,
    start_at: str | None,
    no_enroll: bool,
    keep_dir: str | None,
    fmt: str,
) -> None:
    """Run CAMPAIGN's sequences on a throw-away copy of the database: the real planner,
    windows, caps and dispatch, a simulated clock and a capture SMTP server on 127.0.0.1.
    Prints each message as it would go out (recipient's local time, step, template, mailbox)
    and each hold with its reason. Nothing real is touched: the database, the mailboxes and
    the influencers' contact history stay as they are.

    \b
    Example:
      outreach rehearse spring-serum
      outreach rehearse spring-serum --days 10 --start 2026-12-25T09:00+09:00
    """
    from outreach.services.send.rehearse import Event, Note, RehearsedHold, RehearsedSend
    from outreach.services.send.rehearse import rehearse as run

    live = fmt == "text" and sys.stderr.isatty()
    shown = app.display_zone

    def when(at: datetime, tz: str) -> str:
        return times.show(at, None if app.utc else ZoneInfo(tz))

    def clear() -> None:
        if live:
            click.echo("\r\033[K", nl=False, err=True)

    def emit(event: Event) -> None:
        clear()
        if fmt == "json":
            data: dict[str, object] = {
                "kind": event.kind,
                **{k: v for k, v in vars(event).items() if k != "at"},
            }
            tz = getattr(event, "tz", "")
            data["at"] = times.iso(event.at, None if app.utc or not tz else ZoneInfo(tz))
            click.echo(json.dumps(data, ensure_ascii=False))
        elif isinstance(event, RehearsedSend):
            line = (
                f"{when(event.at, event.tz)}  {_pad('@' + event.handle, 20)} step {event.step}"
                f"  {_pad(event.template, 16)} {event.mailbox}"
            )
            click.echo(line + (f"  (waited: {event.waited})" if event.waited else ""))
        elif isinstance(event, RehearsedHold):
            click.echo(
                f"{when(event.at, event.tz)}  {_pad('@' + event.handle, 20)} step "
                f"{event.step}  held: {event.reason}"
            )
        elif isinstance(event, Note):
            click.echo(f"{times.show(event.at, shown)}  note: {event.text}")

    def progress(at: datetime, sent: int) -> None:
        if live:
            click.echo(
                f"\r\033[Krehearsing: {times.show(at, shown)}, {sent} sent", nl=False, err=True
            )

    from outreach.services.sequence.campaigns import load_campaign

    config = app.config
    start = _start(start_at)
    load_campaign(config, campaign)  # a missing or broken file: its error, before the header
    if fmt == "text":
        click.echo(
            f"rehearsal of {campaign} from {times.show(start, shown)}, at most {days} "
            f"day(s), on a copy of the database; mail goes to a capture server"
        )
    summary = run(
        config,
        campaign,
        start=start,
        days=days,
        enrol=not no_enroll,
        emit=emit,
        progress=progress,
        keep=Path(keep_dir) if keep_dir else None,
    )
    clear()
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "kind": "summary",
                    "campaign": summary.campaign,
                    "sent": {str(k): v for k, v in sorted(summary.sent.items())},
                    "other_campaigns": summary.others,
                    "held": summary.held,
                    "enrolled": summary.enrolled,
                    "completed": summary.completed,
                    "waiting": summary.waiting,
                    "captured": summary.captured,
                    "end": times.iso(summary.end or summary.start, shown),
                },
                ensure_ascii=False,
            )
        )
        return
    steps = ", ".join(f"step {k}: {v}" for k, v in sorted(summary.sent.items())) or "none"
    skipped = f"; not enrolled {len(summary.skipped)}" if summary.skipped else ""
    click.echo(
        f"\nsent {sum(summary.sent.values())} ({steps}); held {summary.held}{skipped}"
        + (
            f"; {summary.others} from other campaigns on the same mailbox(es)"
            if summary.others
            else ""
        )
    )
    if summary.completed:
        click.echo(
            f"every sequence of {campaign} ended by "
            f"{times.show(summary.end or summary.start, shown)}"
        )
    else:
        nxt = f" (next at {times.show(summary.next_at, shown)})" if summary.next_at else ""
        click.echo(
            f"stopped at {times.show(summary.end or summary.start, shown)}: "
            f"{summary.waiting} enrolment(s) still scheduled{nxt}"
        )
    click.echo(
        f"{summary.captured} message(s) captured"
        + (
            f" in {Path(keep_dir) / 'captured'}"
            if keep_dir
            else "; nothing real was touched (database, mailboxes, contact history)"
        )
    )
