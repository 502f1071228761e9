"""`outreach doctor`: what the large mailbox providers check before they accept bulk mail
(SPF, DKIM, DMARC, MX, one-click unsubscribe, TLS, complaint and bounce rates), per mailbox.

DNS goes only to `[doctor] nameservers` (else the system resolver). The TLS and HTTPS checks
connect to the configured servers and run only when asked (`network=True`); `outreach run`'s
gate uses the DNS checks and our own data alone.

Longer than 400 lines on purpose: one short function per check, in the order the report prints
them, sharing one resolver and one finding type.
"""

from __future__ import annotations

import http.client
import imaplib
import ipaddress
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver
from sqlalchemy import Engine

from outreach.config import Config, MailboxConfig, is_loopback, split_host_port
from outreach.domain.doctor import (
    BOUNCE_FAIL,
    BOUNCE_WARN,
    COMPLAINT_FAIL,
    COMPLAINT_WARN,
    DKIM_MIN_BITS,
    LOOKUP_TERMS,
    PROVIDER_SPF,
    SPF_LOOKUP_LIMIT,
    DoctorFinding,
    Status,
    aligned,
    dkim_key_bits,
    dns_tags,
    grade_rate,
    org_domain,
    percent,
    spf_records,
    spf_terms,
)
from outreach.errors import ConfigError
from outreach.store.queries.doctor import mail_rates
from outreach.store.session import reading

EXPIRY_WARN_DAYS = 14
RATE_WINDOW_DAYS = 30
SPF_WALK_CAP = 40  # stop following includes well past the limit: a loop or a runaway chain


class LookupFailed(Exception):
    """The resolver did not answer (timeout, SERVFAIL): nothing can be said about the name."""


