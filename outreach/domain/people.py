"""People, their accounts and contacts, agencies, and who a message is addressed to: rules only.

A person (an `influencer` row) has one or more platform accounts and one or more contacts:
their own address and/or a manager's at an agency (事務所). Identity is the platform+handle
first, then the person's own address; an address two people share (an agency's) identifies
neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from outreach.domain.address import normalise_address


class SendTo(StrEnum):
    """Who is in `To` (and `Cc`) of a message to a person: per campaign and per person."""

    SELF = "self"  # the person's own address
    AGENCY = "agency"  # their manager at the agency
    SELF_CC_AGENCY = "self_cc_agency"  # the person, the manager in Cc


SEND_TO_VALUES = tuple(v.value for v in SendTo)

# Free-mail domains: an address there says nothing about an agency, so a manager writing from
# one is matched by the address alone, never by its domain.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.co.jp",
        "yahoo.com",
        "ymail.ne.jp",
        "icloud.com",
        "me.com",
        "mac.com",
        "outlook.com",
        "outlook.jp",
        "hotmail.com",
        "hotmail.co.jp",
        "live.jp",
        "live.com",
        "msn.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "au.com",
        "softbank.ne.jp",
        "i.softbank.jp",
        "nifty.com",
        "ocn.ne.jp",
    }
)


def no_address_key(platform: str, handle: str) -> str:
    """The unique key of a person without an address of their own (reached only through an
    agency): it holds no `@`, so no mail, suppression or lookup by address ever matches it."""
    return f"~{platform}:{handle}".lower()


def has_own_address(email: str) -> bool:
    return bool(email.strip())


def domain_of(address: str) -> str:
    """The lower-cased domain of an address; "" when it has none."""
    return normalise_address(address).rpartition("@")[2] if "@" in address else ""


def agency_domain(address: str) -> str:
    """The domain an agency's managers write from, or "" for a free-mail address."""
    domain = domain_of(address)
    return "" if domain in FREE_MAIL_DOMAINS else domain


@dataclass(frozen=True)
class AgencyKey:
    """How a roster row names an agency: by its name when the row gives one, else by the
    domain of the manager's address (or the address itself at a free-mail domain)."""

    name: str
    domain: str


def agency_key(manager_address: str, agency_name: str = "") -> AgencyKey | None:
    """The agency a manager's address (and an agency name cell) stand for; None for neither."""
    name = " ".join(agency_name.split())
    domain = agency_domain(manager_address) if manager_address.strip() else ""
    if not name and not manager_address.strip():
        return None
    return AgencyKey(name or domain or normalise_address(manager_address), domain)


def same_name(a: str, b: str) -> bool:
    """Two rows' names are one person's: equal once spaces (full or half width) are ignored
    and letters lower-cased."""
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


def default_send_to(email: str, manager_email: str, stored: str = "") -> SendTo:
    """Who a person is mailed at when the campaign does not say: the roster's choice; else
    the person themselves, or their agency when they have no address of their own."""
    if stored in SEND_TO_VALUES:
        chosen = SendTo(stored)
        if chosen is SendTo.SELF and not has_own_address(email) and manager_email:
            return SendTo.AGENCY
        if chosen is not SendTo.SELF and not manager_email:
            return SendTo.SELF
        if chosen is SendTo.SELF_CC_AGENCY and not has_own_address(email):
            return SendTo.AGENCY
        return chosen
    return SendTo.SELF if has_own_address(email) or not manager_email else SendTo.AGENCY


@dataclass(frozen=True)
class Recipients:
    """The addresses of one message: `to` first, then `cc`; `to_agency` when `To` is the
    agency (the greeting then addresses the agency's 担当者, naming the talent in the body)."""

    to: str
    cc: tuple[str, ...]
    to_agency: bool
    rule: SendTo


def recipients(email: str, manager_email: str, rule: SendTo) -> Recipients:
    """Apply a `to =` rule to a person's own and manager address (the rule already resolved
    against what the person has: see `default_send_to` and `resolve_send_to`)."""
    if rule is SendTo.AGENCY and manager_email:
        return Recipients(manager_email, (), True, rule)
    if rule is SendTo.SELF_CC_AGENCY and manager_email and has_own_address(email):
        return Recipients(email, (manager_email,), False, rule)
    if not has_own_address(email) and manager_email:
        return Recipients(manager_email, (), True, SendTo.AGENCY)
    return Recipients(email, (), False, SendTo.SELF)


def resolve_send_to(campaign_rule: str, email: str, manager_email: str, stored: str) -> SendTo:
    """The campaign's `to =` when it sets one (still the agency for a talent with no own
    address, still the person when there is no manager), else the roster's default."""
    if campaign_rule in SEND_TO_VALUES:
        return default_send_to(email, manager_email, campaign_rule)
    return default_send_to(email, manager_email, stored)


# Where a person's relationship with us stands in another campaign, from that enrolment's
# stage (bounced and unsubscribed end everything and are refused before any cooldown).
RELATIONSHIP_OF_STAGE = {
    "prospect": "contacted",  # enrolled: mailed soon
    "contacted": "contacted",
    "negotiating": "replied",
    "contracted": "contracted",
    "posted": "posted",
    "declined": "declined",
}


@dataclass(frozen=True)
class Relationship:
    """One other campaign's enrolment of a person: its stage, the last contact (mail sent or
    in flight, else the enrolment) and when its stage last changed (naive or aware UTC)."""

    campaign: str
    stage: str
    last_contact: datetime
    stage_changed: datetime


@dataclass(frozen=True)
class Cooldown:
    """Why someone may not be pitched yet: the state, the campaign, since when, for how long."""

    state: str
    campaign: str
    since: datetime
    days: int
    configured: bool  # a [sending.cooldown] period (else cooldown_days from the last contact)

    @property
    def reason(self) -> str:
        if not self.configured:
            return (
                f"contacted by campaign {self.campaign!r} on {self.since:%Y-%m-%d} "
                f"(cooldown {self.days} days)"
            )
        return (
            f"{self.state} in campaign {self.campaign!r} on {self.since:%Y-%m-%d} "
            f"(cooldown for {self.state}: {self.days} days)"
        )


def cooldown(
    relationships: Sequence[Relationship],
    periods: Mapping[str, int | None],
    default_days: int,
    now: datetime,
) -> Cooldown | None:
    """The cooldown that holds longest at `now`, or None: each other enrolment counts by its
    relationship state's period when configured (from the last contact for `contacted`, from
    the stage change otherwise), else by `default_days` from the last contact."""
    found: Cooldown | None = None
    ends: datetime | None = None
    for rel in relationships:
        state = RELATIONSHIP_OF_STAGE.get(rel.stage)
        if state is None:
            continue
        configured = periods.get(state)
        if configured is None:
            days, since, label = default_days, rel.last_contact, "contacted"
        else:
            days = configured
            since = rel.last_contact if state == "contacted" else rel.stage_changed
            label = state
        if not days:
            continue
        until = since + timedelta(days=days)
        if until > now and (ends is None or until > ends):
            found, ends = Cooldown(label, rel.campaign, since, days, configured is not None), until
    return found
