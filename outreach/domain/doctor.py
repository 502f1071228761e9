"""The pure half of `outreach doctor`: findings, and reading SPF, DKIM and DMARC records.

Organisational domains (DMARC relaxed alignment, RFC 7489 §3.2) come from the Public Suffix
List bundled with `publicsuffixlist` (no network fetch); an unknown TLD such as `.test` counts
as a one-label public suffix, as the list's `*` default rule says.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key
from publicsuffixlist import PublicSuffixList

Status = Literal["ok", "warn", "fail"]
SPF_LOOKUP_LIMIT = 10  # RFC 7208 §4.6.4
DKIM_MIN_BITS = 1024  # RFC 8301 §3.2: verifiers must not accept RSA keys under 1024 bits
COMPLAINT_FAIL = 0.003  # Gmail's bulk sender rule: keep the spam rate under 0.3 % ...
COMPLAINT_WARN = 0.001  # ... and aim for under 0.1 %
BOUNCE_FAIL = 0.05  # no provider publishes a bounce limit; sending services suspend near 5 %
BOUNCE_WARN = 0.02
# Known submission relays whose outbound servers their SPF include covers (the submission
# host's own address is not where their mail leaves from).
PROVIDER_SPF = {
    "gmail.com": "_spf.google.com",
    "google.com": "_spf.google.com",
    "googlemail.com": "_spf.google.com",
    "office365.com": "spf.protection.outlook.com",
    "outlook.com": "spf.protection.outlook.com",
}


@dataclass(frozen=True)
class DoctorFinding:
    mailbox: str
    check: str  # spf | dkim | dmarc | alignment | mx | message-id | unsubscribe | tls-smtp | ...
    status: Status
    subject: str  # the name, host or URL checked
    meaning: str  # one line: what it means for delivery
    publish: str = ""  # the exact record to publish (or change) when something is missing

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def org_domain(domain: str) -> str:
    """The organisational domain: one label below the public suffix."""
    name = domain.lower().rstrip(".")
    return _psl().privatesuffix(name) or name


def aligned(a: str, b: str, *, strict: bool) -> bool:
    """DMARC identifier alignment (RFC 7489 §3.1): same name (strict) or same org domain."""
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    return a == b if strict else org_domain(a) == org_domain(b)


def spf_records(texts: list[str]) -> list[str]:
    """The TXT strings that are SPF records (RFC 7208 §4.5: `v=spf1` then a space or end)."""
    return [t for t in texts if t.lower() == "v=spf1" or t.lower().startswith("v=spf1 ")]


@dataclass(frozen=True)
class SpfTerm:
    qualifier: str  # + - ~ ?
    name: str  # a mechanism (all, include, a, mx, ptr, ip4, ip6, exists) or a modifier (redirect)
    value: str  # after ':' or '=' ('' when none); the cidr suffix of a/mx is dropped


def spf_terms(record: str) -> list[SpfTerm]:
    terms: list[SpfTerm] = []
    for raw in record.split()[1:]:
        qualifier = raw[0] if raw[:1] in "+-~?" else "+"
        body = raw[1:] if raw[:1] in "+-~?" else raw
        if "=" in body and ":" not in body.split("=", 1)[0]:
            name, _, value = body.partition("=")
        else:
            name, _, value = body.partition(":")
            if name.lower() in ("a", "mx") and "/" in (value or name):
                value = value.split("/", 1)[0]
            name = name.split("/", 1)[0]
        terms.append(SpfTerm(qualifier, name.lower(), value))
    return terms


LOOKUP_TERMS = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})


def dns_tags(text: str) -> dict[str, str]:
    """`k=v; k=v` tag lists of DKIM (RFC 6376 §3.2) and DMARC records, names lower-cased."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        name, eq, value = part.partition("=")
        if eq:
            tags.setdefault(name.strip().lower(), "".join(value.split()))
    return tags


def dkim_key_bits(record: str) -> tuple[str, int]:
    """(key type, bits) of a DKIM record's p= key; ValueError saying why it is unusable."""
    tags = dns_tags(record)
    if "p" not in tags:
        raise ValueError("no p= tag (the public key)")
    if not tags["p"]:
        raise ValueError("p= is empty: the key is revoked (RFC 6376 §3.6.1)")
    try:
        der = base64.b64decode(tags["p"], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("p= is not base64") from None
    kind = tags.get("k", "rsa").lower()
    if kind == "ed25519":  # RFC 8463: the bare 32-byte key, not a SubjectPublicKeyInfo
        if len(der) != 32:
            raise ValueError(f"an ed25519 key is 32 bytes, this one {len(der)}")
        return "ed25519", 256
    try:
        key = load_der_public_key(der)
    except (ValueError, TypeError):
        raise ValueError("p= is not a SubjectPublicKeyInfo public key") from None
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519", 256
    if isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("an EC key: DKIM defines rsa and ed25519 only")
    raise ValueError("an unknown key type")


def grade_rate(rate: float, *, warn: float, fail: float) -> Status:
    return "fail" if rate >= fail else "warn" if rate >= warn else "ok"


def percent(rate: float) -> str:
    return f"{rate * 100:.2f} %"
