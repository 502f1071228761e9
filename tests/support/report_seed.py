"""A small campaign written row by row, whose funnel, KPIs and work queue are worked out by
hand in tests/test_report.py and tests/test_todo.py (see the table there)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from outreach.domain.deal import Terms
from outreach.store.queries import tally
from outreach.store.schema import (
    campaign,
    conversion,
    deal,
    deal_offer,
    deliverable,
    enrollment,
    inbound,
    influencer,
    outbox,
    result,
    stage_history,
)

T0 = datetime(2026, 12, 1)  # naive UTC, as stored
H = timedelta(hours=1)
D = timedelta(days=1)
PITCH_JA, FOLLOW_JA, PITCH_EN = "a" * 64, "b" * 64, "c" * 64
TEMPLATES = {PITCH_JA: "pitch.ja", FOLLOW_JA: "followup1.ja", PITCH_EN: "pitch.en"}
NOW = datetime(2026, 12, 13, 3, 0)


def seed(engine: Engine) -> dict[str, int]:
    """Ten people in `spring` (p1..p10) and a paused campaign `winter`; returns enrolment ids
    by handle."""
    ids: dict[str, int] = {}
    box: dict[str, Any] = {"n": 0}

    def out(
        conn: Any, eid: int, step: int, h: str, at: datetime | None, state: str = "sent"
    ) -> None:
        box["n"] += 1
        conn.execute(
            insert(outbox).values(
                enrollment_id=eid,
                step=step,
                mailbox="main",
                mail_from="pr@example.jp",
                rcpt_to=["x@example.jp"],
                email_norm=f"p{eid}@example.jp",
                message_id=f"<m{box['n']}@example.jp>",
                subject="s",
                state=state,
                due_at=T0,
                created_at=T0,
                updated_at=at or T0 + 3 * D + H,
                sent_at=at,
                template_hash=h,
            )
        )

    def moved(conn: Any, eid: int, to: str, at: datetime, cause: str = "reply") -> None:
        conn.execute(
            insert(stage_history).values(
                enrollment_id=eid, from_stage="contacted", to_stage=to, cause=cause, at=at
            )
        )

    def said(conn: Any, eid: int | None, kind: str, at: datetime, key: str) -> None:
        conn.execute(
            insert(inbound).values(
                mailbox="main",
                source="file",
                dedupe_key=key,
                from_addr="someone@example.jp",
                subject=f"re: {kind}",
                received_at=at,
                kind=kind,
                enrollment_id=eid,
                processed_at=at,
                detail={},
            )
        )

    with engine.begin() as conn:
        spring = conn.execute(
            insert(campaign).values(slug="spring", created_at=T0)
        ).inserted_primary_key[0]
        winter = conn.execute(
            insert(campaign).values(
                slug="winter", created_at=T0, status="paused", status_changed_at=T0 + 2 * D
            )
        ).inserted_primary_key[0]
        for i in range(1, 11):
            iid = conn.execute(
                insert(influencer).values(
                    name=f"Person {i}",
                    email=f"p{i}@example.jp",
                    email_norm=f"p{i}@example.jp",
                    platform="instagram" if i <= 6 else "youtube",
                    handle=f"p{i}",
                    followers=1000 * i,
                    tier="micro" if i % 2 else "macro",
                    language="en" if i >= 9 else "ja",
                    manager_email="agent@talent.example.jp" if i in (1, 2) else "",
                    tags=[],
                    custom={},
                    created_at=T0,
                    updated_at=T0,
                )
            ).inserted_primary_key[0]
            ids[f"p{i}"] = int(
                conn.execute(
                    insert(enrollment).values(
                        campaign_id=spring,
                        influencer_id=iid,
                        sequence="standard",
                        mailbox="main",
                        stage="contacted",
                        stage_changed_at=T0,
                        created_at=T0,
                    )
                ).inserted_primary_key[0]
            )
            if i == 4:
                conn.execute(
                    insert(enrollment).values(
                        campaign_id=winter,
                        influencer_id=iid,
                        sequence="standard",
                        mailbox="main",
                        stage_changed_at=T0,
                        created_at=T0,
                    )
                )
        e = ids
        for i in range(1, 9):
            out(conn, e[f"p{i}"], 1, PITCH_JA, T0 + H)
        out(conn, e["p9"], 1, PITCH_EN, T0 + H)
        for p in ("p5", "p6", "p7"):
            out(conn, e[p], 2, FOLLOW_JA, T0 + 3 * D)
        out(conn, e["p8"], 2, FOLLOW_JA, None, state="unknown")
        moved(conn, e["p9"], "bounced", T0 + 2 * H, cause="bounce")
        said(conn, e["p1"], "reply", T0 + 5 * H, "r1")
        said(conn, e["p2"], "reply", T0 + D, "r2")
        said(conn, e["p3"], "decline", T0 + 2 * D, "r3")
        said(conn, e["p5"], "reply", T0 + 4 * D, "r5")
        said(conn, e["p6"], "opt_out", T0 + 3 * D + 2 * H, "r6")
        said(conn, e["p7"], "auto_reply", T0 + 3 * D + H, "r7")  # not a person
        said(conn, None, "needs_review", T0 + 2 * D + 12 * H, "r8")
        moved(conn, e["p1"], "negotiating", T0 + 5 * H)
        moved(conn, e["p2"], "negotiating", T0 + D)
        moved(conn, e["p3"], "declined", T0 + 2 * D)
        moved(conn, e["p5"], "negotiating", T0 + 4 * D)
        moved(conn, e["p6"], "unsubscribed", T0 + 3 * D + 2 * H, cause="opt_out")
        moved(conn, e["p1"], "contracted", T0 + 6 * D, cause="command")
        moved(conn, e["p2"], "contracted", T0 + 7 * D, cause="command")
        for p, stage in (("p1", "posted"), ("p2", "contracted"), ("p3", "declined")):
            conn.execute(enrollment.update().where(enrollment.c.id == e[p]).values(stage=stage))
        for p, stage in (("p5", "negotiating"), ("p6", "unsubscribed"), ("p9", "bounced")):
            conn.execute(enrollment.update().where(enrollment.c.id == e[p]).values(stage=stage))
        terms1 = Terms(fee=50000, gift_unit_cost=4500, gift_quantity=1, shipping=800)
        terms2 = Terms(fee=30000)
        d1 = conn.execute(
            insert(deal).values(
                enrollment_id=e["p1"],
                status="accepted",
                terms=terms1.to_json(),
                created_at=T0 + 5 * D,
                updated_at=T0 + 6 * D,
                accepted_at=T0 + 6 * D,
            )
        ).inserted_primary_key[0]
        d2 = conn.execute(
            insert(deal).values(
                enrollment_id=e["p2"],
                status="accepted",
                terms=terms2.to_json(),
                created_at=T0 + 5 * D,
                updated_at=T0 + 7 * D,
                accepted_at=T0 + 7 * D,
            )
        ).inserted_primary_key[0]
        d5 = conn.execute(
            insert(deal).values(
                enrollment_id=e["p5"],
                status="countered",
                terms=terms2.to_json(),
                created_at=T0 + 4 * D,
                updated_at=T0 + 5 * D,
            )
        ).inserted_primary_key[0]
        for deal_id, kind, by, at in (
            (d5, "offer", "brand", T0 + 4 * D + H),
            (d5, "counter", "creator", T0 + 5 * D),
            (d1, "offer", "brand", T0 + 5 * D),
            (d1, "accept", "creator", T0 + 6 * D),
        ):
            conn.execute(
                insert(deal_offer).values(
                    deal_id=deal_id, kind=kind, proposed_by=by, terms={}, at=at
                )
            )
        post = conn.execute(
            insert(deliverable).values(
                deal_id=d1,
                n=1,
                platform="instagram",
                format="reel",
                due_date=date(2026, 12, 12),
                state="verified",
                post_url="https://www.instagram.com/reel/P1/",
                posted_at=T0 + 10 * D,
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(deliverable).values(
                deal_id=d2,
                n=1,
                platform="instagram",
                format="feed",
                due_date=date(2026, 12, 4),
                state="planned",
            )
        )
        conn.execute(
            insert(result).values(
                deliverable_id=post,
                captured_at=T0 + 11 * D,
                reach=10000,
                likes=400,
                comments=50,
                shares=30,
                saves=20,
                clicks=200,
            )
        )
        for n in (1, 2):
            conn.execute(
                insert(conversion).values(
                    campaign_id=spring,
                    order_id=f"#{n}",
                    ordered_at=T0 + 11 * D,
                    revenue=7480.0,
                    enrollment_id=e["p1"],
                    attributed_by="code",
                )
            )
        # Rows written here go around the store's write paths, which keep the report's
        # counters: counted afterwards, as the migration that made them counts existing rows.
        tally.rebuild(conn)
    return ids
