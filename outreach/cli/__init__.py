"""The `outreach` command: parse, call one service function, print.

Each module of this package defines its commands at module level (`@click.command`,
`@click.group`); this file adds every one of them to `cli`, so the whole command set reads in
one place. Each command has help with an Example.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from outreach.cli import (
    campaigns,
    deals,
    demo,
    doctor,
    inbox,
    lint,
    pause,
    people,
    pipeline,
    preview,
    rehearse,
    report,
    roster,
    send,
    sequences,
    variants,
    web,
    workspace,
)
from outreach.cli.app import App, run_guarded
from outreach.domain.display import protect_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    protect_logging()  # warnings printed by any command carry inbound text: made visible
    ctx.obj = App(config_path, utc=utc)


for command in (
    workspace.init,
    workspace.db,
    roster.import_,
    roster.suppress,
    roster.forget,
    roster.suppression,
    people.roster,
    people.agency,
    send.run,
    send.status,
    send.outbox,
    send.sink,
    pipeline.move,
    pipeline.pipeline,
    pipeline.history,
    deals.deal,
    deals.post,
    deals.late,
    deals.kpi,
    deals.link,
    pause.pause,
    pause.resume,
    pause.mailbox,
    report.funnel,
    report.todo,
    report.report,
    report.digest,
    demo.demo,
    campaigns.campaign,
    preview.preview,
    rehearse.rehearse,
    lint.lint,
    sequences.sequence,
    sequences.enroll,
    sequences.schedule,
    variants.variant,
    inbox.inbox,
    doctor.doctor,
    web.web,
):
    cli.add_command(command)

# Subcommands defined next to the code they use rather than in their group's module.
roster.import_.add_command(deals.import_metrics)  # outreach import metrics
roster.import_.add_command(deals.import_orders)  # outreach import orders
campaigns.campaign.add_command(pause.campaign_pause)  # outreach campaign pause
campaigns.campaign.add_command(pause.campaign_resume)  # outreach campaign resume
campaigns.campaign.add_command(pause.campaign_archive)  # outreach campaign archive


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: user errors print without a traceback and exit 1."""
    return run_guarded(cli, sys.argv[1:] if argv is None else argv)
