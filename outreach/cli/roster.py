"""`outreach import influencers|posts`, `outreach suppress`, `outreach forget`,
`outreach suppression list|remove|audit`."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from outreach.cli.app import App, emit, format_option
from outreach.clock import SystemClock, utc
from outreach.domain.influencer import Basis
from outreach.errors import UserError
from outreach.services.roster import importer as roster
from outreach.services.roster.importer import ImportOptions, ImportReport

SUPPRESSION_REASONS = ("manual", "opt_out", "hard_bounce", "complaint", "legal")
# Every reason an entry can have: by hand, a bounce (one hard or too many soft), `forget`.
LISTED_REASONS = (*SUPPRESSION_REASONS, "soft_bounce_limit", "erasure")
EVIDENCE_WIDTH = 80  # characters of evidence a table row shows; --format csv|json give it all


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
    if sys.stderr.isatty():
        click.echo("\r\033[K", err=True, nl=False)  # clear the progress line
    prefix = "dry run, nothing written: " if report.dry_run else ""
    click.echo(
        f"{prefix}{report.kind} from {report.file}: {report.inserted} inserted, "
        f"{report.updated} updated, {report.unchanged} unchanged, "
        f"{report.duplicates} duplicate rows, {report.rejected} rejected"
    )


def terminal_progress(phase: str, rows: int) -> None:
    """`validated 25,000 rows` on one line of a terminal's stderr, rewritten in place."""
    click.echo(f"\r{phase} {rows:,} rows", err=True, nl=False)


def _progress() -> Callable[[str, int], None] | None:
    """Progress for a person watching a terminal; nothing when stderr is piped or a file."""
    return terminal_progress if sys.stderr.isatty() else None


