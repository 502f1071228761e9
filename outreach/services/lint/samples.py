"""Fictional influencers that templates are linted against when the roster is empty.

One per platform and language a sample campaign meets: Instagram, TikTok and YouTube in
Japanese, Instagram and YouTube in English. Posts are dated relative to `now`, so the
samples never go stale and `stale-post` stays quiet on them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from outreach.domain.deal import Deliverable, Piece, Terms, template_context
from outreach.domain.influencer import Basis, Influencer, Post, Tier

# (name, handle, platform, language, niche, followers, engagement rate, days since the post,
#  post url, post fields)
_CREATORS: tuple[tuple[str, str, str, str, str, int, float, int, str, dict[str, Any]], ...] = (
    (
        "山田 花子",
        "hanako_skin",
        "instagram",
        "ja",
        "スキンケア",
        18_400,
        0.052,
        6,
        "https://www.instagram.com/p/hanako01/",
        {"title": "乾燥肌のための夜の10分ケア", "likes": 920, "comments": 48, "saves": 210},
    ),
    (
        "佐々木 美咲",
        "misaki_cosme",
        "tiktok",
        "ja",
        "コスメ",
        52_000,
        0.081,
        3,
        "https://www.tiktok.com/@misaki_cosme/video/7301",
        {
            "caption": "プチプラ下地を1週間試した正直レビュー #コスメ",
            "likes": 4_100,
            "comments": 130,
            "shares": 95,
            "views": 61_000,
        },
    ),
    (
        "高橋 健",
        "ken_grooming",
        "youtube",
        "ja",
        "メンズ美容",
        9_800,
        0.047,
        12,
        "https://www.youtube.com/watch?v=ken00000001",
        {"title": "【30代メンズ】冬の保湿ルーティン", "likes": 380, "comments": 52, "views": 8_900},
    ),
    (
        "Emma Clarke",
        "emmaglows",
        "instagram",
        "en",
        "skincare",
        24_000,
        0.044,
        4,
        "https://www.instagram.com/p/emma0001/",
        {"title": "My 5-step winter night routine", "likes": 1_030, "comments": 64, "saves": 180},
    ),
    (
        "Liam Chen",
        "liamreviews",
        "youtube",
        "en",
        "clean beauty",
        61_000,
        0.036,
        9,
        "https://www.youtube.com/watch?v=liam0000001",
        {
            "title": "I tried 7 night serums for a month",
            "likes": 2_200,
            "comments": 310,
            "views": 74_000,
        },
    ),
)


def _tier(followers: int) -> Tier:
    return Tier.NANO if followers < 10_000 else Tier.MICRO


def sample_influencers(now: datetime) -> list[Influencer]:
    """Five fictional creators with recent posts (example.jp / example.com addresses)."""
    out = []
    for name, handle, platform, lang, niche, followers, er, age, url, post in _CREATORS:
        domain = "example.jp" if lang == "ja" else "example.com"
        published = now - timedelta(days=age)
        out.append(
            Influencer(
                id=None,
                name=name,
                email=f"{handle}@{domain}",
                platform=platform,
                handle=handle,
                followers=followers,
                engagement_rate=er,
                tier=_tier(followers),
                niche=niche,
                country="JP" if lang == "ja" else "GB",
                language=lang,
                basis=Basis.PUBLISHED_BUSINESS_ADDRESS,
                posts=(Post(url=url, platform=platform, published_at=published, **post),),
            )
        )
    return out


def sample_deal(now: datetime, language: str = "ja") -> dict[str, Any]:
    """`deal` and `late` for a deal-phase template: an accepted deal with a fee, a gift, usage
    rights and exclusivity (written in `language`, as they would be agreed), one reel three
    days late and two stories due in ten days."""
    today = now.date()
    ja = language == "ja"
    late_day, later_day = today - timedelta(days=3), today + timedelta(days=10)
    terms = Terms(
        fee=30000,
        gift_product="Sakura Night Serum",
        gift_unit_cost=4500,
        gift_quantity=1,
        deliverables=(
            Deliverable("instagram", "reel", 1, late_day),
            Deliverable("instagram", "story", 2, later_day),
        ),
        usage="6か月（Web・広告）" if ja else "6 months: web, ads",
        exclusivity="スキンケア 30日間" if ja else "skincare, 30 days",
    )
    pieces = [
        Piece(1, "instagram", "reel", late_day, "planned"),
        Piece(2, "instagram", "story", later_day, "planned"),
        Piece(3, "instagram", "story", later_day, "planned"),
    ]
    return template_context(terms, pieces, today)
