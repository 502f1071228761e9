"""Enrolment, the due-step scan and step advancement: the SQL of sequences.

Every function runs in the caller's transaction. The due scan reads `ix_enrollment_due`
(status, next_due_at) so its cost follows the number of due rows, not the roster size.
Times are stored naive UTC (see clock.utc).
"""

from __future__ import annotations

import heapq
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from outreach.clock import naive_utc, utc
from outreach.domain.outbox import FAILURE_STOP_PATTERNS, failed_stop_reason
from outreach.domain.stages import Stage
from outreach.store.queries.pipeline import email_hash
from outreach.store.schema import (
    campaign,
    enrollment,
    influencer,
    mailbox,
    outbox,
    outbox_message,
    suppression_audit,
)

_CHUNK = 500
_ENDED_STAGES = (Stage.BOUNCED.value, Stage.UNSUBSCRIBED.value)
# Enrollments the due scan picks. An out-of-office keeps its enrollment active and moves
# next_due_at; a paused one is held until resumed (queries.pause).
DUE_STATUSES = ("active",)  # a paused enrollment waits for `outreach resume`
# An outbox row in these states is planned but not sent yet.
UNSENT_STATES = ("queued", "claimed", "sending", "retry")
# An outbox row in these states has reached, or may yet reach, the recipient.
CONTACT_STATES = ("queued", "claimed", "sending", "retry", "sent", "unknown")


@dataclass(frozen=True)
class Candidate:
    """What enrolment needs to decide about one influencer (no posts, no custom fields)."""

    id: int
    handle: str
    platform: str
    email_norm: str
    basis: str
    refuses_ads: bool
    timezone: str
    country: str
    tier: str | None
    niche: str
    tags: tuple[str, ...]
    er_rank_pct: float | None
    source: str = ""  # `file:line` of the roster row it was last imported from


def campaign_id(conn: Connection, slug: str) -> int | None:
    return conn.execute(select(campaign.c.id).where(campaign.c.slug == slug)).scalar_one_or_none()


def ensure_campaign(conn: Connection, slug: str, now: datetime) -> int:
    """The campaign row's id, inserted on first use."""
    found = campaign_id(conn, slug)
    if found is not None:
        return found
    return int(
        conn.execute(
            insert(campaign).values(slug=slug, created_at=naive_utc(now)).returning(campaign.c.id)
        ).scalar_one()
    )


def candidates(
    conn: Connection,
    *,
    platform: str | None = None,
    tier: str | None = None,
    niche: str | None = None,
    min_er_pct: float | None = None,
    handles: Sequence[str] | None = None,
) -> Iterator[Candidate]:
    """Influencers matching the column filters, in id order, streamed in chunks.

    Tags are a JSON list and are filtered by the caller (portable across both databases).
    """
    cols = (
        influencer.c.id,
        influencer.c.handle,
        influencer.c.platform,
        influencer.c.email_norm,
        influencer.c.basis,
        influencer.c.refuses_ads,
        influencer.c.timezone,
        influencer.c.country,
        influencer.c.tier,
        influencer.c.niche,
        influencer.c.tags,
        influencer.c.er_rank_pct,
        influencer.c.source_file,
        influencer.c.source_line,
    )
    query = select(*cols).order_by(influencer.c.id)
    if platform:
        query = query.where(influencer.c.platform == platform)
    if tier:
        query = query.where(influencer.c.tier == tier)
    if niche:
        query = query.where(func.lower(influencer.c.niche) == niche.lower())
    if min_er_pct is not None:
        query = query.where(influencer.c.er_rank_pct >= min_er_pct)
    if handles is not None:
        query = query.where(influencer.c.handle.in_([h.lstrip("@") for h in handles]))
    last = 0
    while True:
        rows = conn.execute(query.where(influencer.c.id > last).limit(_CHUNK)).all()
        if not rows:
            return
        for r in rows:
            yield Candidate(
                id=r.id,
                handle=r.handle,
                platform=r.platform,
                email_norm=r.email_norm,
                basis=r.basis,
                refuses_ads=bool(r.refuses_ads),
                timezone=r.timezone,
                country=r.country,
                tier=r.tier,
                niche=r.niche,
                tags=tuple(r.tags or ()),
                er_rank_pct=r.er_rank_pct,
                source=f"{r.source_file}:{r.source_line}" if r.source_file else "",
            )
        last = rows[-1].id