def _options(**kw: object) -> ImportOptions:
    basis = kw.pop("basis", None)
    columns = kw.pop("columns", ())
    return ImportOptions(
        basis=Basis(basis) if basis else None,  # type: ignore[arg-type]
        progress=_progress(),
        columns=tuple(columns),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


_actor_option = click.option(
    "--actor", default=None, help="Who does this, for the audit trail (default: your OS user name)."
)


_encoding = click.option(
    "--encoding",
    default=None,
    help="Text file encoding (default: by BOM, UTF-8 or UTF-16; else UTF-8, else CP932).",
)


def _sheet_and_map(f: Callable[..., None]) -> Callable[..., None]:
    f = click.option(
        "--map",
        "columns",
        multiple=True,
        metavar="COLUMN=field",
        help='Read a column as a field: --map "フォロワー=followers"; "No.=-" leaves it out.',
    )(f)
    f = click.option("--preset", default=None, help="Use [import.presets.NAME] from the config.")(f)
    return click.option("--sheet", default=None, help="Workbook sheet (default: the first).")(f)


_skip = click.option("--skip-invalid", is_flag=True, help="Load the good rows; report the rest.")
_dry = click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")


@click.group("import")
def import_() -> None:
    """Import influencers and their posts from .xlsx, CSV/TSV or JSON.

    \b
    Example:
      outreach import influencers roster/influencers.csv
      outreach import posts roster/posts.csv
    """


@import_.command("influencers")
@click.argument("file", type=click.Path(dir_okay=False))
@_encoding
@_sheet_and_map
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
    """Import influencers (name, email, platform, handle, ...; Japanese headers such as 氏名,
    メールアドレス, 媒体, アカウント, フォロワー数 are read too; other columns become custom
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
@_sheet_and_map
@_skip
@_dry
@click.pass_obj
def import_posts(app: App, /, file: str, **kw: object) -> None:
    """Import posts (influencer, platform, url, title or caption, published_at, likes, ...).

    \b
    Example:
      outreach import posts posts.csv
    """
    options = _options(**kw)
    print_report(roster.import_posts(app.engine, Path(file), config=app.config, options=options))


@click.command("suppress")
@click.argument("address")
@click.option(
    "--reason", type=click.Choice(SUPPRESSION_REASONS), default="manual", show_default=True
)
@click.option("--note", default="", help="Why, for the audit trail (outreach suppression audit).")
@_actor_option
@click.pass_obj
def suppress(app: App, address: str, reason: str, note: str, actor: str | None) -> None:
    """Never mail ADDRESS again, in any campaign (kept across re-imports). The addition is
    recorded in the audit trail with --actor and --note.

    \b
    Example:
      outreach suppress taro@example.jp --reason opt_out --note "asked by phone"
    """
    added = roster.suppress_address(
        app.engine, address, reason=reason, clock=SystemClock(), actor=_actor(actor), note=note
    )
    click.echo(f"suppressed {address}" if added else f"{address} was already suppressed")


@click.command("forget")
@click.argument("address")
@click.confirmation_option(prompt="Delete everything stored about this address?")
@_actor_option
@click.pass_obj
def forget(app: App, address: str, actor: str | None) -> None:
    """Erase a person on request: their roster entry, posts, enrollments, messages, history
    and received mail are deleted; the address stays suppressed, kept only as a hash (also
    in the audit trail), and evidence text naming it is erased.

    \b
    Example:
      outreach forget taro@example.jp --yes
    """
    erased = roster.forget_address(app.engine, address, clock=SystemClock(), actor=_actor(actor))
    click.echo(
        f"forgot {address}: {erased.influencers} influencer(s), "
        f"{erased.inbound} received message(s) deleted; suppressed (hash only)"
    )


@click.group("suppression")
def suppression() -> None:
    """The global suppression list: review it, lift bounce-made entries, read the audit trail.

    \b
    Example:
      outreach suppression list --reason hard_bounce
      outreach suppression remove taro@example.jp --reason "mailbox restored"
      outreach suppression audit taro@example.jp
    """


@suppression.command("list")
@click.option(
    "--reason",
    type=click.Choice(LISTED_REASONS),
    default=None,
    help="Only entries with this reason.",
)
@click.option("--address", default=None, help="Only this address's entries (also once forgotten).")
@format_option()
@click.pass_obj
def suppression_list(app: App, reason: str | None, address: str | None, fmt: str) -> None:
    """List suppressed addresses, newest first: the reason, its evidence (bounce reason and
    diagnostic, opt-out phrase, complaint), what added it, the received message that carried
    it (read it with `outreach inbox show ID`) and when (UTC).

    \b
    Example:
      outreach suppression list
      outreach suppression list --reason opt_out --format csv
      outreach suppression list --address taro@example.jp --format json
    """
    rows = roster.suppressions(app.engine, reason=reason, address=address)
    shown = [_listed(row, fmt) for row in rows]
    emit(shown, fmt, ["address", "reason", "source", "evidence", "message", "at"])
    if fmt == "table" and any(row["inbound_id"] is not None for row in rows):
        click.echo(
            "message: the received mail that caused it; read it with `outreach inbox show ID`"
        )


@suppression.command("remove")
@click.argument("address")
@click.option(
    "--reason", required=True, help="Why it may be mailed again (kept in the audit trail)."
)
@click.option(
    "--force",
    is_flag=True,
    help="Also lift an opt-out, complaint, legal, manual or erasure entry.",
)
@click.option(
    "--mailbox",
    default=None,
    help="With ADDRESS @domain: lift only this mailbox's rule (default: every mailbox's).",
)
@_actor_option
@click.pass_obj
def suppression_remove(
    app: App, address: str, reason: str, force: bool, mailbox: str | None, actor: str | None
) -> None:
    """Lift ADDRESS's suppression made by a bounce (hard_bounce, soft_bounce_limit), so it
    can be enrolled and mailed again; who and why go to the audit trail. An opt-out,
    complaint, legal, manual or erasure entry is the person's wish or a decision: it is only
    lifted with --force and a --reason saying why. ADDRESS @domain lifts a domain rule (an
    agency's "stop contacting our talents", held for the mailbox that received it).

    \b
    Example:
      outreach suppression remove taro@example.jp --reason "mailbox restored, checked by phone"
      outreach suppression remove hanako@example.jp --force \\
        --reason "signed consent form 2026-12-01"
      outreach suppression remove @sakura-pro.example.jp --mailbox demo --force \\
        --reason "new agreement with the agency"
    """
    who = _actor(actor)
    done = roster.remove_suppression(
        app.engine,
        address,
        reason=reason,
        actor=who,
        force=force,
        clock=SystemClock(),
        mailbox=mailbox,
    )
    if not done.entries:
        click.echo(f"{done.address}: someone else removed it meanwhile; nothing to do")
        return
    was = ", ".join(
        f"{e.reason}{_for_box(e)} since {_utc_label(e.created_at)}" for e in done.entries
    )
    forced = " (forced)" if done.forced else ""
    click.echo(f"removed {done.address} from the suppression list{forced}: was {was}")
    click.echo(f"audit: by {who}: {reason.strip()}")
    if done.bounced_in:
        click.echo(
            f"note: it bounced in campaign(s) {', '.join(done.bounced_in)}; those "
            "enrollments stay stopped; `outreach enroll` may enrol it in another "
            "campaign now"
        )


def _for_box(entry: object) -> str:
    box = getattr(entry, "mailbox", "")
    return f" for mailbox {box}" if box else ""


@suppression.command("audit")
@click.argument("address", required=False)
@format_option()
@click.pass_obj
def suppression_audit(app: App, address: str | None, fmt: str) -> None:
    """Every addition and removal a person made to the suppression list, oldest first: when
    (UTC), what, who, why, and what the entry was. All addresses, or only ADDRESS.

    \b
    Example:
      outreach suppression audit
      outreach suppression audit taro@example.jp --format json
    """
    rows = [
        {
            **row,
            "at": _time(row["at"], fmt),
            "forced": row["forced"] if fmt == "json" else ("yes" if row["forced"] else ""),
        }
        for row in roster.suppression_audit(app.engine, address)
    ]
    emit(rows, fmt, ["at", "action", "address", "prior_reason", "reason", "actor", "forced"])


def _actor(given: str | None) -> str:
    """--actor, else the OS user name."""
    if given is not None:
        return given
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no user name in the environment or passwd
        raise UserError(
            "cannot tell who you are from the OS", field="--actor", hint="give --actor NAME"
        ) from None


def _utc_label(at: datetime) -> str:
    return f"{utc(at):%Y-%m-%d %H:%M} UTC"


def _time(at: datetime, fmt: str) -> str:
    """JSON gets ISO 8601 (machines); table and CSV the labelled form (people)."""
    return utc(at).strftime("%Y-%m-%dT%H:%M:%SZ") if fmt == "json" else _utc_label(at)


def evidence_line(evidence: Any) -> str:
    """What `evidence` holds on one line: `key: value; key: value`, in stored order."""
    if evidence is None:
        return ""
    if not isinstance(evidence, dict):
        return _one_line(evidence)
    return "; ".join(f"{k}: {_one_line(v)}" for k, v in evidence.items() if v not in (None, ""))


def _one_line(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return " ".join(text.split())


def _listed(row: dict[str, Any], fmt: str) -> dict[str, Any]:
    """A suppression row for `emit`: JSON keeps the evidence as stored; a table cuts it."""
    evidence = row["evidence"] if fmt == "json" else evidence_line(row["evidence"])
    if fmt == "table" and len(evidence) > EVIDENCE_WIDTH:
        evidence = evidence[: EVIDENCE_WIDTH - 1] + "…"
    return {**row, "evidence": evidence, "message": row["inbound_id"], "at": _time(row["at"], fmt)}
