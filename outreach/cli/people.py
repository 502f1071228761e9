"""`outreach roster list|show|edit|tag|note|merge` and `outreach agency list|show`."""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Any

import click

from outreach.cli.app import App, emit, format_option, format_table
from outreach.clock import SystemClock
from outreach.domain import times
from outreach.domain.influencer import PLATFORMS, Tier
from outreach.domain.stages import Stage
from outreach.services.roster import people

LIST_COLUMNS = ("handle", "platform", "name", "accounts", "tier", "agency", "to", "campaigns")


@click.group("roster")
def roster() -> None:
    """Browse and edit the roster: people, their accounts, contacts and agencies.

    \b
    Example:
      outreach roster list --agency サクラプロ
      outreach roster show @risa_style
      outreach roster edit @risa_style --set send_to=self_cc_agency --set honorific_name="髙橋 梨沙"
      outreach roster tag @risa_style 美容 冬
      outreach roster note @risa_style "電話で条件を確認済み"
      outreach roster merge instagram:risa_style tiktok:risa.dance
    """


@roster.command("list")
@click.option("--platform", type=click.Choice(PLATFORMS), help="Has an account on this platform.")
@click.option("--tier", type=click.Choice([t.value for t in Tier]), help="Has an account at it.")
@click.option("--tag", help="Has this tag.")
@click.option("--stage", type=click.Choice([s.value for s in Stage]), help="Enrolled at it.")
@click.option("--campaign", help="Enrolled in this campaign.")
@click.option("--agency", help="Managed by this agency (its name).")
@format_option()
@click.pass_obj
def list_(app: App, /, fmt: str, **filters: Any) -> None:
    """Everyone on the roster, one line a person (`to`: who is mailed by default).

    \b
    Example:
      outreach roster list --platform instagram --tier micro
      outreach roster list --agency サクラプロ --format csv
    """
    rows = people.list_people(
        app.engine,
        platform=filters["platform"],
        tier=filters["tier"],
        tag=filters["tag"],
        stage=filters["stage"],
        campaign=filters["campaign"],
        agency_name=filters["agency"],
    )
    emit(rows, fmt, [*LIST_COLUMNS, "tags"] if fmt != "table" else LIST_COLUMNS)
    if fmt == "table":
        click.echo(f"{len(rows)} person(s)")


@roster.command("show")
@click.argument("person")
@click.pass_obj
def show(app: App, person: str) -> None:
    """One person: accounts, contacts, agency, posts, campaigns and the whole timeline of mail
    sent and received, stage moves and notes.

    \b
    Example:
      outreach roster show @hanako_kitchen
    """
    found = people.show(app.engine, person)
    p = found["person"]
    click.echo(f"{p.name}" + (f" ({p.honorific_name})" if p.honorific_name else ""))
    click.echo(f"  language {p.language}  timezone {p.timezone or '-'}  niche {p.niche or '-'}")
    click.echo(f"  tags {', '.join(p.tags) or '-'}  agency {p.agency or '-'}")
    click.echo(f"  to (default) {p.send_to or 'self, or the agency when no own address'}")
    if found["notes"]:
        click.echo(f"  notes {found['notes']}")
    _section(
        "accounts",
        found["accounts"],
        ("platform", "handle", "followers", "engagement_rate", "er_rank_pct", "tier"),
    )
    _section("contacts", found["contacts"], ("address", "role", "agency"))
    posts = [
        {"platform": x.platform, "published": x.published_at, "post": x.label, "url": x.url}
        for x in p.posts
    ]
    _section("posts", posts, ("platform", "published", "post", "url"))
    _section(
        "campaigns", found["campaigns"], ("campaign", "stage", "status", "to", "cooldown_override")
    )
    _section("timeline", found["timeline"], ("at", "campaign", "what", "detail"))


