"""What each kind of inbound mail does to the enrollment it matched.

Runs inside the transaction that records the message, so an effect is applied exactly when its
`inbound` row is written. Returns the effect as one line for `outreach inbox list`.

Out-of-office: the enrollment keeps status `active` and its next step (and any rendered,
unsent step) is pushed to the return date at the start of the send window, so the planner
resumes it with no extra state; the pause is written to the stage history (from = to). A
stated return date further than `[inbox] max_pause_days` away is cut to that.

Bounces: recipient-side permanent ones suppress; transient ones are counted per address and
suppress at `[inbox] soft_bounce_limit` within `soft_bounce_days` (a success report in between
resets the count); sender-side ones (our authentication, reputation or policy) never suppress
the recipient and count against the sending mailbox's breaker instead.

Longer than 400 lines on purpose: one function per kind of inbound mail, all applied in the
transaction that records the message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from outreach.clock import naive_utc
from outreach.config import Config
from outreach.domain.address import normalise_address
from outreach.domain.enrollment import LIVE
from outreach.domain.people import agency_domain
from outreach.domain.stages import SENDABLE, TRANSITIONS, Stage
from outreach.inbound import (
    AUTO_REPLY,
    BOUNCE,
    COMPLAINT,
    DECLINE,
    OPT_OUT,
    REPLY,
    Bounce,
    Classified,
)
from outreach.inbound.model import DELIVERED
from outreach.store.queries.enrollment import stop_one_enrollment
from outreach.store.queries.inbox import Target, set_manager_email, soft_bounce_count
from outreach.store.queries.mailbox import ensure_mailbox, record_sender_fault
from outreach.store.queries.outbox import cancel_unsent, defer_enrollment
from outreach.store.queries.people import add_contact, agency_addresses
from outreach.store.queries.stages import (
    move_if,
    note_history,
    stop_and_move,
    stop_everywhere_prebuilt,
)
from outreach.store.queries.suppression import suppress, suppress_domain

log = logging.getLogger(__name__)
UNMATCHED = "unmatched"
_AUTH_WORDS = re.compile(r"\b(spf|dkim|dmarc)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Facts:
    """What an effect may use besides the classification: the inbound row and, for reports,
    the recipient and our message they were checked against."""

    inbound_id: int | None = None
    recipient: str = ""  # reports: the recipient we mailed, lower-cased
    mailbox: str = ""  # reports: the mailbox that sent the message
    message_id: str = ""  # reports: our message


def resume_at(config: Config, target: Target, returns_on: date | None, now: datetime) -> datetime:
    """When a paused sequence resumes: the return day at the start of the send window in the
    influencer's zone, else now + ooo_default_days; never later than now + max_pause_days."""
    if returns_on is None:
        return now + timedelta(days=min(config.inbox.ooo_default_days, config.inbox.max_pause_days))
    zone = ZoneInfo(target.timezone or config.sending.timezone)
    local = datetime.combine(returns_on, config.sending.window.start, tzinfo=zone)
    return min(max(local, now), now + timedelta(days=config.inbox.max_pause_days))


def _stop_address(
    conn: Connection, address: str, *, reason: str, stage: Stage, cause: str, at: datetime
) -> str:
    ids = stop_everywhere_prebuilt(
        conn, address, reason=reason, stage=stage.value, cause=cause, at=at
    )
    cancelled = cancel_unsent(conn, ids, reason=reason, at=at)
    return f"{len(ids)} enrollment(s) stopped, {cancelled} unsent message(s) cancelled"


def bounce_evidence(b: Bounce, message_id: str) -> dict[str, Any]:
    return {
        "bounce_reason": b.reason,
        "status": b.status,
        "diagnostic": b.diagnostic[:500],
        "message_id": message_id,
    }


