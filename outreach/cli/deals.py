"""`outreach deal …`, `post add`, `late`, `kpi`, `import metrics|orders`: after the reply.

Longer than 400 lines on purpose: every command after the reply (deals, posts, late, kpi,
metrics and orders) shares its options and output helpers here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from outreach.cli import times
from outreach.cli.app import App, emit, format_option
from outreach.clock import SystemClock
from outreach.domain.deal import TAX_BASES, Terms, parse_deliverable, parse_gift
from outreach.errors import InputError
from outreach.services.pipeline import deals as deal_service
from outreach.services.pipeline import kpi as kpi_service
from outreach.services.pipeline import links as links_service
from outreach.services.pipeline import results as results_service

DEAL_COLUMNS = [
    "deal",
    "campaign",
    "handle",
    "platform",
    "status",
    "stage",
    "fee",
    "currency",
    "tax_basis",
    "withholding",
    "cost_ex_tax",
    "deliverables",
    "updated_at",
]


def _terms_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--campaign", default=None, help="The campaign, when they are in several."),
        click.option("--fee", type=int, default=None, help="Fee in the currency's units."),
        click.option("--currency", default=None, help="ISO 4217 code (default JPY)."),
        click.option(
            "--tax-basis",
            type=click.Choice(TAX_BASES),
            default=None,
            help="Whether the fee includes 消費税 (税込) or not (税別, the default).",
        ),
        click.option(
            "--individual/--company",
            default=None,
            help="The payee is an individual in Japan: 源泉徴収 applies.",
        ),
        click.option(
            "--gift",
            default=None,
            metavar="PRODUCT:UNIT_COST[:QTY]",
            help="A product sent as a gift.",
        ),
        click.option("--shipping", type=int, default=None, help="Shipping cost of the gift."),
        click.option("--agency-fee", type=int, default=None, help="Fee paid to the agency."),
        click.option(
            "--deliverable",
            "deliverables",
            multiple=True,
            metavar="PLATFORM:FORMAT[:COUNT[:DUE]]",
            help="Repeatable; replaces the deliverables when given.",
        ),
        click.option(
            "--usage", default=None, help="Usage rights: secondary use, duration, channels."
        ),
        click.option("--exclusivity", default=None, help="Category and period."),
        click.option(
            "--disclosure",
            "disclosures",
            multiple=True,
            help="A label the post must carry (#PR, #広告, ...); repeatable.",
        ),
        click.option("--promo-code", default=None, help="The person's discount code."),
        click.option(
            "--by", type=click.Choice(deal_service.PARTIES), default=None, help="Who proposed it."
        ),
        click.option("--note", default="", help="Kept in the offer trail."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _changes(kw: dict[str, Any]) -> dict[str, Any]:
    """Terms fields from the command's options; None leaves a field as it is."""
    changes: dict[str, Any] = {
        k: kw[k]
        for k in (
            "fee",
            "currency",
            "tax_basis",
            "individual",
            "shipping",
            "agency_fee",
            "usage",
            "exclusivity",
            "promo_code",
        )
    }
    if changes["currency"]:
        changes["currency"] = changes["currency"].upper()
    if kw["gift"]:
        product, cost, qty = parse_gift(kw["gift"])
        changes.update(gift_product=product, gift_unit_cost=cost, gift_quantity=qty)
    if kw["deliverables"]:
        changes["deliverables"] = tuple(parse_deliverable(d) for d in kw["deliverables"])
    if kw["disclosures"]:
        changes["disclosure"] = tuple(kw["disclosures"])
    return changes


def terms_lines(terms: Terms) -> list[str]:
    """The terms as text, withholding and cost included."""
    tax = terms.withholding()
    cost = terms.cost_ex_tax()
    lines = [
        f"fee: {_money(terms.fee)} {terms.currency} ({terms.tax_basis})"
        + (
            f", 源泉徴収 {_money(tax)} (net {_money(terms.fee - tax)})"  # type: ignore[operator]
            if tax is not None
            else ""
        ),
    ]
    if terms.gift_product:
        lines.append(
            f"gift: {terms.gift_product} {_money(terms.gift_unit_cost)} x "
            f"{terms.gift_quantity}, shipping {_money(terms.shipping)}"
        )
    if terms.agency_fee is not None:
        lines.append(f"agency fee: {_money(terms.agency_fee)}")
    for d in terms.deliverables:
        lines.append(
            f"deliverable: {d.platform} {d.format} x{d.count}" + (f" due {d.due}" if d.due else "")
        )
    if terms.usage:
        lines.append(f"usage rights: {terms.usage}")
    if terms.exclusivity:
        lines.append(f"exclusivity: {terms.exclusivity}")
    lines.append("disclosure: " + " / ".join(terms.disclosure))
    if terms.promo_code:
        lines.append(f"promo code: {terms.promo_code}")
    lines.append(f"cost (税別): {_money(cost)} {terms.currency}")
    return lines


