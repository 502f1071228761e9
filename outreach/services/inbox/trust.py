"""Whether an inbound message may act: is its From authenticated, is it tied to our mail.

A bounce or complaint acts only on a message we sent to the recipient it names: found by its
signed return path (VERP) or by our Message-ID quoted in the report. A reply acts only when the
receiving server's own Authentication-Results (RFC 8601) say its From passed DMARC (or an
aligned SPF/DKIM pass), and only on a thread that belongs to its sender. Anything else is
`needs_review`: it takes at most the safe action (the sender's own sequence stops) until an
operator confirms it with `outreach inbox resolve`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from sqlalchemy import Connection

from outreach.config import Config
from outreach.domain.address import normalise_address
from outreach.domain.return_path import candidates, tokens_in, verify
from outreach.inbound import AUTO_REPLY, BOUNCE, COMPLAINT, OPT_OUT, Bounce, Classified
from outreach.inbound import model as inbound_model
from outreach.inbound.model import DELIVERED, NEEDS_REVIEW
from outreach.store.queries.inbox import (
    Sent,
    Target,
    agency_talents,
    sent_by_message_ids,
    target_by_address,
)

# Where the envelope recipient of a returned message shows up at final delivery.
_ENVELOPE_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "Cc")


@dataclass(frozen=True)
class Auth:
    """What the trusted receiving server said about the From address."""

    verdict: str  # pass | fail | none (no stamp from a trusted server) | unchecked (none trusted)
    detail: str

    @property
    def trusted(self) -> bool:
        return self.verdict in ("pass", "unchecked")


@dataclass(frozen=True)
class Decision:
    """What the pipeline does with one classified message."""

    kind: str  # stored kind: the classifier's, needs_review or delivered
    target: Target | None  # the enrollment it concerns (shown, and used by `inbox resolve`)
    act: bool  # apply the kind's effect to `target`
    safe: Target | None = None  # not acting: the sender's own enrollment whose sequence stops
    honour: str = ""  # an opt-out honoured for this address (the sender's own) even so
    # An agency's mail naming several of its talents: the others it concerns (the effect
    # applies to each), and that it came from the agency (its stop is theirs, not its own).
    also: tuple[Target, ...] = ()
    agency: bool = False
    named: bool = False  # the agency's message names the talents it concerns
    # An agency's stop for all its talents ("please stop contacting our talents"): every
    # talent it manages, stopped; the agency's addresses suppressed.
    agency_wide: tuple[Target, ...] = ()
    recipient: str = ""  # reports: the recipient they concern, lower-cased
    sent: Sent | None = None  # reports: the message of ours they are tied to
    why: tuple[str, ...] = field(default_factory=tuple)  # why it needs review, trust notes


def review_threshold(config: Config) -> float:
    if config.inbox.review_below is not None:
        return config.inbox.review_below
    return float(getattr(inbound_model, "REVIEW_BELOW", 0.6))


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower()


def _aligned(a: str, b: str) -> bool:
    """Relaxed alignment (RFC 7489 3.1): the same domain or one a subdomain of the other."""
    return bool(a and b) and (a == b or a.endswith("." + b) or b.endswith("." + a))


_PAIR = re.compile(r'([A-Za-z0-9_.\-/]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;"]+)')


def _uncomment(value: str) -> str:
    """The header without RFC 5322 comments (nested parentheses; none inside quoted strings)."""
    if "(" not in value:
        return value
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for ch in value:
        if escaped:
            escaped = False
            if not depth:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if not depth:
                out.append(ch)
            continue
        if ch == '"' and not depth:
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
            continue
        elif not quoted and ch == ")" and depth:
            depth -= 1
            continue
        if not depth:
            out.append(ch)
    return "".join(out)


Result = tuple[str, str, dict[str, str]]  # method, result, {"ptype.property": value}


def parse_authentication_results(value: str) -> tuple[str, list[Result]] | None:
    """RFC 8601 2.2: `authserv-id [version]; method=result [reason=...] ptype.prop=value ...`.

    Written here rather than with the `authres` package: that one took 0.6 ms per header, more
    than the rest of a message's handling, and nothing here needs more than these fields."""
    text = _uncomment(value)
    head, *parts = text.split(";")
    words = head.split()
    if not words:
        return None
    results: list[Result] = []
    for part in parts:
        pairs = _PAIR.findall(part)
        if not pairs:
            continue  # "none", or an empty resinfo
        method, result = pairs[0]
        props = {k.lower(): v.strip('"') for k, v in pairs[1:] if "." in k}
        results.append((method.split("/")[0].lower(), result.strip('"').lower(), props))
    return words[0].strip('"').lower(), results


