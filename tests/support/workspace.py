"""The one workspace builder: config.toml, templates, sequences, campaigns and a migrated store
under a directory, returned as a `Workspace` (paths, the parsed Config, the Engine).

The other helpers that make a workspace or a Config (`sequence.make_workspace`,
`inbox.write_workspace`, `daemon.write_config`, the `make_config` presets of `smtp`, `inbox` and
`render`) are thin wrappers over `build_workspace` and `config_from`; they only choose the text.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from outreach.config import Config, parse_config
from outreach.store.session import make_engine, migrate
from tests.support.db import sqlite_engine

# The sample brand's config.toml: sender and one mailbox `main` on a loopback port; no database
# section, so the store is outreach.db beside it.
CONFIG_TOML = """\
[sender]
name = "PR"
organisation = "Sakura Beauty"
postal_address = "Tokyo"
enquiry_email = "pr@sakura-beauty.example.jp"
[mailboxes.main]
from_address = "pr@sakura-beauty.example.jp"
[mailboxes.main.smtp]
host = "127.0.0.1"
port = 8025
security = "none"
"""

STANDARD = """\
description = "Pitch, then a follow-up"
[[step]]
template = "pitch"
delay = "0m"
[[step]]
template = "followup1"
delay = "3 business days"
"""

# A campaign file with every field set (the campaign-file tests edit it line by line).
SPRING = """\
name = "Spring serum launch"
brand = "Sakura Beauty"
product = "Sakura Night Serum"
sequence = "standard"
mailbox = "main"
brief = "Night serum for dry winter skin"
tracking_target = "https://sakura-beauty.example.jp/serum"
to_manager = true
deliverables = ["Instagram feed post x1", "Story x2"]
[offer]
kind = "fee+gift"
amount = 30000
currency = "JPY"
description = "Night Serum set (¥8,800 value)"
[dates]
reply_by = 2026-12-04
post_by = 2026-12-18
"""

# The campaign the sequence tests enrol into; `{sequence}` names its sequence file.
CAMPAIGN = """\
name = "Spring serum launch"
brand = "Sakura Beauty"
product = "Sakura Night Serum"
sequence = "{sequence}"
mailbox = "main"
tracking_target = "https://sakura-beauty.example.jp/serum"
deliverables = ["Instagram feed post x1"]

[offer]
kind = "fee+gift"
amount = 30000
currency = "JPY"
description = "set"

[dates]
reply_by = 2026-12-04
"""


def campaign_toml(sequence: str = "standard") -> str:
    """The sequence tests' campaign file, on `sequence`."""
    return CAMPAIGN.format(sequence=sequence)


def config_from(base: Path, data: dict[str, Any]) -> Config:
    """A Config from config.toml's tables, as if read from base/config.toml."""
    return parse_config(data, source=str(base / "config.toml"), base_dir=base)


@dataclass
class Workspace:
    root: Path
    engine: Engine | None = None
    config_data: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @cached_property
    def config(self) -> Config:
        """The Config given as tables, else config.toml as written (parsed on first use, so a
        test may write a config that does not parse)."""
        data = self.config_data
        if data is None:
            data = tomllib.loads(self.config_path.read_text(encoding="utf-8"))
        return config_from(self.root, data)


def build_workspace(
    root: Path,
    *,
    config_toml: str | None = CONFIG_TOML,
    config: dict[str, Any] | None = None,
    templates: bool | dict[str, str] = True,
    sequences: dict[str, str] | None = None,
    campaigns: dict[str, str] | None = None,
    db: str | None = None,
) -> Workspace:
    """Write a workspace under `root` and return it.

    config_toml: config.toml's text (None writes none). config: the tables the returned
    `Workspace.config` is parsed from, when it should differ from the file (in-process tests).
    templates: the render tests' templates (a dict adds or replaces files). sequences and
    campaigns: file name (without .toml) to text. db: "sqlite" for a migrated root/outreach.db,
    a database URL to migrate that one, None for no store."""
    from tests.support.render import write_templates

    root.mkdir(parents=True, exist_ok=True)
    engine: Engine | None = None
    if db == "sqlite":
        engine = sqlite_engine(root / "outreach.db")
    elif db is not None:
        engine = make_engine(db)
        migrate(engine)
    if templates:
        write_templates(root / "templates", templates if isinstance(templates, dict) else None)
    if config_toml is not None:
        (root / "config.toml").write_text(config_toml, encoding="utf-8")
    for folder, files in (("sequences", sequences), ("campaigns", campaigns)):
        if files is None:
            continue
        (root / folder).mkdir(exist_ok=True)
        for name, text in files.items():
            (root / folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return Workspace(root, engine, config)


def toml_text(data: dict[str, Any]) -> str:
    """Just enough TOML for config_data (tables of scalars)."""
    lines: list[str] = []

    def scalar(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    def table(prefix: str, node: dict[str, Any]) -> None:
        lines.append(f"[{prefix}]")
        lines.extend(f"{k} = {scalar(v)}" for k, v in node.items() if not isinstance(v, dict))
        for k, v in node.items():
            if isinstance(v, dict):
                table(f"{prefix}.{k}", v)

    for key, node in data.items():
        table(key, node)
    return "\n".join(lines) + "\n"


def config_file(root: Path, data: dict[str, Any]) -> Path:
    """config.toml holding `data` (tables of scalars) under root, and nothing else."""
    return build_workspace(root, config_toml=toml_text(data), templates=False).config_path


def campaign_workspace(root: Path, campaign: str = SPRING) -> Path:
    """The campaign-file tests' workspace: `campaign` as campaigns/spring.toml over the standard
    sequence, the templates and CONFIG_TOML."""
    return build_workspace(
        root, sequences={"standard": STANDARD}, campaigns={"spring": campaign}
    ).root
