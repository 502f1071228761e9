"""The team digest's period claims (`digest_period`).

A period is claimed by inserting its row: the primary key makes the insert the test-and-set,
on SQLite and on PostgreSQL alike, so of two daemons (or a daemon and `outreach digest --send`)
only one sends a period. A claim whose send was refused is deleted again; one whose process
died mid-send stays claimed, because the mail may have been accepted (at most once).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from outreach.clock import naive_utc, utc
from outreach.store.schema import digest_period
from outreach.store.session import reading, writing


def claim(engine: Engine, period: str, mailbox: str, now: datetime) -> bool:
    """Take `period` for this process; False when it was claimed (or sent) already."""
    try:
        with writing(engine) as conn:
            conn.execute(
                insert(digest_period).values(
                    period=period, mailbox=mailbox, claimed_at=naive_utc(now)
                )
            )
    except IntegrityError:
        return False
    return True


def mark_sent(engine: Engine, period: str, now: datetime, message_id: str) -> None:
    with writing(engine) as conn:
        conn.execute(
            update(digest_period)
            .where(digest_period.c.period == period)
            .values(sent_at=naive_utc(now), message_id=message_id)
        )


def record_sent(engine: Engine, period: str, mailbox: str, now: datetime, message_id: str) -> None:
    """A forced send (`outreach digest --send`): the period is recorded as sent, claimed before
    or not."""
    values = {"sent_at": naive_utc(now), "message_id": message_id}
    with writing(engine) as conn:
        done = conn.execute(
            update(digest_period).where(digest_period.c.period == period).values(**values)
        )
        if done.rowcount == 0:
            conn.execute(
                insert(digest_period).values(
                    period=period, mailbox=mailbox, claimed_at=naive_utc(now), **values
                )
            )


def release(engine: Engine, period: str) -> None:
    """Give back a claim whose mail was not accepted, so the next tick tries again."""
    with writing(engine) as conn:
        conn.execute(
            delete(digest_period).where(
                digest_period.c.period == period, digest_period.c.sent_at.is_(None)
            )
        )


def claimed(engine: Engine, period: str) -> bool:
    with reading(engine) as conn:
        row = conn.execute(
            select(digest_period.c.period).where(digest_period.c.period == period)
        ).first()
    return row is not None


def last_sent(engine: Engine) -> datetime | None:
    """The moment the last accepted digest was composed at (aware UTC), or None: replies after
    it are new to the next one. The claim is stamped with that moment, not the send's."""
    with reading(engine) as conn:
        at = conn.execute(
            select(func.max(digest_period.c.claimed_at)).where(digest_period.c.sent_at.is_not(None))
        ).scalar()
    return utc(at) if at is not None else None


def periods(engine: Engine) -> list[dict[str, object]]:
    """Every claim, newest first."""
    with reading(engine) as conn:
        rows = conn.execute(
            select(digest_period).order_by(digest_period.c.claimed_at.desc())
        ).mappings()
        return [dict(r) for r in rows]
