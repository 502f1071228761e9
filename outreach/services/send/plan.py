"""Due steps -> queued outbox rows with their exact bytes; after a send, schedule the next step.

`plan_due` is the producer half of the dispatch tick: it reads what is due (an index range,
so its cost follows the due count, not the roster), never more than each mailbox's daily cap
can send today, composes outside any write lock, then in one short write transaction locks the
enrollments still due, re-checks suppression and stage, and inserts their rows.
UNIQUE(enrollment_id, step) backs this up: a second planner queues nothing twice.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from outreach.clock import Clock, naive_utc
from outreach.closures import Closures
from outreach.config import Config
from outreach.domain.address import normalise_address
from outreach.domain.deal import Piece, Terms, late_pieces, template_context
from outreach.domain.enrollment import EnrollmentStatus
from outreach.domain.influencer import Influencer
from outreach.domain.outbox import NewOutboxRow, held_stop_reason
from outreach.domain.sequence import AFTER_DEAL, PITCH, REMINDER
from outreach.domain.sequence import Sequence as SequenceFile
from outreach.domain.stages import DEAL_SENDABLE, SENDABLE, Stage
from outreach.domain.variants import parse_recorded, resolve_in
from outreach.domain.windows import next_send_time
from outreach.errors import UserError
from outreach.render.compose import Composed, Composer, Thread
from outreach.render.deadlines import file_dates
from outreach.services.lint.gate import LintGate, workspace_fingerprint
from outreach.services.sequence.campaigns import campaign_closures, load_campaign
from outreach.services.sequence.capacity import room_today
from outreach.services.sequence.deal_phase import reminder_due, step_due
from outreach.services.sequence.files import (
    load_sequence,
    recipient_of,
    sequence_or_error,
    window_for,
)
from outreach.store.queries import (
    due as q,
)
from outreach.store.queries import (
    enrollment as enrollment_q,
)
from outreach.store.queries import (
    mailbox as mailbox_q,
)
from outreach.store.queries import (
    outbox as outbox_q,
)
from outreach.store.queries import variants as variant_q
from outreach.store.queries.deals import accepted_pieces
from outreach.store.queries.enrollment import stop_enrollment
from outreach.store.queries.roster import load_influencers
from outreach.store.queries.suppression import domain_suppressed, suppressed_among
from outreach.store.session import write_on

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class _Planned:
    due: q.Due
    influencer: Influencer
    composed: Composed
    phase: str = PITCH  # the step's: pitch steps send at SENDABLE stages, the deal phase's at
    # DEAL_SENDABLE ones
    variant: str = ""  # the step's variant this person is sent ("" = no variants)


def _held_mailboxes(conn: Connection, config: Config, now: datetime) -> set[str]:
    """Mailboxes whose inbox is configured but not read recently: their follow-ups wait, since
    an unread reply or opt-out must stop them: Japan's 特定電子メール法 gives an opt-out no grace
    period, and we only learn of an opt-out reply when the inbox is read."""
    watched = [name for name, box in config.mailboxes.items() if box.inbox.source != "none"]
    cutoff = now - timedelta(minutes=config.inbox.freshness_minutes)
    return mailbox_q.stale_inboxes(conn, watched, polled_before=cutoff)


class _Files(Generic[T]):
    """Workspace files (campaigns or sequences) read once per tick; a broken one is logged
    and its enrollments wait, instead of failing the whole tick."""

    def __init__(self, kind: str, load: Callable[[str], T]) -> None:
        self.kind = kind
        self._load = load
        self._seen: dict[str, T | UserError] = {}

    def get(self, name: str) -> T | UserError:
        if name not in self._seen:
            try:
                self._seen[name] = self._load(name)
            except UserError as exc:
                log.warning("%s %s cannot be planned: %s", self.kind, name, exc)
                self._seen[name] = exc
        return self._seen[name]


def plan_due(
    engine: Engine,
    config: Config,
    clock: Clock,
    composer: Composer,
    *,
    limit: int,
    rng: random.Random | None = None,
    gate: LintGate | None = None,
) -> int:
    """Queue up to `limit` due steps as outbox rows; returns how many rows were queued.

    Templates edited since they were compiled are compiled again first, so what is queued is
    what `outreach preview` shows now. With a `gate` (the daemon's), a campaign whose templates
    have lint errors is held: none of its steps is planned until they are fixed."""
    composer.refresh()
    with engine.connect() as conn:  # one for the reads and the write (SQLite: NullPool)
        return _plan_on(conn, config, clock, composer, limit=limit, rng=rng, gate=gate)


def _plan_on(
    conn: Connection,
    config: Config,
    clock: Clock,
    composer: Composer,
    *,
    limit: int,
    rng: random.Random | None,
    gate: LintGate | None,
) -> int:
    now = clock.now()
    fingerprint = workspace_fingerprint(config) if gate is not None else ""
    linted_out = gate.held(config, now, fingerprint) if gate is not None else set()
    with conn.begin():
        held = _held_mailboxes(conn, config, now)
        room = room_today(conn, config, now)
        full = [name for name, left in room.items() if left <= 0]
        dues = q.due_enrollments(
            conn,
            now=now,
            limit=limit,
            hold_followups=held,
            skip_mailboxes=full,
            skip_campaigns=linted_out,
        )
        if not dues:
            return 0
        people = {i.id: i for i in load_influencers(conn, ids=[d.influencer_id for d in dues])}
        earlier = q.threads(conn, dues)
        # the accepted deal of each follow-up's enrollment: its deal-phase steps render it
        deals = accepted_pieces(conn, [d.id for d in dues if d.step > 1])
        stops = variant_q.stopped(conn, {d.campaign_slug for d in dues})
    if gate is not None:
        failing = gate.check(config, sorted({d.campaign_slug for d in dues}), now, fingerprint)
        dues = [d for d in dues if d.campaign_slug not in failing]
    campaigns = _Files("campaign", lambda slug: load_campaign(config, slug))
    sequences = _Files("sequence", lambda name: load_sequence(config, name))
    planned: list[_Planned] = []
    later: list[tuple[q.Due, datetime]] = []
    errors: list[tuple[int, str]] = []
    holds: list[tuple[int, str]] = []  # steps whose text states a date already past
    done: list[q.Due] = []  # reminders with nothing late and nothing left to post
    for due in dues:
        campaign, sequence = campaigns.get(due.campaign_slug), sequences.get(due.sequence)
        if isinstance(campaign, UserError) or isinstance(sequence, UserError):
            continue
        if room.get(due.mailbox, 1) <= 0:
            continue  # the mailbox's cap is used up today: stays due, planned on a later tick
        person = people[due.influencer_id]
        step = sequence.find(due.step)
        if step is None:
            errors.append((due.id, f"sequence {sequence.name!r} has no step {due.step}"))
            continue
        where = recipient_of(config, person.timezone, person.country, campaign.closed)
        extra: dict[str, Any] | None = None
        if step.phase != PITCH:
            found = deals.get(due.id)
            if found is None:
                errors.append((due.id, f"step {step.number} ({step.phase}): no accepted deal"))
                continue
            terms, pieces = Terms.from_json(found[0]), found[1]
            today = now.astimezone(ZoneInfo(where.tz)).date()
            if step.phase == REMINDER and not late_pieces(pieces, today):
                # Nothing is late now (posted meanwhile): wait for the next open due date,
                # or end the sequence without sending when none is left.
                again = reminder_due(config, sequence, where, pieces, rng)
                if again is None or again <= now:
                    done.append(due)
                else:
                    later.append((due, again))
                continue
            extra = template_context(terms, pieces, today)
        window = window_for(config, step)
        opens = next_send_time(now, window, tz=where.tz, country=where.country, closed=where.closed)
        if opens > now:
            # Due while the window was shut (the daemon was down): wait for it to open again.
            later.append(
                (
                    due,
                    next_send_time(
                        now,
                        window,
                        tz=where.tz,
                        country=where.country,
                        closed=where.closed,
                        jitter_seconds=config.sending.jitter_seconds,
                        rng=rng,
                    ),
                )
            )
            continue
        rows = earlier.get(due.id, [])
        thread = Thread(tuple(m for m, _ in rows), rows[0][1]) if rows else None
        variant = resolve_in(
            sequence.all_steps,
            step,
            due.campaign_slug,
            due.influencer_id,
            parse_recorded(due.variants),
            _stops_of(stops, due.campaign_slug),
        )
        try:
            composed = composer.compose(
                campaign,
                person,
                step=step.number,
                total_steps=len(sequence.steps if step.phase == PITCH else sequence.all_steps),
                template=variant.template if variant else step.template,
                now=now,
                thread=thread,
                subject=(variant.subject or step.subject) if variant else step.subject,
                mailbox=due.mailbox,
                extra=extra,
                send_to=due.send_to,
            )
        except UserError as exc:
            log.warning("enrollment %s step %s not composed: %s", due.id, due.step, exc)
            errors.append((due.id, f"render error: {exc}"))
            continue
        passed = _passed_deadline(config, campaign.dates, composed.template, where.tz, now)
        if passed:
            holds.append((due.id, held_stop_reason(step.number, passed)))
            continue
        planned.append(_Planned(due, person, composed, step.phase, variant.name if variant else ""))
        room[due.mailbox] = room.get(due.mailbox, 1) - 1
    with write_on(conn):
        for due, at in later:
            q.reschedule(conn, due, at)
        for enrollment_id, reason in errors:
            enrollment_q.mark_error(conn, enrollment_id, reason)
        for enrollment_id, reason in holds:
            log.warning("enrollment %s: %s", enrollment_id, reason)
            stop_enrollment(conn, enrollment_id, reason=reason)
        q.advance_many(conn, [(d.id, d.step, None) for d in done])
        queued = _queue(conn, config, planned, now=now)
    return queued


def _stops_of(
    stops: dict[tuple[str, int], frozenset[str]], slug: str
) -> Callable[[int], frozenset[str]]:
    """Step number -> the campaign's stopped variant names at that step."""
    return lambda number: stops.get((slug, number), frozenset())


def _passed_deadline(
    config: Config, dates: dict[str, date], template: str, tz: str, now: datetime
) -> str:
    """Which date the step's template states that is already past on the send day, in the
    recipient's zone ('' when none): a follow-up must not ask for a reply by last week."""
    stated = file_dates(config.base_dir / template)
    today = now.astimezone(ZoneInfo(tz)).date()
    for key in sorted(stated):
        day = dates.get(key)
        if day is not None and day < today:
            return f"it states {key} {day.isoformat()}, past on its send date {today.isoformat()}"
    return ""


def _queue(conn: Connection, config: Config, planned: list[_Planned], *, now: datetime) -> int:
    """Lock what is still due, stop what must stop, queue the rest; returns rows queued."""
    stages = q.still_due(conn, [p.due for p in planned])
    live = [p for p in planned if p.due.id in stages]
    addresses = {a for p in live for a in (p.influencer.email, *p.composed.rcpt_to)}
    suppressed = suppressed_among(conn, addresses)
    # an agency's domain stopped for the mailbox a person is written from
    blocked = domain_suppressed(
        conn,
        [(p.due.mailbox, a) for p in live for a in (p.influencer.email, *p.composed.rcpt_to) if a],
    )
    ready: list[_Planned] = []
    for item in live:
        stage = stages[item.due.id]
        mine = {item.influencer.email, *item.composed.rcpt_to}
        if suppressed & mine or {(item.due.mailbox, a) for a in mine} & blocked:
            stop_enrollment(conn, item.due.id, reason="suppressed")
        elif Stage(stage) not in (SENDABLE if item.phase == PITCH else DEAL_SENDABLE):
            stop_enrollment(conn, item.due.id, reason=f"stage {stage}")
        else:
            ready.append(item)
    q.take(conn, [p.due.id for p in ready])
    # the variant given is kept on the enrollment, so a replan or restart sends the same arm
    variant_q.record(conn, [(p.due.id, p.due.step, p.variant) for p in ready if p.variant])
    expires = naive_utc(now + timedelta(hours=config.sending.retry.max_age_hours))
    at = naive_utc(now)
    return outbox_q.queue_messages(
        conn,
        [
            NewOutboxRow(
                enrollment_id=p.due.id,
                step=p.due.step,
                mailbox=p.due.mailbox,
                mail_from=p.composed.mail_from,
                rcpt_to=tuple(p.composed.rcpt_to),
                # the person's own address; the agency's for a talent reached only through it
                email_norm=normalise_address(p.influencer.email or p.composed.to_address),
                message_id=p.composed.message_id,
                subject=p.composed.subject,
                template_hash=p.composed.template_hash,
                variant=p.variant,
                raw=p.composed.raw,
                due_at=at,
                expires_at=expires,
                created_at=at,
            )
            for p in ready
        ],
    )


def on_sent(
    conn: Connection,
    config: Config,
    enrollment_id: int,
    step: int,
    sent_at: datetime,
    *,
    rng: random.Random | None = None,
) -> datetime | None:
    """`on_sent_many` for one accepted send: when its next step is due, or None (the sequence
    completed, or nothing to advance: stopped meanwhile, a repeat call, a broken file)."""
    return on_sent_many(conn, config, [(enrollment_id, step, sent_at)], rng=rng).get(enrollment_id)


def on_sent_many(
    conn: Connection,
    config: Config,
    sent: Sequence[tuple[int, int, datetime]],
    *,
    rng: random.Random | None = None,
) -> dict[int, datetime | None]:
    """Once steps were accepted (enrollment, step, sent_at): schedule each next step (its delay,
    then its window, in the recipient's zone) or complete the sequence. One read of the states
    and one write per shape; each row is a compare-and-set on its step and status.

    Never raises for a broken sequence file: the send stays recorded and the enrollment is
    marked `error` for the operator. Returns, per enrollment advanced, its next due time
    (None: completed)."""
    states = enrollment_q.enrollment_states(conn, [enrollment_id for enrollment_id, _, _ in sent])
    sequences: dict[str, SequenceFile | UserError] = {}
    closures: dict[str, Closures] = {}  # per campaign, read once per settled batch
    moves: list[tuple[int, int, datetime | None]] = []
    for enrollment_id, step, sent_at in sent:
        state = states.get(enrollment_id)
        if state is None or state.status != EnrollmentStatus.ACTIVE or state.next_step != step:
            continue
        sequence = sequence_or_error(config, state.sequence, sequences)
        if isinstance(sequence, UserError):
            enrollment_q.mark_error(conn, enrollment_id, f"after step {step}: {sequence}")
            continue
        if state.campaign not in closures:
            closures[state.campaign] = campaign_closures(config, state.campaign)
        closed = closures[state.campaign]
        moves.append(
            (
                enrollment_id,
                step,
                _next_due(conn, config, state, sequence, step, sent_at, rng, closed),
            )
        )
    q.advance_many(conn, moves)
    return {enrollment_id: due for enrollment_id, _, due in moves}


def _next_due(
    conn: Connection,
    config: Config,
    state: enrollment_q.EnrollmentState,
    sequence: SequenceFile,
    step: int,
    sent_at: datetime,
    rng: random.Random | None,
    closed: Closures,
) -> datetime | None:
    """When the step after `step` is due, or None when `step` was the last of its phase;
    `closed` is the campaign's own closures. The last pitch step ends the sequence (its deal
    phase is opened by `deal accept`); the last after_deal step is followed by the reminder,
    due from the deliverables' due dates; the reminder ends it."""
    where = recipient_of(config, state.timezone, state.country, closed)
    following = sequence.following(step)
    if following is None:
        current = sequence.find(step)
        if current is None or current.phase != AFTER_DEAL:
            return None
        pieces: list[Piece] = accepted_pieces(conn, [state.id]).get(state.id, ({}, []))[1]
        return reminder_due(config, sequence, where, pieces, rng)
    return step_due(config, following, sent_at, where, rng)


def sent_hook(config: Config) -> Callable[[Connection, Sequence[tuple[int, int, datetime]]], None]:
    """`on_sent_many` bound to the config, in the shape dispatch calls it (conn, [(enrollment,
    step, sent_at)]) inside the transaction that settles a pass's accepted sends."""

    def hook(conn: Connection, sent: Sequence[tuple[int, int, datetime]]) -> None:
        on_sent_many(conn, config, sent)

    return hook
