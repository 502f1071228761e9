"""The import's stage: a row copied from it is stored exactly as the row-by-row path stores it,
people and posts copied and written row by row end up alike, ids follow the file's order when
both paths take turns, and a re-import or an import into a populated roster still reports what
changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from outreach.clock import FixedClock
from outreach.config import Config, load_config
from outreach.services.roster.importer import ImportOptions, import_influencers, import_posts
from outreach.services.roster.rows import InfluencerRows, RowProblems, RowRules
from outreach.store.queries import roster_stage
from outreach.store.queries.roster_upsert import _prepare, _row, _Target
from outreach.store.schema import account, agency, contact, influencer, post
from outreach.store.session import reading
from tests.support.db import sqlite_engine

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "roster"
CLOCK = FixedClock(datetime(2026, 12, 6, 10, 0, tzinfo=UTC))
_SQLITE = sqlite_dialect()


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "config.example.toml")


_cell = st.sampled_from(
    ["", "山田 花子", "hanako@example.jp", "1,234", "1.2万", "3.2%", "yes", "food;京都", "JP"]
) | st.text(max_size=8)
_COLUMNS = [
    "followers",
    "avg_likes",
    "engagement_rate",
    "niche",
    "language",
    "manager_email",
    "tags",
    "basis",
    "refuses_ads",
    "honorific_name",
    "send_to",
    "City",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    extra=st.dictionaries(st.sampled_from(_COLUMNS), _cell, max_size=8),
    email=st.sampled_from(["Hanako@Example.jp", "", "x@bücher.example"]),
)
def test_a_staged_row_is_the_row_by_row_insert(
    extra: dict[str, str], email: str, config: Config
) -> None:
    cells = {"name": "山田 花子", "email": email, "platform": "instagram", "handle": "h", **extra}
    cells.setdefault("manager_email", "pr@agency.example")
    try:
        record = InfluencerRows(RowRules(tiers=config.tiers))(cells)
    except RowProblems:
        return
    bind = {c.name: c.type.dialect_impl(_SQLITE).bind_processor(_SQLITE) for c in influencer.c}
    row = _row(_Target(None, _prepare(record), 2, "run"), {})
    expected = [row[k] if bind[k] is None else bind[k](row[k]) for k in roster_stage._PEOPLE]
    assert list(roster_stage.person_row(record)) == expected


def _rows(engine: Engine, table: Any, *skip: str) -> list[tuple[Any, ...]]:
    """The table's rows in id order, an agency by its name; without "id" in `skip`, sorted
    (each path numbers accounts, contacts and agencies in its own order)."""
    columns: list[Any] = []
    for c in table.c:
        if c.name in {"created_at", "updated_at", *skip}:
            continue
        columns.append(
            select(agency.c.name).where(agency.c.id == c).scalar_subquery()
            if c.name == "agency_id"
            else c
        )
    with reading(engine) as conn:
        rows = [tuple(r) for r in conn.execute(select(*columns).order_by(table.c.id))]
    return sorted(rows, key=repr) if "id" in skip else rows


def _people_file(tmp_path: Path) -> Path:
    """New people, talents sharing an agency address (row by row) between them, a person on
    two platforms, a talent known only by a manager's address, a repeated row."""
    path = tmp_path / "people.csv"
    path.write_text(
        "name,email,platform,handle,followers,avg_likes,manager_email,事務所,tags,basis\n"
        "Ann,ann@example.jp,instagram,ann,1200,30,,,a;b,consent\n"
        "Ben,pr@sakura.example,instagram,ben,3400,12,,サクラ,,consent\n"
        "Cat,cat@example.jp,tiktok,cat,1.2万,,mgr@agency.example,,c,\n"
        "Dan,pr@sakura.example,tiktok,dan,800,5,,サクラ,,consent\n"
        "Eve,eve@example.jp,youtube,eve,12,,,,,none\n"
        "Ann,ann@example.jp,tiktok,ann_tt,5000,100,,,,consent\n"
        "Fay,,instagram,fay,300,,mgr@agency.example,,,consent\n"
        "Gus,gus@example.jp,instagram,gus,1,,,,,consent\n"
        "Gus,gus@example.jp,instagram,gus,2,,,,,consent\n",
        encoding="utf-8",
    )
    return path


