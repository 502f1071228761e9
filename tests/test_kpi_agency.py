"""`kpi --by agency` on both databases: a person with an agency record is grouped by its name
(whatever the roster's agency column says); without one, by the roster's agency column, else
the manager address's domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert

from outreach.domain.deal import Terms
from outreach.services.pipeline.kpi import campaign_kpis
from outreach.store.schema import agency, campaign, deal, enrollment, influencer

AT = datetime(2026, 12, 1, 9, 0)


def test_grouped_by_the_agency_record_else_the_old_rule(engine: Engine) -> None:
    with engine.begin() as conn:
        camp = conn.execute(
            insert(campaign).values(slug="spring", created_at=AT).returning(campaign.c.id)
        ).scalar_one()
        sakura = conn.execute(
            insert(agency)
            .values(name="サクラプロ", domain="sakura-pro.example.jp", created_at=AT)
            .returning(agency.c.id)
        ).scalar_one()
        people = [
            # handle, manager, roster agency column, agency record
            ("risa", "pr@sakura-pro.example.jp", "旧サクラ", sakura),
            ("aya", "", "", sakura),
            ("ren", "info@midori.example.jp", "ミドリ事務所", None),
            ("mei", "pr@blue.example.jp", "", None),
            ("yui", "", "", None),
        ]
        for handle, manager, column, agency_id in people:
            pid = conn.execute(
                insert(influencer)
                .values(
                    name=handle,
                    email=f"{handle}@example.jp",
                    email_norm=f"{handle}@example.jp",
                    platform="instagram",
                    handle=handle,
                    manager_email=manager,
                    tags=[],
                    custom={"agency": column} if column else {},
                    agency_id=agency_id,
                    created_at=AT,
                    updated_at=AT,
                )
                .returning(influencer.c.id)
            ).scalar_one()
            eid = conn.execute(
                insert(enrollment)
                .values(
                    campaign_id=camp,
                    influencer_id=pid,
                    sequence="standard",
                    mailbox="main",
                    stage_changed_at=AT,
                    created_at=AT,
                )
                .returning(enrollment.c.id)
            ).scalar_one()
            conn.execute(
                insert(deal).values(
                    enrollment_id=eid,
                    status="accepted",
                    terms=Terms(fee=100_000).to_json(),
                    created_at=AT,
                    updated_at=AT,
                    accepted_at=AT,
                )
            )
    rows = campaign_kpis(engine, "spring", by="agency")
    assert [(r["group"], r["people"], r["cost"]) for r in rows] == [
        ("(none)", 1, 100_000),
        ("blue.example.jp", 1, 100_000),
        ("サクラプロ", 2, 200_000),
        ("ミドリ事務所", 1, 100_000),
        ("total", 5, 500_000),
    ]