class Dns:
    """TXT/MX/address lookups through the configured resolver; no answer is an empty list."""

    def __init__(self, config: Config) -> None:
        settings = config.doctor
        try:
            self.resolver = dns.resolver.Resolver(configure=not settings.nameservers)
        except dns.resolver.NoResolverConfiguration:
            raise ConfigError(
                "this machine has no DNS resolver configured",
                file=config.source,
                field="doctor.nameservers",
                hint='name one: nameservers = ["192.0.2.53"]',
            ) from None
        if settings.nameservers:
            self.resolver.nameservers = [
                dns.nameserver.Do53Nameserver(*split_host_port(s, 53)) for s in settings.nameservers
            ]
        self.resolver.timeout = self.resolver.lifetime = settings.timeout
        self.resolver.cache = dns.resolver.Cache()

    def _query(self, name: str, kind: str) -> list[dns.rdata.Rdata]:
        try:
            return list(self.resolver.resolve(name, kind, search=False))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.YXDOMAIN) as exc:
            raise LookupFailed(f"{kind} {name}: {type(exc).__name__}") from None
        except dns.exception.DNSException as exc:
            raise LookupFailed(f"{kind} {name}: {exc}") from None

    def txt(self, name: str) -> list[str]:
        """Each TXT record's strings joined (RFC 7208 §3.3), decoded leniently."""
        return [
            b"".join(r.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
            for r in self._query(name, "TXT")
        ]

    def mx(self, name: str) -> list[tuple[int, str]]:
        return sorted(
            (int(r.preference), str(r.exchange).rstrip("."))  # type: ignore[attr-defined]
            for r in self._query(name, "MX")
        )

    def addresses(self, name: str) -> list[str]:
        try:
            return [str(ipaddress.ip_address(name))]
        except ValueError:
            pass
        return [r.to_text() for kind in ("A", "AAAA") for r in self._query(name, kind)]


@dataclass
class SpfWalk:
    """One SPF evaluation's DNS-lookup count and the networks and includes it authorises."""

    lookups: int = 0
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = field(default_factory=list)
    includes: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def walk(self, resolver: Dns, domain: str, record: str) -> None:
        self.seen.add(domain.lower())
        for term in spf_terms(record):
            if term.name in LOOKUP_TERMS:
                self.lookups += 1
            if self.lookups > SPF_WALK_CAP:
                return
            target = term.value or domain
            if (
                "%" in target
            ):  # a macro (RFC 7208 §7) is expanded per message: counted, not followed
                continue
            if term.name in ("include", "redirect"):
                self.includes.add(target.lower())
                self._follow(resolver, target, term.name)
            elif term.name in ("ip4", "ip6") and term.qualifier == "+":
                try:
                    self.networks.append(ipaddress.ip_network(term.value, strict=False))
                except ValueError:
                    self.problems.append(f"{term.name}:{term.value} is not a network")
            elif term.name == "a" and term.qualifier == "+":
                self._add_hosts(resolver, [target])
            elif term.name == "mx" and term.qualifier == "+":
                self._add_hosts(resolver, [host for _, host in resolver.mx(target)][:10])

    def _follow(self, resolver: Dns, target: str, how: str) -> None:
        if target.lower() in self.seen:
            self.problems.append(f"{how} {target} loops back")
            return
        found = spf_records(resolver.txt(target))
        if len(found) != 1:
            self.problems.append(f"{how} {target} has {len(found)} SPF records (a permerror)")
            return
        self.walk(resolver, target, found[0])

    def _add_hosts(self, resolver: Dns, hosts: Iterable[str]) -> None:
        for host in hosts:
            for address in resolver.addresses(host):
                self.networks.append(ipaddress.ip_network(address))


def envelope_domain(box: MailboxConfig) -> str:
    return (box.return_path or box.from_address).rpartition("@")[2].lower()


def from_domain(box: MailboxConfig) -> str:
    return box.from_address.rpartition("@")[2].lower()


def _relay_mechanism(host: str) -> str:
    """The SPF mechanism that authorises the relay: the provider's include, else its address."""
    for suffix, include in PROVIDER_SPF.items():
        if host == suffix or host.endswith("." + suffix):
            return f"include:{include}"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return f"a:{host}"
    return f"ip{ip.version}:{ip}"


def check_spf(name: str, box: MailboxConfig, resolver: Dns) -> DoctorFinding:
    domain = envelope_domain(box)
    relay = box.smtp.host
    mechanism = _relay_mechanism(relay)
    records = spf_records(resolver.txt(domain))
    if not records:
        return DoctorFinding(
            name,
            "spf",
            "fail",
            domain,
            "no SPF record: receivers cannot tell the relay may send for this domain",
            f'{domain} TXT "v=spf1 {mechanism} ~all"',
        )
    if len(records) > 1:
        return DoctorFinding(
            name,
            "spf",
            "fail",
            domain,
            f"{len(records)} SPF records: RFC 7208 §4.5 makes that a permerror; merge them",
            f'{domain} TXT "v=spf1 {mechanism} ~all"  (and delete the others)',
        )
    record = records[0]
    walk = SpfWalk()
    walk.walk(resolver, domain, record)
    count = "more than 40" if walk.lookups > SPF_WALK_CAP else str(walk.lookups)
    if walk.lookups > SPF_LOOKUP_LIMIT:
        return DoctorFinding(
            name,
            "spf",
            "fail",
            domain,
            f"{count} DNS lookups (include, a, mx, ptr, exists, redirect, nested): over "
            f"the limit of {SPF_LOOKUP_LIMIT} (RFC 7208 §4.6.4), so SPF fails everywhere",
            f'{domain} TXT "v=spf1 {mechanism} ~all"  (flatten the rest to ip4:/ip6:)',
        )
    if any(t.name == "all" and t.qualifier == "+" for t in spf_terms(record)):
        return DoctorFinding(
            name,
            "spf",
            "fail",
            domain,
            "+all lets anyone send as this domain",
            _with(domain, record, mechanism),
        )
    if walk.problems:
        return DoctorFinding(name, "spf", "fail", domain, "; ".join(walk.problems), "")
    covered, how = _covers(resolver, walk, relay, mechanism)
    if covered is None:
        return DoctorFinding(
            name,
            "spf",
            "warn",
            domain,
            f"one record, {count} of {SPF_LOOKUP_LIMIT} lookups; {how}",
            "",
        )
    if not covered:
        return DoctorFinding(
            name,
            "spf",
            "fail",
            domain,
            f"one record, {count} of {SPF_LOOKUP_LIMIT} lookups, but {how}",
            _with(domain, record, mechanism),
        )
    return DoctorFinding(
        name, "spf", "ok", domain, f"one record, {count} of {SPF_LOOKUP_LIMIT} lookups, {how}"
    )


def _covers(resolver: Dns, walk: SpfWalk, relay: str, mechanism: str) -> tuple[bool | None, str]:
    """Whether the record authorises the relay: a known provider's include by name, else every
    address the relay's name resolves to inside an ip4/ip6/a/mx network of the record."""
    if mechanism.startswith("include:"):
        wanted = mechanism.removeprefix("include:")
        return (
            wanted in walk.includes,
            f"includes {wanted}" if wanted in walk.includes else f"does not include {wanted}",
        )
    if is_loopback(relay):
        return None, f"the relay {relay} is on this machine: check the server that finally sends"
    addresses = resolver.addresses(relay)
    if not addresses:
        return False, f"the relay {relay} does not resolve"
    missing = [
        a for a in addresses if not any(ipaddress.ip_address(a) in net for net in walk.networks)
    ]
    if missing:
        return False, f"the relay {relay} ({', '.join(missing)}) is not covered"
    return True, f"covers the relay {relay} ({', '.join(addresses)})"


def _with(domain: str, record: str, mechanism: str) -> str:
    """The record with the relay's mechanism added before its `all` (and +all made ~all)."""
    parts = record.split()
    tail = [
        p
        for p in parts[1:]
        if p.lstrip("+-~?").lower() == "all" or p.lower().startswith("redirect=")
    ]
    head = [p for p in parts[1:] if p not in tail]
    if mechanism not in head:
        head.append(mechanism)
    tail = ["~all" if p.lstrip("+").lower() == "all" else p for p in tail] or ["~all"]
    return f'{domain} TXT "{" ".join(["v=spf1", *head, *tail])}"'


def dkim_domain(box: MailboxConfig) -> str:
    return (box.dkim_domain or from_domain(box)).lower()


def check_dkim(name: str, box: MailboxConfig, resolver: Dns) -> list[DoctorFinding]:
    domain = dkim_domain(box)
    if not box.dkim_selectors:
        return [
            DoctorFinding(
                name,
                "dkim",
                "warn",
                domain,
                "no dkim_selectors configured: DKIM cannot be checked; your provider "
                "names the selector it signs with",
                f'[mailboxes.{name}] dkim_selectors = ["SELECTOR"]',
            )
        ]
    found: list[DoctorFinding] = []
    for selector in box.dkim_selectors:
        where = f"{selector}._domainkey.{domain}"
        publish = f'{where} TXT "v=DKIM1; k=rsa; p=<the public key your provider shows>"'
        keys = [t for t in resolver.txt(where) if "p=" in t.replace(" ", "")]
        if not keys:
            found.append(
                DoctorFinding(
                    name,
                    "dkim",
                    "fail",
                    where,
                    "no DKIM key record: signatures with this selector fail",
                    publish,
                )
            )
            continue
        if len(keys) > 1:
            found.append(
                DoctorFinding(
                    name,
                    "dkim",
                    "fail",
                    where,
                    f"{len(keys)} key records: verifiers may pick either",
                    publish,
                )
            )
            continue
        try:
            kind, bits = dkim_key_bits(keys[0])
        except ValueError as exc:
            found.append(
                DoctorFinding(name, "dkim", "fail", where, f"unusable key: {exc}", publish)
            )
            continue
        if kind == "rsa" and bits < DKIM_MIN_BITS:
            found.append(
                DoctorFinding(
                    name,
                    "dkim",
                    "fail",
                    where,
                    f"a {bits}-bit RSA key: verifiers ignore keys under "
                    f"{DKIM_MIN_BITS} bits (RFC 8301); make a 2048-bit key",
                    publish,
                )
            )
            continue
        found.append(DoctorFinding(name, "dkim", "ok", where, f"{kind} key, {bits} bits"))
    return found


def check_dmarc(name: str, box: MailboxConfig, resolver: Dns, dkim_ok: bool) -> list[DoctorFinding]:
    domain = from_domain(box)
    where = f"_dmarc.{domain}"
    publish = f'{where} TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{domain}"'
    records = [t for t in resolver.txt(where) if t.replace(" ", "").lower().startswith("v=dmarc1")]
    org = org_domain(domain)
    if not records and org != domain:  # RFC 7489 §6.6.3: the organisational domain's policy
        where = f"_dmarc.{org}"
        records = [
            t for t in resolver.txt(where) if t.replace(" ", "").lower().startswith("v=dmarc1")
        ]
    if not records:
        return [
            DoctorFinding(
                name,
                "dmarc",
                "fail",
                f"_dmarc.{domain}",
                "no DMARC record: Gmail and Yahoo refuse bulk mail without one",
                publish,
            )
        ]
    if len(records) > 1:
        return [
            DoctorFinding(
                name,
                "dmarc",
                "fail",
                where,
                f"{len(records)} DMARC records: receivers ignore them all",
                publish,
            )
        ]
    tags = dns_tags(records[0])
    policy = tags.get("p", "").lower()
    findings: list[DoctorFinding] = []
    if policy in ("quarantine", "reject"):
        findings.append(DoctorFinding(name, "dmarc", "ok", where, f"p={policy}"))
    elif policy == "none":
        stricter = re.sub(r"(?i)(^|;)\s*p\s*=\s*none", r"\1 p=quarantine", records[0], count=1)
        findings.append(
            DoctorFinding(
                name,
                "dmarc",
                "warn",
                where,
                "p=none: meets the minimum, but spoofed mail is still delivered; "
                "move to quarantine once reports are clean",
                f'{where} TXT "{stricter.strip()}"',
            )
        )
    else:
        findings.append(
            DoctorFinding(
                name,
                "dmarc",
                "fail",
                where,
                f"policy p={policy or '(missing)'} is not none|quarantine|reject",
                publish,
            )
        )
    spf_aligned = aligned(envelope_domain(box), domain, strict=tags.get("aspf") == "s")
    dkim_aligned = dkim_ok and aligned(dkim_domain(box), domain, strict=tags.get("adkim") == "s")
    said = (
        f"envelope {envelope_domain(box)} {'aligned' if spf_aligned else 'not aligned'}, "
        f"DKIM d={dkim_domain(box)} {'aligned' if dkim_aligned else 'not aligned'}"
    )
    if spf_aligned and dkim_aligned:
        findings.append(DoctorFinding(name, "alignment", "ok", domain, said))
    elif spf_aligned or dkim_aligned:
        findings.append(
            DoctorFinding(
                name,
                "alignment",
                "warn",
                domain,
                f"{said}: DMARC passes on one identifier alone (forwarding breaks SPF)",
            )
        )
    else:
        fix = (
            f'[mailboxes.{name}] return_path = "bounces+{{token}}@{domain}" and sign with '
            f"d={domain}"
        )
        findings.append(
            DoctorFinding(
                name, "alignment", "fail", domain, f"{said}: DMARC fails for every message", fix
            )
        )
    return findings


def check_names(
    name: str, config: Config, box: MailboxConfig, resolver: Dns
) -> list[DoctorFinding]:
    """MX for the reply-to domain; the Message-ID and List-Unsubscribe domains resolve."""
    found: list[DoctorFinding] = []
    reply = (box.reply_to or box.from_address).rpartition("@")[2].lower()
    mx = resolver.mx(reply)
    if mx == [(0, "")]:
        found.append(
            DoctorFinding(
                name,
                "mx",
                "fail",
                reply,
                "a null MX (RFC 7505): replies to this domain are refused",
                f"{reply} MX 10 <your mail server>.",
            )
        )
    elif mx:
        found.append(DoctorFinding(name, "mx", "ok", reply, f"replies go to {mx[0][1]}"))
    elif resolver.addresses(reply):
        found.append(
            DoctorFinding(
                name,
                "mx",
                "warn",
                reply,
                "no MX: replies fall back to its A record (RFC 5321 §5.1)",
                f"{reply} MX 10 <your mail server>.",
            )
        )
    else:
        found.append(
            DoctorFinding(
                name,
                "mx",
                "fail",
                reply,
                "no MX and no address: replies cannot be delivered",
                f"{reply} MX 10 <your mail server>.",
            )
        )
    ident = box.id_domain.lower()
    if resolver.addresses(ident) or resolver.mx(ident):
        found.append(
            DoctorFinding(name, "message-id", "ok", ident, "the Message-ID domain resolves")
        )
    else:
        found.append(
            DoctorFinding(
                name,
                "message-id",
                "warn",
                ident,
                "the Message-ID domain does not resolve: spam filters score that",
                f'[mailboxes.{name}] message_id_domain = "{from_domain(box)}"',
            )
        )
    url = config.unsubscribe.base_url
    host = urlsplit(url).hostname or ""
    if url and not url.startswith("https://"):
        found.append(
            DoctorFinding(
                name,
                "unsubscribe",
                "fail",
                url,
                "one-click unsubscribe (RFC 8058) needs an https:// URL",
                '[unsubscribe] base_url = "https://…"',
            )
        )
    elif host and resolver.addresses(host):
        found.append(
            DoctorFinding(name, "unsubscribe", "ok", host, "the List-Unsubscribe host resolves")
        )
    elif host:
        found.append(
            DoctorFinding(
                name,
                "unsubscribe",
                "fail",
                host,
                "the List-Unsubscribe host does not resolve: one-click fails",
                f"{host} A <the address serving `outreach unsubscribe serve`>",
            )
        )
    return found


def check_rates(name: str, engine: Engine, now: datetime) -> list[DoctorFinding]:
    with reading(engine) as conn:
        r = mail_rates(conn, name, now - timedelta(days=RATE_WINDOW_DAYS))
    if not r.sent:
        return [
            DoctorFinding(
                name,
                "rates",
                "ok",
                f"last {RATE_WINDOW_DAYS} days",
                "nothing sent yet: no bounce or complaint rate",
            )
        ]
    complaint, bounce = r.complaints / r.sent, r.bounces / r.sent
    return [
        DoctorFinding(
            name,
            "complaints",
            grade_rate(complaint, warn=COMPLAINT_WARN, fail=COMPLAINT_FAIL),
            f"last {RATE_WINDOW_DAYS} days",
            f"{r.complaints} of {r.sent} sent = {percent(complaint)} (Gmail: under 0.30 %, "
            "aim for 0.10 %)",
        ),
        DoctorFinding(
            name,
            "bounces",
            grade_rate(bounce, warn=BOUNCE_WARN, fail=BOUNCE_FAIL),
            f"last {RATE_WINDOW_DAYS} days",
            f"{r.bounces} of {r.sent} sent = {percent(bounce)} (keep under 2 %; clean the "
            "roster above that)",
        ),
    ]


def _certificate(
    host: str, port: int, security: str, kind: str, ca_file: str, timeout: float
) -> Mapping[str, object]:
    context = ssl.create_default_context(cafile=ca_file or None)
    if security == "tls":
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            return tls.getpeercert() or {}
    if kind == "smtp":
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.starttls(context=context)
            return smtp.sock.getpeercert() or {}  # type: ignore[union-attr]
    imap = imaplib.IMAP4(host, port, timeout=timeout)
    try:
        imap.starttls(ssl_context=context)
        return imap.sock.getpeercert() or {}  # type: ignore[attr-defined]
    finally:
        imap.shutdown()


def check_tls(
    name: str,
    check: str,
    host: str,
    port: int,
    security: str,
    ca_file: str,
    timeout: float,
    now: datetime,
) -> DoctorFinding:
    where = f"{host}:{port}"
    if security == "none":
        return DoctorFinding(
            name, check, "warn", where, "plain text (loopback only): no certificate"
        )
    try:
        cert = _certificate(host, port, security, check.removeprefix("tls-"), ca_file, timeout)
    except ssl.SSLCertVerificationError as exc:
        return DoctorFinding(
            name, check, "fail", where, f"certificate not valid: {exc.verify_message or exc.reason}"
        )
    except (OSError, smtplib.SMTPException, imaplib.IMAP4.error) as exc:
        return DoctorFinding(name, check, "fail", where, f"no TLS session: {exc}")
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(cert["notAfter"])), UTC)
    days = (expires - now).total_seconds() / 86400
    status: Status = "warn" if days < EXPIRY_WARN_DAYS else "ok"
    return DoctorFinding(
        name,
        check,
        status,
        where,
        f"certificate valid for {host}, expires {expires:%Y-%m-%d} ({int(days)} days)"
        + ("; renew it now" if status == "warn" else ""),
    )