def _bounce(
    conn: Connection, config: Config, found: Classified, target: Target, facts: Facts, at: datetime
) -> str:
    assert found.bounce is not None
    b = found.bounce
    address = facts.recipient or normalise_address(target.email)
    what = f"{b.status} {b.reason}"
    if b.sender_side:
        return _sender_fault(conn, config, b, facts, at)
    evidence = bounce_evidence(b, facts.message_id)
    if not b.permanent:
        days = config.inbox.soft_bounce_days
        n = soft_bounce_count(conn, address, since=at - timedelta(days=days))
        limit = config.inbox.soft_bounce_limit
        if n < limit:
            return (
                f"temporary bounce {what}: {address} {n} of {limit} in {days:g} days; "
                "nothing stopped"
            )
        suppress(
            conn,
            address,
            reason="soft_bounce_limit",
            at=at,
            inbound_id=facts.inbound_id,
            source=f"{n} temporary bounces in {days:g} days",
            evidence={**evidence, "count": n},
        )
        done = _stop_address(
            conn,
            address,
            reason=f"{n} temporary bounces",
            stage=Stage.BOUNCED,
            cause="bounce",
            at=at,
        )
        return f"temporary bounce {what}: {n} in {days:g} days, {address} suppressed, {done}"
    suppress(
        conn,
        address,
        reason="hard_bounce",
        source=f"bounce {b.status}",
        at=at,
        evidence=evidence,
        inbound_id=facts.inbound_id,
    )
    if address != normalise_address(target.email):
        suppress(
            conn,
            target.email,
            reason="hard_bounce",
            source=f"bounce {b.status} ({address})",
            at=at,
            evidence=evidence,
            inbound_id=facts.inbound_id,
        )
    done = _stop_address(
        conn,
        target.email,
        reason=f"hard bounce {b.status}",
        stage=Stage.BOUNCED,
        cause="bounce",
        at=at,
    )
    return f"bounced {what}: {address} suppressed, {done}"


def _sender_fault(conn: Connection, config: Config, b: Bounce, facts: Facts, at: datetime) -> str:
    """Our side failed: the recipient is fine; the sending mailbox's breaker counts it."""
    box = facts.mailbox
    sending = config.sending
    ensure_mailbox(conn, box)
    paused = record_sender_fault(
        conn,
        box,
        at,
        threshold=sending.breaker_threshold,
        pause_minutes=sending.breaker_pause_minutes,
        reason=f"bounce {b.status} {b.reason}",
    )
    auth = sorted({w.upper() for w in _AUTH_WORDS.findall(b.diagnostic)})
    if b.reason == "authfailure" or auth:
        log.warning(
            "mailbox %s: a receiving server refused our mail for %s (%s %s): check the sending "
            "domain's SPF, DKIM and DMARC records",
            box,
            "/".join(auth) or "SPF/DKIM/DMARC",
            b.status,
            b.reason,
        )
    else:
        log.warning(
            "mailbox %s: sender-side bounce %s %s: %s", box, b.status, b.reason, b.diagnostic[:200]
        )
    state = f"mailbox {box} paused" if paused else f"counted against mailbox {box}"
    return f"sender-side bounce {b.status} {b.reason}: {facts.recipient} not suppressed; {state}"


_PHRASE = re.compile(r"phrase '([^']*)'")
_FEEDBACK = re.compile(r"Feedback-Type (\S+)", re.IGNORECASE)


def said_evidence(found: Classified, kind: str) -> dict[str, Any]:
    """What the message said, for `suppression list`: the opt-out phrase or the complaint type
    the classifier found, else its reasons."""
    pattern = _FEEDBACK if kind == COMPLAINT else _PHRASE
    for reason in found.reasons:
        hit = pattern.search(reason)
        if hit:
            return {"complaint" if kind == COMPLAINT else "phrase": hit.group(1)}
    return {"reasons": list(found.reasons)[:3]}


def stop_talent(conn: Connection, target: Target, *, reason: str, at: datetime) -> str:
    """A stop for a talent with no address of their own (their agency spoke for them): this
    enrollment stops and moves to unsubscribed; the agency's address, which reaches its other
    talents too, is not suppressed."""
    moved = Stage.UNSUBSCRIBED.value != target.stage and stop_and_move(
        conn,
        target.enrollment_id,
        reason=reason,
        to=Stage.UNSUBSCRIBED.value,
        expected=target.stage,
        cause=reason,
        note=f"{reason} by their agency",
        at=at,
    )
    if not moved:
        stop_one_enrollment(conn, target.enrollment_id, reason=reason)
    cancelled = cancel_unsent(conn, [target.enrollment_id], reason=reason, at=at)
    return f"{reason}: @{target.handle} stopped ({target.campaign}), {cancelled} unsent cancelled"


