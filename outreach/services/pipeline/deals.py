"""Deals (offer, counter, accept), deliverables and live posts, and who is late to post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from outreach.clock import Clock, naive_utc, utc
from outreach.config import Config
from outreach.domain.deal import Terms, find_disclosure, recognise_post
from outreach.domain.enrollment import EnrollmentStatus
from outreach.domain.stages import DEAL_SENDABLE, Stage
from outreach.errors import InputError, StageError, UserError
from outreach.services.sequence.campaigns import campaign_closures
from outreach.services.sequence.deal_phase import first_due
from outreach.services.sequence.files import load_sequence, recipient_of
from outreach.store.queries import deals as q
from outreach.store.queries.board import enrollments_of
from outreach.store.queries.roster import find_influencer
from outreach.store.queries.stages import move_stage_if
from outreach.store.queries.suppression import is_suppressed
from outreach.store.session import reading, writing

OPEN = ("offered", "countered")
PARTIES = ("brand", "creator")


@dataclass(frozen=True)
class DealPerson:
    enrollment_id: int
    campaign: str
    stage: str
    handle: str
    platform: str


def person(conn: Connection, key: str, campaign: str | None) -> DealPerson:
    """The one enrolment an address, @handle or platform:handle has (in `campaign`)."""
    found = find_influencer(conn, key)
    if found is None or found.id is None:
        raise InputError(
            f"no influencer {key!r}",
            field="influencer",
            hint="give an address, @handle or platform:handle",
        )
    rows = enrollments_of(conn, int(found.id), campaign)
    if not rows:
        where = f" in campaign {campaign!r}" if campaign else ""
        raise InputError(f"{key} is not enrolled{where}", field="campaign")
    if len(rows) > 1:
        names = ", ".join(r["campaign"] for r in rows)
        raise InputError(
            f"{key} is in several campaigns ({names})", field="campaign", hint="add --campaign"
        )
    row = rows[0]
    return DealPerson(int(row["id"]), row["campaign"], row["stage"], found.handle, found.platform)


@dataclass(frozen=True)
class DealState:
    deal_id: int
    campaign: str
    handle: str
    status: str
    terms: Terms
    # `accept` only: the sequence's deal phase, as "step N (template) due <UTC time>" when it
    # was opened, or why not; "" when the sequence has no deal phase (or no config was given)
    phase: str = ""


def offer(
    engine: Engine,
    clock: Clock,
    key: str,
    *,
    campaign: str | None = None,
    kind: str = "offer",
    by: str | None = None,
    note: str = "",
    **changes: Any,
) -> DealState:
    """Record an offer (`kind` offer) or a counter-offer (`counter`): the terms in force with
    `changes` applied. The first offer opens the deal; an accepted deal is not reopened."""
    proposer = by or ("brand" if kind == "offer" else "creator")
    if proposer not in PARTIES:
        raise InputError(f"unknown party {proposer!r}", field="by", hint="brand or creator")
    at = naive_utc(clock.now())
    with writing(engine) as conn:
        who = person(conn, key, campaign)
        current = q.deal_of(conn, who.enrollment_id)
        if current is None:
            if kind == "counter":
                raise InputError(
                    f"{key} has no offer to counter",
                    field="deal",
                    hint=f"outreach deal offer {key} --fee ...",
                )
            terms = Terms().changed(**changes)
            deal_id = q.insert_deal(conn, who.enrollment_id, "offered", terms.to_json(), at)
        else:
            deal_id = int(current["id"])
            if current["status"] not in OPEN:
                raise StageError(
                    f"the deal with {key} is {current['status']}; it is closed",
                    hint="terms of an accepted deal are not renegotiated here",
                )
            terms = Terms.from_json(current["terms"]).changed(**changes)
            status = "offered" if kind == "offer" else "countered"
            if not q.update_deal_if(
                conn, deal_id, current["status"], status=status, terms=terms.to_json(), at=at
            ):
                raise StageError("the deal was changed by someone else meanwhile; try again")
        q.add_offer(conn, deal_id, kind, proposer, terms.to_json(), note, at)
        status = "offered" if kind == "offer" else "countered"
    return DealState(deal_id, who.campaign, who.handle, status, terms)


def accept(
    engine: Engine,
    clock: Clock,
    key: str,
    *,
    campaign: str | None = None,
    by: str | None = None,
    note: str = "",
    config: Config | None = None,
) -> DealState:
    """Accept the latest offer; the other party than its proposer accepts. Makes one
    deliverable row per promised piece of content.

    With `config`, when the enrollment's sequence has a deal phase ([[after_deal]] steps or a
    [reminder]), it is opened in the same transaction (see `_open_deal_phase`)."""
    now = clock.now()
    at = naive_utc(now)
    with writing(engine) as conn:
        who = person(conn, key, campaign)
        current = q.deal_of(conn, who.enrollment_id)
        if current is None or current["status"] not in OPEN:
            state = "no deal" if current is None else f"the deal is {current['status']}"
            raise StageError(
                f"{key}: {state}; nothing to accept", hint=f"outreach deal offer {key} --fee ..."
            )
        trail = q.offers(conn, int(current["id"]))
        last_by = trail[-1]["proposed_by"]
        acceptor = by or ("creator" if last_by == "brand" else "brand")
        if acceptor == last_by:
            raise InputError(
                f"the {acceptor} made the latest offer; the other side accepts it", field="by"
            )
        terms = Terms.from_json(current["terms"])
        if not terms.deliverables:
            raise InputError(
                "the terms name no deliverable",
                field="deliverable",
                hint="counter or re-offer with --deliverable instagram:reel:1:DATE",
            )
        if not q.update_deal_if(
            conn,
            int(current["id"]),
            current["status"],
            status="accepted",
            terms=terms.to_json(),
            at=at,
        ):
            raise StageError("the deal was changed by someone else meanwhile; try again")
        q.add_offer(conn, int(current["id"]), "accept", acceptor, terms.to_json(), note, at)
        q.add_deliverables(
            conn,
            int(current["id"]),
            [
                {"platform": d.platform, "format": d.format, "due_date": d.due}
                for d in terms.deliverables
                for _ in range(d.count)
            ],
        )
        phase = _open_deal_phase(conn, config, who.enrollment_id, utc(now)) if config else ""
    return DealState(int(current["id"]), who.campaign, who.handle, "accepted", terms, phase)


# Stop reasons after which the conversation may go on from templates: a human reply (the
# inbox's reply effect). Every other stop (opt-out, bounce, complaint, suppression, a failed
# step, an archive, by hand) stands: stop means stop.
_REOPENABLE = frozenset({"replied"})


def _open_deal_phase(conn: Connection, config: Config, enrollment_id: int, now: datetime) -> str:
    """Make the enrollment active at its sequence's first deal-phase step, due after that
    step's delay in the recipient's window; or say why not.

    Opened only for an enrollment stopped by a human reply, or completed (the reply came
    after its last pitch step), at a stage the deal phase sends in (DEAL_SENDABLE), whose
    address is not suppressed (nor its domain, for the enrolment's mailbox). A live one (still
    pitching) is left alone."""
    target = q.deal_phase_target(conn, enrollment_id)
    try:
        sequence = load_sequence(config, target.sequence)
    except UserError as exc:
        return f"deal phase not opened: {exc}"
    if not sequence.deal_steps:
        return ""
    reopenable = target.status == EnrollmentStatus.COMPLETED or (
        target.status == EnrollmentStatus.STOPPED and target.stop_reason in _REOPENABLE
    )
    if not reopenable:
        why = target.status + (f" ({target.stop_reason})" if target.stop_reason else "")
        return f"deal phase not opened: the sequence is {why}"
    if Stage(target.stage) not in DEAL_SENDABLE:
        return f"deal phase not opened: stage {target.stage}"
    if is_suppressed(conn, target.email_norm, mailbox=target.mailbox or None):
        # also the agency-domain rule for the mailbox that would write (its manager asked it
        # to stop contacting their talents)
        return "deal phase not opened: the address is suppressed"
    where = recipient_of(
        config, target.timezone, target.country, campaign_closures(config, target.campaign)
    )
    pieces = q.accepted_pieces(conn, [enrollment_id]).get(enrollment_id, ({}, []))[1]
    first = first_due(config, sequence, where, now, pieces)
    if first is None:
        return "deal phase not opened: only a reminder, and no deliverable has a due date"
    step, due = first
    if not q.open_deal_phase(conn, target, step=step.number, due=due):
        return "deal phase not opened: the enrollment changed meanwhile"
    return f"step {step.number} ({step.template}) due {naive_utc(due):%Y-%m-%d %H:%M} UTC"


def show(engine: Engine, key: str, campaign: str | None = None) -> dict[str, Any]:
    """The deal, its offer trail and its deliverables."""
    with reading(engine) as conn:
        who = person(conn, key, campaign)
        current = q.deal_of(conn, who.enrollment_id)
        if current is None:
            raise InputError(
                f"{key} has no deal in {who.campaign}",
                field="deal",
                hint=f"outreach deal offer {key} --fee ...",
            )
        return {
            "person": who,
            "deal": current,
            "terms": Terms.from_json(current["terms"]),
            "offers": q.offers(conn, int(current["id"])),
            "deliverables": q.deliverables(conn, int(current["id"])),
        }


def listing(
    engine: Engine, campaign: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """One row per deal with its main terms and cost."""
    with reading(engine) as conn:
        rows = q.deal_rows(conn, campaign, status)
    out = []
    for row in rows:
        terms = Terms.from_json(row["terms"])
        cost = terms.cost_ex_tax()
        tax = terms.withholding()
        out.append(
            {
                "deal": row["deal"],
                "campaign": row["campaign"],
                "handle": row["handle"],
                "platform": row["platform"],
                "status": row["status"],
                "stage": row["stage"],
                "fee": terms.fee,
                "currency": terms.currency,
                "tax_basis": terms.tax_basis,
                "withholding": None if tax is None else int(tax),
                "cost_ex_tax": None if cost is None else int(cost),
                "deliverables": sum(d.count for d in terms.deliverables),
                "updated_at": row["updated_at"],
            }
        )
    return out


@dataclass(frozen=True)
class Posted:
    campaign: str
    handle: str
    n: int
    state: str  # posted (no caption) | verified | flagged
    disclosure: str
    posted: int
    total: int
    moved: bool  # the enrolment reached `posted` with this post


def add_post(
    engine: Engine,
    clock: Clock,
    key: str,
    url: str,
    *,
    campaign: str | None = None,
    n: int | None = None,
    caption: str = "",
    posted_at: datetime | None = None,
) -> Posted:
    """Record a live post on a deliverable of the accepted deal; verify its disclosure."""
    seen = recognise_post(url)
    at = naive_utc(posted_at or clock.now())
    with writing(engine) as conn:
        who = person(conn, key, campaign)
        if seen.account and seen.account != who.handle.lower():
            raise InputError(f"{url} is @{seen.account}'s post, not @{who.handle}'s", field="url")
        deal_id = q.accepted_deal_id(conn, who.enrollment_id)
        if deal_id is None:
            raise StageError(
                f"{key} has no accepted deal in {who.campaign}", hint=f"outreach deal accept {key}"
            )
        if q.deliverable_by_url(conn, seen.url) is not None:
            raise InputError(f"{seen.url} is already recorded", field="url")
        items = q.deliverables(conn, deal_id)
        target = _pick(items, n, seen.platform, key)
        terms = Terms.from_json(q.deal_terms(conn, deal_id))
        label = find_disclosure(caption, terms.disclosure) if caption else ""
        state = "posted" if not caption else ("verified" if label else "flagged")
        if not q.record_post(
            conn,
            int(target["id"]),
            url=seen.url,
            posted_at=at,
            caption=caption,
            disclosure=label,
            state=state,
        ):
            raise StageError(f"deliverable {target['n']} was posted meanwhile; try again")
        done, total = q.count_posted(conn, deal_id)
        moved = False
        if done == total and who.stage == Stage.CONTRACTED:
            moved = move_stage_if(
                conn,
                who.enrollment_id,
                Stage.POSTED,
                cause="post",
                at=naive_utc(clock.now()),
                expected=Stage.CONTRACTED,
                note=f"deal #{deal_id}: all {total} deliverables posted",
            )
    return Posted(who.campaign, who.handle, int(target["n"]), state, label, done, total, moved)


def set_caption(engine: Engine, url: str, caption: str) -> tuple[int, str, str]:
    """Give or replace a recorded post's caption and check its disclosure again:
    (deliverable number, state, label found)."""
    with writing(engine) as conn:
        item = q.deliverable_by_url(conn, recognise_post(url).url)
        if item is None:
            raise InputError(
                f"no recorded post has the URL {url}",
                field="url",
                hint="record it first: outreach post add HANDLE URL",
            )
        terms = Terms.from_json(q.deal_terms(conn, int(item["deal_id"])))
        label = find_disclosure(caption, terms.disclosure) if caption else ""
        state = "posted" if not caption else ("verified" if label else "flagged")
        q.set_caption(conn, int(item["id"]), caption=caption, disclosure=label, state=state)
    return int(item["n"]), state, label


def _pick(items: list[dict[str, Any]], n: int | None, platform: str, key: str) -> dict[str, Any]:
    if n is not None:
        for item in items:
            if item["n"] == n:
                if item["post_url"]:
                    raise InputError(
                        f"deliverable {n} already has a post: {item['post_url']}",
                        field="deliverable",
                    )
                return item
        raise InputError(f"{key} has no deliverable {n} (1..{len(items)})", field="deliverable")
    open_items = [i for i in items if not i["post_url"]]
    for item in open_items:
        if item["platform"] == platform:
            return item
    if not open_items:
        raise InputError(f"every deliverable of {key} already has a post", field="deliverable")
    raise InputError(
        f"no open {platform} deliverable for {key}",
        field="deliverable",
        hint="name one with --deliverable N (outreach deal show)",
    )


def late(engine: Engine, today: date, campaign: str | None = None) -> list[dict[str, Any]]:
    """Deliverables still planned after their due date, with days overdue."""
    with reading(engine) as conn:
        rows = q.late_rows(conn, today, campaign)
    return [{**r, "days_late": (today - r["due_date"]).days} for r in rows]
