"""`outreach variant stop|list`: a step's variants (see the sequence file's [[step.variant]])."""

from __future__ import annotations

import click

from outreach.cli.app import App
from outreach.clock import SystemClock


@click.group()
def variant() -> None:
    """A sequence step's variants: list them, stop one.

    \b
    Example:
      outreach variant list spring-serum
      outreach variant stop spring-serum 1 long
    """


@variant.command("stop")
@click.argument("campaign")
@click.argument("step", type=int)
@click.argument("name")
@click.pass_obj
def stop(app: App, campaign: str, step: int, name: str) -> None:
    """Stop giving variant NAME of STEP to new people; people already given it continue (their
    later steps keep its arm). Kept in the database: survives restarts.

    \b
    Example:
      outreach variant stop spring-serum 1 long
    """
    from outreach.services.sequence.variants import stop_variant

    done = stop_variant(app.engine, app.config, SystemClock(), campaign, step, name)
    what = "stopped" if done.new else "already stopped"
    click.echo(f"{what}: {campaign} step {step} variant {name!r}")
    click.echo(f"{done.in_flight} person(s) already given it continue")
    click.echo(f"new people get: {', '.join(done.running)}")


@variant.command("list")
@click.argument("campaign")
@click.pass_obj
def list_(app: App, campaign: str) -> None:
    """Each step's variants: template, weight, running or stopped, people queued it.

    \b
    Example:
      outreach variant list spring-serum
    """
    from outreach.services.sequence.variants import variant_states

    states = variant_states(app.engine, app.config, campaign)
    if not states:
        click.echo(f"{campaign}: no step has variants")
        return
    for s in states:
        state = "stopped" if s.stopped else "running"
        click.echo(
            f"step {s.step}  {s.name:<12} {s.template:<20} weight {s.weight:g}  {state:<8}"
            f"{s.given} queued"
        )
