"""How the command line shows a stored time: in the workspace's display timezone with the
zone's name, to the minute (`2026-12-05 23:03 JST`); with `--utc` in UTC; in JSON as ISO 8601
with its offset, for scripts. The rules live in `outreach.domain.times`, shared with the web
console."""

from __future__ import annotations

from outreach.domain.times import aware, iso, show

__all__ = ["aware", "iso", "show"]