def agency_stop(
    conn: Connection,
    found: Classified,
    talents: Sequence[Target],
    *,
    mailbox: str,
    inbound_id: int | None,
    at: datetime,
) -> str:
    """An agency asks us to stop contacting its talents: each one's enrolment stops and moves
    to unsubscribed (so no later campaign enrols them), and the agency's domain (the sender's,
    its managers') is suppressed for `mailbox`, the From identity that received the request:
    no address there, known or new, is mailed from it again; other mailboxes may still write.
    An agency address at a free-mail domain, which other people share, is suppressed itself
    (for every mailbox: it cannot be scoped). The talents' own addresses are not: the talents
    did not write."""
    sender = normalise_address(found.from_addr)
    addresses = {sender} | set(agency_addresses(conn, [t.influencer_id for t in talents]))
    domains = {agency_domain(a) for a in addresses} - {""}
    evidence = {**said_evidence(found, OPT_OUT), "agency_wide": True}
    source = f"inbound opt_out (agency-wide, from {sender})"
    for domain in sorted(domains):
        suppress_domain(
            conn,
            domain,
            mailbox,
            reason=OPT_OUT,
            source=source,
            at=at,
            evidence=evidence,
            inbound_id=inbound_id,
        )
    shared = sorted(a for a in addresses if not agency_domain(a))
    for address in shared:
        suppress(
            conn,
            address,
            reason=OPT_OUT,
            source=source,
            at=at,
            evidence=evidence,
            inbound_id=inbound_id,
        )
    stopped = [stop_talent(conn, t, reason=OPT_OUT, at=at) for t in talents]
    handles = ", ".join(f"@{t.handle}" for t in talents)
    what = [f"@{d} suppressed for mailbox {mailbox}" for d in sorted(domains)]
    what += [f"{a} suppressed" for a in shared]
    return f"agency-wide opt-out: {'; '.join(what)}; {len(stopped)} talent(s) stopped: {handles}"


def _suppress_everywhere(
    conn: Connection, target: Target, found: Classified, facts: Facts, *, reason: str, at: datetime
) -> str:
    if not target.email and not facts.recipient:
        return stop_talent(conn, target, reason=reason, at=at)
    address = facts.recipient or target.email
    evidence = {**said_evidence(found, reason), "message_id": facts.message_id}
    suppress(
        conn,
        address,
        reason=reason,
        source=f"inbound {reason}",
        at=at,
        evidence=evidence,
        inbound_id=facts.inbound_id,
    )
    if target.email and normalise_address(address) != normalise_address(target.email):
        suppress(
            conn,
            target.email,
            reason=reason,
            source=f"inbound {reason} ({address})",
            at=at,
            evidence=evidence,
            inbound_id=facts.inbound_id,
        )
    done = _stop_address(
        conn, target.email, reason=reason, stage=Stage.UNSUBSCRIBED, cause=reason, at=at
    )
    return f"{reason}: {target.email} suppressed everywhere, {done}"


def honour_opt_out(
    conn: Connection, found: Classified, address: str, *, inbound_id: int | None, at: datetime
) -> str:
    """An opt-out is honoured for the sender's own address whatever else is in doubt."""
    suppress(
        conn,
        address,
        reason="opt_out",
        source="inbound opt_out (sender's own address)",
        at=at,
        evidence={**said_evidence(found, OPT_OUT), "own_address": True},
        inbound_id=inbound_id,
    )
    done = _stop_address(
        conn, address, reason="opt_out", stage=Stage.UNSUBSCRIBED, cause="opt_out", at=at
    )
    return f"opt-out honoured for the sender's own address {address}: {done}"


def _auto_reply(
    conn: Connection, config: Config, found: Classified, target: Target, now: datetime
) -> str:
    if target.status not in LIVE:
        return f"auto-reply: sequence already {target.status}; nothing to pause"
    until = resume_at(config, target, found.returns_on, now)
    moved = defer_enrollment(conn, target.enrollment_id, until, at=now)
    why = (
        f"returns {found.returns_on.isoformat()}"
        if found.returns_on
        else (f"no return date: {config.inbox.ooo_default_days} days")
    )
    cap = config.inbox.max_pause_days
    if found.returns_on and until == now + timedelta(days=cap):
        why += f", cut to max_pause_days = {cap}"
        log.warning(
            "out-of-office from %s says it returns %s; "
            "paused only %d days ([inbox] max_pause_days)",
            target.email,
            found.returns_on.isoformat(),
            cap,
        )
    note = f"out of office: paused until {naive_utc(until):%Y-%m-%d %H:%M} UTC ({why})"
    note_history(
        conn, target.enrollment_id, stage=target.stage, cause="auto_reply", note=note, at=now
    )
    return note + (f", {moved} unsent step(s) moved" if moved else "")


