"""The demo workspace's settings: the shipped config.toml with a few lines changed.

`outreach demo` runs the production engine; only the settings differ: a loopback capture
server, a Maildir inbox, an always-open window without holidays or closures, no gaps between
sends and the `demo` sequence (delays of seconds). Each change must match exactly one line of
the shipped file, so the demo fails loudly instead of silently running on other settings.
"""

from __future__ import annotations

import re
from pathlib import Path

from outreach.errors import ConfigError


def _edits(port: int) -> list[tuple[str, str]]:
    return [
        (r"^port = 8025\b", f"port = {port}"),
        (r"^days = \[.*?\]", 'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'),
        (r'^start = "09:00:00"', 'start = "00:00:00"'),
        (r'^end = "18:00:00"', 'end = "23:59:59"'),
        (r"^observe_holidays = true", "observe_holidays = false"),
        (r"^closed = \[.*?\]", "closed = []"),
        (r"^min_gap_seconds = 60 ", "min_gap_seconds = 0 "),
        (r"^jitter_seconds = 30 ", "jitter_seconds = 0 "),
        (r"^jitter_seconds = 120 ", "jitter_seconds = 0 "),
        (r"^tick_seconds = 5 ", "tick_seconds = 1 "),
        (r"^poll_seconds = 60 ", "poll_seconds = 1 "),
        (r"^freshness_minutes = 30 ", "freshness_minutes = 1 "),
    ]


def write_demo_config(workspace: Path, *, smtp_port: int) -> Path:
    """Rewrite workspace/config.toml and the sample campaign for the demo; return the config."""
    path = workspace / "config.toml"
    text = path.read_text(encoding="utf-8")
    for pattern, replacement in _edits(smtp_port):
        text, count = re.subn(pattern, replacement, text, count=0, flags=re.MULTILINE)
        if count != 1:
            raise ConfigError(
                f"demo: expected one line matching {pattern!r}, found {count}",
                file=str(path),
                hint="config.example.toml changed; update outreach/demo/config.py",
            )
    path.write_text(text, encoding="utf-8")
    campaign = workspace / "campaigns" / "spring-serum.toml"
    ctext, count = re.subn(
        r'^sequence = "standard"',
        'sequence = "demo"',
        campaign.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    if count != 1:
        raise ConfigError(
            "demo: the sample campaign names no standard sequence", file=str(campaign)
        )
    campaign.write_text(ctext, encoding="utf-8")
    return path