def _money(value: Any) -> str:
    return "-" if value is None else f"{int(value):,}"


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, column = pair.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise InputError(
                f"bad --map {pair!r}", field="map", hint="field=Column, e.g. reach=Accounts reached"
            )
        out[key.strip()] = column.strip()
    return out


@click.group()
def deal() -> None:
    """Deals per person and campaign: offers, counter-offers, acceptance and the terms.

    \b
    Example:
      outreach deal offer @hanako_kitchen --fee 50000 --deliverable instagram:reel:1:2026-12-20
      outreach deal counter @hanako_kitchen --fee 60000
      outreach deal accept @hanako_kitchen
    """


@deal.command("offer")
@click.argument("influencer")
@_terms_options
@click.pass_obj
def deal_offer(app: App, /, influencer: str, **kw: Any) -> None:
    """Offer terms (the brand, unless --by creator); a later offer changes only what is
    given.

    \b
    Example:
      outreach deal offer @hanako_kitchen --campaign spring-serum --fee 50000 \\
        --individual --gift "Sakura Night Serum:4500:1" --shipping 800 \\
        --deliverable instagram:reel:1:2026-12-20 --deliverable instagram:story:2:2026-12-22 \\
        --usage "secondary use 6 months: web, ads" --exclusivity "skincare 30 days" \\
        --disclosure "#PR" --promo-code HANAKO10
    """
    _offer(app, influencer, "offer", kw)


@deal.command("counter")
@click.argument("influencer")
@_terms_options
@click.pass_obj
def deal_counter(app: App, /, influencer: str, **kw: Any) -> None:
    """Record a counter-offer (the creator's, unless --by brand): the terms in force with
    the given changes.

    \b
    Example:
      outreach deal counter @hanako_kitchen --fee 60000 --note "reel needs a second shoot"
    """
    _offer(app, influencer, "counter", kw)


def _offer(app: App, influencer: str, kind: str, kw: dict[str, Any]) -> None:
    state = deal_service.offer(
        app.engine,
        SystemClock(),
        influencer,
        campaign=kw["campaign"],
        kind=kind,
        by=kw["by"],
        note=kw["note"],
        **_changes(kw),
    )
    click.echo(f"deal #{state.deal_id} @{state.handle} ({state.campaign}): {state.status}")
    for line in terms_lines(state.terms):
        click.echo(f"  {line}")


@deal.command("accept")
@click.argument("influencer")
@click.option("--campaign", default=None, help="The campaign, when they are in several.")
@click.option(
    "--by",
    type=click.Choice(deal_service.PARTIES),
    default=None,
    help="Who accepts (default: the other side of the latest offer).",
)
@click.option("--note", default="", help="Kept in the offer trail.")
@click.pass_obj
def deal_accept(app: App, influencer: str, campaign: str | None, by: str | None, note: str) -> None:
    """Accept the latest offer; its deliverables become trackable (outreach post add).
    When the campaign's sequence has [[after_deal]] steps or a [reminder], the conversation
    goes on from them in the same thread (only after a human reply stopped the pitch, never
    after an opt-out, bounce, complaint or a stop by hand).

    \b
    Example:
      outreach deal accept @hanako_kitchen
      outreach move @hanako_kitchen contracted
    """
    state = deal_service.accept(
        app.engine,
        SystemClock(),
        influencer,
        campaign=campaign,
        by=by,
        note=note,
        config=app.config,
    )
    n = sum(d.count for d in state.terms.deliverables)
    click.echo(
        f"deal #{state.deal_id} @{state.handle} ({state.campaign}): accepted, "
        f"{n} deliverable(s); next: outreach move @{state.handle} contracted"
    )
    if state.phase:
        click.echo(f"  deal phase: {state.phase}")