def _renamed(row: str, edit: Callable[[str], str]) -> str:
    """A CSV row whose first cell (the name) is edited."""
    name, rest = row.split(",", 1)
    return f"{edit(name)},{rest}"


def _path(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """Make imports write their rows one way: "transfer" (what a first import does when no
    address is shared), "copy" (INSERT ... SELECT a range of lines at a time; unchanged
    people stamped all at once), or "row_by_row" (upsert_influencers / upsert_posts for every
    row, as on PostgreSQL)."""
    if path == "transfer":
        return
    monkeypatch.setattr(roster_stage.PeopleStage, "_build_transfer", lambda self, conn: False)
    if path == "copy":
        return
    monkeypatch.setattr(roster_stage, "_NOT_SHARED", "0")  # nobody found unchanged at once
    original = roster_stage._Stage._mark_slow

    def mark(self: roster_stage._Stage, conn: Any, stored: str | None) -> None:
        original(self, conn, "1")

    monkeypatch.setattr(roster_stage._Stage, "_mark_slow", mark)


@pytest.mark.parametrize("people", ["mixed", "sample"])
def test_every_path_stores_people_and_posts_alike(
    people: str, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    roster = _people_file(tmp_path) if people == "mixed" else SAMPLE / "influencers.csv"
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "influencer,platform,url,caption,published_at,likes\n"
        "ann,instagram,https://www.instagram.com/p/1/,hi,2026-11-01T09:30:00+09:00,1.2万\n"
        "eve,youtube,https://www.youtube.com/watch?v=2,,2026-11-02,\n"
        "ann,instagram,https://www.instagram.com/p/1/,again,,3\n",
        encoding="utf-8",
    )
    if people == "sample":
        posts = SAMPLE / "posts.csv"
    again = tmp_path / "again.csv"  # the same rows, two of them changed, and a new person
    header, *rows = roster.read_text(encoding="utf-8").splitlines()
    newcomer = rows[-1].split(",")
    newcomer[1:4] = ["new@example.jp", "instagram", "newcomer"]
    rows[2] = _renamed(rows[2], lambda name: name + " Jr")
    rows[-1] = _renamed(rows[-1], str.upper)
    again.write_text("\n".join([header, *rows, ",".join(newcomer)]) + "\n", encoding="utf-8")
    stored = []
    reports = []
    for path in ("transfer", "copy", "row_by_row"):
        engine = sqlite_engine(tmp_path / f"{path}.db")
        with monkeypatch.context() as patched:
            _path(patched, path)
            options = ImportOptions()
            first = import_influencers(engine, roster, config=config, clock=CLOCK, options=options)
            second = import_posts(engine, posts, config=config, options=options)
            third = import_influencers(engine, again, config=config, clock=CLOCK, options=options)
            fourth = import_posts(engine, posts, config=config, options=options)
        reports.append(
            [
                (r.inserted, r.updated, r.unchanged, r.duplicates, r.rejected, r.warnings)
                for r in (first, second, third, fourth)
            ]
            + [third.changes]
        )
        stored.append(
            [
                _rows(engine, influencer, "import_run"),
                _rows(engine, account, "id"),  # written by each path in its own order
                _rows(engine, contact, "id"),
                _rows(engine, agency, "id"),
                _rows(engine, post),
            ]
        )
        engine.dispose()
    assert reports[0] == reports[1] == reports[2]
    assert stored[0] == stored[1] == stored[2]
    if people == "mixed":
        names = [r[1] for r in stored[0][0]]
        assert names[:7] == ["Ann", "Ben", "Cat Jr", "Dan", "Eve", "Fay", "GUS"]  # file order


def test_a_populated_roster_takes_new_rows_and_reports_the_rest(
    db: Engine, config: Config, tmp_path: Path
) -> None:
    people = _people_file(tmp_path)
    first = import_influencers(db, people, config=config, clock=CLOCK, options=ImportOptions())
    assert (first.inserted, first.duplicates) == (8, 1)
    again = import_influencers(db, people, config=config, clock=CLOCK, options=ImportOptions())
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 8)
    more = tmp_path / "more.csv"
    more.write_text(
        "name,email,platform,handle,followers\n"
        "Hal,hal@example.jp,instagram,hal,10\n"
        "Ann,ann@example.jp,instagram,ann,1300\n"
        "Ivy,ivy@example.jp,x,ivy,20\n",
        encoding="utf-8",
    )
    report = import_influencers(db, more, config=config, clock=CLOCK, options=ImportOptions())
    assert (report.inserted, report.updated, report.unchanged) == (2, 1, 0)
    assert report.changes == [f"{more}:3: @ann: followers: 1200 → 1300"]
    with reading(db) as conn:
        names = list(conn.execute(select(influencer.c.name).order_by(influencer.c.id)).scalars())
        ranks = dict(
            conn.execute(
                select(influencer.c.handle, influencer.c.er_rank_pct).where(
                    influencer.c.platform == "instagram"
                )
            ).all()
        )
    assert names == ["Ann", "Ben", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal", "Ivy"]
    assert ranks["hal"] is None and ranks["ann"] == pytest.approx(100.0)
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "influencer,url,likes\nann,https://www.instagram.com/p/1/,10\n"
        "eve,https://www.youtube.com/watch?v=2,20\n",
        encoding="utf-8",
    )
    first_posts = import_posts(db, posts, config=config, options=ImportOptions())
    assert (first_posts.inserted, first_posts.updated) == (2, 0)
    posts.write_text(
        "influencer,url,likes\nhal,https://www.instagram.com/p/3/,5\n"
        "ann,https://www.instagram.com/p/1/,11\n"
        "ivy,https://x.com/ivy/status/4,1\n"
        "eve,https://www.youtube.com/watch?v=2,20\n",
        encoding="utf-8",
    )
    report = import_posts(db, posts, config=config, options=ImportOptions())
    assert (report.inserted, report.updated, report.unchanged) == (2, 1, 1)
    assert report.changes == [f"{posts}:3: https://www.instagram.com/p/1/: likes: 10 → 11"]
    with reading(db) as conn:
        urls = list(conn.execute(select(post.c.url).order_by(post.c.id)).scalars())
    assert urls[2:] == ["https://www.instagram.com/p/3/", "https://x.com/ivy/status/4"]


