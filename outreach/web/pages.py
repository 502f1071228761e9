"""What each console page shows and what each action does: every action is the service call
the matching CLI command makes (same arguments, same clock), run in a worker thread.

Heavy reads (the funnel, KPIs and the report over a whole campaign) are cached per campaign
and language until the data changes (`store.queries.console.last_change`: the newest stage
move, send, inbound message, deal change, post and enrolment), so a page stays fast on a big
workspace and is never stale.

Longer than 400 lines on purpose: one short function per page or action, each a thin call to the
service the CLI uses.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from outreach.domain.stages import Stage, legal_moves
from outreach.domain.times import show
from outreach.errors import InputError, UserError
from outreach.services.console import audit as audit_service
from outreach.services.console import person as person_service
from outreach.services.console.views import (
    board_page,
    campaign_overview,
    campaign_people,
    data_version,
)
from outreach.services.inbox import poll as inbox_service
from outreach.services.inbox.poll import RESOLVE_KINDS
from outreach.services.pipeline import deals as deals_service
from outreach.services.pipeline import stages as pipeline_service
from outreach.services.report.labels import LABELS
from outreach.services.roster import people as people_service
from outreach.services.send.preview import describe, readable
from outreach.services.send.preview import preview as preview_messages
from outreach.services.send.proof import send_proofs
from outreach.services.sequence import pause as pause_service
from outreach.services.sequence.campaigns import list_campaigns, load_campaign
from outreach.services.sequence.files import load_sequence
from outreach.services.sequence.schedule import schedule_run
from outreach.web import heavy

if TYPE_CHECKING:
    from outreach.web.app import Console, Ctx

TODO_SHOWN = 100  # today's items shown per kind; the rest are counted
PER_STAGE = 30  # cards per board column; the count says how many more
PEOPLE_PAGE = 50
SCHEDULE_DAYS = 7
SCHEDULE_ROWS = 200
Result = tuple[str, int | None]  # what the action did, the person it concerns


def audit_record(
    console: Console, user: str, verb: str, target: str, outcome: str, influencer_id: int | None
) -> None:
    audit_service.record(
        console.engine,
        console.clock.now(),
        user,
        verb,
        target,
        outcome,
        influencer_id=influencer_id,
    )


def _number(text: str, default: int, name: str) -> int:
    text = text.strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit():
        raise InputError(f"{name} {text!r} is not a number", field=name)
    return int(text)


def _slugs(console: Console) -> list[str]:
    try:
        return [c.slug for c in list_campaigns(console.config)]
    except InputError:
        return []


def ping(console: Console) -> None:
    data_version(console.engine, probe=True)


SYNC_WAIT = 0.12  # seconds a page waits for a fresh build before showing the last one


@dataclass
class Built:
    """A cached read: its value (or the user error it raised), the data version it was
    read from, when, and how long it took."""

    version: Any
    value: Any
    error: str
    at: datetime
    seconds: float = 0.0


def cached(console: Console, key: str, make: Callable[[], Any]) -> Built | None:
    """`make()` as of the data's current version. When the version moved on, one background
    thread rebuilds it; the page waits up to SYNC_WAIT for it when the last build took no
    longer (a small workspace is always exact) and otherwise shows the last build, saying
    when it was made. None: the first
    build is still running (the page says so and reloads)."""
    version = data_version(console.engine)
    with console.lock:
        hit: Built | None = console.cache.get(key)
        if hit is not None and hit.version == version:
            return hit
        done = console.refreshing.get(key)
        if done is None:
            done = threading.Event()
            console.refreshing[key] = done

            def refresh(done: threading.Event = done) -> None:
                at, started = console.clock.now(), time.perf_counter()
                try:
                    built = Built(version, make(), "", at)
                except UserError as exc:
                    built = Built(version, None, str(exc), at)
                except Exception as exc:  # shown on the page rather than lost in a thread
                    built = Built(version, None, f"{type(exc).__name__}: {exc}", at)
                built.seconds = time.perf_counter() - started
                with console.lock:
                    console.cache[key] = built
                    console.refreshing.pop(key, None)
                done.set()

            threading.Thread(target=refresh, name=f"console-{key}", daemon=True).start()
    # Wait only for a build that may well finish meanwhile: the first, or one like the last.
    if (hit is None or hit.seconds <= SYNC_WAIT) and done.wait(SYNC_WAIT):
        with console.lock:
            return console.cache.get(key, hit)
    return hit


def _whole_campaign(console: Console, slug: str, language: str) -> Built | None:
    """The report's document of `slug` (funnel, KPIs, variants) and its HTML."""
    c = console

    def make() -> Any:
        return c.heavy(
            heavy.whole_campaign,
            c.config.database_url,
            str(c.config.templates_dir),
            slug,
            c.zone.key,
            language,
            c.clock.now(),
        )

    return cached(console, f"campaign:{slug}:{language}", make)