def enrolled_in(conn: Connection, campaign_id: int, ids: Sequence[int]) -> set[int]:
    """Which of these influencers already have an enrollment in the campaign."""
    rows = conn.execute(
        select(enrollment.c.influencer_id).where(
            enrollment.c.campaign_id == campaign_id, enrollment.c.influencer_id.in_(ids)
        )
    )
    return set(rows.scalars())


def ended(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """Influencers who bounced or unsubscribed in any campaign -> that stage.

    A bounce stops counting once a person lifted that address's suppression after it (`outreach
    suppression remove`): they judged the mailbox deliverable again. An opt-out always counts."""
    rows = conn.execute(
        select(
            enrollment.c.influencer_id,
            enrollment.c.stage,
            enrollment.c.stage_changed_at,
            influencer.c.email_norm,
        )
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(enrollment.c.influencer_id.in_(ids), enrollment.c.stage.in_(_ENDED_STAGES))
        .order_by(enrollment.c.stage_changed_at)
    ).all()
    bounced = {email_hash(r.email_norm) for r in rows if r.stage == Stage.BOUNCED.value}
    lifted: dict[str, datetime] = {}
    if bounced:
        lifts = conn.execute(
            select(suppression_audit.c.email_hash, func.max(suppression_audit.c.at))
            .where(
                suppression_audit.c.email_hash.in_(bounced), suppression_audit.c.action == "remove"
            )
            .group_by(suppression_audit.c.email_hash)
        )
        lifted = {h: at for h, at in lifts}
    out: dict[int, str] = {}
    for r in rows:
        if r.stage == Stage.BOUNCED.value:
            at = lifted.get(email_hash(r.email_norm))
            if at is not None and at >= r.stage_changed_at:
                continue
        if out.get(r.influencer_id) != Stage.UNSUBSCRIBED.value:
            out[r.influencer_id] = r.stage
    return out


def recent_contacts(
    conn: Connection, ids: Sequence[int], *, since: datetime, exclude_campaign: int | None
) -> dict[int, tuple[str, datetime]]:
    """Influencers another campaign mailed, or enrolled, at or after `since` -> (slug, when).

    A message counts from its sending time, or its creation while still in flight; an
    enrolment counts from its creation, since it will mail soon.
    """
    at = naive_utc(since)
    mailed = (
        select(
            enrollment.c.influencer_id,
            campaign.c.slug,
            func.coalesce(outbox.c.sent_at, outbox.c.created_at).label("at"),
        )
        .join(enrollment, enrollment.c.id == outbox.c.enrollment_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(
            enrollment.c.influencer_id.in_(ids),
            outbox.c.state.in_(CONTACT_STATES),
            func.coalesce(outbox.c.sent_at, outbox.c.created_at) >= at,
        )
    )
    joined = (
        select(enrollment.c.influencer_id, campaign.c.slug, enrollment.c.created_at.label("at"))
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.influencer_id.in_(ids), enrollment.c.created_at >= at)
    )
    if exclude_campaign is not None:
        mailed = mailed.where(enrollment.c.campaign_id != exclude_campaign)
        joined = joined.where(enrollment.c.campaign_id != exclude_campaign)
    out: dict[int, tuple[str, datetime]] = {}
    for row in conn.execute(mailed.union_all(joined)):
        when = utc(row.at)
        if row.influencer_id not in out or when > out[row.influencer_id][1]:
            out[row.influencer_id] = (row.slug, when)
    return out


def insert_enrollments(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert; each row: campaign_id, influencer_id, sequence, mailbox, next_due_at."""
    if rows:
        conn.execute(insert(enrollment), list(rows))


@dataclass(frozen=True)
class Due:
    """One enrollment whose next step is due."""

    id: int
    campaign_slug: str
    influencer_id: int
    sequence: str
    mailbox: str
    step: int
    due_at: datetime
    stage: str


def stale_inboxes(conn: Connection, names: Iterable[str], *, polled_before: datetime) -> set[str]:
    """Mailboxes (of `names`) whose inbox was never read or not since `polled_before`."""
    names = list(names)
    if not names:
        return set()
    fresh = conn.execute(
        select(mailbox.c.name).where(
            mailbox.c.name.in_(names), mailbox.c.inbox_polled_at >= naive_utc(polled_before)
        )
    )
    return set(names) - set(fresh.scalars())


def due_enrollments(
    conn: Connection,
    *,
    now: datetime,
    limit: int,
    hold_followups: Iterable[str] = (),
    skip_mailboxes: Iterable[str] = (),
    skip_campaigns: Iterable[str] = (),
) -> list[Due]:
    """Active enrollments with next_due_at <= now, oldest first (index range scan).

    Follow-ups (step > 1) on the `hold_followups` mailboxes and everything on `skip_mailboxes`
    or of `skip_campaigns` are left out, so rows that must wait never crowd out the rest of
    the batch.
    """
    query = (
        select(
            enrollment.c.id,
            campaign.c.slug,
            enrollment.c.influencer_id,
            enrollment.c.sequence,
            enrollment.c.mailbox,
            enrollment.c.next_step,
            enrollment.c.next_due_at,
            enrollment.c.stage,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.status.in_(DUE_STATUSES), enrollment.c.next_due_at <= naive_utc(now))
        .order_by(enrollment.c.next_due_at)
        .limit(limit)
    )
    skipped = list(skip_mailboxes)
    if skipped:
        query = query.where(enrollment.c.mailbox.not_in(skipped))
    campaigns_held = list(skip_campaigns)
    if campaigns_held:
        query = query.where(campaign.c.slug.not_in(campaigns_held))
    held = list(hold_followups)
    if held:
        query = query.where(or_(enrollment.c.next_step == 1, enrollment.c.mailbox.not_in(held)))
    return [
        Due(id_, slug, influencer_id, sequence, mailbox, step, utc(due_at), stage)
        for id_, slug, influencer_id, sequence, mailbox, step, due_at, stage in conn.execute(query)
    ]


def threads(conn: Connection, dues: Sequence[Due]) -> dict[int, list[tuple[str, str]]]:
    """Per enrollment, (message_id, subject) of the steps before its due one, oldest first."""
    before = {d.id: d.step for d in dues if d.step > 1}
    out: dict[int, list[tuple[str, str]]] = {eid: [] for eid in before}
    ids = list(before)
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            select(outbox.c.enrollment_id, outbox.c.step, outbox.c.message_id, outbox.c.subject)
            .where(outbox.c.enrollment_id.in_(ids[start : start + _CHUNK]))
            .order_by(outbox.c.enrollment_id, outbox.c.step)
        )
        for r in rows:
            if r.step < before[r.enrollment_id]:
                out[r.enrollment_id].append((r.message_id, r.subject))
    return out


def still_due(conn: Connection, dues: Sequence[Due]) -> dict[int, str]:
    """Of these due enrollments, those still active/paused at the same step and due time,
    locked until commit (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds
    the write lock) -> their current stage. A reply, stop or another planner since the due
    scan drops a row."""
    wanted = {d.id: d for d in dues}
    found: dict[int, str] = {}
    ids = list(wanted)
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            select(
                enrollment.c.id,
                enrollment.c.status,
                enrollment.c.next_step,
                enrollment.c.next_due_at,
                enrollment.c.stage,
            )
            .where(enrollment.c.id.in_(ids[start : start + _CHUNK]))
            .with_for_update()
        )
        for id_, status, next_step, next_due_at, stage in rows:
            due = wanted[id_]
            if (
                status in DUE_STATUSES
                and next_step == due.step
                and next_due_at is not None
                and utc(next_due_at) == due.due_at
            ):
                found[id_] = stage
    return found


def take(conn: Connection, ids: Sequence[int]) -> None:
    """Mark locked, still-due enrollments as handed to the outbox (next_due_at NULL)."""
    for start in range(0, len(ids), _CHUNK):  # one statement per chunk, not one per row:
        conn.execute(  # this runs under the write lock the daemon's group commits wait for
            update(enrollment)
            .where(enrollment.c.id.in_(ids[start : start + _CHUNK]))
            .values(next_due_at=None, status="active")
        )


def reschedule(conn: Connection, due: Due, at: datetime) -> None:
    """Move a due step to a later time (its window is closed now)."""
    conn.execute(
        update(enrollment)
        .where(
            enrollment.c.id == due.id,
            enrollment.c.next_step == due.step,
            enrollment.c.status.in_(DUE_STATUSES),
        )
        .values(next_due_at=naive_utc(at))
    )


def mark_error(conn: Connection, enrollment_id: int, reason: str) -> None:
    """A step that cannot be composed for this influencer: visible, not retried each tick."""
    conn.execute(
        update(enrollment)
        .where(enrollment.c.id == enrollment_id, enrollment.c.status.in_(DUE_STATUSES))
        .values(status="error", stop_reason=reason[:200], next_due_at=None)
    )


def queue_messages(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert queued outbox rows, each with its message bytes (`raw`, kept in outbox_message),
    unless (enrollment_id, step) has one; returns how many new.

    The caller holds the enrollments' locks (still_due); ON CONFLICT DO NOTHING covers a row
    written without them, and RETURNING names the rows that are new.
    """
    if not rows:
        return 0
    raw = {(r["enrollment_id"], r["step"]): r["raw"] for r in rows}
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        dialect_insert(outbox)
        .on_conflict_do_nothing(index_elements=["enrollment_id", "step"])
        .returning(outbox.c.id, outbox.c.enrollment_id, outbox.c.step)
    )
    inserted = conn.execute(stmt, [{k: v for k, v in r.items() if k != "raw"} for r in rows]).all()
    if not inserted:
        return 0
    # An upsert: bytes orphaned by a delete made without foreign keys (the sqlite3 shell has
    # them off) must not block a new row that reuses the id (SQLite reuses the largest rowid).
    body = dialect_insert(outbox_message)
    conn.execute(
        body.on_conflict_do_update(index_elements=["outbox_id"], set_={"raw": body.excluded.raw}),
        [
            {"outbox_id": outbox_id, "raw": raw[(enrollment_id, step)]}
            for outbox_id, enrollment_id, step in inserted
        ],
    )
    return len(inserted)


@dataclass(frozen=True)
class EnrollmentState:
    id: int
    influencer_id: int
    sequence: str
    mailbox: str
    next_step: int
    status: str
    timezone: str
    country: str
    campaign: str  # its slug


def enrollment_state(conn: Connection, enrollment_id: int) -> EnrollmentState | None:
    return enrollment_states(conn, [enrollment_id]).get(enrollment_id)


def enrollment_states(conn: Connection, ids: Sequence[int]) -> dict[int, EnrollmentState]:
    """Where each enrollment is in its sequence, with its recipient's zone (one query)."""
    rows = conn.execute(
        select(
            enrollment.c.id,
            enrollment.c.influencer_id,
            enrollment.c.sequence,
            enrollment.c.mailbox,
            enrollment.c.next_step,
            enrollment.c.status,
            influencer.c.timezone,
            influencer.c.country,
            campaign.c.slug,
        )
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(enrollment.c.id.in_(list(ids)))
    )
    return {row[0]: EnrollmentState(*row) for row in rows}  # the columns in the dataclass's order


def unsettled_sends(conn: Connection) -> list[tuple[int, int, datetime]]:
    """Accepted sends whose sequence side was never settled (a worker stopped between its
    `sent` commit and the end of its pass): (enrollment, step, sent_at). Their enrollment is
    still active, waiting (next_due_at NULL) at the step that went out; the index on
    (status, next_due_at) keeps this to the enrollments in flight, which the daily caps bound."""
    rows = conn.execute(
        select(outbox.c.enrollment_id, outbox.c.step, outbox.c.sent_at)
        .select_from(
            enrollment.join(
                outbox,
                and_(
                    outbox.c.enrollment_id == enrollment.c.id,
                    outbox.c.step == enrollment.c.next_step,
                ),
            )
        )
        .where(
            enrollment.c.status == "active",
            enrollment.c.next_due_at.is_(None),
            outbox.c.state == "sent",
        )
    )
    return [(r.enrollment_id, r.step, utc(r.sent_at)) for r in rows]


_ADVANCE_MANY = update(enrollment).where(
    enrollment.c.id == bindparam("e_id"),
    enrollment.c.next_step == bindparam("e_sent"),
    enrollment.c.status == "active",
)


def advance_many(conn: Connection, moves: Sequence[tuple[int, int, datetime | None]]) -> None:
    """After each (enrollment, sent_step, next_due_at) was accepted: schedule its next step, or
    complete it when next_due_at is None. One executemany per shape; each row a compare-and-set
    on next_step and status, so a repeat or a stop recorded meanwhile is kept."""
    scheduled = [
        {"e_id": e, "e_sent": s, "e_next": s + 1, "e_due": naive_utc(due)}
        for e, s, due in moves
        if due is not None
    ]
    completed = [{"e_id": e, "e_sent": s, "e_next": s + 1} for e, s, due in moves if due is None]
    if scheduled:
        conn.execute(
            _ADVANCE_MANY.values(next_step=bindparam("e_next"), next_due_at=bindparam("e_due")),
            scheduled,
        )
    if completed:
        conn.execute(
            _ADVANCE_MANY.values(
                next_step=bindparam("e_next"), next_due_at=None, status="completed"
            ),
            completed,
        )


# A pending row for `schedule`, as a plain tuple (no object per row): (enrollment id, campaign
# slug, handle, platform, timezone, country, sequence, next_step, start, queued), where start is
# the time the step may go (its outbox row's due time when queued, else next_due_at).
PendingRow = tuple[int, str, str, str, str, str, str, int, datetime, bool]
_SCHEDULE_CHUNK = 1000


def _waiting_join(query: Any, waiting: Any) -> Any:
    return query.outerjoin(
        waiting,
        (waiting.c.enrollment_id == enrollment.c.id)
        & (waiting.c.step == enrollment.c.next_step)
        & waiting.c.state.in_(UNSENT_STATES),
    )


def pending_by_time(
    conn: Connection, mailbox_name: str, after: datetime
) -> Generator[PendingRow, None, None]:
    """Active enrollments of a mailbox whose step waits in the outbox, or is due after `after`,
    earliest first (ties in no set order), streamed: the outbox's unsent rows by due time, the
    others by next_due_at in ix_enrollment_due's order, a chunk at a time."""
    waiting = outbox.alias("waiting")
    scheduled = conn.execution_options(yield_per=_SCHEDULE_CHUNK).execute(
        _waiting_join(select(*_PENDING_COLUMNS, enrollment.c.next_due_at), waiting)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(
            enrollment.c.status.in_(DUE_STATUSES),
            enrollment.c.next_due_at > naive_utc(after),
            enrollment.c.mailbox == mailbox_name,
            waiting.c.id.is_(None),
        )
        .order_by(enrollment.c.next_due_at)
    )
    try:
        rows = heapq.merge(
            _queued(conn, mailbox_name),
            ((*r[:8], utc(r[8]), False) for r in scheduled),
            key=itemgetter(8),
        )
        yield from rows
    finally:
        scheduled.close()


def overdue_ids(conn: Connection, now: datetime) -> Generator[int, None, None]:
    """Ids of the active enrollments due at or before `now` (any mailbox), ascending, streamed:
    ix_enrollment_due covers the query, and the database sorts the ids."""
    ids = conn.execution_options(yield_per=_SCHEDULE_CHUNK).execute(
        select(enrollment.c.id)
        .where(enrollment.c.status.in_(DUE_STATUSES), enrollment.c.next_due_at <= naive_utc(now))
        .order_by(enrollment.c.id)
    )
    try:
        yield from ids.scalars()
    finally:
        ids.close()


def overdue_rows(
    conn: Connection, mailbox_name: str, now: datetime, ids: Sequence[int]
) -> list[PendingRow]:
    """Of these enrollments, by id, those of the mailbox due at or before `now` whose step is
    not in the outbox."""
    waiting = outbox.alias("waiting")
    # Status and due time are checked here, not in SQL: given them, SQLite (without statistics)
    # read the whole ix_enrollment_due range instead of these ids.
    rows = conn.execute(
        _waiting_join(
            select(*_PENDING_COLUMNS, enrollment.c.next_due_at, enrollment.c.status), waiting
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(
            enrollment.c.id.in_(list(ids)),
            enrollment.c.mailbox == mailbox_name,
            waiting.c.id.is_(None),
        )
        .order_by(enrollment.c.id)
    )
    return [
        (*r[:8], due, False)
        for r in rows
        if r[9] in DUE_STATUSES and r[8] is not None and (due := utc(r[8])) <= now
    ]


def places(conn: Connection) -> list[tuple[str, str]]:
    """The distinct (timezone, country) of the roster."""
    rows = conn.execute(select(influencer.c.timezone, influencer.c.country).distinct())
    return [(tz, country) for tz, country in rows]


_PENDING_COLUMNS = (
    enrollment.c.id,
    campaign.c.slug,
    influencer.c.handle,
    influencer.c.platform,
    influencer.c.timezone,
    influencer.c.country,
    enrollment.c.sequence,
    enrollment.c.next_step,
)


def _queued(conn: Connection, mailbox_name: str) -> list[PendingRow]:
    """Pending rows whose step waits in the outbox, by due time. The outbox's unsent rows are
    read first, then their enrollments by id: joined in one query, SQLite (without statistics)
    read every active enrollment and looked each one up in the outbox."""
    unsent = {
        enrollment_id: (step, due_at)
        for enrollment_id, step, due_at in conn.execute(
            select(outbox.c.enrollment_id, outbox.c.step, outbox.c.due_at).where(
                outbox.c.state.in_(UNSENT_STATES)
            )
        )
    }
    ids = list(unsent)
    out: list[PendingRow] = []
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            select(*_PENDING_COLUMNS)
            .join(campaign, campaign.c.id == enrollment.c.campaign_id)
            .join(influencer, influencer.c.id == enrollment.c.influencer_id)
            .where(
                enrollment.c.id.in_(ids[start : start + _CHUNK]),
                enrollment.c.mailbox == mailbox_name,
                enrollment.c.status.in_(DUE_STATUSES),
            )
        )
        for r in rows:
            step, due_at = unsent[r[0]]
            if r[7] == step:
                out.append((*r, utc(due_at), True))
    out.sort(key=itemgetter(8, 0))
    return out


def pending_untimed(
    conn: Connection, campaign_id: int, mailbox_name: str
) -> list[tuple[int, str, str, int]]:
    """The campaign's active enrollments on a mailbox whose step has no time (it went out and
    waits to be settled), by id: (id, handle, sequence, next_step). The steps in flight: a
    range of ix_enrollment_due (next_due_at IS NULL); `+ 0` as in `halted`, or SQLite reads
    every enrollment of the campaign."""
    waiting = outbox.alias("waiting")
    rows = conn.execute(
        _waiting_join(
            select(
                enrollment.c.id, influencer.c.handle, enrollment.c.sequence, enrollment.c.next_step
            ),
            waiting,
        )
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(
            enrollment.c.campaign_id + 0 == campaign_id,
            enrollment.c.mailbox == mailbox_name,
            enrollment.c.status.in_(DUE_STATUSES),
            enrollment.c.next_due_at.is_(None),
            waiting.c.id.is_(None),
        )
        .order_by(enrollment.c.id)
    )
    return [(id_, handle, name, number) for id_, handle, name, number in rows]


def day_load(conn: Connection, mailboxes: Sequence[str], day_start: datetime) -> dict[str, int]:
    """Per mailbox: messages sent since `day_start` plus those queued and not yet sent, i.e.
    what today's daily cap already has to carry."""
    load = sent_since(conn, mailboxes, day_start)
    # Two index ranges (sent_at; state, due_at) rather than one OR, which scans the whole outbox.
    unsent = conn.execute(
        select(outbox.c.mailbox, func.count())
        .where(outbox.c.state.in_(UNSENT_STATES), outbox.c.mailbox.in_(list(mailboxes)))
        .group_by(outbox.c.mailbox)
    )
    for name, count in unsent:
        load[name] = load.get(name, 0) + int(count)
    return load


def sent_since(conn: Connection, mailboxes: Sequence[str], since: datetime) -> dict[str, int]:
    """Messages each mailbox has sent at or after `since` (for today's cap)."""
    rows = conn.execute(
        select(outbox.c.mailbox, func.count())
        .where(outbox.c.mailbox.in_(list(mailboxes)), outbox.c.sent_at >= naive_utc(since))
        .group_by(outbox.c.mailbox)
    )
    return {r[0]: int(r[1]) for r in rows}


def errored(conn: Connection, campaign_slug: str) -> list[tuple[int, int, str, int]]:
    """(enrollment id, influencer id, sequence, next step) of the campaign's enrollments that
    need attention (a step could not be written)."""
    rows = conn.execute(
        select(
            enrollment.c.id,
            enrollment.c.influencer_id,
            enrollment.c.sequence,
            enrollment.c.next_step,
        )
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(campaign.c.slug == campaign_slug, enrollment.c.status == "error")
        .order_by(enrollment.c.id)
    )
    return [(r.id, r.influencer_id, r.sequence, r.next_step) for r in rows]


def needing_attention(conn: Connection, *, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """Enrollments whose step could not be written: how many, and the latest `limit`
    (handle, campaign, stop_reason)."""
    stuck = enrollment.c.status == "error"
    total = conn.execute(select(func.count()).select_from(enrollment).where(stuck)).scalar_one()
    rows = conn.execute(
        select(influencer.c.handle, campaign.c.slug.label("campaign"), enrollment.c.stop_reason)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(stuck)
        .order_by(enrollment.c.id.desc())
        .limit(limit)
    ).mappings()
    return int(total), [dict(r) for r in rows]


def reactivate(conn: Connection, enrollment_id: int, due: datetime) -> bool:
    """error -> active, its step due at `due`; False when it was no longer in error."""
    return bool(
        conn.execute(
            update(enrollment)
            .where(enrollment.c.id == enrollment_id, enrollment.c.status == "error")
            .values(status="active", stop_reason="", next_due_at=naive_utc(due))
        ).rowcount
    )


def halted(conn: Connection, campaign_slug: str) -> list[tuple[str, str, str]]:
    """(handle, status, stop_reason) of the campaign's stopped, errored or paused enrollments."""
    rows = conn.execute(
        select(influencer.c.handle, enrollment.c.status, enrollment.c.stop_reason)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        # `+ 0`: through ix_enrollment_due (these statuses), not every enrollment of the
        # campaign, which SQLite without statistics prefers (https://sqlite.org/optoverview.html
        # "Disqualifying WHERE clause terms using unary-+").
        .where(
            enrollment.c.campaign_id + 0
            == select(campaign.c.id).where(campaign.c.slug == campaign_slug).scalar_subquery(),
            enrollment.c.status.in_(("stopped", "error", "paused")),
        )
        .order_by(enrollment.c.id)
    )
    return [(r.handle, r.status, r.stop_reason) for r in rows]


def failure_stops(conn: Connection, *, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """Enrollments stopped because a step's row failed or expired (FAILURE_STOP_PATTERNS):
    how many, and the latest `limit` of them (handle, campaign, stop_reason)."""
    stopped = and_(
        enrollment.c.status == "stopped",
        or_(*(enrollment.c.stop_reason.like(p) for p in FAILURE_STOP_PATTERNS)),
    )
    total = conn.execute(select(func.count()).select_from(enrollment).where(stopped)).scalar_one()
    rows = conn.execute(
        select(influencer.c.handle, campaign.c.slug.label("campaign"), enrollment.c.stop_reason)
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .join(campaign, campaign.c.id == enrollment.c.campaign_id)
        .where(stopped)
        .order_by(enrollment.c.id.desc())
        .limit(limit)
    ).mappings()
    return total, [dict(r) for r in rows]


def resume_after_failure(conn: Connection, enrollment_id: int, step: int) -> None:
    """Undo the stop a failed `step` caused (the operator sends the row again); any other stop
    (a reply, an opt-out, a hard bounce) stands."""
    conn.execute(
        update(enrollment)
        .where(
            enrollment.c.id == enrollment_id,
            enrollment.c.status == "stopped",
            enrollment.c.stop_reason.like(failed_stop_reason(step, "%")),
        )
        .values(status="active", stop_reason="")
    )
