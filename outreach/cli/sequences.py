"""`outreach sequence validate|show`, `outreach enroll`, `outreach schedule`."""

from __future__ import annotations

import itertools
import sys
from zoneinfo import ZoneInfo

import click

from outreach.cli.app import App, emit, emit_stream, format_option
from outreach.clock import SystemClock
from outreach.services.sequence import files as service
from outreach.services.sequence.enroll import EnrollFilters, parse_handles
from outreach.services.sequence.enroll import enroll as enroll_service
from outreach.services.sequence.enroll import retry as retry_service
from outreach.services.sequence.schedule import schedule_run


@click.group("sequence")
def sequence() -> None:
    """Sequences: the files in sequences/*.toml (steps, delays, send windows).

    \b
    Example:
      outreach sequence validate
      outreach sequence show standard
    """


@sequence.command("validate")
@click.argument("names", nargs=-1)
@click.pass_obj
def validate(app: App, names: tuple[str, ...]) -> None:
    """Report every problem of the sequences (all, or NAMES) with file and line: unknown
    templates, bad delays, empty sequences, unknown keys. Exits 1 when any is found.

    \b
    Example:
      outreach sequence validate
      outreach sequence validate standard demo
    """
    report = service.validate(app.config, names)
    failed = 0
    for name, problems in report.items():
        for problem in problems:
            click.echo(str(problem), err=True)
        failed += bool(problems)
        if not problems:
            click.echo(f"{name}: ok")
    if failed:
        click.echo(f"{failed} sequence(s) with problems", err=True)
        sys.exit(1)


@sequence.command("show")
@click.argument("name")
@click.pass_obj
def show(app: App, name: str) -> None:
    """Show a sequence's steps: template, delay after the previous send, window, subject.
    The deal phase follows the pitch: [[after_deal]] steps (the first's delay counts from
    `outreach deal accept`) and the [reminder] (its delay counts from the day a deliverable
    turns late).

    \b
    Example:
      outreach sequence show standard
    """
    seq = service.load_sequence(app.config, name)
    default = service.default_window(app.config)
    click.echo(f"{seq.name}: {seq.description}")
    rows = [
        {
            "step": s.number,
            "template": " | ".join(
                f"{v.name}: {v.template} (weight {v.weight:g})" for v in s.variants
            )
            if s.variants
            else s.template,
            "delay": str(s.delay),
            "window": (s.window or default).describe()
            + (f" {s.window.tz}" if s.window and s.window.tz else ""),
            "subject": s.subject
            if s.subject is not None
            else ("(template)" if s.number == 1 else "Re: (thread)"),
            "phase": s.phase,
        }
        for s in seq.all_steps
    ]
    emit(rows, "table")