@deal.command("show")
@click.argument("influencer")
@click.option("--campaign", default=None, help="The campaign, when they are in several.")
@click.pass_obj
def deal_show(app: App, influencer: str, campaign: str | None) -> None:
    """The terms in force, the offer trail and each deliverable's state.

    \b
    Example:
      outreach deal show @hanako_kitchen
    """
    shown = deal_service.show(app.engine, influencer, campaign)
    who, current = shown["person"], shown["deal"]
    click.echo(
        f"deal #{current['id']} @{who.handle} ({who.campaign}): {current['status']}, "
        f"stage {who.stage}"
    )
    for line in terms_lines(shown["terms"]):
        click.echo(f"  {line}")
    click.echo("offers:")
    for o in shown["offers"]:
        fee = o["terms"].get("fee")
        click.echo(
            f"  {times.show(o['at'], app.display_zone)}  {o['kind']:<7} by "
            f"{o['proposed_by']:<7} "
            f"fee {_money(fee)}" + (f"  {o['note']}" if o["note"] else "")
        )
    if shown["deliverables"]:
        click.echo("deliverables:")
    for d in shown["deliverables"]:
        due = f"due {d['due_date']}" if d["due_date"] else "no due date"
        post = f"  {d['post_url']}" if d["post_url"] else ""
        flag = "  NO DISCLOSURE (景品表示法)" if d["state"] == "flagged" else ""
        click.echo(f"  {d['n']}. {d['platform']} {d['format']} {due}: {d['state']}{post}{flag}")


@deal.command("list")
@click.argument("campaign", required=False)
@click.option(
    "--status",
    type=click.Choice(["offered", "countered", "accepted"]),
    default=None,
    help="Only deals in this state.",
)
@format_option()
@click.pass_obj
def deal_list(app: App, campaign: str | None, status: str | None, fmt: str) -> None:
    """Every deal with its fee, tax basis, 源泉徴収 and cost (税別).

    \b
    Example:
      outreach deal list spring-serum --format csv > deals.csv
    """
    emit(deal_service.listing(app.engine, campaign, status), fmt, DEAL_COLUMNS)


@click.group()
def post() -> None:
    """Live posts of deliverables.

    \b
    Example:
      outreach post add @hanako_kitchen https://www.instagram.com/reel/C0abc/ --caption "... #PR"
    """


@post.command("add")
@click.argument("influencer")
@click.argument("url")
@click.option("--campaign", default=None, help="The campaign, when they are in several.")
@click.option(
    "--deliverable",
    "n",
    type=int,
    default=None,
    help="Which deliverable (default: the first open one on the URL's platform).",
)
@click.option("--caption", default="", help="The post's caption, pasted.")
@click.option(
    "--caption-file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The caption in a UTF-8 text file.",
)
@click.option(
    "--posted-at",
    type=click.DateTime(),
    default=None,
    help="When it went live (UTC; default now).",
)
@click.pass_obj
def post_add(
    app: App,
    influencer: str,
    url: str,
    campaign: str | None,
    n: int | None,
    caption: str,
    caption_file: str | None,
    posted_at: datetime | None,
) -> None:
    """Record a live post. With its caption it is verified when it carries a disclosure the
    deal requires, and flagged when it does not (景品表示法, stealth marketing, 2023-10).

    \b
    Example:
      outreach post add @hanako_kitchen https://www.instagram.com/reel/C0abc/ \\
        --caption "夜の集中ケア #PR #SakuraBeauty"
      outreach post add @hanako_kitchen https://www.instagram.com/stories/hanako_kitchen/1/ \\
        --deliverable 2 --caption-file story.txt
    """
    if caption_file:
        caption = Path(caption_file).read_text(encoding="utf-8")
    got = deal_service.add_post(
        app.engine,
        SystemClock(),
        influencer,
        url,
        campaign=campaign,
        n=n,
        caption=caption,
        posted_at=posted_at,
    )
    what = {
        "verified": f"verified ({got.disclosure})",
        "flagged": "FLAGGED: no required disclosure in the caption (景品表示法); "
        "not counted until fixed",
        "posted": "posted; not verified until its caption is given",
    }[got.state]
    click.echo(f"@{got.handle} deliverable {got.n}: {what}")
    click.echo(
        f"{got.posted} of {got.total} deliverables posted"
        + ("; stage -> posted" if got.moved else "")
    )


@post.command("caption")
@click.argument("url")
@click.option("--caption", default="", help="The post's caption, pasted.")
@click.option(
    "--caption-file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The caption in a UTF-8 text file.",
)
@click.pass_obj
def post_caption(app: App, url: str, caption: str, caption_file: str | None) -> None:
    """Give or correct a recorded post's caption; its disclosure is checked again (a
    flagged post counts once the creator has added the label).

    \b
    Example:
      outreach post caption https://www.instagram.com/p/C0def/ --caption "... #PR"
    """
    if caption_file:
        caption = Path(caption_file).read_text(encoding="utf-8")
    n, state, label = deal_service.set_caption(app.engine, url, caption)
    shown = {
        "verified": f"verified ({label})",
        "posted": "posted; no caption",
        "flagged": "FLAGGED: no required disclosure in the caption (景品表示法)",
    }
    click.echo(f"deliverable {n}: {shown[state]}")


