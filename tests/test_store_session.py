"""The store's foundations: migrations apply, SQLite write transactions lock at BEGIN."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
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