def authenticate(headers: Message, from_addr: str, trusted: Sequence[str]) -> Auth:
    """The topmost Authentication-Results from a trusted authserv-id (RFC 8601 5: a receiving
    server removes copies claiming its own id, so that one is its own); pass when DMARC passed
    or SPF/DKIM passed for a domain aligned with From."""
    if not trusted:
        return Auth("unchecked", "no [inbox] trusted_authserv_ids: From taken as written")
    ids = {t.strip().lower() for t in trusted}
    for value in headers.get_all("Authentication-Results") or ():
        first = str(value).split(";", 1)[0].split()
        if not first or first[0].strip('"').lower() not in ids:
            continue  # anyone may write this header; only our own server's counts
        parsed = parse_authentication_results(" ".join(str(value).split()))
        if parsed is None:
            continue
        return _verdict(parsed[0], parsed[1], _domain(from_addr))
    return Auth("none", f"no Authentication-Results from {', '.join(sorted(ids))}")


def _verdict(authserv: str, results: list[Result], from_domain: str) -> Auth:
    said = []
    passed = failed = False
    for method, result, props in results:
        about = props.get(
            {"dmarc": "header.from", "dkim": "header.d", "spf": "smtp.mailfrom"}.get(method, ""), ""
        )
        said.append(f"{method}={result}" + (f" ({_domain(about)})" if about else ""))
        if method == "dmarc":
            about = props.get("header.from", from_domain).lower()
            if result == "pass" and _aligned(about, from_domain):
                passed = True
            elif result == "fail":
                failed = True
        elif method == "dkim" and result == "pass":
            d = props.get("header.d") or _domain(props.get("header.i", ""))
            passed = passed or _aligned(d.lower(), from_domain)
        elif method == "spf" and result == "pass":
            passed = passed or _aligned(_domain(props.get("smtp.mailfrom", "")), from_domain)
    where = f"{authserv}: {' '.join(said) or 'no results'}"
    if failed or not passed:
        return Auth("fail", f"From {from_domain or '(none)'} not authenticated ({where})")
    return Auth("pass", where)


def _below(config: Config, found: Classified) -> str:
    threshold = review_threshold(config)
    if found.confidence < threshold:
        return f"confidence {found.confidence:.2f} below {threshold:.2f}"
    return ""


def _envelope_text(headers: Message) -> str:
    return "\n".join(str(v) for h in _ENVELOPE_HEADERS for v in (headers.get_all(h) or ()))


def is_success(bounce: Bounce) -> bool:
    return bounce.reason == DELIVERED or bounce.status.startswith("2.")


_SUCCESS_ACTIONS = ("delivered", "relayed", "expanded")  # RFC 3464 2.3.3
_DSN = re.compile(rb"message/delivery-status", re.IGNORECASE)


def as_success_report(found: Classified, raw: bytes) -> Classified:
    """A success DSN (RFC 3464 Action: delivered) as a report with a `delivered` outcome, so it
    is tied to our message like a bounce; the classifier calls it automatic mail."""
    if found.kind != AUTO_REPLY or found.bounce is not None or not _DSN.search(raw):
        return found  # tied below like a bounce: by our Message-ID or by a signed return path
    try:
        msg = BytesParser(policy=compat32).parsebytes(raw)
        for part in msg.walk():
            if part.get_content_type() != "message/delivery-status":
                continue
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else ():
                if not isinstance(block, Message):
                    continue
                action = str(block.get("Action", "")).strip().lower().split(" ")[0]
                rcpt = (
                    str(block.get("Final-Recipient", ""))
                    .partition(";")[2]
                    .strip()
                    .strip("<>")
                    .lower()
                )
                if action in _SUCCESS_ACTIONS and "@" in rcpt:
                    status = str(block.get("Status", "2.0.0")).strip()[:16]
                    bounce = Bounce(status, rcpt, False, f"Action: {action}", reason=DELIVERED)
                    return replace(
                        found,
                        kind=BOUNCE,
                        bounce=bounce,
                        original_recipient=rcpt,
                        reasons=(*found.reasons, f"success report: {action} to {rcpt}"),
                    )
    except (TypeError, ValueError, LookupError, AttributeError):
        return found
    return found


Lookup = Callable[[Sequence[str]], list[Sent]]  # our sent messages among these Message-IDs


def decide_report(
    conn: Connection,
    config: Config,
    found: Classified,
    headers: Message,
    key: bytes | None,
    lookup: Lookup,
) -> Decision:
    """A bounce or complaint: tied to our message and its recipient, else needs review."""
    b = found.bounce
    kind = DELIVERED if b is not None and is_success(b) else found.kind
    reported = normalise_address((b.recipient if b else "") or found.original_recipient)
    templates = [box.return_path for box in config.mailboxes.values()]
    tokens = tokens_in(_envelope_text(headers), templates)
    tie: Sent | None = None
    how = ""
    if tokens and key is not None:
        domains = [box.id_domain for box in config.mailboxes.values()]
        for ref, mac in tokens:
            good = [m for m in candidates(ref, domains) if verify(key, m, mac)]
            sent = sent_by_message_ids(conn, good)
            if sent:
                tie, how = sent[0], "signed return path"
                break
        if tie is None:
            return _untied(found, reported, "the return-path token does not verify")
    if tie is None:
        sent = lookup([found.original_message_id, found.in_reply_to, *reversed(found.references)])
        mine = [s for s in sent if reported in s.recipients] if reported else sent
        pool = mine or sent
        tie = pool[0] if pool else None
        how = "our Message-ID in the report"
    if tie is None:
        return _untied(
            found,
            reported,
            "names no message we sent (no signed return path, none of our Message-IDs)",
        )
    if reported and reported not in tie.recipients:
        went = ", ".join(sorted(tie.recipients))
        return Decision(
            NEEDS_REVIEW,
            None,
            act=False,
            recipient=reported,
            sent=tie,
            why=(f"report names {reported}, but our message {tie.message_id} went to {went}",),
        )
    recipient = reported or sorted(tie.recipients)[0]
    why = (f"tied by {how} ({tie.message_id})",)
    below = _below(config, found)
    if below and kind != DELIVERED:
        return Decision(
            NEEDS_REVIEW,
            tie.target,
            act=False,
            safe=tie.target,
            recipient=recipient,
            sent=tie,
            why=(below, *why),
        )
    return Decision(kind, tie.target, act=True, recipient=recipient, sent=tie, why=why)


