"""A workspace: the folder ops edit (config.toml, templates, sequences, campaigns, roster)."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

from outreach.config import load_config
from outreach.errors import ConfigError
from outreach.store.session import make_engine, migrate

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_CAMPAIGN = Path("campaigns") / "spring-serum.toml"


def _sample_files() -> list[Path]:
    """Every sample file. The sample folders are symlinks to the repository's top-level ones,
    which `Path.rglob` does not descend into before Python 3.13; dangling links are skipped."""
    found = [
        Path(folder, name)
        for folder, _dirs, names in os.walk(SAMPLES, followlinks=True)
        for name in names
        if "__pycache__" not in Path(folder).parts
    ]
    return sorted(p for p in found if p.is_file())


# The sample campaign's dates, as days after the workspace is made: a sample whose reply_by
# has passed would state a past deadline in every pitch, which the planner refuses to send.
SAMPLE_DATES = {"reply_by": 14, "post_by": 28}


def date_sample_campaign(path: Path, today: date) -> None:
    """Set the sample campaign's [dates] to SAMPLE_DATES days after `today`."""
    text = path.read_text(encoding="utf-8")
    for key, days in SAMPLE_DATES.items():
        text, count = re.subn(
            rf"^{key} = \d{{4}}-\d{{2}}-\d{{2}}",
            f"{key} = {(today + timedelta(days=days)).isoformat()}",
            text,
            flags=re.MULTILINE,
        )
        if count != 1:
            raise ConfigError(f"the sample campaign has no single {key} line", file=str(path))
    path.write_text(text, encoding="utf-8")


def create_workspace(target: Path, *, today: date | None = None) -> list[str]:
    """Copy the sample workspace into target (never overwriting) and migrate its database;
    with `today`, the sample campaign's dates count from it."""
    target.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    for src in _sample_files():
        rel = src.relative_to(SAMPLES)
        name = Path("config.toml") if rel == Path("config.example.toml") else rel
        dest = target / name
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        created.append(str(name))
        if today is not None and rel == SAMPLE_CAMPAIGN:
            date_sample_campaign(dest, today)
    for folder in ("templates", "sequences", "campaigns", "inbox"):
        (target / folder).mkdir(exist_ok=True)
    config = load_config(target / "config.toml")
    migrate(make_engine(config.database_url))
    return created
