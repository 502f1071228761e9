"""Deal terms, 源泉徴収, the disclosure check on a post's caption and post URL recognition."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any
from urllib.parse import urlsplit

from outreach.errors import InputError

TAX_BASES = ("税別", "税込")
CONSUMPTION_TAX = Decimal("0.10")  # 消費税 standard rate since October 2019
FORMATS = ("feed", "reel", "story", "video", "short", "live", "blog")
# Labels that disclose an advertisement under 景品表示法's stealth-marketing designation
# (消費者庁告示, in force 1 October 2023): one of them must be in the caption.
DISCLOSURES = ("#PR", "#広告", "#プロモーション", "Paid partnership", "タイアップ投稿")


@dataclass(frozen=True)
class Deliverable:
    platform: str
    format: str
    count: int = 1
    due: date | None = None


@dataclass(frozen=True)
class Terms:
    """What is offered for what, in one currency; amounts are in that currency's units."""

    fee: int | None = None
    currency: str = "JPY"
    tax_basis: str = "税別"  # whether `fee` includes 消費税
    individual: bool = False  # the payee is an individual in Japan: 源泉徴収 applies
    gift_product: str = ""
    gift_unit_cost: int | None = None
    gift_quantity: int = 0
    shipping: int | None = None
    agency_fee: int | None = None
    deliverables: tuple[Deliverable, ...] = ()
    usage: str = ""  # secondary use: duration and channels, as agreed
    exclusivity: str = ""  # category and period
    disclosure: tuple[str, ...] = DISCLOSURES  # the labels the campaign accepts
    promo_code: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["deliverables"] = [
            {**d, "due": d["due"].isoformat() if d["due"] else None} for d in data["deliverables"]
        ]
        data["disclosure"] = list(self.disclosure)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Terms:
        items = tuple(
            Deliverable(
                d["platform"],
                d["format"],
                int(d["count"]),
                date.fromisoformat(d["due"]) if d.get("due") else None,
            )
            for d in data.get("deliverables", [])
        )
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["deliverables"] = items
        known["disclosure"] = tuple(data.get("disclosure", DISCLOSURES))
        return cls(**known)

    def changed(self, **over: Any) -> Terms:
        """These terms with the given fields replaced (None leaves a field as it is)."""
        return replace(self, **{k: v for k, v in over.items() if v is not None})

    def fee_ex_tax(self) -> Decimal | None:
        """The fee without 消費税: as given when 税別, fee / 1.10 (to the yen) when 税込."""
        if self.fee is None:
            return None
        if self.tax_basis == "税別":
            return Decimal(self.fee)
        return (Decimal(self.fee) / (1 + CONSUMPTION_TAX)).quantize(Decimal(1), ROUND_DOWN)

    def gift_cost(self) -> Decimal | None:
        if self.gift_unit_cost is None:
            return None
        return Decimal(self.gift_unit_cost) * self.gift_quantity

    def cost_ex_tax(self) -> Decimal | None:
        """fee (税別) + gift unit cost x quantity + shipping + agency fee; None when nothing is
        priced. Withholding does not change it: the brand pays it to the tax office."""
        parts = [self.fee_ex_tax(), self.gift_cost(), _dec(self.shipping), _dec(self.agency_fee)]
        known = [p for p in parts if p is not None]
        return sum(known, Decimal(0)) if known else None

    def withholding(self) -> Decimal | None:
        """源泉徴収 on the fee for an individual payee in Japan (None otherwise)."""
        if not self.individual or self.fee is None or self.currency != "JPY":
            return None
        return withholding_tax(Decimal(self.fee))