def _todo(console: Console) -> Built | None:
    c = console
    return cached(c, "today", lambda: c.heavy(heavy.todo, c.config.database_url, c.clock.now()))


def warm(console: Console) -> None:
    """Start building what the slow pages read (today's queue, each campaign's document)."""
    _todo(console)
    for slug in _slugs(console):
        _whole_campaign(console, slug, console.language)


# --- today ----------------------------------------------------------------------------------


def today(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    """`outreach todo`'s items, the first TODO_SHOWN of each kind (and how many more)."""
    c = ctx.console
    built = _todo(c)
    items: list[Any] = built.value if built is not None and built.value is not None else []
    shown: list[Any] = []
    seen: dict[str, int] = {}
    for item in items:
        seen[item.kind] = seen.get(item.kind, 0) + 1
        if seen[item.kind] <= TODO_SHOWN:
            shown.append(item)
    more = {kind: n - TODO_SHOWN for kind, n in seen.items() if n > TODO_SHOWN}
    return "today.html", {"items": shown, "more": more, "built": built}


# --- campaigns ------------------------------------------------------------------------------


def campaigns(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    rows = campaign_overview(ctx.console.engine)
    for slug in _slugs(ctx.console):
        rows.setdefault(slug, {"status": "active", "stages": {}, "total": 0})
    return "campaigns.html", {"rows": sorted(rows.items()), "stages": [s.value for s in Stage]}


def campaign(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    slug = ctx.request.path_params["slug"]
    console = ctx.console
    overview = campaign_overview(console.engine).get(slug)
    if overview is None and slug not in _slugs(console):
        raise InputError(f"no campaign {slug!r}", field="campaign")
    whole = _whole_campaign(console, slug, ctx.language)
    sends: list[Any] = []
    unplanned: list[tuple[str, str]] = []
    schedule_error = ""
    now = console.clock.now()
    horizon = now + timedelta(days=SCHEDULE_DAYS)
    try:
        with schedule_run(console.engine, console.config, slug, now) as run:
            sends = list(
                itertools.islice(itertools.takewhile(lambda s: s.at <= horizon, run), SCHEDULE_ROWS)
            )
            unplanned = list(run.unplanned)[:50]
    except InputError as exc:
        schedule_error = str(exc)
    return "campaign.html", {
        "slug": slug,
        "overview": overview or {"status": "active", "stages": {}, "total": 0},
        "doc": whole.value[0] if whole and whole.value else None,
        "words": LABELS[ctx.language if ctx.language in LABELS else "en"],
        "built": whole,
        "sends": sends,
        "unplanned": unplanned,
        "schedule_error": schedule_error,
        "schedule_days": SCHEDULE_DAYS,
        "schedule_rows": SCHEDULE_ROWS,
    }


def campaign_action(ctx: Ctx) -> Result:
    slug, verb = ctx.request.path_params["slug"], ctx.request.path_params["verb"]
    if verb not in ("pause", "resume"):
        raise InputError(f"unknown action {verb!r}", field="action")
    c = ctx.console
    report = pause_service.set_campaign(c.engine, c.config, c.clock, slug, verb)
    done = {"pause": "paused", "resume": "resumed"}[verb]
    text = f"campaign {slug} {done}: {len(report.done)} sequence(s)"
    if report.in_flight:
        text += f"; {report.in_flight} message(s) already being sent will still go out"
    for who, why in report.skipped:
        text += f"; skipped {who}: {why}"
    return text, None


# --- drafts -------------------------------------------------------------------------------


def drafts(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    slugs = _slugs(ctx.console)
    slug = ctx.request.query_params.get("campaign") or (slugs[0] if slugs else "")
    page = max(0, _number(ctx.request.query_params.get("page", ""), 0, "page"))
    people = (
        campaign_people(ctx.console.engine, slug, PEOPLE_PAGE, page * PEOPLE_PAGE) if slug else []
    )
    return "drafts.html", {
        "slugs": slugs,
        "slug": slug,
        "people": people,
        "page": page,
        "more": len(people) == PEOPLE_PAGE,
    }


def draft(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    slug, handle = ctx.request.path_params["slug"], ctx.request.path_params["handle"]
    step = max(1, _number(ctx.request.query_params.get("step", ""), 1, "step"))
    c = ctx.console
    items = list(
        preview_messages(c.config, c.engine, slug, now=c.clock.now(), handles=[handle], step=step)
    )
    item = items[0]
    steps = len(load_sequence(c.config, load_campaign(c.config, slug).sequence).steps)
    text = readable(item.composed) if item.composed is not None else ""
    error = describe(item.error) if item.error is not None else ""
    return "draft.html", {
        "slug": slug,
        "handle": handle,
        "step": step,
        "steps": steps,
        "item": item,
        "text": text,
        "error": error,
        "proof_to": str(c.config.sender.enquiry_email),
        "person_id": person_service.influencer_id_of(c.engine, "@" + handle),
    }


def send_proof(ctx: Ctx) -> Result:
    slug, handle = ctx.request.path_params["slug"], ctx.request.path_params["handle"]
    step = max(1, _number(ctx.form.get("step", ""), 1, "step"))
    to = ctx.form.get("to", "").strip()
    c = ctx.console
    out = []
    for sent in send_proofs(
        c.config, c.engine, slug, handles=[handle], send_to=to, step=step, now=c.clock.now()
    ):
        if sent.accepted:
            out.append(f"sent {sent.message_id} to {sent.sent_to}; the server said: {sent.reply}")
        else:
            raise InputError(f"not sent to {sent.sent_to}; the server said: {sent.reply}")
    return "; ".join(out), person_service.influencer_id_of(c.engine, "@" + handle)


# --- board --------------------------------------------------------------------------------


def board(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    slug = ctx.request.query_params.get("campaign") or None
    c = ctx.console
    page = board_page(c.engine, c.clock, c.config.pipeline.stale_days, slug, PER_STAGE)
    moves = {s.value: [m.value for m in legal_moves(s)] for s in Stage}
    return "board.html", {
        "page": page,
        "moves": moves,
        "slug": slug or "",
        "slugs": _slugs(c),
    }


def move(ctx: Ctx) -> Result:
    c = ctx.console
    key = ctx.form.get("key", "")
    moved = pipeline_service.move(
        c.engine,
        c.clock,
        key,
        ctx.form.get("stage", ""),
        campaign=ctx.form.get("campaign") or None,
        note=ctx.form.get("note", ""),
        config=c.config,
        force=ctx.form.get("force") or None,
    )
    text = f"{key}: {moved.from_stage} -> {moved.to_stage} ({moved.campaign})"
    return text, person_service.influencer_id_of(c.engine, key)


# --- people -------------------------------------------------------------------------------


def people(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    text = ctx.request.query_params.get("q", "")
    found = person_service.find(ctx.console.engine, text) if text else []
    return "people.html", {"text": text, "found": found}


def person(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    pid = int(ctx.request.path_params["id"])
    f = person_service.person_file(ctx.console.engine, pid)
    key = f"{f.influencer['platform']}:{f.influencer['handle']}"
    return "person.html", {"f": f, "key": key, "pid": pid}


def add_note(ctx: Ctx) -> Result:
    """`outreach roster note KEY TEXT`, written by the signed-in user."""
    pid = int(ctx.request.path_params["id"])
    c = ctx.console
    body = ctx.form.get("note", "")
    people_service.note(
        c.engine, ctx.form.get("key", ""), body, user=ctx.session.user, now=c.clock.now()
    )
    short = " ".join(body.split())
    return f"note added: {short[:80]}{'…' if len(short) > 80 else ''}", pid


def add_post(ctx: Ctx) -> Result:
    pid = int(ctx.request.path_params["id"])
    c = ctx.console
    n_text = ctx.form.get("n", "").strip()
    if n_text and not n_text.isdigit():
        raise InputError(f"deliverable number {n_text!r} is not a number", field="n")
    done = deals_service.add_post(
        c.engine,
        c.clock,
        ctx.form.get("key", ""),
        ctx.form.get("url", "").strip(),
        campaign=ctx.form.get("campaign") or None,
        n=int(n_text) if n_text else None,
        caption=ctx.form.get("caption", ""),
    )
    text = (
        f"@{done.handle} deliverable {done.n} {done.state}"
        + (f" ({done.disclosure})" if done.disclosure else "")
        + f"; {done.posted} of {done.total} posted"
        + ("; moved to posted" if done.moved else "")
    )
    return text, pid


def person_sequence(ctx: Ctx) -> Result:
    """`outreach pause|resume KEY --campaign SLUG`."""
    pid = int(ctx.request.path_params["id"])
    verb = ctx.request.path_params["verb"]
    c = ctx.console
    key, slug = ctx.form.get("key", ""), ctx.form.get("campaign") or None
    if verb == "pause":
        report = pause_service.pause(c.engine, c.clock, key, campaign=slug)
    elif verb == "resume":
        report = pause_service.resume(c.engine, c.config, c.clock, key, campaign=slug)
    else:
        raise InputError(f"unknown action {verb!r}", field="action")
    done = {"pause": "paused", "resume": "resumed"}[verb]
    parts = [
        f"{done} {key} in {campaign or slug}"
        + (f": next step due {show(due, c.zone)}" if due is not None else "")
        for campaign, _handle, due in report.done
    ]
    if report.in_flight:
        parts.append(f"{report.in_flight} message(s) already being sent will still go out")
    parts += [f"skipped {who}: {why}" for who, why in report.skipped]
    return "; ".join(parts) or f"{done} nothing", pid


def accept_deal(ctx: Ctx) -> Result:
    """`outreach deal accept KEY --campaign SLUG`: the latest offer, by the other party."""
    pid = int(ctx.request.path_params["id"])
    c = ctx.console
    key = ctx.form.get("key", "")
    state = deals_service.accept(
        c.engine, c.clock, key, campaign=ctx.form.get("campaign") or None, config=c.config
    )
    n = sum(d.count for d in state.terms.deliverables)
    return f"deal #{state.deal_id} with @{state.handle} accepted: {n} deliverable(s)", pid


# --- inbox --------------------------------------------------------------------------------


def inbox(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    e = ctx.console.engine
    review = inbox_service.inbound_list(e, needs_review=True, limit=100)
    unmatched = inbox_service.inbound_list(e, unmatched=True, limit=100)
    return "inbox.html", {"review": review, "unmatched": unmatched, "kinds": RESOLVE_KINDS}


def inbound_text(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    """One message's own text (quotes stripped), loaded when its row is opened."""
    row = inbox_service.inbound_show(ctx.console.engine, int(ctx.request.path_params["id"]))
    return "_inbound_text.html", {"row": row}


def resolve(ctx: Ctx) -> Result:
    iid = int(ctx.request.path_params["id"])
    c = ctx.console
    kind = ctx.form.get("kind", "")
    effect = inbox_service.resolve(c.engine, c.config, c.clock, iid, kind)
    row = inbox_service.inbound_show(c.engine, iid)
    pid = None
    if row.get("handle"):
        pid = person_service.influencer_id_of(c.engine, "@" + str(row["handle"]))
    return f"#{iid} resolved as {kind}: {effect}", pid


# --- report and audit ------------------------------------------------------------------------


def report(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    slugs = _slugs(ctx.console)
    slug = ctx.request.query_params.get("campaign") or (slugs[0] if slugs else "")
    return "report.html", {"slugs": slugs, "slug": slug}


def report_html(ctx: Ctx) -> str | None:
    whole = _whole_campaign(ctx.console, ctx.request.path_params["slug"], ctx.language)
    if whole is not None and whole.error:
        raise InputError(whole.error)
    return whole.value[1] if whole else None


def audit(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    return "audit.html", {"rows": audit_service.recent(ctx.console.engine, 200)}
