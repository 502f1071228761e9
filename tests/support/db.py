"""Databases for tests: migrated SQLite files and the machine's PostgreSQL (schema per test)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from sqlalchemy import Engine

from outreach.store.session import make_engine, migrate

PG_ADMIN_URL = os.environ.get("OUTREACH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def require_pg() -> None:
    """Skip the calling test when PostgreSQL is unreachable, or fail it under
    OUTREACH_REQUIRE_PG=1 (CI, where a skip would hide the PostgreSQL half of the suite)."""
    if not pg_available():
        if os.environ.get("OUTREACH_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required (OUTREACH_REQUIRE_PG=1)")
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")


def sqlite_engine(path: Path) -> Engine:
    """An engine on the SQLite file at `path`, migrated to the newest schema."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    return engine


def engine_url(engine: Engine) -> str:
    """The engine's URL as a config file or a subprocess needs it (password included)."""
    return engine.url.render_as_string(hide_password=False)
