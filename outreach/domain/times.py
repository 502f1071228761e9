"""How a stored time is shown to a person: in the workspace's display timezone with the
zone's name, to the minute (`2026-12-05 23:03 JST`); ISO 8601 with its offset for scripts.
Stored times are UTC (naive ones are read as UTC). The command line and the web console both
show times this way."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def show(at: datetime, zone: ZoneInfo | None) -> str:
    """`2026-12-05 23:03 JST`; the IANA name where the zone has no abbreviation (`+09`)."""
    local = aware(at).astimezone(zone or UTC)
    name = local.tzname() or ""
    if not name.isalpha():
        name = zone.key if zone is not None else "UTC"
    return f"{local:%Y-%m-%d %H:%M} {name}"


def iso(at: datetime, zone: ZoneInfo | None) -> str:
    """ISO 8601 with the offset, to the second: `2026-12-05T23:03:07+09:00`."""
    return aware(at).astimezone(zone or UTC).isoformat(timespec="seconds")