def check_one_click(name: str, config: Config) -> DoctorFinding:
    """The public one-click URL answers a POST over HTTPS with a valid certificate. Without
    a token the endpoint refuses the request (400/403): that still shows it is there."""
    url = config.unsubscribe.base_url
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = ssl.create_default_context(cafile=config.doctor.ca_file or None)
    conn = http.client.HTTPSConnection(host, port, timeout=config.doctor.timeout, context=context)
    try:
        conn.request(
            "POST",
            parts.path or "/",
            body="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        status = conn.getresponse().status
    except ssl.SSLCertVerificationError as exc:
        return DoctorFinding(
            name,
            "one-click",
            "fail",
            url,
            f"certificate not valid: {exc.verify_message or exc.reason}",
        )
    except OSError as exc:
        return DoctorFinding(name, "one-click", "warn", url, f"not reachable from here: {exc}")
    finally:
        conn.close()
    if status in (404, 405) or status >= 500:
        return DoctorFinding(
            name,
            "one-click",
            "fail",
            url,
            f"a POST gets HTTP {status}: mail clients' one-click requests fail",
        )
    return DoctorFinding(name, "one-click", "ok", url, f"answers a POST over HTTPS (HTTP {status})")


def diagnose(
    config: Config,
    engine: Engine | None,
    names: Iterable[str],
    *,
    now: datetime,
    network: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[DoctorFinding]:
    """Every finding for each named mailbox; `network=False` keeps to DNS and the database."""
    resolver = Dns(config)
    findings: list[DoctorFinding] = []
    for name in names:
        box = config.mailbox(name)
        if progress:
            progress(name)
        findings.extend(_dns_findings(name, config, box, resolver))
        if engine is not None:
            findings.extend(check_rates(name, engine, now))
        if not network:
            continue
        smtp = box.smtp
        findings.append(
            check_tls(
                name,
                "tls-smtp",
                smtp.host,
                smtp.port,
                smtp.security,
                smtp.ca_file,
                config.doctor.timeout,
                now,
            )
        )
        inbox = box.inbox
        if inbox.source == "imap":
            findings.append(
                check_tls(
                    name,
                    "tls-imap",
                    inbox.host,
                    inbox.port,
                    inbox.security,
                    inbox.ca_file,
                    config.doctor.timeout,
                    now,
                )
            )
        if config.unsubscribe.base_url.startswith("https://"):
            findings.append(check_one_click(name, config))
    return findings


def _dns_findings(
    name: str, config: Config, box: MailboxConfig, resolver: Dns
) -> list[DoctorFinding]:
    found: list[DoctorFinding] = []
    steps: list[tuple[str, Callable[[], list[DoctorFinding]]]] = [
        ("spf", lambda: [check_spf(name, box, resolver)]),
        ("dkim", lambda: check_dkim(name, box, resolver)),
    ]
    for check, run in steps:
        try:
            found.extend(run())
        except LookupFailed as exc:
            found.append(
                DoctorFinding(name, check, "warn", str(exc), "DNS did not answer: not checked")
            )
    dkim_ok = bool(box.dkim_selectors) and all(f.status == "ok" for f in found if f.check == "dkim")
    for check, run in [
        ("dmarc", lambda: check_dmarc(name, box, resolver, dkim_ok)),
        ("names", lambda: check_names(name, config, box, resolver)),
    ]:
        try:
            found.extend(run())
        except LookupFailed as exc:
            found.append(
                DoctorFinding(name, check, "warn", str(exc), "DNS did not answer: not checked")
            )
    return found


def gated(config: Config) -> list[str]:
    """The mailboxes `outreach run` checks first: those relaying through a host that is not on
    this machine (a loopback relay is a test or capture server, and the demo's)."""
    return [
        name for name, box in sorted(config.mailboxes.items()) if not is_loopback(box.smtp.host)
    ]
