"""A follow-up that can only go out after a date its own text states.

Enrolled today, step k goes out at the earliest after the sum of the delays before it
(business days in the workspace's calendar); when that is after a `campaign.dates` key the
step's template states, the message would ask for a reply by a day already gone, and the
planner would hold it. Said at lint time, where the sequence or the date can still change.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from outreach.config import Config
from outreach.domain.campaign import Campaign
from outreach.domain.sequence import Sequence
from outreach.render.deadlines import file_dates
from outreach.services.lint.model import LintFinding
from outreach.services.sequence.files import recipient_of

RULE = "deadline-outrun"


def _line_stating(path: Path, key: str) -> int:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    return next(
        (
            n
            for n, line in enumerate(lines, 1)
            if f"dates.{key}" in line or f"dates['{key}']" in line or f'dates["{key}"]' in line
        ),
        1,
    )


def outrun_findings(
    config: Config, campaign: Campaign, sequence: Sequence, files: list[str], now: datetime
) -> list[LintFinding]:
    """A warning per template file of a step whose earliest send (enrolled `now`) falls after
    a date it states."""
    where = recipient_of(config, "", "")
    earliest = now
    findings: list[LintFinding] = []
    for step in sequence.steps:
        earliest = step.delay.after(
            earliest, tz=where.tz, country=where.country, closed=where.closed
        )
        for file in files:
            if file.split(".")[0] not in step.templates:
                continue
            path = config.templates_dir / file
            for key in sorted(file_dates(path)):
                day = campaign.dates.get(key)
                local = earliest.astimezone(ZoneInfo(where.tz)).date()
                if day is not None and local > day:
                    findings.append(
                        LintFinding(
                            f"{config.templates_dir.name}/{file}",
                            _line_stating(path, key),
                            RULE,
                            "warning",
                            f"step {step.number} goes out {local.isoformat()} at the earliest "
                            f"(enrolled today), after the {key} {day.isoformat()} it states",
                            hint=f"shorten the delays in sequences/{sequence.name}.toml or move "
                            f"{key} in the campaign; the planner holds a step past its date",
                        )
                    )
    return findings
