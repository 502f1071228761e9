"""The one form an email address is compared in."""

from __future__ import annotations


def normalise_address(address: str) -> str:
    """The address with surrounding whitespace removed and every letter lower-cased: the form
    addresses are matched, deduplicated and suppressed in.

    The local part is case-sensitive in principle (RFC 5321 section 2.4), but mailbox providers
    treat it case-insensitively and people write one address in several casings, so matching
    uses the lowered form; mail is still sent to the address as stored.

    It does not validate the address, strip angle brackets, quotes or a display name, convert an
    internationalised domain to its `xn--` form, or fold provider-specific spellings (dots or
    `+tags` in a Gmail local part): two addresses equal here are the same mailbox, two that
    differ may still be one.
    """
    return address.strip().lower()
