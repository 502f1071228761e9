"""The `outreach` command: parse, call one service function, print.

Every command is registered from a module of this package; each has help with an Example.
"""

from __future__ import annotations

import sys
from typing import Any

import click

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


from outreach.cli import pause, pipeline, roster, send, workspace  # noqa: E402  (each registers its commands)
from outreach.cli import deals  # noqa: E402
from outreach.cli.campaigns import campaign  # noqa: E402
from outreach.cli.demo import demo  # noqa: E402
from outreach.cli.doctor import doctor  # noqa: E402
from outreach.cli.inbox import inbox  # noqa: E402
from outreach.cli.lint import lint  # noqa: E402
from outreach.cli.preview import preview  # noqa: E402
from outreach.cli.rehearse import rehearse  # noqa: E402
from outreach.cli.report import register as register_report  # noqa: E402
from outreach.cli.sequences import enroll, schedule, sequence  # noqa: E402

workspace.register(cli)
roster.register(cli)
send.register(cli)
pipeline.register(cli)
deals.register(cli)  # after roster: it adds `import metrics` and `import orders`
pause.register(cli, campaign)
register_report(cli)  # funnel, todo, report
cli.add_command(demo)
cli.add_command(campaign)
cli.add_command(preview)
cli.add_command(rehearse)
cli.add_command(lint)
cli.add_command(sequence)
cli.add_command(enroll)
cli.add_command(schedule)
cli.add_command(inbox)
cli.add_command(doctor)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: user errors print without a traceback and exit 1."""
    return run_guarded(cli, sys.argv[1:] if argv is None else argv)
