"""The `outreach` command: parse, call one service function, print.

Each module of this package defines its commands at module level (`@click.command`,
`@click.group`); this file names every one of them in `COMMANDS`, so the whole command set
reads in one place. Each command has help with an Example.

A command's module (and the services, SQLAlchemy and the rest it imports) is loaded when that
command runs, not before: `outreach --help` and `outreach roster list` do not pay for the
report's charts or the web console. The listing of `outreach --help` comes from the first
paragraph of help kept here (tests/test_docs.py checks it against each command's own).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from outreach.cli.guard import run_guarded
from outreach.domain.display import protect_logging

#: name -> (module in outreach.cli, attribute, the first paragraph of its help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "agency": (
        "people",
        "agency",
        "Agencies (事務所): their domains, addresses and the talents they manage.",
    ),
    "campaign": (
        "campaigns",
        "campaign",
        "Campaigns: the files in campaigns/*.toml (brand, product, offer, dates, sequence).",
    ),
    "db": (
        "workspace",
        "db",
        "Database maintenance.",
    ),
    "deal": (
        "deals",
        "deal",
        "Deals per person and campaign: offers, counter-offers, acceptance and the terms.",
    ),
    "demo": (
        "demo",
        "demo",
        (
            "Run the real engine end to end on sample data, with nothing leaving this machine: "
            "import the sample roster, enrol it, send the sequence into a capture SMTP server on "
            "127.0.0.1, answer with a reply, an out-of-office, an opt-out and a bounce, and print "
            "what was sent and the pipeline board."
        ),
    ),
    "digest": (
        "report",
        "digest",
        (
            "The team digest of `[digest]`: new replies since the last one, the work queue and "
            "each live campaign's headline KPIs. Without --send nothing is sent (a preview); the "
            "daemon (`outreach run`) sends it once per period by itself."
        ),
    ),
    "doctor": (
        "doctor",
        "doctor",
        (
            "Check SPF, DKIM, DMARC, MX, one-click unsubscribe, TLS and complaint and bounce "
            "rates of each mailbox (or MAILBOX); exit 1 when any check fails."
        ),
    ),
    "enroll": (
        "sequences",
        "enroll",
        (
            "Enrol matching influencers in CAMPAIGN's sequence; list who was skipped and why "
            "(suppressed, no legal basis, refuses ads, bounced, already enrolled, cooldown, or a "
            "first message that cannot be written for them: no post to name, no template in their "
            "language). With --retry, enrollments whose step failed to render are planned again."
        ),
    ),
    "forget": (
        "roster",
        "forget",
        (
            "Erase a person on request: their roster entry, posts, enrollments, messages, history "
            "and received mail are deleted; the address stays suppressed, kept only as a hash "
            "(also in the audit trail), and evidence text naming it is erased."
        ),
    ),
    "funnel": (
        "report",
        "funnel",
        (
            "The funnel of CAMPAIGN (every campaign when omitted): enrolled, sent, delivered, "
            "replied, interested / declined / opted out, contracted, posted, converted, with the "
            "rate from the previous stage and the median time it took."
        ),
    ),
    "history": (
        "pipeline",
        "history",
        "Every stage move of an influencer, automatic or by hand, with time, cause and note.",
    ),
    "import": (
        "roster",
        "import_",
        "Import influencers and their posts from .xlsx, CSV/TSV or JSON.",
    ),
    "inbox": (
        "inbox",
        "inbox",
        "Inbound mail: replies, bounces, auto-replies and opt-outs.",
    ),
    "init": (
        "workspace",
        "init",
        (
            "Create a workspace: config.toml, templates, sequences, campaigns, a sample roster "
            "and the SQLite database. Existing files are never overwritten. The sample campaign's "
            "reply_by and post_by are set 14 and 28 days from today."
        ),
    ),
    "kpi": (
        "deals",
        "kpi",
        (
            "Cost (税別), reach, engagement, ER, clicks, CTR, conversions, CVR, revenue, CPE, CPC, "
            "CPA, ROAS and ROI; missing data is blank, never 0 (formulas: README)."
        ),
    ),
    "late": (
        "deals",
        "late",
        "Deliverables past their due date without a post, most overdue first.",
    ),
    "link": (
        "deals",
        "link",
        (
            "Tracking links for the creators' posts and bios: `/r/<token>` on the public endpoint "
            "([unsubscribe] serve) redirects with utm_source=platform, utm_medium=influencer, "
            "utm_campaign=slug, utm_content=handle and records the click."
        ),
    ),
    "lint": (
        "lint",
        "lint",
        (
            "Render each TEMPLATE (default: the templates of every campaign's sequence, each with "
            "its campaign; unused templates are named and skipped) for sample influencers from "
            "the roster (or built-in samples) and check the pitch rules: length, post-specific, "
            "value-first, offer, personalisation, compliance, deliverability, ad-script, "
            "stale-post, ja-business, tone, placeholder, followup-subject, mixed-script. "
            "Severities and thresholds come from [lint.<rule-id>] in config.toml; a template that "
            "cannot be rendered is a `render` error. Exits 1 on errors."
        ),
    ),
    "mailbox": (
        "pause",
        "mailbox",
        "Mailboxes: pause and resume sending, and why a mailbox is held.",
    ),
    "move": (
        "pipeline",
        "move",
        (
            "Move an influencer to another stage; an illegal move is refused with the legal ones. "
            "`contracted` needs an accepted deal (`outreach deal accept`) or --force REASON."
        ),
    ),
    "outbox": (
        "send",
        "outbox",
        "Look at and act on queued and sent messages.",
    ),
    "pause": (
        "pause",
        "pause",
        (
            "Pause an influencer's sequence: nothing more is sent until `outreach resume`; unsent "
            "drafts wait. A reply still stops it as usual."
        ),
    ),
    "pipeline": (
        "pipeline",
        "pipeline",
        (
            "Show the board: counts per stage, and who is in each stage for how many days (`!` "
            "marks those past [pipeline] stale_days)."
        ),
    ),
    "post": (
        "deals",
        "post",
        "Live posts of deliverables.",
    ),
    "preview": (
        "preview",
        "preview",
        (
            "Show the exact messages CAMPAIGN would send, one per influencer (same bytes as "
            "sending). A render error is reported with template, line and influencer; the others "
            "still render, and the command exits 1 at the end."
        ),
    ),
    "rehearse": (
        "rehearse",
        "rehearse",
        (
            "Run CAMPAIGN's sequences on a throw-away copy of the database: the real planner, "
            "windows, caps and dispatch, a simulated clock and a capture SMTP server on "
            "127.0.0.1. Prints each message as it would go out (recipient's local time, step, "
            "template, mailbox) and each hold with its reason. Nothing real is touched: the "
            "database, the mailboxes and the influencers' contact history stay as they are."
        ),
    ),
    "report": (
        "report",
        "report",
        (
            "A report of CAMPAIGN to forward: headline KPIs, the funnel, sends and replies over "
            "time, results per influencer, variant comparison with 95 % intervals, platform and "
            "tier breakdowns and the KPI definitions. HTML is one self-contained file (no script, "
            "no network) that prints to PDF."
        ),
    ),
    "resume": (
        "pause",
        "resume",
        (
            "Resume a paused sequence at the step where it stopped, due one step delay from now "
            "inside the recipient's window (time spent paused never counts as waiting)."
        ),
    ),
    "roster": (
        "people",
        "roster",
        "Browse and edit the roster: people, their accounts, contacts and agencies.",
    ),
    "run": (
        "send",
        "run",
        (
            "Run the sending daemon: send due messages within each mailbox's limits, until "
            "SIGINT/SIGTERM (which finish the SMTP transactions in flight, then exit 0)."
        ),
    ),
    "schedule": (
        "sequences",
        "schedule",
        (
            "The planned timeline of CAMPAIGN: who gets which step when, in their local time and "
            "the operator's (config [sending] timezone), given windows, holidays and each "
            "mailbox's daily cap (sends pushed to a later day by the cap are marked `spilled`). "
            "Rows are printed as they are simulated, earliest first; `--limit N` stops after the "
            "first N."
        ),
    ),
    "sequence": (
        "sequences",
        "sequence",
        "Sequences: the files in sequences/*.toml (steps, delays, send windows).",
    ),
    "sink": (
        "send",
        "sink",
        (
            "A capture SMTP server on 127.0.0.1: accepts everything, delivers nothing, writes "
            'each message to a Maildir. Point a mailbox at it (security = "none") to try a config '
            "safely."
        ),
    ),
    "status": (
        "send",
        "status",
        (
            "Per mailbox: sent today against the cap, next slot, paused and why; the outbox by "
            "state; what is due now; rows whose delivery is unknown; each inbox's last read "
            "(stale: follow-ups are held) and error; sequences stopped because a step failed or "
            "expired."
        ),
    ),
    "suppress": (
        "roster",
        "suppress",
        (
            "Never mail ADDRESS again, in any campaign (kept across re-imports). The addition is "
            "recorded in the audit trail with --actor and --note."
        ),
    ),
    "suppression": (
        "roster",
        "suppression",
        ("The global suppression list: review it, lift bounce-made entries, read the audit trail."),
    ),
    "todo": (
        "report",
        "todo",
        (
            "What to do today, oldest first: people waiting on our answer (their reply is newer "
            "than our last message), deals whose latest offer is the creator's, deliverables past "
            "due, mail that needs review, outbox rows in `unknown`, paused campaigns and "
            "mailboxes."
        ),
    ),
    "variant": (
        "variants",
        "variant",
        "A sequence step's variants: list them, stop one.",
    ),
    "web": (
        "web",
        "web",
        (
            "Serve the console: today's work, campaigns, drafts, the board, people, the inbox and "
            "the report. On 127.0.0.1 with no console user it needs no sign-in; once a user "
            "exists, or on any other address, every page does (`outreach web adduser`)."
        ),
    ),
}

#: Subcommands defined next to the code they use rather than in their group's module:
#: `outreach import metrics|orders`, `outreach campaign pause|resume|archive`.
EXTRAS: dict[str, tuple[tuple[str, str], ...]] = {
    "import": (("deals", "import_metrics"), ("deals", "import_orders")),
    "campaign": (
        ("pause", "campaign_pause"),
        ("pause", "campaign_resume"),
        ("pause", "campaign_archive"),
    ),
}


def _attribute(module: str, name: str) -> click.Command:
    found = getattr(importlib.import_module(f"outreach.cli.{module}"), name)
    assert isinstance(found, click.Command)
    return found


class LazyGroup(click.Group):
    """A group whose commands are imported on first use (click's documented pattern,
    https://click.palletsprojects.com/en/stable/complex/#lazily-loading-subcommands)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, name, _ = COMMANDS[cmd_name]
            command = _attribute(module, name)
            if isinstance(command, click.Group):
                for extra_module, extra in EXTRAS.get(cmd_name, ()):
                    command.add_command(_attribute(extra_module, extra))
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The listing from the kept help: nothing is imported to print it.
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [
            (n, click.Command(n, help=COMMANDS[n][2]).get_short_help_str(limit))
            if n in COMMANDS and n not in self.commands
            else (n, self.commands[n].get_short_help_str(limit))
            for n in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="config.toml to use (default: $OUTREACH_CONFIG, then ./config.toml).",
)
@click.option(
    "--utc", is_flag=True, help="Show times in UTC instead of the workspace's display timezone."
)
@click.version_option(package_name="outreach")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, utc: bool) -> None:
    """Influencer outreach: roster, personalised pitches, sequences, replies and deals.

    \b
    Example:
      outreach demo                       # the whole loop, nothing leaves this machine
      outreach init myshop && cd myshop
      outreach import influencers roster/influencers.csv
      outreach preview spring-serum --limit 3
      outreach enroll spring-serum && outreach run
    """
    from outreach.cli.app import App  # SQLAlchemy and the config model: only when a command runs

    protect_logging()  # warnings printed by any command carry inbound text: made visible
    ctx.obj = App(config_path, utc=utc)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: user errors print without a traceback and exit 1."""
    return run_guarded(cli, sys.argv[1:] if argv is None else argv)
