"""People with several accounts and contacts, agencies as records, through the real import:
a creator on three platforms is one person with three accounts (a later row no longer
overwrites the first), three talents sharing one agency address stay three people with the
agency as their manager, a talent reachable only through an agency is imported, and the
existing data of an older database is carried over by the migration (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from outreach.clock import FixedClock
from outreach.config import Config, load_config
from outreach.services.roster.importer import ImportOptions, ImportReport, import_influencers
from outreach.store.schema import account, agency, contact, influencer
from outreach.store.session import reading

ROOT = Path(__file__).resolve().parent.parent
CLOCK = FixedClock(datetime(2026, 12, 6, 10, 0, tzinfo=UTC))
HEADER = "name,email,platform,handle,followers,manager_email,事務所,basis\n"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "config.example.toml")


def _import(engine: Engine, path: Path, config: Config, **options: Any) -> ImportReport:
    return import_influencers(
        engine, path, config=config, clock=CLOCK, options=ImportOptions(**options)
    )


def _write(tmp_path: Path, rows: list[str], name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _people(engine: Engine) -> list[tuple[Any, ...]]:
    with reading(engine) as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(influencer.c.name, influencer.c.email, influencer.c.manager_email).order_by(
                    influencer.c.id
                )
            )
        ]


def _accounts(engine: Engine) -> list[tuple[Any, ...]]:
    with reading(engine) as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(influencer.c.name, account.c.platform, account.c.handle, account.c.followers)
                .join(influencer, influencer.c.id == account.c.influencer_id)
                .order_by(account.c.platform, account.c.handle)
            )
        ]


def _contacts(engine: Engine) -> list[tuple[Any, ...]]:
    with reading(engine) as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(influencer.c.name, contact.c.address_norm, contact.c.role, agency.c.name)
                .join(influencer, influencer.c.id == contact.c.influencer_id)
                .outerjoin(agency, agency.c.id == contact.c.agency_id)
                .order_by(influencer.c.id, contact.c.role, contact.c.address_norm)
            )
        ]


def test_a_creator_on_three_platforms_is_one_person_with_three_accounts(
    db: Engine, config: Config, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        [
            "髙橋 梨沙,risa@example.jp,instagram,risa_style,52000,,,consent",
            "佐藤 美咲,misaki@example.jp,instagram,misaki_beauty,12000,,,consent",
            "髙橋梨沙,Risa@example.jp,tiktok,risa.dance,210000,,,consent",
            "髙橋 梨沙,risa@example.jp,youtube,risa_ch,8000,,,consent",
        ],
    )
    report = _import(db, path, config)
    assert (report.inserted, report.updated, report.duplicates, report.rejected) == (4, 0, 0, 0)
    assert _people(db) == [
        ("髙橋 梨沙", "risa@example.jp", ""),
        ("佐藤 美咲", "misaki@example.jp", ""),
    ]
    assert _accounts(db) == [
        ("佐藤 美咲", "instagram", "misaki_beauty", 12000),
        ("髙橋 梨沙", "instagram", "risa_style", 52000),
        ("髙橋 梨沙", "tiktok", "risa.dance", 210000),
        ("髙橋 梨沙", "youtube", "risa_ch", 8000),
    ]
    # The Instagram row was not overwritten by the later rows.
    with reading(db) as conn:
        first = conn.execute(
            select(influencer.c.platform, influencer.c.handle, influencer.c.followers).where(
                influencer.c.name == "髙橋 梨沙"
            )
        ).one()
    assert tuple(first) == ("instagram", "risa_style", 52000)
    again = _import(db, path, config)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    changed = _write(
        tmp_path,
        ["髙橋 梨沙,risa@example.jp,tiktok,risa.dance,250000,,,consent"],
        "changed.csv",
    )
    later = _import(db, changed, config)
    assert (later.inserted, later.updated) == (0, 1)
    assert later.changes == [f"{changed}:2: @risa.dance: followers: 210000 → 250000"]
    assert ("髙橋 梨沙", "tiktok", "risa.dance", 250000) in _accounts(db)
    assert ("髙橋 梨沙", "instagram", "risa_style", 52000) in _accounts(db)


def test_three_talents_sharing_an_agency_address_stay_three(
    db: Engine, config: Config, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        [
            "髙橋 梨沙,pr@sakura.example,instagram,risa_style,52000,,サクラ事務所,consent",
            "山本 彩,pr@sakura.example,instagram,aya_yamamoto,30000,,サクラ事務所,consent",
            "木村 蓮,pr@sakura.example,tiktok,ren_kimura,90000,,サクラ事務所,consent",
        ],
    )
    report = _import(db, path, config)
    assert (report.inserted, report.rejected, report.duplicates) == (3, 0, 0)
    assert _people(db) == [
        ("髙橋 梨沙", "", "pr@sakura.example"),
        ("山本 彩", "", "pr@sakura.example"),
        ("木村 蓮", "", "pr@sakura.example"),
    ]
    assert _contacts(db) == [
        ("髙橋 梨沙", "pr@sakura.example", "manager", "サクラ事務所"),
        ("山本 彩", "pr@sakura.example", "manager", "サクラ事務所"),
        ("木村 蓮", "pr@sakura.example", "manager", "サクラ事務所"),
    ]
    with reading(db) as conn:
        assert conn.execute(select(agency.c.name, agency.c.domain)).all() == [
            ("サクラ事務所", "sakura.example")
        ]
    again = _import(db, path, config)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert len(_people(db)) == 3


def test_a_talent_reachable_only_through_an_agency_is_imported(
    db: Engine, config: Config, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        [
            "髙橋 梨沙,,instagram,risa_style,52000,mgr@sakura.example,サクラ事務所,consent",
            "山本 彩,aya@example.jp,instagram,aya_y,30000,mgr@sakura.example,サクラ事務所,consent",
            "名無し,,instagram,nobody,10,,,consent",
        ],
    )
    report = _import(db, path, config, skip_invalid=True)
    assert [str(e) for e in report.errors] == [
        f"{path}:4: email: is required (or a manager's address, for a talent reached only "
        "through an agency)"
    ]
    assert report.inserted == 2
    assert _contacts(db) == [
        ("髙橋 梨沙", "mgr@sakura.example", "manager", "サクラ事務所"),
        ("山本 彩", "mgr@sakura.example", "manager", "サクラ事務所"),
        ("山本 彩", "aya@example.jp", "self", None),
    ]
    again = _import(db, path, config, skip_invalid=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def test_the_migration_carries_existing_people_over(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """0013 on a populated database: each influencer's platform and handle become its first
    account (numbers kept), its address its own contact, its manager address a manager contact
    at one agency per agency name (else per domain); enrolments are untouched."""
    from alembic import command

    from outreach.store.schema import campaign, enrollment
    from outreach.store.session import _alembic_config, make_engine, migrate

    url = (
        f"sqlite:///{tmp_path / 'old.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = make_engine(url)
    command.upgrade(_alembic_config(engine), "0012")
    at = datetime(2026, 11, 1, 9, 0)
    people = [
        ("山田 花子", "hanako@example.jp", "instagram", "hanako", 48200, 0.05, "micro", "", {}),
        (
            "佐藤 美咲",
            "misaki@example.jp",
            "tiktok",
            "misaki",
            126000,
            None,
            "macro",
            "pr@agency-sakura.example.jp",
            {"agency": "サクラ事務所"},
        ),
        (
            "高橋 さくら",
            "sakura@example.jp",
            "youtube",
            "sakura",
            1000,
            None,
            "nano",
            "PR@agency-sakura.example.jp",
            {},
        ),
    ]
    with engine.begin() as conn:
        cid = conn.execute(
            insert(campaign).values(slug="spring", created_at=at).returning(campaign.c.id)
        ).scalar_one()
        ids = []
        for name, email, platform, handle, followers, er, tier, manager, custom in people:
            ids.append(
                conn.execute(
                    insert(influencer)
                    .values(
                        name=name,
                        email=email,
                        email_norm=email,
                        platform=platform,
                        handle=handle,
                        followers=followers,
                        engagement_rate=er,
                        tier=tier,
                        manager_email=manager,
                        tags=[],
                        custom=custom,
                        created_at=at,
                        updated_at=at,
                    )
                    .returning(influencer.c.id)
                ).scalar_one()
            )
        conn.execute(
            insert(enrollment).values(
                campaign_id=cid,
                influencer_id=ids[1],
                sequence="standard",
                mailbox="main",
                stage_changed_at=at,
                created_at=at,
            )
        )
    migrate(engine)
    assert _accounts(engine) == [
        ("山田 花子", "instagram", "hanako", 48200),
        ("佐藤 美咲", "tiktok", "misaki", 126000),
        ("高橋 さくら", "youtube", "sakura", 1000),
    ]
    assert _contacts(engine) == [
        ("山田 花子", "hanako@example.jp", "self", None),
        ("佐藤 美咲", "pr@agency-sakura.example.jp", "manager", "サクラ事務所"),
        ("佐藤 美咲", "misaki@example.jp", "self", None),
        ("高橋 さくら", "pr@agency-sakura.example.jp", "manager", "agency-sakura.example.jp"),
        ("高橋 さくら", "sakura@example.jp", "self", None),
    ]
    with engine.connect() as conn:
        assert conn.execute(
            select(account.c.tier, account.c.engagement_rate).order_by(account.c.id)
        ).all() == [("micro", 0.05), ("macro", None), ("nano", None)]
        assert conn.execute(select(enrollment.c.influencer_id, enrollment.c.send_to)).all() == [
            (ids[1], "")
        ]
        assert conn.execute(
            select(influencer.c.agency_id.is_not(None)).order_by(influencer.c.id)
        ).scalars().all() == [False, True, True]
    engine.dispose()


def test_the_roster_says_whom_a_letter_addresses_and_who_is_mailed(
    db: Engine, config: Config, tmp_path: Path
) -> None:
    path = tmp_path / "to.csv"
    path.write_text(
        "name,email,platform,handle,manager_email,宛名,送付先,basis\n"
        "RISA,risa@example.jp,instagram,risa_style,pr@sakura.example,髙橋 梨沙,本人+事務所CC,consent\n"
        "AYA,aya@example.jp,instagram,aya_y,pr@sakura.example,,事務所,consent\n"
        "REN,ren@example.jp,tiktok,ren_k,,,boss,consent\n",
        encoding="utf-8",
    )
    report = _import(db, path, config, skip_invalid=True)
    assert [str(e) for e in report.errors] == [
        f"{path}:4: send_to: 'boss' is not a send_to (self, agency, self_cc_agency)"
    ]
    with reading(db) as conn:
        rows = conn.execute(
            select(influencer.c.handle, influencer.c.honorific_name, influencer.c.send_to).order_by(
                influencer.c.id
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("risa_style", "髙橋 梨沙", "self_cc_agency"),
        ("aya_y", "", "agency"),
    ]
    again = _import(db, path, config, skip_invalid=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def test_forgetting_an_agency_address_keeps_its_talents(
    db: Engine, config: Config, tmp_path: Path
) -> None:
    from outreach.services.roster.importer import forget_address

    path = _write(
        tmp_path,
        [
            "髙橋 梨沙,,instagram,risa_style,52000,mgr@sakura.example,サクラ事務所,consent",
            "山本 彩,aya@example.jp,instagram,aya_y,30000,mgr@sakura.example,サクラ事務所,consent",
        ],
    )
    _import(db, path, config)
    forget_address(db, "MGR@sakura.example", clock=CLOCK)
    assert _contacts(db) == [("山本 彩", "aya@example.jp", "self", None)]
    assert _people(db) == [("髙橋 梨沙", "", ""), ("山本 彩", "aya@example.jp", "")]
    forget_address(db, "aya@example.jp", clock=CLOCK)
    assert _people(db) == [("髙橋 梨沙", "", "")]


def test_a_later_file_naming_another_talent_at_a_stored_address_makes_it_the_agencys(
    db: Engine, config: Config, tmp_path: Path
) -> None:
    first = _write(tmp_path, ["髙橋 梨沙,pr@sakura.example,instagram,risa_style,52000,,,consent"])
    assert _import(db, first, config).inserted == 1
    assert _contacts(db) == [("髙橋 梨沙", "pr@sakura.example", "self", None)]
    second = _write(
        tmp_path,
        ["山本 彩,pr@sakura.example,instagram,aya_y,30000,,サクラ事務所,consent"],
        "second.csv",
    )
    assert _import(db, second, config).inserted == 1
    assert _people(db) == [
        ("髙橋 梨沙", "", "pr@sakura.example"),
        ("山本 彩", "", "pr@sakura.example"),
    ]
    assert _contacts(db) == [
        ("髙橋 梨沙", "pr@sakura.example", "manager", "サクラ事務所"),
        ("山本 彩", "pr@sakura.example", "manager", "サクラ事務所"),
    ]
    with reading(db) as conn:
        assert conn.execute(select(agency.c.name, agency.c.domain)).all() == [
            ("サクラ事務所", "sakura.example")
        ]
    again = _import(db, first, config)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
