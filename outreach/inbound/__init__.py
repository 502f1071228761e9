"""Inbound mail adapter: raw bytes in, a classification value out. Never imports store.

The inbox pipeline (services) matches the result to our messages and applies its effect.
"""

from outreach.inbound.classify import parse_and_classify
from outreach.inbound.dates import ReturnDate, next_business_day, return_date
from outreach.inbound.model import (
    AUTO_REPLY,
    BOUNCE,
    COMPLAINT,
    DECLINE,
    KINDS,
    OPT_OUT,
    REPLY,
    Bounce,
    Classified,
)
from outreach.inbound.owntext import DEFAULT_FOOTER_MARKERS, own_text

__all__ = [
    "AUTO_REPLY",
    "BOUNCE",
    "COMPLAINT",
    "DECLINE",
    "DEFAULT_FOOTER_MARKERS",
    "KINDS",
    "OPT_OUT",
    "REPLY",
    "Bounce",
    "Classified",
    "ReturnDate",
    "next_business_day",
    "own_text",
    "parse_and_classify",
    "return_date",
]
