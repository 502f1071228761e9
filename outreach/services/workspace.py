"""A workspace: the folder ops edit (config.toml, templates, sequences, campaigns, roster)."""

from __future__ import annotations

import shutil
from pathlib import Path

from outreach.config import load_config
from outreach.store.session import make_engine, migrate

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def create_workspace(target: Path) -> list[str]:
    """Copy the sample workspace into target (never overwriting) and migrate its database."""
    target.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    for src in sorted(SAMPLES.rglob("*")):
        rel = src.relative_to(SAMPLES)
        if src.is_dir() or "__pycache__" in rel.parts:
            continue
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
