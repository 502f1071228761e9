"""Bulk rows for the scale benchmarks (`tick.py`, `claim.py`), inserted with sqlite3 executemany
for setup speed, in the text forms SQLAlchemy stores."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime


def ts(at: datetime) -> str:
    """SQLAlchemy's SQLite storage format for DateTime (compared as text)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def insert_roster(conn: sqlite3.Connection, count: int, created: str) -> None:
    """Campaign 1 (`spring-serum`) and influencers 1..count (Japanese, no timezone of their own)."""
    conn.execute(
        "INSERT INTO campaign (id, slug, created_at) VALUES (1, 'spring-serum', ?)", (created,)
    )
    conn.executemany(
        "INSERT INTO influencer (id, name, email, email_norm, platform, handle, followers,"
        " engagement_rate, tier, niche, country, language, timezone, manager_email, tags,"
        " custom, basis, created_at, updated_at) VALUES"
        " (?, ?, ?, ?, 'instagram', ?, 12000, 0.04, 'micro', 'beauty', 'JP', 'ja', '', '',"
        " '[]', '{}', 'published_business_address', ?, ?)",
        (
            (
                i,
                f"山田 花子{i}",
                f"u{i}@example.jp",
                f"u{i}@example.jp",
                f"user{i}",
                created,
                created,
            )
            for i in range(1, count + 1)
        ),
    )
