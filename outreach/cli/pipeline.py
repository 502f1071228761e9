"""`outreach move`, `outreach pipeline`, `outreach history`: the relationship stages."""

from __future__ import annotations

import click

from outreach.cli.app import App, emit, format_option, pad, text_width
from outreach.clock import SystemClock
from outreach.domain.enrollment import EnrollmentStatus
from outreach.domain.stages import Stage
from outreach.services.pipeline import stages as pipeline_service
from outreach.services.pipeline.stages import Board


def board_lines(board: Board) -> list[str]:
    """The board as text: counts per stage, then who is in each stage and for how long."""
    lines = ["  ".join(f"{stage} {n}" for stage, n in board.counts.items())]
    every = [card for cards in board.cards.values() for card in cards]
    # One set of columns for the whole board, by display width (a kanji takes two).
    widths = [
        max((text_width(str(c[key])) for c in every), default=0) + extra
        for key, extra in (("handle", 1), ("name", 0), ("campaign", 0))
    ]
    for stage, cards in board.cards.items():
        if not cards:
            continue
        lines.append(f"{stage} ({len(cards)})")
        for card in cards:
            mark = "!" if card["stale"] else " "
            cells = (f"@{card['handle']}", str(card["name"]), str(card["campaign"]))
            padded = "  ".join(pad(cell, width) for cell, width in zip(cells, widths, strict=True))
            line = f" {mark} {padded}  {card['days']}d"
            if card.get("status") == EnrollmentStatus.ERROR:
                line += f"  needs attention: {card['stop_reason']}"
            elif card.get("status") == EnrollmentStatus.PAUSED:
                line += f"  sequence {card['stop_reason'] or 'paused'}"
            lines.append(line)
    return lines


@click.command()
@click.argument("influencer")
@click.argument("stage", type=click.Choice([s.value for s in Stage], case_sensitive=False))
@click.option("--campaign", default=None, help="The campaign, when the influencer is in several.")
@click.option("--note", default="", help="Why, kept in the history.")
@click.option(
    "--force",
    "force",
    metavar="REASON",
    default=None,
    help="Move to contracted without an accepted deal; the reason is kept.",
)
@click.pass_obj
def move(
    app: App, influencer: str, stage: str, campaign: str | None, note: str, force: str | None
) -> None:
    """Move an influencer to another stage; an illegal move is refused with the legal ones.
    `contracted` needs an accepted deal (`outreach deal accept`) or --force REASON.

    \b
    Example:
      outreach move @hanako_beauty contracted --note "contract signed"
      outreach move @hanako_beauty contracted --force "signed on paper before the tool"
      outreach move hanako@example.jp posted --campaign spring-launch
    """
    moved = pipeline_service.move(
        app.engine,
        SystemClock(),
        influencer,
        stage,
        campaign=campaign,
        note=note,
        config=app.config,
        force=force,
    )
    click.echo(f"{influencer}: {moved.from_stage} -> {moved.to_stage} ({moved.campaign})")


@click.command()
@click.argument("campaign", required=False)
@click.pass_obj
def pipeline(app: App, campaign: str | None) -> None:
    """Show the board: counts per stage, and who is in each stage for how many days
    (`!` marks those past [pipeline] stale_days).

    \b
    Example:
      outreach pipeline
      outreach pipeline spring-launch
    """
    result = pipeline_service.board(
        app.engine, SystemClock(), app.config.pipeline.stale_days, campaign
    )
    for line in board_lines(result):
        click.echo(line)


@click.command()
@click.argument("influencer")
@format_option()
@click.pass_obj
def history(app: App, influencer: str, fmt: str) -> None:
    """Every stage move of an influencer, automatic or by hand, with time, cause and note.

    \b
    Example:
      outreach history @hanako_beauty
    """
    rows = pipeline_service.history(app.engine, influencer)
    for row in rows:
        row["at"] = f"{row['at']:%Y-%m-%d %H:%M}"
    emit(rows, fmt, ["at", "campaign", "from_stage", "to_stage", "cause", "note"])
