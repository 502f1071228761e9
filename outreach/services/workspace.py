"""A workspace: the folder ops edit (config.toml, templates, sequences, campaigns, roster)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from outreach.config import load_config
from outreach.store.session import make_engine, migrate

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


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


def create_workspace(target: Path) -> list[str]:
    """Copy the sample workspace into target (never overwriting) and migrate its database."""
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
    for folder in ("templates", "sequences", "campaigns", "inbox"):
        (target / folder).mkdir(exist_ok=True)
    config = load_config(target / "config.toml")
    migrate(make_engine(config.database_url))
    return created
