"""Reads for `outreach schedule` and the daily caps: what is planned when, and each mailbox's load.

No writes. Times are stored naive UTC (see clock.utc).
"""

from __future__ import annotations

import heapq
from collections.abc import Generator, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, func, select

from outreach.clock import naive_utc, utc
from outreach.domain.outbox import UNSETTLED
from outreach.store.queries.due import DUE_STATUSES
from outreach.store.schema import (
    campaign,
    enrollment,
    influencer,
    outbox,
)

# An outbox row in these states is planned but not sent yet.
UNSENT_STATES = UNSETTLED

_CHUNK = 500  # ids per IN (...): well under SQLite's bound-parameter limit

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