def stop_one(conn: Connection, target: Target, *, reason: str, at: datetime) -> int:
    """Stop one enrollment's sequence and cancel its unsent steps; no stage move."""
    stop_one_enrollment(conn, target.enrollment_id, reason=reason)
    return cancel_unsent(conn, [target.enrollment_id], reason=reason, at=at)


def _decline(conn: Connection, target: Target, at: datetime) -> str:
    cancelled = stop_one(conn, target, reason="declined", at=at)
    moved = Stage.DECLINED in TRANSITIONS[Stage(target.stage)] and move_if(
        conn,
        target.enrollment_id,
        Stage.DECLINED.value,
        expected=target.stage,
        cause="reply",
        note="declined by reply",
        at=at,
    )
    stage = f"stage {target.stage} -> declined" if moved else f"stage stays {target.stage}"
    return (
        f"declined for {target.campaign}: sequence stopped, {cancelled} unsent cancelled, {stage}"
    )


def _referral(conn: Connection, found: Classified, target: Target, at: datetime) -> str:
    """A reply that sends us to an agency or manager: that address becomes the influencer's
    manager contact (follow-ups go there with `to_manager`)."""
    address = normalise_address(found.referred_to)
    if "@" not in address or address == normalise_address(target.email):
        return ""
    sender = normalise_address(found.from_addr)
    if (
        sender
        and sender != normalise_address(target.email)
        and (
            sender == normalise_address(target.manager_email)
            or (target.agency_domain and sender.rpartition("@")[2] == target.agency_domain)
        )
    ):
        # Their agency sends us to the talent: the address is the talent's own, and mail
        # from it attaches to them.
        added = add_contact(conn, target.influencer_id, address, role="self", at=at)
        note = f"the agency gave the talent's own address {address}"
        if added:
            note_history(
                conn, target.enrollment_id, stage=target.stage, cause="referral", note=note, at=at
            )
        return f"; {note}" + ("" if added else " (known already)")
    before = set_manager_email(conn, target.influencer_id, address, at=at)
    if normalise_address(before) == address:
        return f"; manager contact already {address}"
    note = f"referred to {address}" + (f" (manager contact was {before})" if before else "")
    note_history(conn, target.enrollment_id, stage=target.stage, cause="referral", note=note, at=at)
    return f"; {note}: now the manager contact"


def _reply(
    conn: Connection, config: Config, found: Classified, target: Target, at: datetime
) -> str:
    to = Stage(config.inbox.reply_stage)
    current = Stage(target.stage)
    # Only an influencer still being pitched moves on a reply; later stages are moved by hand.
    movable = current in SENDABLE and current != to
    moved = movable and stop_and_move(
        conn,
        target.enrollment_id,
        reason="replied",
        to=to.value,
        expected=current.value,
        cause="reply",
        note="human reply",
        at=at,
    )
    if moved:
        cancelled = cancel_unsent(conn, [target.enrollment_id], reason="replied", at=at)
    else:
        cancelled = stop_one(conn, target, reason="replied", at=at)
        moved = movable and move_if(
            conn,
            target.enrollment_id,
            to.value,
            expected=current.value,
            cause="reply",
            note="human reply",
            at=at,
        )
    stage = f"stage {current} -> {to}" if moved else f"stage stays {current}"
    referral = _referral(conn, found, target, at) if found.intent == "referral" else ""
    return f"reply: sequence stopped, {cancelled} unsent cancelled, {stage}{referral}"


def apply_effect(
    conn: Connection,
    config: Config,
    found: Classified,
    target: Target | None,
    now: datetime,
    facts: Facts | None = None,
) -> str:
    """Apply the effect of one classified message to its enrollment; unmatched mail is left
    alone."""
    facts = facts or Facts()
    if found.kind == DELIVERED:
        return f"delivered to {facts.recipient}: the temporary-bounce count starts again"
    if target is None:
        return UNMATCHED
    at = naive_utc(now)
    if found.kind == BOUNCE and found.bounce is not None:
        return _bounce(conn, config, found, target, facts, at)
    if found.kind in (COMPLAINT, OPT_OUT):
        return _suppress_everywhere(conn, target, found, facts, reason=found.kind, at=at)
    if found.kind == AUTO_REPLY:
        return _auto_reply(conn, config, found, target, now)
    if found.kind == DECLINE or (found.kind == REPLY and found.intent == "decline"):
        return _decline(conn, target, at)
    if found.kind == REPLY:
        return _reply(conn, config, found, target, at)
    return f"kind {found.kind!r}: recorded only"