def _untied(found: Classified, reported: str, reason: str) -> Decision:
    if found.bounce is not None and is_success(found.bounce):  # resets nothing, reviews nothing
        return Decision(DELIVERED, None, act=False, why=(f"success report {reason}",))
    what = (
        "bounce" if found.kind == BOUNCE else "complaint" if found.kind == COMPLAINT else found.kind
    )
    return Decision(NEEDS_REVIEW, None, act=False, recipient=reported, why=(f"{what} {reason}",))


def decide_message(
    conn: Connection, config: Config, found: Classified, headers: Message, lookup: Lookup
) -> Decision:
    """A reply, auto-reply, opt-out or decline: acts when authenticated, confident and in a
    thread of its sender's own."""
    sender = normalise_address(found.from_addr)
    auth = authenticate(headers, sender, config.inbox.trusted_authserv_ids)
    notes = (auth.detail,) if not auth.trusted else ()
    sent = lookup([found.in_reply_to, *reversed(found.references)])
    owned = [s for s in sent if sender and (sender in s.owners or _at_agency(sender, s.target))]
    own = owned[0].target if owned else target_by_address(conn, sender) if sender else None
    talents = agency_talents(conn, sender) if sender else []
    named = [t for t, names in talents if _names_any(found, names)]
    also: tuple[Target, ...] = ()
    if named:
        # The talents an agency's message names: the thread's own person stays first (a
        # message in their thread concerns them), else the first one named.
        if own is None or (not owned and own.enrollment_id not in {t.enrollment_id for t in named}):
            own = named[0]
        first = own.enrollment_id
        also = tuple(t for t in named if t.enrollment_id != first)
    honour = sender if found.kind == OPT_OUT and sender and not _below(config, found) else ""
    if sent and not owned:
        other = sent[0]
        owners = ", ".join(sorted(other.recipients))
        why = f"thread of {other.message_id} belongs to {owners}, not {sender or '(no From)'}"
        return Decision(
            NEEDS_REVIEW, other.target, act=False, safe=own, honour=honour, why=(why, *notes)
        )
    if found.kind not in inbound_model.KINDS:  # unparsed: recorded for an operator
        return Decision(found.kind, own, act=False, why=notes)
    if not auth.trusted:
        return Decision(NEEDS_REVIEW, own, act=False, safe=own, honour=honour, why=notes)
    below = _below(config, found)
    if below:
        return Decision(NEEDS_REVIEW, own, act=False, safe=own, why=(below, *notes))
    everyone: tuple[Target, ...] = ()
    if talents and not named and found.kind == OPT_OUT and (not owned or _all_talents(found)):
        everyone = tuple(t for t, _ in talents)
    return Decision(
        found.kind,
        own,
        act=True,
        why=notes,
        also=also,
        agency=bool(talents),
        named=bool(named),
        agency_wide=everyone,
    )


# An agency speaking for every talent it manages: 「弊社所属タレント」, "our talents".
_ALL_TALENTS = re.compile(
    r"所属(?:の)?(?:タレント|クリエイター|インフルエンサー|モデル)|弊社(?:の)?(?:タレント|クリエイター)"
    r"|(?:our|all) (?:talents?|creators|clients|influencers)",
    re.IGNORECASE,
)


def _all_talents(found: Classified) -> bool:
    return bool(_ALL_TALENTS.search(f"{found.subject}\n{found.text}"))


def _at_agency(sender: str, target: Target) -> bool:
    """Whether the sender writes from the person's agency's own domain."""
    return bool(target.agency_domain) and sender.rpartition("@")[2] == target.agency_domain


def _squeezed(text: str) -> str:
    return "".join(text.split()).casefold()


def _names_any(found: Classified, names: Sequence[str]) -> bool:
    """Whether the message (subject or own text) names the talent: a name with spaces
    ignored (「髙橋梨沙」 is 「髙橋 梨沙」), or a handle of two or more characters."""
    said = _squeezed(f"{found.subject}\n{found.text}")
    return any(len(n) >= 2 and _squeezed(n) in said for n in names)
