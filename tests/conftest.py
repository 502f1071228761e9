"""Shared fixtures: real SQLite files and the machine's PostgreSQL, migrated with Alembic.

Only fixtures live here; the helpers they use are in tests/support (see its docstring)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from outreach.store.session import make_engine, migrate
from tests.support.db import PG_ADMIN_URL, require_pg, sqlite_engine

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Engine]:
    engine = sqlite_engine(tmp_path / "outreach.db")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema per test (search_path), dropped afterwards."""
    require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgres": a test taking it (or `engine`, `db`) runs once on each."""
    return str(request.param)


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The contract-suite fixture: a migrated store on SQLite (tmp_path/outreach.db) and on
    PostgreSQL (a schema of its own, marked `postgres`); the same test runs on both."""
    if backend == "sqlite":
        engine = sqlite_engine(tmp_path / "outreach.db")
        yield engine
        engine.dispose()
    else:
        yield request.getfixturevalue("pg_db")


@pytest.fixture
def db(engine: Engine) -> Engine:
    """`engine` under the name most service-level tests use: they too run on both databases."""
    return engine
