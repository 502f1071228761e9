"""`outreach forget`: erasure deletes the person's data and keeps only the suppression hash
(so a re-imported address stays suppressed), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from outreach.clock import FixedClock
from outreach.services.roster.importer import ImportOptions, forget_address, import_influencers
from outreach.store.queries.suppression import is_suppressed
from outreach.store.schema import influencer, suppression
from outreach.store.session import reading
from tests.support.inbox import enrol, make_config

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_forget_deletes_data_and_keeps_the_hash(db: Engine, tmp_path: Path) -> None:
    enrol(db, "Taro@Example.jp", message_id="<pitch-1@brand.example>", handle="taro")
    clock = FixedClock(NOW)
    erased = forget_address(db, "taro@example.jp", clock=clock)
    assert erased.influencers == 1
    with reading(db) as conn:
        assert conn.execute(select(func.count()).select_from(influencer)).scalar_one() == 0
        assert is_suppressed(conn, "TARO@example.JP")
        kept = conn.execute(select(suppression.c.email_norm, suppression.c.email_hash)).all()
    assert kept and all(row.email_norm is None and row.email_hash for row in kept)

    roster = tmp_path / "again.csv"
    roster.write_text(
        "name,email,platform,handle,basis\nTaro,taro@example.jp,instagram,taro,consent\n",
        encoding="utf-8",
    )
    report = import_influencers(
        db,
        roster,
        config=make_config(tmp_path, {"source": "none"}),
        clock=clock,
        options=ImportOptions(),
    )
    assert report.inserted == 1
    assert any("is suppressed" in w for w in report.warnings)
    with reading(db) as conn:
        assert is_suppressed(conn, "taro@example.jp")
