"""`outreach enroll`: put matching influencers on a campaign's sequence, or say why not.

Skips (each with a reason): no legal basis, refuses advertising, suppressed (opt-out,
bounce, manual), bounced or unsubscribed in any campaign, already enrolled, and a cooldown
by the relationship another campaign has with them (contacted, replied, declined, contracted,
posted: `[sending.cooldown]`, else `[sending] cooldown_days` from the last contact), which
`ignore_cooldown` overrides with a reason kept on the enrolment. Stop conditions are checked
again when each step is planned and sent; this is only the first gate.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import Connection, Engine

from outreach.clock import naive_utc
from outreach.config import Config
from outreach.domain.campaign import Campaign
from outreach.domain.enrollment import EnrollmentStatus
from outreach.domain.influencer import Basis
from outreach.domain.people import cooldown as cooldown_for
from outreach.domain.sequence import Sequence as SequenceFile
from outreach.domain.variants import resolve, resolve_in
from outreach.domain.windows import next_send_time
from outreach.errors import InputError, UserError
from outreach.render.compose import Composer
from outreach.services.sequence.campaigns import load_campaign
from outreach.services.sequence.capacity import room_today
from outreach.services.sequence.files import (
    load_sequence,
    recipient_of,
    sequence_or_error,
    window_for,
)
from outreach.store.queries import campaign as campaign_q
from outreach.store.queries import enrollment as q
from outreach.store.queries import people as people_q
from outreach.store.queries import variants as variant_q
from outreach.store.queries.campaign import campaign_status
from outreach.store.queries.caps import enrollments_per_mailbox
from outreach.store.queries.pause import PAUSED_WITH_CAMPAIGN
from outreach.store.queries.roster import load_influencers
from outreach.store.queries.suppression import domain_suppressed, suppressed_among
from outreach.store.session import reading, writing

BATCH = 500


@dataclass(frozen=True)
class EnrollFilters:
    platform: str | None = None
    tier: str | None = None
    niche: str | None = None
    tags: tuple[str, ...] = ()  # all must be present
    min_er_pct: float | None = None  # percentile of engagement rate within the platform
    handles: tuple[str, ...] | None = None  # explicit handles (from --handle and --file)


@dataclass(frozen=True)
class Enrolled:
    handle: str
    platform: str
    next_due_at: datetime  # UTC
    tz: str  # the recipient's zone, for showing it in their local time
    mailbox: str = ""  # the mailbox the conversation is sent from, from first step to last
    cooldown_override: str = ""  # the cooldown --ignore-cooldown let them past, and why


@dataclass(frozen=True)
class Skipped:
    handle: str
    platform: str
    reason: str


@dataclass
class EnrollReport:
    campaign: str
    sequence: str
    dry_run: bool
    enrolled: list[Enrolled] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def read_handles(path: Path) -> tuple[str, ...]:
    """One handle per line (`@` optional); blank lines and `#` comments ignored."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(line.lstrip("@") for line in lines if line)