def _section(title: str, rows: list[dict[str, Any]], cols: tuple[str, ...]) -> None:
    click.echo(f"\n{title}:")
    if not rows:
        click.echo("  (none)")
        return
    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(App) if ctx is not None else None
    zone = app.display_zone if app is not None else None
    rows = [
        {c: times.show(v, zone) if isinstance(v := r.get(c), datetime) else v for c in cols}
        for r in rows
    ]
    for line in format_table(rows, cols).splitlines():
        click.echo("  " + line)


@roster.command("edit")
@click.argument("person")
@click.option(
    "--set",
    "pairs",
    multiple=True,
    required=True,
    metavar="FIELD=VALUE",
    help="Field to set: " + ", ".join(people.EDITABLE) + ".",
)
@click.pass_obj
def edit(app: App, person: str, pairs: tuple[str, ...]) -> None:
    """Change a person's fields (send_to: self | agency | self_cc_agency).

    \b
    Example:
      outreach roster edit @hanako_kitchen --set send_to=self_cc_agency
    """
    changes = people.edit(app.engine, person, list(pairs), now=SystemClock().now())
    for field, (old, new) in changes.items():
        click.echo(f"{person}: {field}: {old!r} → {new!r}")
    if not changes:
        click.echo(f"{person}: nothing changed")


@roster.command("tag")
@click.argument("person")
@click.argument("tags", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Remove these tags instead.")
@click.pass_obj
def tag(app: App, person: str, tags: tuple[str, ...], remove: bool) -> None:
    """Add tags to a person (or --remove them).

    \b
    Example:
      outreach roster tag @hanako_kitchen 美容 冬
      outreach roster tag @hanako_kitchen 冬 --remove
    """
    after = people.tag(app.engine, person, list(tags), remove=remove, now=SystemClock().now())
    click.echo(f"{person}: tags {', '.join(after) or '(none)'}")


@roster.command("note")
@click.argument("person")
@click.argument("text")
@click.pass_obj
def note(app: App, person: str, text: str) -> None:
    """Keep a note on a person (shown in `roster show` and the console).

    \b
    Example:
      outreach roster note @hanako_kitchen "電話で条件を確認済み"
    """
    people.note(app.engine, person, text, user=getpass.getuser(), now=SystemClock().now())
    click.echo(f"{person}: note kept")


@roster.command("merge")
@click.argument("keep")
@click.argument("gone")
@click.pass_obj
def merge(app: App, keep: str, gone: str) -> None:
    """KEEP and GONE are one person: GONE's accounts, contacts, posts, campaigns and notes
    move to KEEP, and GONE's record is deleted.

    \b
    Example:
      outreach roster merge instagram:risa_style tiktok:risa.dance
    """
    moved = people.merge(app.engine, keep, gone, now=SystemClock().now())
    click.echo(f"merged {gone} into {keep}: " + ", ".join(f"{n} {k}" for k, n in moved.items()))


@click.group("agency")
def agency() -> None:
    """Agencies (事務所): their domains, addresses and the talents they manage.

    \b
    Example:
      outreach agency list
      outreach agency show サクラプロ
    """


@agency.command("list")
@format_option()
@click.pass_obj
def agency_list(app: App, fmt: str) -> None:
    """Every agency with how many talents and manager addresses it has.

    \b
    Example:
      outreach agency list --format json
    """
    emit(people.agencies(app.engine), fmt, ("name", "domain", "talents", "addresses"))


@agency.command("show")
@click.argument("name")
@click.pass_obj
def agency_show(app: App, name: str) -> None:
    """One agency (by name or domain): its addresses and talents.

    \b
    Example:
      outreach agency show sakura-pro.example.jp
    """
    found = people.agency(app.engine, name)
    click.echo(f"{found['name']}  domain {found['domain'] or '-'}")
    click.echo(f"  addresses {', '.join(found['addresses']) or '-'}")
    _section("talents", found["talents"], ("handle", "platform", "name", "own address"))
