"""The inbound fixture corpus (tests/data/mail) and its expectations, for every inbox test."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

MAIL_DIR = Path(__file__).resolve().parents[1] / "data" / "mail"


def expected() -> dict[str, dict[str, Any]]:
    """File name -> what expected.toml says about it (kind, received, returns_on, bounce, ...)."""
    with (MAIL_DIR / "expected.toml").open("rb") as fh:
        return tomllib.load(fh)


def raw(name: str) -> bytes:
    return (MAIL_DIR / name).read_bytes()


def received(spec: dict[str, Any]) -> date:
    value = spec["received"]
    assert isinstance(value, date)
    return value
