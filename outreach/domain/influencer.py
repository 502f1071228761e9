"""Influencer and post value types, tiers and engagement rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Basis(StrEnum):
    """Legal basis for contacting someone (特定電子メール法 第3条)."""

    CONSENT = "consent"
    PUBLISHED_BUSINESS_ADDRESS = "published_business_address"
    BUSINESS_CARD = "business_card"
    EXISTING_RELATIONSHIP = "existing_relationship"
    NONE = "none"


class Tier(StrEnum):
    NANO = "nano"
    MICRO = "micro"
    MACRO = "macro"
    MEGA = "mega"


PLATFORMS = ("instagram", "tiktok", "youtube", "x", "threads", "blog", "other")


def tier_for(followers: int | None, *, micro: int, macro: int, mega: int) -> Tier | None:
    if followers is None:
        return None
    if followers >= mega:
        return Tier.MEGA
    if followers >= macro:
        return Tier.MACRO
    if followers >= micro:
        return Tier.MICRO
    return Tier.NANO


def engagement_rate(
    followers: int | None, avg_likes: float | None, avg_comments: float | None
) -> float | None:
    """(average likes + comments) / followers, as a fraction; None when it cannot be known."""
    if not followers or (avg_likes is None and avg_comments is None):
        return None
    return ((avg_likes or 0.0) + (avg_comments or 0.0)) / followers


@dataclass(frozen=True)
class Post:
    url: str
    platform: str
    title: str = ""
    caption: str = ""
    published_at: datetime | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    views: int | None = None

    @property
    def interactions(self) -> int:
        return sum(x or 0 for x in (self.likes, self.comments, self.shares, self.saves))

    @property
    def label(self) -> str:
        """What a pitch names the post by: its title, else the start of its caption."""
        return self.title or (self.caption[:40] + ("…" if len(self.caption) > 40 else ""))


@dataclass(frozen=True)
class Influencer:
    id: int | None
    name: str
    email: str
    platform: str
    handle: str
    followers: int | None = None
    engagement_rate: float | None = None
    er_rank_pct: float | None = None  # percentile of engagement rate within the same platform
    tier: Tier | None = None
    niche: str = ""
    country: str = ""
    language: str = "ja"
    timezone: str = ""
    manager_email: str = ""
    tags: tuple[str, ...] = ()
    custom: dict[str, Any] = field(default_factory=dict)
    basis: Basis = Basis.NONE
    basis_url: str = ""
    basis_seen_at: str = ""
    refuses_ads: bool = False
    posts: tuple[Post, ...] = ()  # newest first
    # The person beyond their first account (see domain.people): the name a letter addresses
    # (else `name`), who is mailed by default (self | agency | self_cc_agency | ""), and the
    # name of the agency that manages them ("" when none).
    honorific_name: str = ""
    send_to: str = ""
    agency: str = ""
