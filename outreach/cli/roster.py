"""`outreach import influencers|posts`, `outreach suppress`, `outreach suppression list`."""

from __future__ import annotations

from pathlib import Path

import click

from outreach.cli.app import App, emit, format_option
from outreach.clock import SystemClock
from outreach.domain.influencer import Basis
from outreach.services import roster
from outreach.services.roster import ImportOptions, ImportReport

SUPPRESSION_REASONS = ("manual", "opt_out", "hard_bounce", "complaint", "legal")


def print_report(report: ImportReport) -> None:
    """Counts first, then what changed, then warnings and (with --skip-invalid) rejected rows."""
    for line in report.changes:
        click.echo(f"changed {line}")
    for line in report.warnings:
        click.echo(f"warning: {line}", err=True)
    for err in report.errors:
        click.echo(f"rejected {err}", err=True)
    if report.unlisted:
        click.echo(f"({report.unlisted} more changes, warnings or errors not listed)", err=True)
    prefix = "dry run, nothing written: " if report.dry_run else ""
    click.echo(
        f"{prefix}{report.kind} from {report.file}: {report.inserted} inserted, "
        f"{report.updated} updated, {report.unchanged} unchanged, "
        f"{report.duplicates} duplicate rows, {report.rejected} rejected"
    )


def _options(**kw: object) -> ImportOptions:
    basis = kw.pop("basis")
    return ImportOptions(basis=Basis(basis) if basis else None, **kw)  # type: ignore[arg-type]


_encoding = click.option(
    "--encoding", default=None, help="File encoding (default: UTF-8, with or without BOM, else CP932)."
)
_skip = click.option("--skip-invalid", is_flag=True, help="Load the good rows; report the rest.")
_dry = click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")


def register(cli: click.Group) -> None:
    @cli.group("import")
    def import_() -> None:
        """Import influencers and their posts from CSV or JSON.

        \b
        Example:
          outreach import influencers roster/influencers.csv
          outreach import posts roster/posts.csv
        """

    @import_.command("influencers")
    @click.argument("file", type=click.Path(dir_okay=False))
    @_encoding
    @click.option(
        "--basis",
        type=click.Choice([b.value for b in Basis]),
        default=None,
        help="Legal basis for rows without one (default: none, which enrolment refuses).",
    )
    @click.option("--basis-url", default="", help="Where the addresses were published (with --basis).")
    @_skip
    @click.option("--check-deliverability", is_flag=True, help="Also check the domains in DNS.")
    @_dry
    @click.pass_obj
    def import_influencers(app: App, /, file: str, **kw: object) -> None:
        """Import influencers (name, email, platform, handle, ...; other columns become custom
        fields). Same address or platform+handle updates the stored influencer. All-or-nothing
        unless --skip-invalid.

        \b
        Example:
          outreach import influencers roster.csv --basis published_business_address \\
              --basis-url https://example.jp/contact
        """
        report = roster.import_influencers(
            app.engine, Path(file), config=app.config, clock=SystemClock(), options=_options(**kw)
        )
        print_report(report)

    @import_.command("posts")
    @click.argument("file", type=click.Path(dir_okay=False))
    @_encoding
    @_skip
    @_dry
    @click.pass_obj
    def import_posts(app: App, /, file: str, **kw: object) -> None:
        """Import posts (influencer, platform, url, title or caption, published_at, likes, ...).

        \b
        Example:
          outreach import posts posts.csv
        """
        options = ImportOptions(**kw)  # type: ignore[arg-type]
        print_report(roster.import_posts(app.engine, Path(file), config=app.config, options=options))

    @cli.command("suppress")
    @click.argument("address")
    @click.option("--reason", type=click.Choice(SUPPRESSION_REASONS), default="manual",
                  show_default=True)
    @click.pass_obj
    def suppress(app: App, address: str, reason: str) -> None:
        """Never mail ADDRESS again, in any campaign (kept across re-imports).

        \b
        Example:
          outreach suppress taro@example.jp --reason opt_out
        """
        added = roster.suppress_address(app.engine, address, reason=reason, clock=SystemClock())
        click.echo(f"suppressed {address}" if added else f"{address} was already suppressed")

    @cli.command("forget")
    @click.argument("address")
    @click.confirmation_option(prompt="Delete everything stored about this address?")
    @click.pass_obj
    def forget(app: App, address: str) -> None:
        """Erase a person on request: their roster entry, posts, enrollments, messages, history
        and received mail are deleted; the address stays suppressed, kept only as a hash.

        \b
        Example:
          outreach forget taro@example.jp --yes
        """
        erased = roster.forget_address(app.engine, address, clock=SystemClock())
        click.echo(f"forgot {address}: {erased.influencers} influencer(s), "
                   f"{erased.inbound} received message(s) deleted; suppressed (hash only)")

    @cli.group("suppression")
    def suppression() -> None:
        """The global suppression list.

        \b
        Example:
          outreach suppression list --format csv
        """

    @suppression.command("list")
    @format_option()
    @click.pass_obj
    def suppression_list(app: App, fmt: str) -> None:
        """List suppressed addresses, newest first.

        \b
        Example:
          outreach suppression list
        """
        emit(roster.suppressions(app.engine), fmt, ["address", "reason", "source", "at"])
