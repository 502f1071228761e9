"""The unsubscribe endpoint from the outside: the signing key, HTTP requests, the state it moves."""

from __future__ import annotations

import http.client
from typing import Any

from sqlalchemy import Engine, func, select

from outreach.services.public.endpoint import ServerHandle
from outreach.store.schema import enrollment, outbox, stage_history, suppression
from outreach.store.session import reading

KEY = "test-unsubscribe-key-0123456789abcdef"  # at least 32 bytes
ONE_CLICK = "List-Unsubscribe=One-Click"


def request(
    handle: ServerHandle, method: str, token: str, body: str = "", host: str = "127.0.0.1"
) -> tuple[int, str, Any]:
    conn = http.client.HTTPConnection(*handle.address, timeout=5)
    headers = {"Host": host, "Content-Type": "application/x-www-form-urlencoded"}
    conn.request(method, f"/unsubscribe?t={token}", body=body.encode(), headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode("utf-8")
    conn.close()
    return resp.status, text, resp


def state(engine: Engine) -> tuple[Any, ...]:
    """Everything an unsubscribe may change: suppressions, stage moves, enrolments, outbox."""
    with reading(engine) as conn:
        return (
            conn.execute(select(func.count()).select_from(suppression)).scalar_one(),
            conn.execute(select(func.count()).select_from(stage_history)).scalar_one(),
            sorted(
                tuple(r)
                for r in conn.execute(
                    select(enrollment.c.id, enrollment.c.status, enrollment.c.stage)
                )
            ),
            sorted(tuple(r) for r in conn.execute(select(outbox.c.id, outbox.c.state))),
        )
