"""`outreach pause|resume`, `outreach campaign pause|resume|archive`, `outreach mailbox ...`."""

from __future__ import annotations

import click

from outreach.cli import times
from outreach.cli.app import App, emit
from outreach.clock import SystemClock
from outreach.services.sequence import pause as pause_service
from outreach.services.sequence.pause import PauseReport


def _report(app: App, verb: str, report: PauseReport) -> None:
    for campaign, handle, due in report.done:
        if due is not None:
            click.echo(
                f"{verb} @{handle} in {campaign}: next step due {times.show(due, app.display_zone)}"
            )
    if not any(due for _, _, due in report.done):
        click.echo(f"{verb} {len(report.done)} sequence(s)")
    if report.in_flight:
        click.echo(
            f"note: {report.in_flight} message(s) were already being sent and will still go out"
        )
    for who, why in report.skipped:
        click.echo(f"skipped {who}: {why}")


@click.command()
@click.argument("influencer")
@click.option("--campaign", "slug", default=None, help="Only this campaign's sequence.")
@click.pass_obj
def pause(app: App, influencer: str, slug: str | None) -> None:
    """Pause an influencer's sequence: nothing more is sent until `outreach resume`; unsent
    drafts wait. A reply still stops it as usual.

    \b
    Example:
      outreach pause @hanako_kitchen
      outreach pause hanako@example.jp --campaign spring-serum
    """
    _report(
        app, "paused", pause_service.pause(app.engine, SystemClock(), influencer, campaign=slug)
    )


@click.command()
@click.argument("influencer")
@click.option("--campaign", "slug", default=None, help="Only this campaign's sequence.")
@click.pass_obj
def resume(app: App, influencer: str, slug: str | None) -> None:
    """Resume a paused sequence at the step where it stopped, due one step delay from now
    inside the recipient's window (time spent paused never counts as waiting).

    \b
    Example:
      outreach resume @hanako_kitchen
    """
    _report(
        app,
        "resumed",
        pause_service.resume(app.engine, app.config, SystemClock(), influencer, campaign=slug),
    )


@click.group()
def mailbox() -> None:
    """Mailboxes: pause and resume sending, and why a mailbox is held.

    \b
    Example:
      outreach mailbox status
      outreach mailbox pause main
    """


@mailbox.command("pause")
@click.argument("name")
@click.pass_obj
def mailbox_pause(app: App, name: str) -> None:
    """Hold every claim from mailbox NAME until `outreach mailbox resume NAME`.

    \b
    Example:
      outreach mailbox pause main
    """
    pause_service.pause_mailbox(app.engine, app.config, name)
    click.echo(
        f"mailbox {name} paused: nothing is sent from it until `outreach mailbox resume {name}`"
    )


@mailbox.command("resume")
@click.argument("name")
@click.pass_obj
def mailbox_resume(app: App, name: str) -> None:
    """Lift mailbox NAME's pause, whether by hand or by the breaker, and its fault count.

    \b
    Example:
      outreach mailbox resume main
    """
    was = pause_service.resume_mailbox(app.engine, app.config, name)
    click.echo(f"mailbox {name} resumed" + (f" (was: {was})" if was else " (was not paused)"))


@mailbox.command("login")
@click.argument("name")
@click.option(
    "--flow",
    type=click.Choice(["device", "loopback"]),
    default=None,
    help="device: a code to enter on any device (RFC 8628); loopback: a browser on this "
    "machine (RFC 8252). Default: [mailboxes.NAME.oauth2] flow.",
)
@click.option("--no-browser", is_flag=True, help="loopback: print the URL, open nothing.")
@click.pass_obj
def mailbox_login(app: App, name: str, flow: str | None, no_browser: bool) -> None:
    """Sign mailbox NAME in with OAuth2 (auth = "oauth2") and store its refresh token,
    sealed with the key in [mailboxes.NAME.oauth2] key_env. Lifts a pause that a revoked
    login made.

    \b
    Example:
      outreach mailbox login main
      outreach mailbox login main --flow loopback
    """
    from outreach.services.mailbox.oauth import login
    from outreach.transport.oauth import DeviceCode, OAuthFailure

    def show_device(device: DeviceCode) -> None:
        minutes = max(1, round(device.expires_in / 60))
        click.echo(f"To sign in mailbox {name}, open {device.verification_uri}")
        click.echo(f"and enter the code {device.user_code} (it expires in {minutes} min).")
        if device.verification_uri_complete:
            click.echo(f"Or open {device.verification_uri_complete}")
        click.echo("Waiting for the sign-in ...")

    def show_url(url: str) -> None:
        click.echo(f"To sign in mailbox {name}, open this address in a browser here:")
        click.echo(url)
        if not no_browser:
            import webbrowser

            webbrowser.open(url)
        click.echo("Waiting for the sign-in ...")

    try:
        done = login(
            app.engine,
            app.config,
            SystemClock(),
            name,
            flow=flow,
            show_url=show_url,
            show_device=show_device,
        )
    except OAuthFailure as exc:
        raise click.ClickException(f"mailbox {name}: sign-in failed: {exc}") from None
    until = (
        f"; access token valid until {times.show(done.expires_at, app.display_zone)}, "
        "then refreshed automatically"
        if done.expires_at
        else ""
    )
    click.echo(f"mailbox {name} signed in as {done.account} ({done.provider}){until}")
    if done.resumed:
        click.echo(f"mailbox {name} resumed (was: {done.resumed})")


@mailbox.command("status")
@click.pass_obj
def mailbox_status(app: App) -> None:
    """Per mailbox: sent today against the cap, next slot, paused until and why.

    \b
    Example:
      outreach mailbox status
    """
    from outreach.services.send.outbox import status as get_status

    emit(get_status(app.engine, app.config, SystemClock()).mailboxes, "table")


def _campaign_command(action: str, text: str) -> click.Command:
    def command(app: App, slug: str) -> None:
        report = pause_service.set_campaign(app.engine, app.config, SystemClock(), slug, action)
        verb = {"pause": "paused", "resume": "resumed", "archive": "archived"}[action]
        click.echo(f"campaign {slug} {verb}")
        _report(app, verb, report)

    help_text = f"{text}\n\n\b\nExample:\n  outreach campaign {action} spring-serum"
    return click.command(action, help=help_text)(click.argument("slug")(click.pass_obj(command)))


# `outreach campaign pause|resume|archive SLUG`
campaign_pause = _campaign_command(
    "pause",
    "Pause every sequence of CAMPAIGN; people enrolled while it is paused wait too.",
)
campaign_resume = _campaign_command(
    "resume",
    "Resume CAMPAIGN's sequences, each due one step delay from now.",
)
campaign_archive = _campaign_command(
    "archive",
    "End CAMPAIGN for good: its sequences stop and unsent drafts are cancelled.",
)
