"""store.queries.roster on SQLite and PostgreSQL: upsert by natural key, load, find, rank."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from outreach.domain.influencer import Basis, Tier
from outreach.errors import InputError
from outreach.store.queries import roster as q
from outreach.store.session import reading, writing

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _record(**over: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "name": "山田 花子",
        "email": "hanako@example.jp",
        "platform": "instagram",
        "handle": "hanako_cooks",
        "followers": 12000,
        "engagement_rate": 0.05,
        "tier": Tier.MICRO,
        "tags": ["food", "kyoto"],
        "custom": {"favourite": "matcha"},
        "basis": Basis.CONSENT,
    }
    rec.update(over)
    return rec


def test_upsert_insert_update_unchanged_and_load(db: Engine) -> None:
    with writing(db) as conn:
        iid, changes = q.upsert_influencer(conn, _record(), at=AT)
        assert changes is None
        again = q.upsert_influencer(conn, _record(), at=AT)
        assert again == (iid, {})
        _, changes = q.upsert_influencer(
            conn, _record(email="HANAKO@example.jp", followers=15000, tags=["food"]), at=AT
        )
        assert changes == {
            "email": ("hanako@example.jp", "HANAKO@example.jp"),
            "followers": (12000, 15000),
            "tags": (["food", "kyoto"], ["food"]),
        }
        q.upsert_post(
            conn,
            iid,
            {
                "url": "https://example.jp/p/1",
                "platform": "instagram",
                "title": "old",
                "published_at": datetime(2026, 11, 1, tzinfo=UTC),
            },
        )
        q.upsert_post(
            conn,
            iid,
            {
                "url": "https://example.jp/p/2",
                "platform": "instagram",
                "title": "new",
                "published_at": datetime(2026, 11, 20, tzinfo=UTC),
            },
        )
        _, pchanges = q.upsert_post(
            conn, iid, {"url": "https://example.jp/p/1", "platform": "instagram", "title": "older"}
        )
        assert pchanges == {"title": ("old", "older")}
        with pytest.raises(InputError, match="already exists"):
            q.insert_post(conn, iid, {"url": "https://example.jp/p/2", "platform": "instagram"})
    with reading(db) as conn:
        found = q.load_influencer(conn, iid)
        assert found.tags == ("food",) and found.custom == {"favourite": "matcha"}
        assert found.basis is Basis.CONSENT and found.tier is Tier.MICRO
        assert [p.title for p in found.posts] == ["new", "older"]
        assert found.posts[0].published_at == datetime(2026, 11, 20, tzinfo=UTC)
        assert q.find_influencer(conn, "@hanako_cooks") == found
        assert q.find_influencer(conn, "hanako@EXAMPLE.jp") == found
        assert q.find_influencer(conn, "instagram:hanako_cooks") == found
        assert q.find_influencer(conn, "nobody") is None
        assert [i.id for i in q.load_influencers(conn, handles=["@hanako_cooks"])] == [iid]


def test_key_conflict_and_ambiguous_handle(db: Engine) -> None:
    with writing(db) as conn:
        q.upsert_influencer(conn, _record(), at=AT)
        q.upsert_influencer(conn, _record(email="b@example.com", platform="tiktok"), at=AT)
        with pytest.raises(q.KeyConflict):
            q.upsert_influencer(conn, _record(email="b@example.com"), at=AT)
        with pytest.raises(InputError, match="several platforms"):
            q.find_influencer(conn, "hanako_cooks")


def test_er_rank_within_platform(db: Engine) -> None:
    with writing(db) as conn:
        for n, (platform, er) in enumerate(
            [
                ("instagram", 0.01),
                ("instagram", 0.03),
                ("instagram", 0.02),
                ("tiktok", 0.001),
                ("tiktok", None),
            ]
        ):
            q.upsert_influencer(
                conn,
                _record(
                    email=f"i{n}@example.com", handle=f"h{n}", platform=platform, engagement_rate=er
                ),
                at=AT,
            )
        q.recompute_er_rank(conn)
    with reading(db) as conn:
        ranks = {i.handle: i.er_rank_pct for i in q.load_influencers(conn)}
    assert ranks["h1"] == pytest.approx(100.0)
    assert ranks["h2"] == pytest.approx(200 / 3)
    assert ranks["h0"] == pytest.approx(100 / 3)
    assert ranks["h3"] == pytest.approx(100.0)
    assert ranks["h4"] is None