def _dec(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def withholding_tax(fee: Decimal) -> Decimal:
    """所得税法 204条 with 復興特別所得税 (National Tax Agency No.2795): 10.21 % of the fee up to
    ¥1,000,000 and 20.42 % of the excess, fractions of a yen dropped. The base is the fee as
    stated: without 消費税 only when the tax is shown separately (税別)."""
    first = min(fee, Decimal(1_000_000)) * Decimal("0.1021")
    rest = max(fee - Decimal(1_000_000), Decimal(0)) * Decimal("0.2042")
    return (first + rest).quantize(Decimal(1), ROUND_DOWN)


@dataclass(frozen=True)
class Piece:
    """One promised piece of content of an accepted deal (a `deliverable` row)."""

    n: int
    platform: str
    format: str
    due: date | None
    state: str  # planned | posted | verified | flagged

    def late_on(self, today: date) -> bool:
        """Not posted and its due date is behind `today`."""
        return self.state == "planned" and self.due is not None and self.due < today


_PLATFORM_NAMES = {
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "x": "X",
    "threads": "Threads",
}
_FORMAT_NAMES = {  # format -> (Japanese, English)
    "feed": ("フィード投稿", "feed post"),
    "reel": ("リール", "reel"),
    "story": ("ストーリーズ", "story"),
    "video": ("動画", "video"),
    "short": ("ショート動画", "short"),
    "live": ("ライブ配信", "live stream"),
    "blog": ("ブログ記事", "blog post"),
}


def deliverable_label(platform: str, fmt: str) -> dict[str, str]:
    """`{"ja": "Instagram リール", "en": "Instagram reel"}`: what a template of each language
    shows for a deliverable (a Japanese text must not show English words)."""
    name = _PLATFORM_NAMES.get(platform, platform)
    ja, en = _FORMAT_NAMES.get(fmt, (fmt, fmt))
    return {"ja": f"{name} {ja}", "en": f"{name} {en}"}


def late_pieces(pieces: Sequence[Piece], today: date) -> list[Piece]:
    return [p for p in pieces if p.late_on(today)]


def _piece_state(group: Sequence[Piece], today: date) -> str:
    if all(p.state != "planned" for p in group):
        return "posted"
    if any(p.late_on(today) for p in group):
        return "late"
    return "planned"


def deal_context(terms: Terms, pieces: Sequence[Piece], today: date) -> dict[str, Any]:
    """The accepted deal as templates see it (`deal`): plain values, no address.

    `deliverables` follows the terms (platform, format, count, due), each with `state`:
    planned, posted (every piece has a post) or late (a piece is past its due date on
    `today`, the recipient's date)."""
    tax = terms.withholding()
    deliverables = []
    for d in terms.deliverables:
        group = [
            p for p in pieces if (p.platform, p.format, p.due) == (d.platform, d.format, d.due)
        ]
        deliverables.append(
            {
                "platform": d.platform,
                "format": d.format,
                "label": deliverable_label(d.platform, d.format),
                "count": d.count,
                "due": d.due,
                "state": _piece_state(group, today) if group else "planned",
            }
        )
    return {
        "fee": {
            "amount": terms.fee,
            "currency": terms.currency,
            "tax_basis": terms.tax_basis,  # 税別 | 税込
            "withholding": None if tax is None else int(tax),  # 源泉徴収, individuals in Japan
        },
        "gift": {"product": terms.gift_product, "quantity": terms.gift_quantity},
        "deliverables": deliverables,
        "usage": terms.usage,
        "exclusivity": terms.exclusivity,
        "disclosure": list(terms.disclosure),
        "promo_code": terms.promo_code,
    }


def late_context(pieces: Sequence[Piece], today: date) -> list[dict[str, Any]]:
    """The late pieces as templates see them (`late`), most overdue first."""
    late = sorted(late_pieces(pieces, today), key=lambda p: (p.due, p.n))
    return [
        {
            "n": p.n,
            "platform": p.platform,
            "format": p.format,
            "label": deliverable_label(p.platform, p.format),
            "due": p.due,
            "days_late": (today - p.due).days if p.due else 0,
        }
        for p in late
    ]


def template_context(terms: Terms, pieces: Sequence[Piece], today: date) -> dict[str, Any]:
    """`deal` and `late`: what a deal-phase step's template gets besides the usual context."""
    return {"deal": deal_context(terms, pieces, today), "late": late_context(pieces, today)}


def parse_deliverable(text: str) -> Deliverable:
    """`platform:format[:count[:YYYY-MM-DD]]`, e.g. `instagram:reel:2:2026-12-20`."""
    parts = text.split(":")
    if len(parts) < 2 or len(parts) > 4:
        raise InputError(
            f"bad deliverable {text!r}",
            field="deliverable",
            hint="platform:format[:count[:YYYY-MM-DD]], e.g. instagram:reel:1:2026-12-20",
        )
    platform, fmt = parts[0].strip().lower(), parts[1].strip().lower()
    if fmt not in FORMATS:
        raise InputError(
            f"unknown format {fmt!r}", field="deliverable", hint="one of: " + ", ".join(FORMATS)
        )
    try:
        count = int(parts[2]) if len(parts) > 2 and parts[2] else 1
        due = date.fromisoformat(parts[3]) if len(parts) > 3 and parts[3] else None
    except ValueError as exc:
        raise InputError(f"bad deliverable {text!r}: {exc}", field="deliverable") from None
    if count < 1:
        raise InputError(f"bad deliverable {text!r}: count must be 1 or more", field="deliverable")
    return Deliverable(platform, fmt, count, due)


def parse_gift(text: str) -> tuple[str, int, int]:
    """`product:unit_cost[:quantity]`, e.g. `Sakura Night Serum:4500:2`."""
    parts = text.rsplit(":", 2)
    try:
        if len(parts) == 3 and parts[2].isdigit() and parts[1].isdigit():
            return parts[0], int(parts[1]), int(parts[2])
        product, cost = text.rsplit(":", 1)
        return product, int(cost), 1
    except ValueError:
        raise InputError(
            f"bad gift {text!r}",
            field="gift",
            hint="product:unit_cost[:quantity], e.g. 'Night Serum:4500:1'",
        ) from None


def find_disclosure(caption: str, labels: tuple[str, ...]) -> str:
    """The first of `labels` the caption carries, or ''. A hashtag must end there (`#PR` is not
    `#PRESENT`); a phrase is matched case-insensitively."""
    for label in labels:
        if label.startswith("#"):
            if re.search(re.escape(label) + r"(?![\w])", caption, re.IGNORECASE):
                return label
        elif label.casefold() in caption.casefold():
            return label
    return ""


@dataclass(frozen=True)
class PostUrl:
    platform: str
    account: str  # '' when the URL does not name it (Instagram /p/ and /reel/ links)
    url: str


_HOSTS = {
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "youtube.com": "youtube",
    "youtu.be": "youtube",
    "x.com": "x",
    "twitter.com": "x",
    "threads.net": "threads",
}


def recognise_post(url: str) -> PostUrl:
    """Platform and account of a post URL (no network)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    if parts.scheme not in ("http", "https") or not host:
        raise InputError(f"not a post URL: {url!r}", field="url", hint="give the https:// link")
    platform = _HOSTS.get(host, "other")
    segments = [s for s in parts.path.split("/") if s]
    account = ""
    if platform in ("tiktok", "threads") and segments and segments[0].startswith("@"):
        account = segments[0][1:]
    elif platform == "x" and len(segments) >= 2 and segments[1] == "status":
        account = segments[0]
    elif platform == "instagram" and len(segments) >= 2 and segments[0] == "stories":
        account = segments[1]
    elif platform == "youtube" and segments and segments[0].startswith("@"):
        account = segments[0][1:]
    return PostUrl(platform, account.lower(), url.strip())


__all__ = [
    "DISCLOSURES",
    "TAX_BASES",
    "Deliverable",
    "Piece",
    "PostUrl",
    "Terms",
    "deal_context",
    "deliverable_label",
    "find_disclosure",
    "late_context",
    "late_pieces",
    "parse_deliverable",
    "parse_gift",
    "recognise_post",
    "template_context",
    "withholding_tax",
]
