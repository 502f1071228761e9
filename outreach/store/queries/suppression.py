"""Reading the suppression list (writes go through `queries.pipeline.suppress`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from outreach.store.schema import suppression


def list_suppressions(conn: Connection, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Entries newest first: address (blank after `forget`), reason, source, time. No writes."""
    query = select(
        suppression.c.email_norm,
        suppression.c.reason,
        suppression.c.source,
        suppression.c.created_at,
    ).order_by(suppression.c.created_at.desc(), suppression.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "address": row.email_norm or "",
            "reason": row.reason,
            "source": row.source,
            "at": row.created_at,
        }
        for row in conn.execute(query)
    ]
