"""Render + build N drafts: outreach's Composer vs bare Jinja2 + EmailMessage, in one run.

    python bench/render.py            # 100,000 drafts (the baseline alone takes a few minutes)
    python bench/render.py --n 5000   # a quick run

Both sides render the same templates (subject, body, footer include) with the same context
for the same generated rows; the baseline builds with `email.message.EmailMessage`
(`set_content(cte="base64")`, `as_bytes(policy=SMTP)`). Prints both rates, the ratio (target
>= 10x) and the Composer's peak traced memory for N and N/10 rows (target: flat, because rows
are streamed and every message is dropped once built).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jinja2

from outreach.config import Config, parse_config
from outreach.domain.campaign import Campaign, Offer
from outreach.domain.influencer import Basis, Influencer, Post
from outreach.render.compose import Composer
from outreach.render.filters import filters_for
from outreach.render.templates import blank_front_matter

SUBJECT = "{{ post.label }}を拝見しました / {{ campaign.brand }}"
PITCH = f"""\
---
subject = "{SUBJECT}"
language = "ja"
---
{{{{ influencer | honorific }}}}

{{{{ sender.organisation }}}}の{{{{ sender.name }}}}です。いつも{{{{ post.label }}}}などの投稿を拝見しています。
フォロワー{{{{ influencer.followers | followers }}}}人の皆さまに{{{{ campaign.product }}}}をご紹介いただけませんか。
{{% for d in campaign.deliverables %}}
・{{{{ d }}}}
{{% endfor %}}
謝礼: {{{{ campaign.offer | money }}}}（{{{{ campaign.dates.reply_by | date }}}}までにご返信ください）
詳しくはこちら: {{{{ link }}}}
{{% include "_footer.ja.j2" %}}
"""  # noqa: E501
FOOTER = """\
--
{{ sender.organisation }} {{ sender.postal_address }}
配信停止: {{ unsubscribe.url }}
"""
NOW = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)


def workspace(folder: Path) -> Config:
    (folder / "templates").mkdir()
    (folder / "templates" / "pitch.ja.j2").write_text(PITCH, encoding="utf-8")
    (folder / "templates" / "_footer.ja.j2").write_text(FOOTER, encoding="utf-8")
    data = {
        "sender": {
            "name": "PR team",
            "organisation": "Sakura Beauty",
            "postal_address": "Tokyo",
            "enquiry_email": "pr@sakura.example.jp",
            "name_ja": "さくらビューティー PR担当",
            "organisation_ja": "株式会社さくらビューティー",
            "postal_address_ja": "〒150-0001 東京都渋谷区神宮前1-2-3",
        },
        "mailboxes": {
            "main": {
                "from_address": "pr@sakura.example.jp",
                "from_name": "さくらビューティー PR 佐藤",
                "smtp": {"host": "127.0.0.1", "port": 8025, "security": "none"},
            }
        },
        "unsubscribe": {"mailto": "unsubscribe@sakura.example.jp"},
    }
    return parse_config(data, source=str(folder / "config.toml"), base_dir=folder)


CAMPAIGN = Campaign(
    slug="spring",
    name="Spring serum launch",
    brand="Sakura Beauty",
    product="Sakura Night Serum",
    sequence="standard",
    offer=Offer(kind="fee", amount=30000),
    deliverables=("Instagram feed post x1", "Story x2"),
    dates={"reply_by": date(2026, 12, 4)},
    tracking_target="https://sakura.example.jp/serum",
)
SURNAMES = ["山田", "佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "中村"]
GIVEN = ["花子", "太郎", "美咲", "翔太", "陽菜", "蓮"]


def rows(n: int) -> Iterator[Influencer]:
    """Generated on the fly: the benchmark never holds the roster in memory."""
    for i in range(n):
        yield Influencer(
            id=i,
            name=f"{SURNAMES[i % 8]} {GIVEN[i % 6]}",
            email=f"user{i}@example.com",
            platform="instagram",
            handle=f"user_{i}",
            followers=1000 + i * 37,
            basis=Basis.CONSENT,
            posts=(
                Post(url=f"https://instagram.com/p/{i}", platform="instagram", title=f"冬 {i}"),
            ),
        )


def run_composer(composer: Composer, n: int) -> int:
    total = 0
    for influencer in rows(n):
        msg = composer.compose(
            CAMPAIGN, influencer, step=1, total_steps=3, template="pitch", now=NOW
        )
        total += len(msg.raw)
    return total


def run_baseline(composer: Composer, templates: Path, n: int) -> int:
    """Bare Jinja2 (same sources, same filters) and the stdlib EmailMessage."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: blank_front_matter((templates / name).read_text(encoding="utf-8"))
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(filters_for("ja"))
    body = env.get_template("pitch.ja.j2")
    subject = env.from_string(SUBJECT)
    box = composer.config.mailbox("main")
    total = 0
    for influencer in rows(n):
        unsubscribe = composer.unsubscribe_links(CAMPAIGN, influencer, box)
        ctx = composer.context(
            CAMPAIGN, influencer, language="ja", step=1, total_steps=3, unsubscribe=unsubscribe
        )
        msg = EmailMessage()
        msg["From"] = Address(box.from_name, addr_spec=box.from_address)
        msg["To"] = Address(f"{influencer.name} 様", addr_spec=influencer.email)
        msg["Subject"] = subject.render(ctx)
        msg["Date"] = format_datetime(NOW)
        msg["Message-ID"] = make_msgid(domain=box.id_domain)
        msg["List-Unsubscribe"] = f"<{unsubscribe[1]}>"
        msg.set_content(body.render(ctx), cte="base64")
        total += len(msg.as_bytes(policy=SMTP))
    return total


def rate(fn: object, n: int) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return n / (time.perf_counter() - start)


def peak_memory(composer: Composer, n: int) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    run_composer(composer, n)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="drafts per side")
    args = parser.parse_args()
    n = args.n
    os.environ.setdefault("OUTREACH_UNSUBSCRIBE_SECRET", "bench-only-key-at-least-32-bytes-long")
    with tempfile.TemporaryDirectory() as tmp:
        config = workspace(Path(tmp))
        composer = Composer(config)
        run_composer(composer, 10)  # compile and warm caches on both sides
        run_baseline(composer, config.templates_dir, 10)
        ours = rate(lambda: run_composer(composer, n), n)
        base = rate(lambda: run_baseline(composer, config.templates_dir, n), n)
        print(f"composer          {ours:10,.0f} msg/s  ({1e6 / ours:7.1f} us/msg)")
        print(f"jinja2+EmailMsg   {base:10,.0f} msg/s  ({1e6 / base:7.1f} us/msg)")
        print(f"ratio             {ours / base:10.1f}x  (target >= 10x)")
        small, large = max(1, n // 10), n
        peak_small = peak_memory(composer, small)
        peak_large = peak_memory(composer, large)
        print(f"peak memory       {peak_small / 1024:8.0f} KiB for {small:,} rows")
        print(
            f"peak memory       {peak_large / 1024:8.0f} KiB for {large:,} rows"
            f"  (ratio {peak_large / max(peak_small, 1):.2f}, target ~1.0: streamed)"
        )


if __name__ == "__main__":
    main()
