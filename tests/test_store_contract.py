"""The store's contract: what outreach/store promises, on SQLite and on PostgreSQL alike.

Every test here that takes `engine` (or `backend`) runs twice, once per database; the PostgreSQL
run carries the `postgres` marker and gets a schema of its own (conftest.py). The sections at the
end pin what one database alone needs: on SQLite, the write lock taken at BEGIN, the text
timestamps are stored as, a shell deleting with foreign keys off; on PostgreSQL, two writers
racing for the same new row.

Service-level tests run on both databases too, through the same fixture under the name `db`.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, event, insert, select, text, update

from outreach.clock import SystemClock
from outreach.domain.influencer import Basis, Tier
from outreach.domain.outbox import OutboxState
from outreach.errors import InputError
from outreach.store.queries import mailbox as mailbox_q
from outreach.store.queries import outbox as q
from outreach.store.queries import roster
from outreach.store.schema import campaign, mailbox, outbox
from outreach.store.session import pending_migrations, reading, writing
from tests.support.dispatch import claim_and_reap
from tests.support.smtp import T0, seed_outbox

# -- migrations -------------------------------------------------------------------------------


def test_migrations_leave_nothing_pending(engine: Engine) -> None:
    assert pending_migrations(engine) == []


# SQLite cannot reflect an index on an expression (ix_influencer_manager_email), so on SQLite
# that one index is skipped with a warning; PostgreSQL compares it.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_match_the_tables(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from outreach.store.schema import metadata

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], "schema.py and the Alembic migrations disagree"


def test_upgrading_moves_the_outbox_bytes_to_their_own_table_and_loses_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """0002 on a database that already sent mail: every row keeps its exact bytes, and the
    attempt log (which references outbox) survives the column drop."""
    from alembic import command

    from outreach.store.schema import attempt, enrollment, influencer, outbox_message
    from outreach.store.session import _alembic_config, make_engine, migrate

    url = (
        f"sqlite:///{tmp_path / 'old.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = make_engine(url)
    command.upgrade(_alembic_config(engine), "0001")
    at = SystemClock().now().replace(tzinfo=None)
    raw = b"From: pr@sakura.test\r\nSubject: =?utf-8?b?5bGx55Sw?=\r\n\r\n\x2e\x2eleading dot\r\n"
    json_param = ":rcpt" if backend == "sqlite" else "CAST(:rcpt AS JSON)"
    with engine.begin() as conn:
        cid = conn.execute(
            insert(campaign).values(slug="spring", created_at=at).returning(campaign.c.id)
        ).scalar_one()
        iid = conn.execute(
            insert(influencer)
            .values(
                name="Hanako",
                email="h@x.test",
                email_norm="h@x.test",
                platform="instagram",
                handle="h",
                tags=[],
                custom={},
                created_at=at,
                updated_at=at,
            )
            .returning(influencer.c.id)
        ).scalar_one()
        eid = conn.execute(
            insert(enrollment)
            .values(
                campaign_id=cid,
                influencer_id=iid,
                sequence="standard",
                mailbox="main",
                stage_changed_at=at,
                created_at=at,
            )
            .returning(enrollment.c.id)
        ).scalar_one()
        oid = conn.execute(
            text(
                "INSERT INTO outbox (enrollment_id, step, mailbox, mail_from, rcpt_to,"
                " email_norm, message_id, subject, raw, state, attempt, due_at, created_at,"
                " updated_at, sent_at, last_error)"
                f" VALUES (:e, 1, 'main', 'pr@sakura.test', {json_param}, 'h@x.test',"
                " '<m1@sakura.test>', 'hi', :raw, 'sent', 1, :at, :at, :at, :at, '') RETURNING id"
            ),
            {"e": eid, "rcpt": '["h@x.test"]', "raw": raw, "at": at},
        ).scalar_one()
        conn.execute(
            insert(attempt).values(
                outbox_id=oid,
                attempt=1,
                worker="w",
                at=at,
                outcome="sent",
                smtp_code=250,
                enhanced_status="2.0.0",
                server_text="ok",
                exception_type="",
            )
        )
    migrate(engine)
    assert pending_migrations(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(outbox_message.c.outbox_id, outbox_message.c.raw)).all() == [
            (oid, raw)
        ]
        assert conn.execute(select(attempt.c.outbox_id)).scalars().all() == [oid]
    engine.dispose()


# -- roster queries: upsert by natural key, load, find, rank -----------------------------

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


def test_upsert_insert_update_unchanged_and_load(engine: Engine) -> None:
    with writing(engine) as conn:
        iid, changes = roster.upsert_influencer(conn, _record(), at=AT)
        assert changes is None
        again = roster.upsert_influencer(conn, _record(), at=AT)
        assert again == (iid, {})
        _, changes = roster.upsert_influencer(
            conn, _record(email="HANAKO@example.jp", followers=15000, tags=["food"]), at=AT
        )
        assert changes == {
            "email": ("hanako@example.jp", "HANAKO@example.jp"),
            "followers": (12000, 15000),
            "tags": (["food", "kyoto"], ["food"]),
        }
        roster.upsert_post(
            conn,
            iid,
            {
                "url": "https://example.jp/p/1",
                "platform": "instagram",
                "title": "old",
                "published_at": datetime(2026, 11, 1, tzinfo=UTC),
            },
        )
        roster.upsert_post(
            conn,
            iid,
            {
                "url": "https://example.jp/p/2",
                "platform": "instagram",
                "title": "new",
                "published_at": datetime(2026, 11, 20, tzinfo=UTC),
            },
        )
        _, pchanges = roster.upsert_post(
            conn, iid, {"url": "https://example.jp/p/1", "platform": "instagram", "title": "older"}
        )
        assert pchanges == {"title": ("old", "older")}
        with pytest.raises(InputError, match="already exists"):
            roster.insert_post(
                conn, iid, {"url": "https://example.jp/p/2", "platform": "instagram"}
            )
    with reading(engine) as conn:
        found = roster.load_influencer(conn, iid)
        assert found.tags == ("food",) and found.custom == {"favourite": "matcha"}
        assert found.basis is Basis.CONSENT and found.tier is Tier.MICRO
        assert [p.title for p in found.posts] == ["new", "older"]
        assert found.posts[0].published_at == datetime(2026, 11, 20, tzinfo=UTC)
        assert roster.find_influencer(conn, "@hanako_cooks") == found
        assert roster.find_influencer(conn, "hanako@EXAMPLE.jp") == found
        assert roster.find_influencer(conn, "instagram:hanako_cooks") == found
        assert roster.find_influencer(conn, "nobody") is None
        assert [i.id for i in roster.load_influencers(conn, handles=["@hanako_cooks"])] == [iid]


def test_key_conflict_and_ambiguous_handle(engine: Engine) -> None:
    with writing(engine) as conn:
        roster.upsert_influencer(conn, _record(), at=AT)
        roster.upsert_influencer(conn, _record(email="b@example.com", platform="tiktok"), at=AT)
        with pytest.raises(roster.KeyConflict):
            roster.upsert_influencer(conn, _record(email="b@example.com"), at=AT)
        with pytest.raises(InputError, match="several platforms"):
            roster.find_influencer(conn, "hanako_cooks")


def test_er_rank_within_platform(engine: Engine) -> None:
    with writing(engine) as conn:
        for n, (platform, er) in enumerate(
            [
                ("instagram", 0.01),
                ("instagram", 0.03),
                ("instagram", 0.02),
                ("tiktok", 0.001),
                ("tiktok", None),
            ]
        ):
            roster.upsert_influencer(
                conn,
                _record(
                    email=f"i{n}@example.com", handle=f"h{n}", platform=platform, engagement_rate=er
                ),
                at=AT,
            )
        roster.recompute_er_rank(conn)
    with reading(engine) as conn:
        ranks = {i.handle: i.er_rank_pct for i in roster.load_influencers(conn)}
    assert ranks["h1"] == pytest.approx(100.0)
    assert ranks["h2"] == pytest.approx(200 / 3)
    assert ranks["h0"] == pytest.approx(100 / 3)
    assert ranks["h3"] == pytest.approx(100.0)
    assert ranks["h4"] is None


# -- the outbox: claim order and fencing ------------------------------------------------


def test_the_claim_takes_the_oldest_due_rows_of_both_states_in_order(
    engine: Engine, tmp_path: Path
) -> None:
    """Queued and retry rows interleave by due time; ties go by id; rows not due yet and rows
    of another mailbox wait. The same on both databases (the index is partial on both)."""
    ids = seed_outbox(engine, 8)
    other = seed_outbox(engine, 2, mailbox="second", start=100)
    due = {
        ids[0]: 50,
        ids[1]: 10,
        ids[2]: 30,
        ids[3]: 10,
        ids[4]: 20,
        ids[5]: -5,
        ids[6]: 40,
        ids[7]: 60,
    }
    with engine.begin() as conn:
        for outbox_id, minutes_ago in due.items():
            state = (
                OutboxState.RETRY.value
                if outbox_id in (ids[2], ids[3], ids[7])
                else OutboxState.QUEUED.value
            )
            conn.execute(
                update(outbox)
                .where(outbox.c.id == outbox_id)
                .values(
                    state=state, due_at=(T0 - timedelta(minutes=minutes_ago)).replace(tzinfo=None)
                )
            )
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(other))
            .values(due_at=(T0 - timedelta(days=1)).replace(tzinfo=None))
        )
    rows, _ = claim_and_reap(engine, tmp_path, limit=6)
    assert [r.id for r in rows] == [ids[7], ids[0], ids[6], ids[2], ids[4], ids[1]]
    rest, _ = claim_and_reap(engine, tmp_path, limit=6)
    assert [r.id for r in rest] == [ids[3]]  # ids[5] is due in 5 minutes


def test_fencing_a_reaped_claim_cannot_write(engine: Engine) -> None:
    seed_outbox(engine, 1)
    limits = {"main": mailbox_q.MailboxLimits(100, 0, 0, T0.date())}
    with writing(engine) as conn:
        mailbox_q.ensure_mailboxes(conn, ["main"])
        [a] = q.claim(
            conn, worker="A", now=T0, lease_seconds=10, limits=limits, limit=10, rng=random.Random()
        )
    later = T0 + timedelta(seconds=30)
    with writing(engine) as conn:
        assert q.reap(conn, later, T0.date())["requeued"] == 1
        [b] = q.claim(
            conn,
            worker="B",
            now=later,
            lease_seconds=10,
            limits=limits,
            limit=10,
            rng=random.Random(),
        )
    assert b.attempt == a.attempt + 1
    with writing(engine) as conn:
        # the stale claimant's `sending` and `sent` do not take; the new owner's does
        assert q.mark_sending_unless_stopped(conn, [(a, 60)], later) == [""]
        assert q.mark_sending_unless_stopped(conn, [(b, 60)], later) == [None]
        assert q.mark_sent_many(conn, [a], later) == [False]


# -- SQLite only ------------------------------------------------------------------------


def test_sqlite_writing_emits_begin_immediate(sqlite_db: Engine) -> None:
    seen: list[str] = []
    event.listen(sqlite_db, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with writing(sqlite_db) as conn:
        conn.execute(insert(campaign).values(slug="x", created_at=SystemClock().now()))
    assert "BEGIN IMMEDIATE" in seen


def test_sqlite_write_lock_is_real(sqlite_db: Engine, tmp_path: Path) -> None:
    """While a claim transaction is open, another writer gets SQLITE_BUSY (busy_timeout=0)."""
    with writing(sqlite_db) as conn:
        conn.execute(text("SELECT 1"))
        other = sqlite3.connect(tmp_path / "outreach.db", timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    with writing(sqlite_db) as conn:
        assert conn.execute(select(campaign.c.id)).all() == []


def test_sqlite_claim_takes_the_write_lock(sqlite_db: Engine) -> None:
    seen: list[str] = []
    event.listen(sqlite_db, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with writing(sqlite_db) as conn:
        q.claim(conn, worker="A", now=T0, lease_seconds=10, limits={}, limit=1, rng=random.Random())
    assert seen[0] == "BEGIN IMMEDIATE"


def test_bytes_orphaned_by_a_delete_without_foreign_keys_do_not_block_a_new_row(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    """The sqlite3 shell runs with foreign keys off: deleting outbox rows there leaves their
    bytes behind, and SQLite gives the next row the same id. Queueing it still works, with its
    own bytes."""
    from outreach.domain.outbox import NewOutboxRow
    from outreach.store.queries.outbox import queue_messages
    from outreach.store.schema import outbox, outbox_message

    [oid] = seed_outbox(sqlite_db, 1)
    with sqlite_db.connect() as conn:
        old = dict(conn.execute(select(outbox).where(outbox.c.id == oid)).mappings().one())
    NEW_ROW_COLUMNS = (
        "enrollment_id",
        "step",
        "mailbox",
        "mail_from",
        "email_norm",
        "message_id",
        "subject",
        "due_at",
        "created_at",
        "expires_at",
        "template_hash",
    )
    shell = sqlite3.connect(tmp_path / "outreach.db")
    with shell:
        shell.execute("DELETE FROM outbox")
    shell.close()
    with writing(sqlite_db) as conn:
        assert (
            queue_messages(
                conn,
                [
                    NewOutboxRow(
                        **{k: old[k] for k in NEW_ROW_COLUMNS},
                        rcpt_to=tuple(old["rcpt_to"]),
                        raw=b"new bytes\r\n",
                    )
                ],
            )
            == 1
        )
    with sqlite_db.connect() as conn:
        assert conn.execute(select(outbox.c.id)).scalars().all() == [oid]
        assert conn.execute(select(outbox_message.c.raw)).scalars().all() == [b"new bytes\r\n"]


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999))
)
def test_sqlite_timestamps_are_written_as_sqlalchemy_writes_them(at: datetime) -> None:
    """The store's SQLite DATETIME writes by `isoformat`: the exact text of SQLAlchemy's own
    format (string comparisons in SQL depend on it), and it reads back the value given."""
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from outreach.store.schema import Timestamp

    dialect = sqlite_dialect.dialect()
    ours = Timestamp.dialect_impl(dialect).bind_processor(dialect)
    theirs = sqlite_dialect.DATETIME().bind_processor(dialect)
    assert ours(at) == theirs(at)
    assert Timestamp.dialect_impl(dialect).result_processor(dialect, None)(ours(at)) == at
    aware = at.replace(tzinfo=UTC)
    assert ours(aware) == theirs(aware)  # not written by the store; SQLAlchemy's own conversion
    assert ours(None) is None


# -- PostgreSQL only (SQLite serialises writers at BEGIN IMMEDIATE, so they never race) ------


@pytest.mark.postgres
def test_two_workers_starting_together_both_get_the_mailbox_row(pg_db: Engine) -> None:
    """`outreach run` notes each mailbox at start: a second worker's insert of the same row,
    racing the first, does nothing instead of failing on the unique name."""
    import threading

    from outreach.store.queries.mailbox import ensure_mailboxes

    errors: list[BaseException] = []
    with pg_db.begin() as first:
        ensure_mailboxes(first, ["main"])  # inserted, not committed yet

        def second() -> None:
            try:
                with pg_db.begin() as conn:
                    ensure_mailboxes(conn, ["main"])  # waits for the first, then does nothing
            except BaseException as exc:  # reported below
                errors.append(exc)

        racer = threading.Thread(target=second)
        racer.start()
        racer.join(0.5)  # blocked on the first transaction's row
    racer.join(10)
    assert errors == []
    with pg_db.connect() as conn:
        assert conn.execute(select(mailbox.c.name)).scalars().all() == ["main"]
