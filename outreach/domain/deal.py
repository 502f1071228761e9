"""Deal terms, 源泉徴収, the disclosure check on a post's caption and post URL recognition."""

from __future__ import annotations

import re
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
    "PostUrl",
    "Terms",
    "find_disclosure",
    "parse_deliverable",
    "parse_gift",
    "recognise_post",
    "withholding_tax",
]