@click.command("enroll")
@click.argument("campaign")
@click.option("--platform", help="Only this platform (instagram, tiktok, youtube, ...).")
@click.option("--tier", type=click.Choice(["nano", "micro", "macro", "mega"]))
@click.option("--niche", help="Only this niche (case-insensitive).")
@click.option("--tag", "tags", multiple=True, help="Must have this tag (repeatable: all).")
@click.option(
    "--min-er-pct",
    type=click.FloatRange(0, 100),
    help="Engagement-rate percentile within the platform, at least (100 = best).",
)
@click.option("--handle", "handles", multiple=True, help="Only this handle (repeatable).")
@click.option(
    "--file",
    "handle_file",
    type=click.Path(dir_okay=False),
    help="A file of handles, one per line.",
)
@click.option("--dry-run", is_flag=True, help="Show who would be enrolled; write nothing.")
@click.option(
    "--to",
    "send_to",
    type=click.Choice(["self", "agency", "self_cc_agency"]),
    default=None,
    help="Who these enrolments mail (default: the campaign's `to`, else each person's).",
)
@click.option(
    "--ignore-cooldown",
    "ignore_cooldown",
    metavar="REASON",
    default="",
    help="Enrol people a cooldown holds back ([sending.cooldown]); the reason is kept on "
    "each enrolment it lets in (outreach roster show).",
)
@click.option(
    "--retry",
    is_flag=True,
    help="Put enrollments that need attention (a step could not be written) back on "
    "track once fixed; enrols nobody new.",
)
@format_option()
@click.pass_obj
def enroll(
    app: App,
    campaign: str,
    platform: str | None,
    tier: str | None,
    niche: str | None,
    tags: tuple[str, ...],
    min_er_pct: float | None,
    handles: tuple[str, ...],
    handle_file: str | None,
    dry_run: bool,
    retry: bool,
    fmt: str,
    ignore_cooldown: str = "",
    send_to: str | None = None,
) -> None:
    """Enrol matching influencers in CAMPAIGN's sequence; list who was skipped and why
    (suppressed, no legal basis, refuses ads, bounced, already enrolled, cooldown, or a
    first message that cannot be written for them: no post to name, no template in their
    language). With --retry, enrollments whose step failed to render are planned again.

    \b
    Example:
      outreach enroll spring-serum --platform instagram --min-er-pct 75 --dry-run
      outreach enroll spring-serum --handle hanako_beauty --handle @taro_cooks
      outreach enroll spring-serum --retry
    """
    if retry:
        done = retry_service(app.engine, app.config, campaign, now=SystemClock().now())
        rows = [
            {
                "handle": e.handle,
                "platform": e.platform,
                "result": "back on track",
                "next send (local)": f"{e.next_due_at.astimezone(ZoneInfo(e.tz)):%Y-%m-%d %a %H:%M}"
                f" {e.tz}",
            }
            for e in done.enrolled
        ]
        rows += [
            {"handle": s.handle, "platform": s.platform, "result": s.reason} for s in done.skipped
        ]
        emit(rows, fmt, ["handle", "platform", "result", "next send (local)"])
        click.echo(f"retried {len(done.enrolled)}, still failing {len(done.skipped)}", err=True)
        return
    filters = EnrollFilters(
        platform=platform,
        tier=tier,
        niche=niche,
        tags=tags,
        min_er_pct=min_er_pct,
        handles=parse_handles(handles, handle_file),
    )
    report = enroll_service(
        app.engine,
        app.config,
        campaign,
        filters,
        dry_run=dry_run,
        now=SystemClock().now(),
        ignore_cooldown=ignore_cooldown,
        send_to=send_to or "",
    )
    rows = [
        {
            "handle": e.handle,
            "platform": e.platform,
            "result": "enrolled"
            + (f" (cooldown overridden: {e.cooldown_override})" if e.cooldown_override else ""),
            "first send (local)": f"{e.next_due_at.astimezone(ZoneInfo(e.tz)):%Y-%m-%d %a %H:%M}"
            f" {e.tz}",
        }
        for e in report.enrolled
    ]
    rows += [
        {"handle": s.handle, "platform": s.platform, "result": f"skipped: {s.reason}"}
        for s in report.skipped
    ]
    emit(rows, fmt, ["handle", "platform", "result", "first send (local)"])
    verb = "would enrol" if dry_run else "enrolled"
    click.echo(
        f"{verb} {len(report.enrolled)}, skipped {len(report.skipped)} "
        f"(sequence {report.sequence})",
        err=True,
    )
    if dry_run:
        click.echo("dry run: nothing written; run again without --dry-run to enrol", err=True)


@click.command("schedule")
@click.argument("campaign")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help="Show the first N sends (only those are simulated).",
)
@format_option()
@click.pass_obj
def schedule(app: App, campaign: str, limit: int | None, fmt: str) -> None:
    """The planned timeline of CAMPAIGN: who gets which step when, in their local time and
    the operator's (config [sending] timezone), given windows, holidays and each mailbox's
    daily cap (sends pushed to a later day by the cap are marked `spilled`). Rows are printed
    as they are simulated, earliest first; `--limit N` stops after the first N.

    \b
    Example:
      outreach schedule spring-serum --limit 20
    """
    with schedule_run(app.engine, app.config, campaign, SystemClock().now()) as run:
        ops = run.operator_tz
        rows = (
            {
                "handle": s.handle,
                "step": s.step,
                "template": s.template,
                **({"variant": s.variant} if run.has_variants else {}),
                "local": f"{s.local()} {s.tz}",
                ops: s.local(ops),
                "mailbox": s.mailbox,
                "note": " ".join(
                    n for n, on in (("queued", s.queued), ("spilled", s.spilled)) if on
                ),
            }
            for s in (run if limit is None else itertools.islice(run, limit))
        )
        arm = ["variant"] if run.has_variants else []
        columns = ["handle", "step", "template", *arm, "local", ops, "mailbox", "note"]
        emit_stream(rows, fmt, columns)
    for handle, why in run.unplanned:
        click.echo(f"not scheduled: {handle}: {why}", err=True)
    caps = ", ".join(f"{m} {c}/day" for m, c in run.caps.items())
    if run.finished:
        click.echo(f"{run.count} send(s), {run.spilled} spilled by the cap ({caps})", err=True)
    else:
        click.echo(
            f"first {run.count} send(s), {run.spilled} spilled by the cap ({caps}); "
            "later ones not simulated (--limit)",
            err=True,
        )
