"""A campaign as ops write it in campaigns/<slug>.toml (parsed by services.campaigns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Offer:
    kind: str = "fee"  # fee | gift | fee+gift | affiliate
    amount: int | None = None  # in the currency's minor-free unit (yen)
    currency: str = "JPY"
    description: str = ""  # e.g. "新作美容液セット (¥8,800相当)"


@dataclass(frozen=True)
class Campaign:
    slug: str  # file name without .toml; the key in the database
    name: str
    brand: str
    product: str
    sequence: str  # sequences/<name>.toml
    mailbox: str = "main"
    offer: Offer = field(default_factory=Offer)
    deliverables: tuple[str, ...] = ()  # e.g. ("Instagram feed post x1", "Story x2")
    dates: dict[str, date] = field(default_factory=dict)  # e.g. {"post_by": date(2026, 12, 15)}
    tracking_target: str = ""  # landing page the per-influencer link redirects to
    to_manager: bool | None = None  # None: config [sending] to_manager decides
    brief: str = ""
    source: str = ""  # the file it came from, for error messages
