"""Effects the fixture corpus must have, shared by the IMAP test and the backend contract test.

Each fixture concerns one address (the bounce recipient, the complaint's original recipient or
the sender); `seed_corpus` enrols that address with our pitch's Message-ID, and
`assert_effect` checks the stage, status, suppression and follow-up expected for its kind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from outreach.clock import utc
from outreach.inbound import parse_and_classify
from outreach.services.inbox.trust import review_threshold
from outreach.store.queries.suppression import is_suppressed
from outreach.store.schema import (
    enrollment,
    inbound,
    influencer,
    outbox,
    stage_history,
    suppression,
)
from outreach.store.session import reading
from tests.support.inbox import enrol, make_config
from tests.support.mail_corpus import expected, raw

DEFAULTS = make_config(Path("."), {"source": "none"})


def seed_corpus(engine: Engine) -> dict[str, tuple[int, Any]]:
    """One enrollment per address the corpus concerns; returns file -> (enrollment id,
    Classified)."""
    seeded: dict[str, int] = {}
    out = {}
    for name in sorted(expected()):
        found = parse_and_classify(raw(name))
        ours = found.in_reply_to or found.original_message_id
        address = (
            (found.bounce.recipient if found.bounce else "")
            or found.original_recipient
            or found.from_addr
        )
        if (
            name == "reply_ja_outlook_original_message.eml"
        ):  # an agency manager, no threading headers
            key, kwargs = "influencer@talent.example", {"manager_email": address}
        else:
            key, kwargs = address, {}
        if key not in seeded:
            seeded[key] = enrol(
                engine, key, message_id=ours or f"<none.{len(seeded)}@brand.example>", **kwargs
            )
        out[name] = (seeded[key], found)
    return out


def snapshot(engine: Engine) -> dict[str, list[Any]]:
    with reading(engine) as conn:
        return {
            t.name: sorted(
                tuple(r) for r in conn.execute(select(*[c for c in t.c if c.name != "raw"]))
            )
            for t in (enrollment, outbox, suppression, stage_history, inbound)
        }


def stored_kind(found: Any, spec: dict[str, Any]) -> str:
    """The kind the pipeline stores: the expected one, or needs_review when the classifier was
    less sure than the default [inbox] review_below."""
    return "needs_review" if found.confidence < review_threshold(DEFAULTS) else str(spec["kind"])


def enrollment_row(engine: Engine, eid: int) -> Any:
    with reading(engine) as conn:
        return conn.execute(select(enrollment).where(enrollment.c.id == eid)).one()


def queued_follow_up(engine: Engine, eid: int) -> Any:
    with reading(engine) as conn:
        return conn.execute(
            select(outbox).where(outbox.c.enrollment_id == eid, outbox.c.step == 2)
        ).one()


def assert_effect(
    engine: Engine, name: str, eid: int, found: Any, spec: dict[str, Any], now: datetime
) -> None:
    row = enrollment_row(engine, eid)
    follow_up = queued_follow_up(engine, eid)
    kind = stored_kind(found, spec)
    with reading(engine) as conn:
        suppressed = is_suppressed(
            conn, found.bounce.recipient if found.bounce else row_email(conn, eid)
        )
    sender_side = kind == "bounce" and found.bounce is not None and found.bounce.sender_side
    if kind == "needs_review":  # the safe action: the sequence stops, nothing else
        assert (row.status, row.stage, suppressed, follow_up.state) == (
            "stopped",
            "contacted",
            False,
            "cancelled",
        ), name
    elif sender_side:  # our fault (policy, authentication): the recipient is left alone
        assert (row.status, row.stage, suppressed, follow_up.state) == (
            "active",
            "contacted",
            False,
            "queued",
        ), name
    elif (kind == "bounce" and spec["bounce"]["permanent"]) or kind in ("complaint", "opt_out"):
        stage = {"bounce": "bounced"}.get(kind, "unsubscribed")
        assert (row.status, row.stage, suppressed, follow_up.state) == (
            "stopped",
            stage,
            True,
            "cancelled",
        ), name
    elif kind == "bounce":
        assert (row.status, row.stage, suppressed, follow_up.state) == (
            "active",
            "contacted",
            False,
            "queued",
        ), name
    elif kind == "decline":
        assert (row.status, row.stage, suppressed, follow_up.state) == (
            "stopped",
            "declined",
            False,
            "cancelled",
        ), name
    elif kind == "reply":
        assert (row.status, row.stage, suppressed, follow_up.state) == (
            "stopped",
            "negotiating",
            False,
            "cancelled",
        ), name
    else:
        assert kind == "auto_reply"
        returns = spec.get("returns_on")
        if returns:
            resume = datetime.combine(
                returns, datetime.min.time().replace(hour=9), tzinfo=ZoneInfo("Asia/Tokyo")
            )
            resume = min(max(resume, now), now + timedelta(days=60))  # [inbox] max_pause_days
        else:
            resume = now + timedelta(days=7)
        assert (row.status, row.stage, suppressed) == ("active", "contacted", False), name
        assert utc(row.next_due_at) == resume, name
        assert follow_up.state == "queued" and utc(follow_up.due_at) == resume, name
        assert utc(follow_up.expires_at) - utc(follow_up.due_at) == timedelta(hours=8), name


def row_email(conn: Any, eid: int) -> str:
    return str(
        conn.execute(
            select(influencer.c.email)
            .join(enrollment, enrollment.c.influencer_id == influencer.c.id)
            .where(enrollment.c.id == eid)
        ).scalar_one()
    )