def test_a_first_import_is_ranked_as_recompute_ranks_it(sqlite_db: Engine, config: Config) -> None:
    from outreach.store.queries.roster import recompute_er_rank
    from outreach.store.session import writing

    report = import_influencers(
        sqlite_db, SAMPLE / "influencers.csv", config=config, clock=CLOCK, options=ImportOptions()
    )
    assert report.inserted == 10
    before = _rows(sqlite_db, influencer), _rows(sqlite_db, account)
    with writing(sqlite_db) as conn:
        recompute_er_rank(conn)
    assert (_rows(sqlite_db, influencer), _rows(sqlite_db, account)) == before


def test_a_file_with_a_bad_row_never_takes_the_write_lock(
    sqlite_db: Engine, config: Config, tmp_path: Path
) -> None:
    """Another writer holds the lock throughout: checking, staging and finding repeats need
    none of it, so the bad file is rejected at once (taking the lock would wait for it)."""
    import sqlite3

    from outreach.errors import ImportRejected

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,email,platform,handle,followers\n"
        "Ann,ann@example.jp,instagram,ann,12\n"
        "Ann,ann@example.jp,instagram,ann,13\n"
        "Ben,ben@example,instagram,ben,-3\n",
        encoding="utf-8",
    )
    holder = sqlite3.connect(str(sqlite_db.url.database), isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = datetime.now(UTC)
        with pytest.raises(ImportRejected) as info:
            import_influencers(sqlite_db, bad, config=config, clock=CLOCK, options=ImportOptions())
        assert (datetime.now(UTC) - started).total_seconds() < 5  # the busy timeout is 10 s
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [e.field for e in info.value.errors] == ["email", "followers"]
