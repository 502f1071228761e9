"""The store's foundations: migrations apply, SQLite write transactions lock at BEGIN."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, event, insert, select, text

from outreach.clock import SystemClock
from outreach.store.schema import campaign
from outreach.store.session import pending_migrations, writing


def test_migrations_leave_nothing_pending(db: Engine) -> None:
    assert pending_migrations(db) == []


def test_migrations_match_the_tables(db: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from outreach.store.schema import metadata

    with db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], "schema.py and the Alembic migrations disagree"


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


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
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
                "INSERT INTO outbox (enrollment_id, step, mailbox, mail_from, rcpt_to, email_norm, message_id,"
                " subject, raw, state, attempt, due_at, created_at, updated_at, sent_at, last_error)"
                f" VALUES (:e, 1, 'main', 'pr@sakura.test', {json_param}, 'h@x.test', '<m1@sakura.test>', 'hi',"
                " :raw, 'sent', 1, :at, :at, :at, :at, '') RETURNING id"
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


def test_bytes_orphaned_by_a_delete_without_foreign_keys_do_not_block_a_new_row(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    """The sqlite3 shell runs with foreign keys off: deleting outbox rows there leaves their
    bytes behind, and SQLite gives the next row the same id. Queueing it still works, with its
    own bytes."""
    from outreach.domain.outbox import NewOutboxRow
    from outreach.store.queries.outbox import queue_messages
    from outreach.store.schema import outbox, outbox_message
    from tests.support.smtp import seed_outbox

    [oid] = seed_outbox(sqlite_db, 1)
    with sqlite_db.connect() as conn:
        old = dict(conn.execute(select(outbox).where(outbox.c.id == oid)).mappings().one())
    NEW_ROW_COLUMNS = (
        "enrollment_id", "step", "mailbox", "mail_from", "email_norm", "message_id", "subject",
        "due_at", "created_at", "expires_at", "template_hash",
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
