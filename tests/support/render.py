"""Workspace fixtures for render/compose/preview tests: config, templates, campaign, people."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from outreach.config import Config
from outreach.domain.campaign import Campaign, Offer
from outreach.domain.influencer import Basis, Influencer, Post, Tier
from tests.support.workspace import config_from

NOW = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)

PITCH_JA = """\
---
subject = "{{ post.label }}を拝見しました / {{ campaign.brand }}"
language = "ja"
charset = "utf-8"
---
{{ influencer | honorific }}

{{ sender.organisation }}の{{ sender.name }}です。
フォロワー{{ influencer.followers | followers }}人の皆さまに{{ campaign.product }}をご紹介いただけませんか。
謝礼: {{ campaign.offer | money }}（{{ campaign.dates.reply_by | date }}までにご返信ください）
{{ link }}
{% include "_footer.ja.j2" %}
"""

FOOTER_JA = """\
--
{{ sender.organisation }} {{ sender.postal_address }}
配信停止: {{ unsubscribe.url }}
"""

PITCH_EN = """\
---
subject = "Loved your post {{ post.label }}"
language = "en"
---
Hi {{ influencer | honorific }},

{{ influencer.followers | followers }} followers, offer {{ campaign.offer | money }} by {{ campaign.dates.reply_by | date }}.
{{ link }}
Unsubscribe: {{ unsubscribe.url }}
"""

FOLLOWUP = """\
---
subject = "unused for follow-ups"
language = "ja"
---
{{ influencer | honorific('san') }}
先日のご連絡の件、いかがでしょうか。
"""


def write_templates(folder: Path, extra: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "pitch.ja.j2": PITCH_JA,
        "_footer.ja.j2": FOOTER_JA,
        "pitch.en.j2": PITCH_EN,
        "followup1.j2": FOLLOWUP,
        **(extra or {}),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def make_config(base: Path, **sections: dict[str, Any]) -> Config:
    """The render tests' Config (bilingual sender, one mailbox), `sections` merged in."""
    return config_from(base, config_data(**sections))


def config_data(**sections: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sender": {
            "name": "Sakura Beauty PR team",
            "organisation": "Sakura Beauty Co., Ltd.",
            "postal_address": "1-2-3 Jingumae, Shibuya-ku, Tokyo",
            "enquiry_email": "pr@sakura-beauty.example.jp",
            "name_ja": "さくらビューティー PR担当",
            "organisation_ja": "株式会社さくらビューティー",
            "postal_address_ja": "〒150-0001 東京都渋谷区神宮前1-2-3",
        },
        "mailboxes": {
            "main": {
                "from_address": "pr@sakura-beauty.example.jp",
                "from_name": "さくらビューティー PR 佐藤",
                "smtp": {"host": "127.0.0.1", "port": 8025, "security": "none"},
            }
        },
        "unsubscribe": {"mailto": "unsubscribe@sakura-beauty.example.jp"},
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return data


def make_campaign(**kw: Any) -> Campaign:
    fields: dict[str, Any] = dict(
        slug="spring",
        name="Spring serum launch",
        brand="Sakura Beauty",
        product="Sakura Night Serum",
        sequence="standard",
        mailbox="main",
        offer=Offer(kind="fee+gift", amount=30000, currency="JPY", description="set"),
        deliverables=("Instagram feed post x1",),
        dates={"reply_by": date(2026, 12, 4), "post_by": date(2026, 12, 18)},
        tracking_target="https://sakura-beauty.example.jp/serum",
    )
    fields.update(kw)
    return Campaign(**fields)


def make_influencer(**kw: Any) -> Influencer:
    fields: dict[str, Any] = dict(
        id=1,
        name="山田 花子",
        email="hanako@example.com",
        platform="instagram",
        handle="hanako_beauty",
        followers=12345,
        engagement_rate=0.034,
        tier=Tier.MICRO,
        language="ja",
        basis=Basis.PUBLISHED_BUSINESS_ADDRESS,
        posts=(
            Post(
                url="https://instagram.com/p/1",
                platform="instagram",
                title="冬のスキンケア",
                published_at=datetime(2026, 11, 20, tzinfo=UTC),
                likes=500,
                comments=20,
            ),
        ),
    )
    fields.update(kw)
    return Influencer(**fields)
