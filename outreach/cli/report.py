"""`outreach funnel`, `outreach todo`, `outreach report`: where a campaign stands, what to do
today, and a report to forward."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from outreach.cli.app import App, emit, format_option
from outreach.clock import SystemClock
from outreach.errors import InputError
from outreach.services.report import digest as digest_service
from outreach.services.report import funnel as funnel_service
from outreach.services.report import todo as todo_service
from outreach.services.report.document import build
from outreach.services.report.labels import language_for
from outreach.services.report.render import FORMATS, render


def _zone(app: App) -> ZoneInfo:
    return app.display_zone or ZoneInfo("UTC")


def parse_since(value: str | None, zone: ZoneInfo) -> datetime | None:
    """`2026-12-01` or `2026-12-01 09:00` in the display timezone (or with an offset), as
    naive UTC."""
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"cannot read --since {value!r}",
            field="since",
            hint="e.g. 2026-12-01 or 2026-12-01 09:00",
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    return at.astimezone(UTC).replace(tzinfo=None)


def _templates(app: App) -> dict[str, str]:
    try:
        return funnel_service.template_names(app.config.templates_dir)
    except Exception:  # a workspace without readable templates: hashes are shown instead
        return {}


@click.command()
@click.argument("campaign", required=False)
@click.option(
    "--by",
    type=click.Choice(funnel_service.DIMENSIONS),
    default=None,
    help="Group by this dimension (variant = the template a step sent).",
)
@click.option("--since", default=None, help="Only people enrolled from this date on.")
@click.option(
    "--explain",
    metavar="STAGE[:GROUP]",
    default=None,
    help="List the people behind one cell instead of the counts.",
)
@format_option()
@click.pass_obj
def funnel(
    app: App,
    campaign: str | None,
    by: str | None,
    since: str | None,
    explain: str | None,
    fmt: str,
) -> None:
    """The funnel of CAMPAIGN (every campaign when omitted): enrolled, sent, delivered,
    replied, interested / declined / opted out, contracted, posted, converted, with the
    rate from the previous stage and the median time it took.

    \b
    Example:
      outreach funnel spring-serum
      outreach funnel spring-serum --by variant
      outreach funnel spring-serum --by platform --explain replied:instagram
    """
    data = funnel_service.load(
        app.engine, campaign, since=parse_since(since, _zone(app)), templates=_templates(app)
    )
    if explain:
        stage, _, group = explain.partition(":")
        people = funnel_service.explain(data, stage, by, group or None)
        rows = [
            {
                "campaign": p.campaign,
                "handle": f"@{p.handle}",
                "name": p.name,
                "email": p.email,
                "at": p.when(stage),
                "stage_now": p.stage,
                "step": p.step,
                "variant": p.key("variant"),
            }
            for p in people
        ]
        emit(rows, fmt, list(rows[0]) if rows else ["handle", "at"])
        return
    rows = [
        {
            "group": c.group,
            "stage": c.stage,
            "people": c.count,
            "rate": None if c.rate is None else f"{c.rate * 100:.1f}%",
            "of_enrolled": None if c.of_enrolled is None else f"{c.of_enrolled * 100:.1f}%",
            "median_time": _duration(c.median_hours),
        }
        for c in funnel_service.funnel(data, by)
    ]
    columns = ["stage", "people", "rate", "of_enrolled", "median_time"]
    if by:
        emit([{by: r["group"], **r} for r in rows], fmt, [by, *columns])
    else:
        emit(rows, fmt, columns)


@click.command()
@click.option("--campaign", default=None, help="Only this campaign's items.")
@format_option()
@click.pass_obj
def todo(app: App, campaign: str | None, fmt: str) -> None:
    """What to do today, oldest first: people waiting on our answer (their reply is newer
    than our last message), deals whose latest offer is the creator's, deliverables past
    due, mail that needs review, outbox rows in `unknown`, paused campaigns and mailboxes.

    \b
    Example:
      outreach todo
      outreach todo --campaign spring-serum --format json
    """
    items = todo_service.todo(app.engine, SystemClock(), campaign)
    rows = [
        {
            "since": i.since,
            "kind": i.kind,
            "campaign": i.campaign,
            "who": i.who,
            "what": i.what,
            "do": i.action,
        }
        for i in items
    ]
    if not rows and fmt == "table":
        click.echo("nothing waiting")
        return
    emit(rows, fmt, ["since", "kind", "campaign", "who", "what", "do"])


@click.command()
@click.argument("campaign")
@click.option("--since", default=None, help="Only people enrolled from this date on.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True)
@click.option(
    "--lang",
    type=click.Choice(["ja", "en"]),
    default=None,
    help="Labels' language (default: [workspace] report_language, else from the timezone).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of standard output.",
)
@click.pass_obj
def report(
    app: App,
    campaign: str,
    since: str | None,
    fmt: str,
    lang: str | None,
    output: str | None,
) -> None:
    """A report of CAMPAIGN to forward: headline KPIs, the funnel, sends and replies over
    time, results per influencer, variant comparison with 95 % intervals, platform and tier
    breakdowns and the KPI definitions. HTML is one self-contained file (no script, no
    network) that prints to PDF.

    \b
    Example:
      outreach report spring-serum -o spring-serum.html
      outreach report spring-serum --since 2026-12-01 --format md
    """
    zone = _zone(app)
    language = lang or language_for(
        app.config.workspace.report_language, app.config.display_timezone
    )
    doc = build(
        app.engine,
        campaign,
        zone=zone,
        language=language,
        now=SystemClock().now(),
        since=parse_since(since, zone),
        templates=_templates(app),
    )
    text = render(doc, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({len(text.encode('utf-8')):,} bytes)", err=True)
    else:
        sys.stdout.write(text)


def _duration(hours: float | None) -> str | None:
    if hours is None:
        return None
    return f"{hours / 24:.1f}d" if hours >= 48 else f"{hours:.1f}h"


@click.command()
@click.option("--send", "send", is_flag=True, help="Send it now through the [digest] mailbox.")
@click.option("--print", "show", is_flag=True, help="Print the mail's subject and text.")
@click.pass_obj
def digest(app: App, send: bool, show: bool) -> None:
    """The team digest of `[digest]`: new replies since the last one, the work queue and each
    live campaign's headline KPIs. Without --send nothing is sent (a preview); the daemon
    (`outreach run`) sends it once per period by itself.

    \b
    Example:
      outreach digest --print
      outreach digest --send
    """
    now = SystemClock().now()
    if not send or show:
        preview = digest_service.compose(app.config, app.engine, now)
        click.echo(f"Subject: {preview.subject}\n")
        click.echo(preview.text, nl=False)
        names = ", ".join(n for n, _ in preview.attachments) or "none"
        click.echo(f"\n[attached: {names}]", err=True)
    if send:
        sent = asyncio.run(digest_service.send_now(app.config, app.engine, now))
        to = ", ".join(app.config.digest.to) if app.config.digest else ""
        if not sent.accepted:
            raise click.ClickException(f"digest not sent: {sent.reply}")
        click.echo(f"digest {sent.period} sent to {to}: {sent.reply}", err=True)