@click.command()
@click.argument("campaign", required=False)
@format_option()
@click.pass_obj
def late(app: App, campaign: str | None, fmt: str) -> None:
    """Deliverables past their due date without a post, most overdue first.

    \b
    Example:
      outreach late spring-serum
    """
    today = SystemClock().now().date()
    rows = deal_service.late(app.engine, today, campaign)
    emit(rows, fmt, ["campaign", "handle", "n", "platform", "format", "due_date", "days_late"])


@click.command()
@click.argument("campaign")
@click.option(
    "--by",
    type=click.Choice(kpi_service.GROUPS),
    default="person",
    show_default=True,
    help="One row per this.",
)
@format_option()
@click.pass_obj
def kpi(app: App, campaign: str, by: str, fmt: str) -> None:
    """Cost (税別), reach, engagement, ER, clicks, CTR, conversions, CVR, revenue, CPE, CPC,
    CPA, ROAS and ROI; missing data is blank, never 0 (formulas: README).

    \b
    Example:
      outreach kpi spring-serum
      outreach kpi spring-serum --by platform --format csv
    """
    emit(kpi_service.campaign_kpis(app.engine, campaign, by), fmt, kpi_service.COLUMNS)


@click.group()
def link() -> None:
    """Tracking links for the creators' posts and bios: `/r/<token>` on the public endpoint
    ([unsubscribe] serve) redirects with utm_source=platform, utm_medium=influencer,
    utm_campaign=slug, utm_content=handle and records the click.

    \b
    Example:
      outreach link make spring-serum && outreach link list spring-serum
    """


@link.command("make")
@click.argument("campaign")
@click.option(
    "--promo-pattern",
    default=None,
    metavar="PATTERN",
    help="Also give each deal without a promo code one: {HANDLE}, {handle}, {n}.",
)
@click.pass_obj
def link_make(app: App, campaign: str, promo_pattern: str | None) -> None:
    """A link for every person with an accepted deal who has none yet (and promo codes).

    \b
    Example:
      outreach link make spring-serum
      outreach link make spring-serum --promo-pattern "{HANDLE}10"
    """
    made = links_service.make_links(app.engine, app.config, SystemClock(), campaign)
    click.echo(f"{made} link(s) made; next: outreach link list {campaign}")
    if promo_pattern:
        codes = links_service.promo_codes(app.engine, campaign, promo_pattern)
        click.echo(f"{codes} promo code(s) made; see outreach deal list {campaign}")


@link.command("list")
@click.argument("campaign")
@format_option()
@click.pass_obj
def link_list(app: App, campaign: str, fmt: str) -> None:
    """Each person's link with human clicks, distinct visitors (per day) and bot hits.

    \b
    Example:
      outreach link list spring-serum --format csv
    """
    emit(
        links_service.listing(app.engine, app.config, campaign),
        fmt,
        ["handle", "platform", "link", "clicks", "visitors", "bots", "location"],
    )


@click.command("metrics")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Read FIELD from COLUMN (repeatable).",
)
@click.pass_obj
def import_metrics(app: App, file: str, pairs: tuple[str, ...]) -> None:
    """Post metrics (reach, impressions, views, likes, comments, shares, saves, clicks) from
    an insights export, one snapshot per post and capture time; all or nothing.

    \b
    Example:
      outreach import metrics insights.csv
      outreach import metrics export.csv --map post_url=Permalink --map reach="Accounts reached"
    """
    got = results_service.import_metrics(app.engine, Path(file), mapping=_mapping(pairs))
    click.echo(f"metrics from {file}: {got.inserted} snapshot(s) added, {got.updated} replaced")


@click.command("orders")
@click.argument("campaign")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--window",
    "window",
    type=int,
    default=30,
    show_default=True,
    help="Days after a person's first post an order counts for them.",
)
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Read FIELD from COLUMN (repeatable).",
)
@click.pass_obj
def import_orders(app: App, campaign: str, file: str, window: int, pairs: tuple[str, ...]) -> None:
    """Shop orders (order id, time, revenue, discount code, landing URL), deduplicated by
    order id, attributed by the person's promo code or utm_content; all or nothing.

    \b
    Example:
      outreach import orders spring-serum shop-orders.csv --window 14
    """
    got = results_service.import_orders(
        app.engine, campaign, Path(file), window_days=window, mapping=_mapping(pairs)
    )
    click.echo(
        f"orders from {file}: {got.inserted} added ({got.by_code} by code, "
        f"{got.by_utm} by UTM, {got.unattributed} unattributed of which "
        f"{got.outside_window} outside the window), {got.duplicates} already known"
    )