def _chunks(items: Iterator[q.Candidate], size: int) -> Iterator[list[q.Candidate]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _at(candidate: q.Candidate, field: str, reason: str) -> str:
    """A reason about roster data names the row it came from: `file:line: field: reason`."""
    return f"{candidate.source}: {field}: {reason}" if candidate.source else reason


class _Rotation:
    """Round-robin over a campaign's mailboxes: each new enrolment goes to the mailbox holding
    the fewest of the campaign's enrolments (ties: list order) among those with room left
    today (effective cap minus today's load and the enrolments given out in this run); when
    none has room, among all of them, and the planner holds the sends until there is room.
    Counting from the database keeps the rotation even across runs and restarts."""

    def __init__(
        self,
        conn: Connection,
        config: Config,
        campaign: Campaign,
        campaign_id: int | None,
        now: datetime,
    ) -> None:
        self.senders = campaign.senders
        held = enrollments_per_mailbox(conn, campaign_id)
        self.held = {name: held.get(name, 0) for name in self.senders}
        self.room = room_today(conn, config, now) if len(self.senders) > 1 else {}

    def next(self, barred: Collection[str] = ()) -> str:
        """The next mailbox; `barred`: those that may not write to this person (their agency's
        domain asked that mailbox to stop), never all of the campaign's."""
        if len(self.senders) == 1:
            return self.senders[0]
        allowed = [n for n in self.senders if n not in barred]
        open_ = [n for n in allowed if self.room.get(n, 0) > 0] or allowed
        name = min(open_, key=lambda n: (self.held[n], self.senders.index(n)))
        self.held[name] += 1
        self.room[name] = self.room.get(name, 0) - 1
        return name


def _render_problems(
    conn: Connection,
    composer: Composer,
    campaign: Campaign,
    sequence: SequenceFile,
    chunk: list[q.Candidate],
    now: datetime,
) -> dict[int, str]:
    """Who the first step cannot be written for (no post to name, no template in their
    language, a variable missing): `template:line: reason`, found now rather than at send."""
    if not chunk:
        return {}
    first = sequence.steps[0]
    people = load_influencers(conn, ids=[c.id for c in chunk])
    problems: dict[int, str] = {}
    stops = variant_q.stopped(conn, [campaign.slug]).get((campaign.slug, first.number), frozenset())
    for person in people:
        # a step with variants: the one this person will be given (what planning composes)
        variant = resolve(first, campaign.slug, int(person.id or 0), {}, stops)
        try:
            composer.compose(
                campaign,
                person,
                step=first.number,
                total_steps=len(sequence.steps),
                template=variant.template if variant else first.template,
                now=now,
                subject=(variant.subject or first.subject) if variant else first.subject,
                mailbox=campaign.mailbox,
            )
        except UserError as exc:
            problems[int(person.id or 0)] = f"cannot write step 1: {exc}"
    return problems


def _skip_reasons(
    conn: Connection,
    config: Config,
    campaign_id: int | None,
    chunk: list[q.Candidate],
    now: datetime,
    overridden: dict[int, str] | None = None,
    senders: Sequence[str] = (),
    blocked: Collection[tuple[str, str]] = (),
) -> dict[int, str]:
    """Why each of the chunk may not be enrolled; with `overridden` (--ignore-cooldown), a
    cooldown is no reason and is written there instead. `blocked`: (mailbox, address) pairs
    an agency's domain rule stops."""
    ids = [c.id for c in chunk]
    enrolled = q.enrolled_in(conn, campaign_id, ids) if campaign_id is not None else set()
    ended = q.ended(conn, ids)
    suppressed = suppressed_among(conn, [c.email_norm for c in chunk])
    periods = config.sending.cooldown.model_dump()
    related = people_q.relationships(conn, ids, exclude_campaign=campaign_id)
    recent = {
        i: held
        for i, rels in related.items()
        if (held := cooldown_for(rels, periods, config.sending.cooldown_days, now)) is not None
    }
    reasons: dict[int, str] = {}
    for c in chunk:
        if c.id in enrolled:
            reasons[c.id] = "already enrolled"
        elif c.basis == Basis.NONE.value:
            reasons[c.id] = _at(c, "basis", "no legal basis for contact (basis = none)")
        elif c.refuses_ads:
            reasons[c.id] = _at(c, "refuses_ads", "refuses advertising mail (refuses_ads)")
        elif c.id in ended:
            reasons[c.id] = f"{ended[c.id]} in an earlier campaign"
        elif c.email_norm in suppressed:
            reasons[c.id] = "suppressed (opt-out, bounce or manual)"
        # an agency's domain stopped for every mailbox the campaign writes from
        elif senders and all((b, c.email_norm) in blocked for b in senders):
            reasons[c.id] = f"suppressed: its domain, for mailbox {', '.join(senders)}"
        elif c.id in recent and overridden is not None:
            overridden[c.id] = recent[c.id].reason
        elif c.id in recent:
            reasons[c.id] = recent[c.id].reason
    return reasons


def enroll(
    engine: Engine,
    config: Config,
    campaign_slug: str,
    filters: EnrollFilters,
    *,
    dry_run: bool,
    now: datetime,
    rng: random.Random | None = None,
    ignore_cooldown: str = "",
    send_to: str = "",
) -> EnrollReport:
    """Enrol every matching influencer not skipped; with dry_run, report without writing.
    `ignore_cooldown`: the reason a cooldown is overridden (kept on each enrolment it let in).
    `send_to`: who these enrolments mail (self | agency | self_cc_agency; "" = the campaign's
    `to`, else each person's own)."""
    if ignore_cooldown and not ignore_cooldown.strip():
        raise InputError("--ignore-cooldown needs a reason", field="--ignore-cooldown")
    campaign = load_campaign(config, campaign_slug)
    for name in campaign.senders:
        config.mailbox(name)  # unknown mailbox: a ConfigError naming the configured ones
    composer = Composer(config)
    sequence = load_sequence(config, campaign.sequence)
    first = sequence.steps[0]
    window = window_for(config, first)
    report = EnrollReport(campaign=campaign.slug, sequence=sequence.name, dry_run=dry_run)
    with (reading if dry_run else writing)(engine) as conn:
        campaign_id = campaign_q.campaign_id(conn, campaign.slug)
        if campaign_id is None and not dry_run:
            campaign_id = campaign_q.ensure_campaign(conn, campaign.slug, now)
        status = campaign_status(conn, campaign.slug)
        if status == "archived":
            raise InputError(
                f"campaign {campaign.slug} is archived; nobody can be enrolled",
                field="campaign",
                hint="start a new campaign file instead",
            )
        # People enrolled in a paused campaign wait with it, and start when it resumes.
        held = (
            {
                "status": EnrollmentStatus.PAUSED,
                "stop_reason": PAUSED_WITH_CAMPAIGN,
                "next_due_at": None,
            }
            if status == "paused"
            else {"status": EnrollmentStatus.ACTIVE, "stop_reason": ""}
        )
        rotation = _Rotation(conn, config, campaign, campaign_id, now)
        found: set[str] = set()
        matching = q.candidates(
            conn,
            platform=filters.platform,
            tier=filters.tier,
            niche=filters.niche,
            min_er_pct=filters.min_er_pct,
            handles=filters.handles,
        )
        for chunk in _chunks(matching, BATCH):
            chunk = [c for c in chunk if set(filters.tags) <= set(c.tags)]
            found.update(c.handle for c in chunk)
            overridden: dict[int, str] | None = {} if ignore_cooldown.strip() else None
            blocked = domain_suppressed(
                conn, [(b, c.email_norm) for c in chunk for b in campaign.senders]
            )
            reasons = _skip_reasons(
                conn,
                config,
                campaign_id,
                chunk,
                now,
                overridden,
                senders=campaign.senders,
                blocked=blocked,
            )
            reasons.update(
                _render_problems(
                    conn,
                    composer,
                    campaign,
                    sequence,
                    [c for c in chunk if c.id not in reasons],
                    now,
                )
            )
            rows = []
            for c in chunk:
                if c.id in reasons:
                    report.skipped.append(Skipped(c.handle, c.platform, reasons[c.id]))
                    continue
                where = recipient_of(config, c.timezone, c.country, campaign.closed)
                after = first.delay.after(
                    now, tz=where.tz, country=where.country, closed=where.closed
                )
                due = next_send_time(
                    after,
                    window,
                    tz=where.tz,
                    country=where.country,
                    closed=where.closed,
                    jitter_seconds=config.sending.jitter_seconds,
                    rng=rng,
                )
                sender = rotation.next(
                    {b for b in campaign.senders if (b, c.email_norm) in blocked}
                )
                override = (
                    f"{overridden[c.id]}; overridden: {ignore_cooldown.strip()}"
                    if overridden and c.id in overridden
                    else ""
                )
                report.enrolled.append(
                    Enrolled(c.handle, c.platform, due, where.tz, sender, override)
                )
                rows.append(
                    {
                        "campaign_id": campaign_id,
                        "influencer_id": c.id,
                        "sequence": sequence.name,
                        "mailbox": sender,
                        "next_step": 1,
                        "next_due_at": naive_utc(due),
                        "stage": "prospect",
                        "stage_changed_at": naive_utc(now),
                        "created_at": naive_utc(now),
                        "cooldown_override": override,
                        "send_to": send_to,
                        **held,
                    }
                )
            if not dry_run:
                q.insert_enrollments(conn, rows)
        for handle in filters.handles or ():
            if handle.lstrip("@") not in found:
                report.skipped.append(Skipped(handle.lstrip("@"), "", _why_absent(filters)))
    return report


def retry(engine: Engine, config: Config, campaign_slug: str, *, now: datetime) -> EnrollReport:
    """Put the campaign's enrollments that need attention back on track once their step can
    be written (the template or roster was fixed): due now, inside the recipient's window."""
    campaign = load_campaign(config, campaign_slug)
    composer = Composer(config)
    report = EnrollReport(campaign=campaign.slug, sequence=campaign.sequence, dry_run=False)
    sequences: dict[str, SequenceFile | UserError] = {}
    with writing(engine) as conn:
        stuck = q.errored(conn, campaign.slug)
        people = {p.id: p for p in load_influencers(conn, ids=[s[1] for s in stuck])}
        recorded = variant_q.recorded(conn, [s[0] for s in stuck])
        stops = variant_q.stopped(conn, [campaign.slug])
        for enrollment_id, influencer_id, name, step_no in stuck:
            person = people[influencer_id]
            seq = sequence_or_error(config, name, sequences)
            step = seq.step(step_no) if isinstance(seq, SequenceFile) else None
            try:
                if isinstance(seq, UserError):
                    raise seq
                if step is None:
                    raise InputError(f"sequence {name!r} has no step {step_no}", field="sequence")
                variant = resolve_in(  # the variant this person is sent at that step
                    seq.all_steps,
                    step,
                    campaign.slug,
                    influencer_id,
                    recorded.get(enrollment_id, {}),
                    lambda number: stops.get((campaign.slug, number), frozenset()),
                )
                composer.compose(
                    campaign,
                    person,
                    step=step.number,
                    total_steps=len(seq.steps),
                    template=variant.template if variant else step.template,
                    now=now,
                    subject=(variant.subject or step.subject) if variant else step.subject,
                    mailbox=campaign.mailbox,
                )
            except UserError as exc:
                report.skipped.append(Skipped(person.handle, person.platform, f"still: {exc}"))
                continue
            where = recipient_of(config, person.timezone, person.country, campaign.closed)
            due = next_send_time(
                now,
                window_for(config, step),
                tz=where.tz,
                country=where.country,
                closed=where.closed,
            )
            if q.reactivate(conn, enrollment_id, due):
                report.enrolled.append(Enrolled(person.handle, person.platform, due, where.tz))
    return report


def _why_absent(filters: EnrollFilters) -> str:
    narrowed = any(
        (
            filters.platform,
            filters.tier,
            filters.niche,
            filters.tags,
            filters.min_er_pct is not None,
        )
    )
    return "does not match the filters" if narrowed else "not in the roster"


def parse_handles(handles: Sequence[str], file: str | None) -> tuple[str, ...] | None:
    """--handle values plus the handles of --file; None when neither was given."""
    if not handles and not file:
        return None
    return tuple(h.lstrip("@") for h in handles) + (read_handles(Path(file)) if file else ())
