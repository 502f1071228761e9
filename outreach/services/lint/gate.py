"""The lint gate of every plan pass: a campaign whose templates have lint errors is held
(nothing of it is planned) until they are fixed, without restarting the daemon.

Linting renders every template of the campaign's sequence, so the result is kept until a
file of the workspace changes (templates, sequences, campaigns: their names, sizes and
modification times); the daemon logs a campaign once when it is held and once when it resumes.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from outreach.config import Config
from outreach.errors import UserError
from outreach.services.lint.model import LintFinding
from outreach.services.lint.runner import lint_campaign

log = logging.getLogger(__name__)


def workspace_fingerprint(config: Config) -> str:
    """What the files ops edit are now: every template, sequence and campaign file's name,
    size and modification time."""
    entries: list[tuple[str, str, int, int]] = []
    for folder in (config.templates_dir, config.sequences_dir, config.campaigns_dir):
        try:
            with os.scandir(folder) as found:
                for e in found:
                    if e.is_file():
                        st = e.stat()
                        entries.append((Path(folder).name, e.name, st.st_size, st.st_mtime_ns))
        except OSError:
            continue
    return hashlib.sha256(repr(sorted(entries)).encode()).hexdigest()


@dataclass
class LintGate:
    """Per campaign, its lint errors as of a workspace fingerprint."""

    checked: dict[str, tuple[str, tuple[LintFinding, ...]]] = field(default_factory=dict)

    def held(self, config: Config, now: datetime, fingerprint: str) -> set[str]:
        """Campaigns held as of the last check, re-checked first if the files changed."""
        for slug in [s for s, (_, errors) in self.checked.items() if errors]:
            self.check(config, [slug], now, fingerprint)
        return {s for s, (_, errors) in self.checked.items() if errors}

    def check(
        self, config: Config, slugs: list[str], now: datetime, fingerprint: str
    ) -> dict[str, tuple[LintFinding, ...]]:
        """Lint each campaign whose result is older than `fingerprint`; returns the held ones."""
        for slug in slugs:
            seen = self.checked.get(slug)
            if seen is not None and seen[0] == fingerprint:
                continue
            try:
                errors = tuple(
                    f for f in lint_campaign(config, slug, now=now) if f.severity == "error"
                )
            except UserError:
                errors = ()  # a broken campaign or sequence file: the planner reports it
            was_held = bool(seen and seen[1])
            if errors and not was_held:
                log.warning(
                    "campaign %s held: %d lint error(s), nothing of it is planned until "
                    "fixed; first: %s",
                    slug,
                    len(errors),
                    errors[0],
                )
            elif was_held and not errors:
                log.info("campaign %s: lint errors fixed; planning resumes", slug)
            self.checked[slug] = (fingerprint, errors)
        return {s: self.checked[s][1] for s in slugs if self.checked[s][1]}
