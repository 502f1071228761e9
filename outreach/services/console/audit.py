"""The audit log of console actions and sign-ins, and notes kept on a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from outreach.clock import naive_utc
from outreach.errors import InputError
from outreach.store.queries import console as q
from outreach.store.session import reading, writing

NOTE_MAX = 10_000


def record(
    engine: Engine,
    now: datetime,
    user: str,
    action: str,
    target: str,
    outcome: str,
    *,
    influencer_id: int | None = None,
) -> None:
    with writing(engine) as conn:
        q.insert_audit(
            conn,
            at=naive_utc(now),
            user_name=user,
            action=action,
            target=target,
            outcome=outcome,
            influencer_id=influencer_id,
        )


def recent(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        return q.audit_rows(conn, limit=limit)


def add_note(engine: Engine, now: datetime, user: str, influencer_id: int, body: str) -> None:
    """Keep a note on a person (the console's action wrapper writes its audit row)."""
    body = body.strip()
    if not body:
        raise InputError("the note is empty", field="note")
    if len(body) > NOTE_MAX:
        raise InputError(f"the note is longer than {NOTE_MAX} characters", field="note")
    with writing(engine) as conn:
        if q.influencer_row(conn, influencer_id) is None:
            raise InputError(f"no influencer #{influencer_id}", field="influencer")
        q.insert_note(conn, influencer_id, user, body, naive_utc(now))
