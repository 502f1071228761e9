"""Engines and transactions.

SQLite: WAL, busy timeout, foreign keys; pysqlite's implicit transactions are switched off and we
emit BEGIN ourselves (SQLAlchemy's documented recipe), so `writing()` takes the write lock at
BEGIN IMMEDIATE. SQLAlchemy renders FOR UPDATE SKIP LOCKED as nothing on SQLite, so this lock is
what makes claims atomic there. PostgreSQL: plain transactions; claims use SKIP LOCKED.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from outreach.errors import SchemaOutOfDate
from outreach.store.queries import tally

MIGRATIONS = str(Path(__file__).with_name("migrations"))
BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine whose transactions bring the report's counters up to date as they commit
    (`outreach.store.queries.tally`)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=NullPool, **kwargs)
        _sqlite_setup(engine)
    else:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    tally.install(engine)
    return engine


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        # NORMAL, not FULL: in WAL mode a commit is then a write to the WAL file without fsync
        # (fsync only at checkpoints). The database cannot be corrupted, and a commit survives
        # any crash of the process (SIGKILL, OOM, a bug: what the failpoint tests exercise),
        # since the written WAL pages are in the OS cache. Only a power loss or kernel crash can
        # roll back the last commits; a lost `sending` mark would then make the reaper requeue
        # a row whose DATA went out (a duplicate). Hosts where that matters use PostgreSQL
        # (fsync per commit) or FULL here, at a commit cost dispatch's group commit amortises.
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked": another connection held the write lock for longer than
    the busy timeout (a large import is one transaction). The failed transaction was rolled
    back, so it can be tried again."""
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(
        exc.orig, "sqlite_errorcode", None
    )  # kept when the planner's process sends it back
    return (
        isinstance(exc.orig, sqlite3.OperationalError)
        and isinstance(code, int)
        and code & 0xFF == sqlite3.SQLITE_BUSY
    )


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be used for a while, not a fault of the statement: SQLite busy,
    a connection lost (a PostgreSQL restart or failover) or refused while connecting. What the
    daemon retries on its next tick."""
    if is_busy(exc):
        return True
    return isinstance(exc, OperationalError) and (
        exc.connection_invalidated or exc.statement is None
    )


def describe_unavailable(exc: BaseException) -> str:
    """One line for the log: no SQL, no parameters (they can hold addresses)."""
    if is_busy(exc):
        return "the database stayed locked by another writer (such as a large import)"
    first = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip().splitlines()
    return f"the database is unavailable ({first[0] if first else type(exc).__name__})"


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A short write transaction; on SQLite it holds the database write lock from BEGIN."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction (deferred on SQLite: takes no write lock)."""
    with engine.connect() as conn, conn.begin():
        yield conn


def _alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Apply every pending migration (used by `outreach init` and `outreach db upgrade`), or
    those up to `revision`."""
    command.upgrade(_alembic_config(engine), revision)


def pending_migrations(engine: Engine) -> list[str]:
    script = ScriptDirectory.from_config(_alembic_config(engine))
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    heads = set(script.get_heads())
    if current == heads:
        return []
    return [rev.revision for rev in script.walk_revisions() if rev.revision not in current]


def check_schema(engine: Engine) -> None:
    """Refuse to work on a database with pending migrations."""
    pending = pending_migrations(engine)
    if pending:
        raise SchemaOutOfDate(
            f"the database needs {len(pending)} migration(s)",
            hint="run `outreach db upgrade`",
        )


@contextmanager
def write_on(conn: Connection) -> Iterator[Connection]:
    """Like `writing()`, on a connection a worker holds open across many short transactions.

    SQLite engines use NullPool, so each `writing()` opens and closes the file (about 10 ms in
    WAL mode); a dispatch pass commits many times and keeps one connection instead."""
    if is_sqlite(conn):
        conn.execution_options(sqlite_begin="IMMEDIATE")
    try:
        with conn.begin():
            yield conn
    finally:
        if is_sqlite(conn):
            conn.execution_options(sqlite_begin="DEFERRED")
