"""The audit log of console actions and sign-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from outreach.clock import naive_utc
from outreach.store.queries import console as q
from outreach.store.session import reading, writing


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
