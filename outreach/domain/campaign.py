"""A campaign as ops write it in campaigns/<slug>.toml (parsed by services.campaigns).

Text fields may have one value per language (`product = { ja = "…", en = "…" }`). The plain
fields hold the value of the campaign's default `language` (else the first language given);
`localized` holds each language's own values, and `for_language` picks them for a template:
the template's language, then the campaign's default language, then the first given.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from outreach.closures import Closures

LOCALIZABLE = ("name", "brand", "product", "brief", "deliverables", "offer.description")


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
    mailbox: str = "main"  # the default sender (proofs, previews); the first of `mailboxes`
    # Several senders: each new enrolment goes round-robin to one with room today and its
    # thread stays there. Empty: `mailbox` alone.
    mailboxes: tuple[str, ...] = ()
    offer: Offer = field(default_factory=Offer)
    deliverables: tuple[str, ...] = ()  # e.g. ("Instagram feed post x1", "Story x2")
    dates: dict[str, date] = field(default_factory=dict)  # e.g. {"post_by": date(2026, 12, 15)}
    # days this campaign sends nothing, besides [sending] closed
    closed: Closures = field(default_factory=Closures)
    tracking_target: str = ""  # landing page the per-influencer link redirects to
    to_manager: bool | None = None  # None: config [sending] to_manager decides
    to: str = ""  # who is mailed: self | agency | self_cc_agency ("" = each person's default)
    brief: str = ""
    source: str = ""  # the file it came from, for error messages
    language: str = ""  # default language of per-language values ("" = the first given)
    # language -> {field in LOCALIZABLE: its value in that language}; only values given
    localized: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def senders(self) -> tuple[str, ...]:
        """The mailboxes new enrolments are spread over."""
        return self.mailboxes or (self.mailbox,)

    def for_language(self, language: str) -> Campaign:
        """The campaign as a template in `language` sees it (fields that language lacks keep
        the default language's value)."""
        values = self.localized.get(language)
        if not values:
            return self
        plain = {k: v for k, v in values.items() if k != "offer.description"}
        offer = self.offer
        if "offer.description" in values:
            offer = replace(offer, description=values["offer.description"])
        return replace(self, **plain, offer=offer)
