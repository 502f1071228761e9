"""The report's counters, kept as the facts they count change, so `outreach report` reads a few
hundred rows instead of aggregating every outbox row, reply and stage move of a campaign.

A write that changes a counted fact of an enrolment (an outbox row sent, a human reply
recorded or resolved, a funnel stage entered, a post or an order recorded, a person's platform
or tier changed, an enrolment made or deleted) calls `touch` with its id. Just before that
transaction commits (`install` hooks the engine's commit), each touched enrolment's facts are
read again from the tables (`facts_of`, the same definitions as the scanning
`queries.report::facts`), compared with the facts last counted (`funnel_person`), and the
difference is added to the campaign's counters with `INSERT ... ON CONFLICT DO UPDATE SET n =
n + excluded.n`: in the transaction of the change, never a read-modify-write of a counter.

An outbox row sent (`sent`, the one write on the sending path) is not counted in the
transaction that sends it: the group commit records (outbox row, enrolment) in `funnel_pending`,
two integers, and `fold` counts those later: the daemon's `count` job, and every read of the
counters first (`pending`, then `fold`), so a report is always exact. Folding adds each message
to the facts last counted without reading the person's facts again, unless the person had
answered already (then which message the answer counts for may change) or the facts hold that
step already (a write that read the person whole since, or a second fold of the same rows): then
the person is counted whole, which adds only what differs. So folding twice, folding rows that
another write counted already, or folding them in any order counts each message once.

Concurrency (several daemon workers on PostgreSQL): the enrolments' `funnel_person` rows are
locked (FOR UPDATE) before their facts are read, so a second transaction counting the same
person waits for the first to commit and then sees its writes; locks are taken at the end of
the transaction, enrolments in id order and then counters in key order, so two transactions
never wait on each other in a cycle. SQLite holds its one write lock from BEGIN IMMEDIATE.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Engine,
    bindparam,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from outreach.domain.funnel import FUNNEL_STAGES, HUMAN_KINDS, Facts
from outreach.store.queries.report import _inbound_at, _kind, answered_query, epoch
from outreach.store.schema import (
    conversion,
    deal,
    deliverable,
    enrollment,
    funnel_count,
    funnel_gap,
    funnel_pending,
    funnel_person,
    inbound,
    influencer,
    outbox,
    stage_history,
)

CHUNK = 500  # enrolment ids per IN (...)
_PENDING = "outreach.tally.pending"

Pick = Callable[[Any], ColumnElement[bool]]  # enrolment id column -> the ones to read


# --- Keeping count -------------------------------------------------------------------------


def install(engine: Engine) -> None:
    """Count what each transaction touched just before it commits; forget it on rollback."""
    if not event.contains(engine, "commit", _before_commit):
        event.listen(engine, "commit", _before_commit)
        event.listen(engine, "rollback", _on_rollback)


@dataclass
class _Pending:
    """What a transaction changed, counted before it commits."""

    txn: Any
    touched: set[int] = field(default_factory=set)  # enrolments to read again
    sent: dict[int, list[int]] = field(default_factory=dict)  # enrolment -> outbox rows sent


def _pending(conn: Connection) -> _Pending | None:
    """This transaction's pending counts; None when they cannot wait for the commit (no
    transaction, or an engine without the hook), so the caller counts at once."""
    txn = conn.get_transaction()
    if txn is None or not event.contains(conn.engine, "commit", _before_commit):
        return None
    held = conn.info.get(_PENDING)
    if held is None or held.txn is not txn:  # left by a transaction that ended without a hook
        held = conn.info[_PENDING] = _Pending(txn)
    return cast(_Pending, held)


def touch(conn: Connection, enrollment_ids: Iterable[int | None]) -> None:
    """These enrolments' counted facts may have changed in this transaction: they are counted
    again before it commits (at once when the engine has no commit hook)."""
    ids = {int(i) for i in enrollment_ids if i is not None}
    if not ids:
        return
    held = _pending(conn)
    if held is None:
        refresh(conn, ids)
    else:
        held.touched.update(ids)


def sent(conn: Connection, rows: Iterable[tuple[int, int]]) -> None:
    """These (enrolment, outbox row) were marked sent in this transaction: recorded to be
    counted by `fold` (at once when the engine has no commit hook)."""
    held = _pending(conn)
    if held is None:
        refresh(conn, [eid for eid, _ in rows])
        return
    for eid, outbox_id in rows:
        held.sent.setdefault(int(eid), []).append(int(outbox_id))


def pending(conn: Connection) -> bool:
    """Whether sends wait to be counted."""
    return conn.execute(select(funnel_pending.c.outbox_id).limit(1)).first() is not None


def fold(conn: Connection, *, batch: int = 2000) -> int:
    """Count the sends waiting in `funnel_pending`, oldest first, and forget them; how many.
    Safe to run in several processes at once (see the module's docstring)."""
    done = 0
    while True:
        rows = conn.execute(
            select(funnel_pending.c.outbox_id, funnel_pending.c.enrollment_id)
            .order_by(funnel_pending.c.outbox_id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        grouped: dict[int, list[int]] = defaultdict(list)
        for outbox_id, eid in rows:
            grouped[int(eid)].append(int(outbox_id))
        refresh(conn, (), grouped)
        ids = [int(outbox_id) for outbox_id, _ in rows]
        for chunk in _chunks(ids):
            conn.execute(delete(funnel_pending).where(funnel_pending.c.outbox_id.in_(chunk)))
        done += len(rows)
        if len(rows) < batch:
            return done


def touch_influencers(conn: Connection, influencer_ids: Iterable[int]) -> None:
    """Every enrolment of these people (their platform or tier, by which the report breaks
    the funnel down, changed)."""
    wanted = sorted(set(influencer_ids))
    for start in range(0, len(wanted), CHUNK):
        touch(
            conn,
            conn.execute(
                select(enrollment.c.id).where(
                    enrollment.c.influencer_id.in_(wanted[start : start + CHUNK])
                )
            ).scalars(),
        )


def _before_commit(conn: Connection) -> None:
    if conn.invalidated:  # the commit fails as it is; `conn.info` would raise instead
        return
    held = conn.info.pop(_PENDING, None)
    if held is None or held.txn is not conn.get_transaction():
        return
    if held.touched:
        refresh(conn, held.touched)
    later = [
        {"outbox_id": outbox_id, "enrollment_id": eid}
        for eid, found in sorted(held.sent.items())
        if eid not in held.touched  # read whole just now, the send with it
        for outbox_id in found
    ]
    if later:
        conn.execute(_queries(conn.dialect.name).later, later)


def _on_rollback(conn: Connection) -> None:
    # A lost connection's info goes with it; reading it would raise, and the rollback that
    # lets the connection reconnect would fail.
    if not conn.invalidated:
        conn.info.pop(_PENDING, None)


def refresh(
    conn: Connection, enrollment_ids: Iterable[int], sent: Mapping[int, list[int]] | None = None
) -> None:
    """Count these enrolments again: lock their last counted facts, read their facts now, and
    add the difference to the counters. `sent`: enrolments whose only change is outbox rows
    marked sent (their messages are added to the facts last counted)."""
    touched = set(enrollment_ids)
    quick = {eid: rows for eid, rows in (sent or {}).items() if eid not in touched}
    queries = _queries(conn.dialect.name)
    old: dict[int, Facts] = {}
    messages: dict[int, list[tuple[int, str, str, float]]] = defaultdict(list)
    if touched:
        for chunk in _chunks(sorted(touched | quick.keys())):  # locked in id order
            for eid, text in conn.execute(queries.locked, {"ids": chunk}):
                old[int(eid)] = Facts.from_json(text)
        rows = sorted(o for found in quick.values() for o in found)
        for chunk in _chunks(rows):
            for eid, *message in conn.execute(queries.messages, {"ids": chunk}):
                messages[int(eid)].append(_message(message))
    else:  # a group of sends: their messages and the facts they add to, in one query
        for chunk in _chunks(sorted(quick)):
            rows = [o for eid in chunk for o in quick[eid]]
            for eid, text, *message in conn.execute(queries.sent_to, {"ids": rows}):
                if int(eid) not in old:
                    old[int(eid)] = Facts.from_json(text)
                messages[int(eid)].append(_message(message))
    counts: Counter[tuple[int, str]] = Counter()
    gaps: Counter[tuple[int, str, int, float]] = Counter()
    new: dict[int, Facts] = {}
    for eid in quick:
        before = old.get(eid)
        added = None if before is None else before.with_sent(messages.get(eid, []))
        if before is None or added is None:
            touched.add(eid)  # counted whole: see Facts.with_sent
            continue
        new[eid], cells, values = added
        for key, n in cells.items():
            counts[before.campaign_id, key] += n
        for (stage, bucket, hours), n in values.items():
            gaps[before.campaign_id, stage, bucket, hours] += n
    quicker = dict(new)
    for chunk in _chunks(sorted(touched)):
        new.update(_facts(conn, queries.by_ids, {"ids": chunk}))
    _count(conn, old, new, sorted(touched | quick.keys()), counts, gaps, counted=quicker)
    _apply(conn, counts, gaps)


def _message(row: Sequence[Any]) -> tuple[int, str, str, float]:
    step, template, variant, at = row
    return int(step), str(template), str(variant), float(at)


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def rebuild(conn: Connection, *, batch: int = 5000) -> None:
    """Count every enrolment from scratch (the migration that made the counters; a database
    written around the store, as by a seed script)."""
    for table in (funnel_person, funnel_count, funnel_gap):
        conn.execute(delete(table))
    top = conn.execute(select(func.max(enrollment.c.id))).scalar() or 0
    queries = _queries(conn.dialect.name)
    counts: Counter[tuple[int, str]] = Counter()
    gaps: Counter[tuple[int, str, int, float]] = Counter()
    for low in range(0, int(top) + 1, batch):
        new = _facts(conn, queries.by_range, {"lo": low, "hi": low + batch - 1})
        _count(conn, {}, new, sorted(new), counts, gaps)
    _apply(conn, counts, gaps)


def _count(
    conn: Connection,
    old: dict[int, Facts],
    new: dict[int, Facts],
    ids: Sequence[int],
    counts: Counter[tuple[int, str]],
    gaps: Counter[tuple[int, str, int, float]],
    *,
    counted: Mapping[int, Facts] | None = None,
) -> None:
    """Add new minus old of these enrolments to the tallies, and record the new facts (an
    enrolment absent from `new` is gone). `counted`: enrolments whose difference is in the
    tallies already."""
    written: list[dict[str, Any]] = []
    gone: list[int] = []
    for eid in ids:
        before, after = old.get(eid), new.get(eid)
        if before == after:
            continue
        if counted is not None and eid in counted:
            written.append({"enrollment_id": eid, "facts": counted[eid].to_json()})
            continue
        for facts, sign in ((before, -1), (after, 1)):
            if facts is None:
                continue
            cells, values = facts.contributions()
            for key, n in cells.items():
                counts[facts.campaign_id, key] += sign * n
            for (stage, bucket, hours), n in values.items():
                gaps[facts.campaign_id, stage, bucket, hours] += sign * n
        if after is None:
            gone.append(eid)
        else:
            written.append({"enrollment_id": eid, "facts": after.to_json()})
    queries = _queries(conn.dialect.name)
    for chunk in _chunks(gone):
        conn.execute(queries.forget, {"ids": chunk})
    if written:
        conn.execute(queries.record, written)


def _apply(
    conn: Connection,
    counts: Counter[tuple[int, str]],
    gaps: Counter[tuple[int, str, int, float]],
) -> None:
    """Add the differences to the counters, in key order (see the module's docstring)."""
    queries = _queries(conn.dialect.name)
    rows = [{"campaign_id": c, "cell": key, "n": n} for (c, key), n in sorted(counts.items()) if n]
    if rows:
        conn.execute(queries.add_counts, rows)
    rows = [
        {"campaign_id": c, "stage": s, "bucket": b, "hours": h, "n": n}
        for (c, s, b, h), n in sorted(gaps.items())
        if n
    ]
    if rows:
        conn.execute(queries.add_gaps, rows)


# --- Facts, from the tables ----------------------------------------------------------------


@dataclass(frozen=True)
class _Queries:
    """The statements counting runs, built once per dialect: building a statement costs
    several times executing it, and a group commit of sends runs several."""

    locked: Any  # (enrolment, facts) last counted, locked, for `ids`
    messages: Any  # (enrolment, step, template, variant, sent at) of outbox rows `ids`
    sent_to: Any  # (enrolment, facts, then as `messages`), the facts locked
    by_ids: tuple[Any, ...]  # the facts of enrolments `ids` (see `_facts`)
    by_range: tuple[Any, ...]  # ... of enrolments `lo`..`hi`
    forget: Any
    later: Any  # record sends to count later
    record: Any
    add_counts: Any
    add_gaps: Any


_BUILT: dict[str, _Queries] = {}


def _queries(dialect: str) -> _Queries:
    if dialect not in _BUILT:
        ids: BindParameter[Any] = bindparam("ids", expanding=True)
        insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
        person = insert_(funnel_person)
        counted = insert_(funnel_count)
        gap = insert_(funnel_gap)
        _BUILT[dialect] = _Queries(
            locked=select(funnel_person.c.enrollment_id, funnel_person.c.facts)
            .where(funnel_person.c.enrollment_id.in_(ids))
            .order_by(funnel_person.c.enrollment_id)
            .with_for_update(),  # nothing on SQLite, whose write lock is held already
            messages=select(outbox.c.enrollment_id, *_message_columns(dialect)).where(
                outbox.c.id.in_(ids), outbox.c.sent_at.is_not(None)
            ),
            sent_to=select(
                outbox.c.enrollment_id, funnel_person.c.facts, *_message_columns(dialect)
            )
            .join(funnel_person, funnel_person.c.enrollment_id == outbox.c.enrollment_id)
            .where(outbox.c.id.in_(ids), outbox.c.sent_at.is_not(None))
            .order_by(outbox.c.enrollment_id, outbox.c.step)
            .with_for_update(of=funnel_person),
            by_ids=_facts_queries(dialect, lambda column: column.in_(ids)),
            by_range=_facts_queries(
                dialect, lambda column: column.between(bindparam("lo"), bindparam("hi"))
            ),
            forget=delete(funnel_person).where(funnel_person.c.enrollment_id.in_(ids)),
            later=insert_(funnel_pending).on_conflict_do_nothing(index_elements=["outbox_id"]),
            record=person.on_conflict_do_update(
                index_elements=["enrollment_id"], set_={"facts": person.excluded.facts}
            ),
            add_counts=counted.on_conflict_do_update(
                index_elements=["campaign_id", "cell"],
                set_={"n": funnel_count.c.n + counted.excluded.n},
            ),
            add_gaps=gap.on_conflict_do_update(
                index_elements=["campaign_id", "stage", "bucket", "hours"],
                set_={"n": funnel_gap.c.n + gap.excluded.n},
            ),
        )
    return _BUILT[dialect]


def _message_columns(dialect: str) -> tuple[Any, ...]:
    """A sent message as the facts hold it (see `_message`)."""
    return (
        outbox.c.step,
        outbox.c.template_hash,
        outbox.c.variant,
        epoch(dialect, outbox.c.sent_at),
    )


def _facts_queries(dialect: str, pick: Pick) -> tuple[Any, ...]:
    """The queries `_facts` runs, for the enrolments `pick` selects, read as
    `queries.report::facts` reads them."""
    return (
        select(
            enrollment.c.id,
            enrollment.c.campaign_id,
            influencer.c.platform,
            influencer.c.tier,
            epoch(dialect, enrollment.c.created_at),
        )
        .join(influencer, influencer.c.id == enrollment.c.influencer_id)
        .where(pick(enrollment.c.id)),
        select(outbox.c.enrollment_id, *_message_columns(dialect)).where(
            pick(outbox.c.enrollment_id), outbox.c.sent_at.is_not(None)
        ),
        select(
            stage_history.c.enrollment_id,
            stage_history.c.to_stage,
            epoch(dialect, func.min(stage_history.c.at)),
        )
        .where(pick(stage_history.c.enrollment_id), stage_history.c.to_stage.in_(FUNNEL_STAGES))
        .group_by(stage_history.c.enrollment_id, stage_history.c.to_stage),
        select(inbound.c.enrollment_id, epoch(dialect, _inbound_at)).where(
            pick(inbound.c.enrollment_id), _kind.in_(HUMAN_KINDS)
        ),
        select(deal.c.enrollment_id, epoch(dialect, func.min(deliverable.c.posted_at)))
        .join(deal, deal.c.id == deliverable.c.deal_id)
        .where(pick(deal.c.enrollment_id), deliverable.c.posted_at.is_not(None))
        .group_by(deal.c.enrollment_id),
        select(conversion.c.enrollment_id, epoch(dialect, func.min(conversion.c.ordered_at)))
        .where(pick(conversion.c.enrollment_id))
        .group_by(conversion.c.enrollment_id),
        answered_query(select(enrollment.c.id).where(pick(enrollment.c.id))),
    )


def _facts(conn: Connection, queries: tuple[Any, ...], params: dict[str, Any]) -> dict[int, Facts]:
    """The funnel's facts of the enrolments the queries select (absent: no such enrolment)."""
    base_q, sent_q, stages_q, answers_q, posts_q, orders_q, answered_q = queries
    base = conn.execute(base_q, params).all()
    if not base:
        return {}
    sent: dict[int, list[tuple[int, str, str, float]]] = defaultdict(list)
    for eid, *message in conn.execute(sent_q, params):
        sent[eid].append(_message(message))
    stages: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for eid, stage, at in conn.execute(stages_q, params):
        stages[eid].append((str(stage), float(at)))
    answers: dict[int, list[float]] = defaultdict(list)
    for eid, at in conn.execute(answers_q, params):
        answers[eid].append(float(at))
    posts = {int(e): float(at) for e, at in conn.execute(posts_q, params) if at is not None}
    orders = {int(e): float(at) for e, at in conn.execute(orders_q, params) if at is not None}
    answered = {
        int(eid): (int(step), str(template), str(variant))
        for eid, step, template, variant in conn.execute(answered_q, params)
    }
    return {
        int(eid): Facts(
            int(campaign_id),
            str(platform),
            str(tier or ""),
            float(enrolled),
            tuple(sorted(sent.get(eid, ()))),
            tuple(sorted(stages.get(eid, ()))),
            tuple(sorted(answers.get(eid, ()))),
            posts.get(eid),
            orders.get(eid),
            answered.get(eid),
        )
        for eid, campaign_id, platform, tier, enrolled in base
    }


# --- Reading -------------------------------------------------------------------------------


def counts(conn: Connection, campaign_ids: Sequence[int]) -> list[tuple[int, str, int]]:
    """(campaign, cell, n) of every counter of these campaigns that is not zero."""
    rows = conn.execute(
        select(funnel_count.c.campaign_id, funnel_count.c.cell, funnel_count.c.n).where(
            funnel_count.c.campaign_id.in_(list(campaign_ids)), funnel_count.c.n != 0
        )
    )
    return [(int(c), str(cell), int(n)) for c, cell, n in rows]


def gap_values(
    conn: Connection, campaign_ids: Sequence[int], stage: str, bucket: int
) -> list[tuple[float, int]]:
    """(hours, people) of one histogram bucket of a stage's gaps, in increasing order."""
    rows = conn.execute(
        select(funnel_gap.c.hours, func.sum(funnel_gap.c.n))
        .where(
            funnel_gap.c.campaign_id.in_(list(campaign_ids)),
            funnel_gap.c.stage == stage,
            funnel_gap.c.bucket == bucket,
        )
        .group_by(funnel_gap.c.hours)
        .order_by(funnel_gap.c.hours)
    )
    return [(float(h), int(n)) for h, n in rows if n]
