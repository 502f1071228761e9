"""The inbox pass: read each mailbox's inbox, classify, match to an enrollment, apply the effect.

`poll` is callable on its own (the CLI, the daemon and end-to-end tests all use it). The same
message read twice, from any source, changes nothing the second time: its dedupe key (the
Message-ID, else the sha256 of its bytes) is unique in the `inbound` table and is written in
the transaction that applies the effect.

Messages are handled in batches: classified with no transaction open, then decided (see
inbox_trust: forged reports and unauthenticated senders need review), recorded and applied
in one transaction per batch. One transaction per message cost about 20 ms each on SQLite.

Longer than 400 lines on purpose: the batch's order (classify, decide, record and apply in one
transaction) is what makes a message read twice change nothing, and it is reviewed as one file.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import date, datetime, timedelta
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

from imapclient import IMAPClient  # type: ignore[import-untyped]
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from outreach import failpoints
from outreach.clock import Clock, naive_utc, utc
from outreach.config import Config
from outreach.domain.address import normalise_address
from outreach.domain.return_path import return_path_key
from outreach.errors import ConfigError, InputError
from outreach.failpoints import Failpoint
from outreach.inbound import (
    AUTO_REPLY,
    BOUNCE,
    COMPLAINT,
    DECLINE,
    OPT_OUT,
    REPLY,
    Bounce,
    Classified,
    parse_and_classify,
)
from outreach.inbound.model import DELIVERED, NEEDS_REVIEW
from outreach.services.inbox.effects import (
    Facts,
    agency_stop,
    apply_effect,
    honour_opt_out,
    stop_one,
)
from outreach.services.inbox.sources import RawMail, file_messages, read_imap, read_maildir
from outreach.services.inbox.trust import (
    Decision,
    as_success_report,
    decide_message,
    decide_report,
)
from outreach.store.queries.inbox import (
    Sent,
    get_inbound,
    known_keys,
    list_inbound,
    record_inbound,
    record_inbound_many,
    resolve_inbound,
    sent_by_message_ids,
    set_effect,
    set_effects,
    target_by_address,
    target_by_enrollment,
)
from outreach.store.queries.mailbox import inbox_health as list_health
from outreach.store.queries.mailbox import mark_polled
from outreach.store.queries.stages import history_batched
from outreach.store.session import reading, write_on, writing
from outreach.transport.oauth import OAuthFailure

log = logging.getLogger(__name__)
MAX_KEY = 380  # inbound.dedupe_key is String(400)
DUPLICATE = "duplicate"
UNPARSED = "unparsed"
BATCH = 250  # messages per transaction of effects (files; the sources batch on their own)


@dataclass
class PollReport:
    """What one pass did: per mailbox, messages read, new ones by kind, unmatched, errors."""

    read: int = 0
    duplicates: int = 0
    unmatched: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    errors: dict[str, str] = field(default_factory=dict)  # mailbox -> error
    mailboxes: list[str] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(self.kinds.values())

    def count(self, kind: str, matched: bool) -> None:
        if kind == DUPLICATE:
            self.duplicates += 1
            return
        self.kinds[kind] += 1
        if not matched:
            self.unmatched += 1


def _headers(raw: bytes) -> Message:
    """The header block alone (Authentication-Results, envelope addresses, Message-ID)."""
    try:
        return BytesHeaderParser(policy=compat32).parsebytes(raw)
    except (TypeError, ValueError, LookupError):
        return Message()


def dedupe_key(raw: bytes, message_id: str | None = None, headers: Message | None = None) -> str:
    """The Message-ID, else (or when absurdly long) the sha256 of the bytes.

    Without `message_id` the header is read cheaply, to skip known mail before classifying;
    the stored key uses the classifier's Message-ID, which survives broken line endings.
    """
    mid = message_id
    if mid is None:
        try:
            found = (headers if headers is not None else _headers(raw)).get("Message-ID", "")
            mid = " ".join(str(found or "").split())
        except (TypeError, ValueError, LookupError):
            mid = ""
    if mid and len(mid) <= MAX_KEY:
        return mid
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _detail(found: Classified, decision: Decision) -> dict[str, Any]:
    detail: dict[str, Any] = {"reasons": list(found.reasons), "classified_as": found.kind}
    if found.returns_on:
        detail["returns_on"] = found.returns_on.isoformat()
    if found.bounce:
        b = found.bounce
        detail["bounce"] = {
            "status": b.status,
            "recipient": b.recipient,
            "permanent": b.permanent,
            "diagnostic": b.diagnostic,
            "reason": b.reason,
            "sender_side": b.sender_side,
        }
    for name in (
        "in_reply_to",
        "original_message_id",
        "original_recipient",
        "intent",
        "referred_to",
    ):
        if getattr(found, name):
            detail[name] = getattr(found, name)
    if decision.why:
        detail["trust"] = list(decision.why)
    if decision.recipient:
        detail["recipient"] = decision.recipient
    if decision.sent is not None:
        detail["our_message_id"] = decision.sent.message_id
    return detail


def _classify(mail: RawMail) -> Classified:
    """The classifier promises not to raise; if it ever does, the message is stored as
    `unparsed` with its raw bytes instead of blocking every later message of the mailbox."""
    try:
        return parse_and_classify(mail.raw)
    except Exception as exc:  # one malformed message must not block every later one
        log.exception("inbox: cannot classify %s", mail.where)
        return Classified.unreadable(UNPARSED, f"classifier failed: {type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class _Item:
    """One new message, classified outside any transaction."""

    mail: RawMail
    found: Classified
    headers: Message
    key: str


class _Known:
    """Our sent messages that a batch refers to, read in one query; an enrollment that an
    earlier message of the batch touched is read again (its stage and status moved on)."""

    def __init__(self, conn: Connection, items: Sequence[_Item]) -> None:
        self.conn = conn
        ids = {
            m
            for item in items
            for m in (
                item.found.in_reply_to,
                item.found.original_message_id,
                *item.found.references,
            )
            if m
        }
        self.sent = {s.message_id: s for s in sent_by_message_ids(conn, sorted(ids))}
        self.touched: set[int] = set()
        self.addresses: set[str] = set()

    def lookup(self, message_ids: Sequence[str]) -> list[Sent]:
        out = []
        for m in dict.fromkeys(i for i in message_ids if i):
            sent = self.sent.get(m)
            if sent is None:
                continue
            t = sent.target
            if t.enrollment_id in self.touched or normalise_address(t.email) in self.addresses:
                fresh = target_by_enrollment(self.conn, t.enrollment_id)
                sent = replace(sent, target=fresh) if fresh else sent
            out.append(sent)
        return out

    def touch(self, d: Decision) -> None:
        for t in (d.target, d.safe):
            if t is not None:
                self.touched.add(t.enrollment_id)
                self.addresses.add(normalise_address(t.email))
        self.addresses.update(a for a in (d.recipient, d.honour) if a)


def _decide(
    conn: Connection, config: Config, item: _Item, key: bytes | None, known: _Known
) -> Decision:
    found = item.found
    # An opt-out report (ARF Feedback-Type: opt-out) comes from the mailbox provider's address
    # and names the recipient of our message: tied like a complaint, never honoured for the
    # reporting address. A person's own request (From: them) stays a message.
    report = (
        found.kind == OPT_OUT
        and bool(found.original_recipient)
        and normalise_address(found.original_recipient) != normalise_address(found.from_addr)
    )
    if found.kind in (BOUNCE, COMPLAINT) or report:
        return decide_report(conn, config, item.found, item.headers, key, known.lookup)
    return decide_message(conn, config, item.found, item.headers, known.lookup)


def _recipient_norm(found: Classified, d: Decision) -> str | None:
    """Set on bounce and success reports tied to us (what the soft-bounce count reads) and on
    reports waiting for review; a sender-side bounce is no fact about the recipient."""
    if found.bounce is not None and found.bounce.sender_side and d.act:
        return None
    return (d.recipient or None) if found.kind in (BOUNCE, COMPLAINT) else None


def _effect(
    conn: Connection,
    config: Config,
    box: str,
    found: Classified,
    d: Decision,
    row_id: int | None,
    now: datetime,
) -> str:
    at = naive_utc(now)
    if d.act:
        facts = Facts(
            row_id,
            d.recipient,
            d.sent.mailbox if d.sent else "",
            d.sent.message_id if d.sent else "",
        )
        if d.agency_wide:
            return agency_stop(conn, found, d.agency_wide, mailbox=box, inbound_id=row_id, at=at)
        effect = apply_effect(conn, config, replace(found, kind=d.kind), d.target, now, facts)
        for other in d.also:  # the other talents an agency's message names
            done = apply_effect(conn, config, replace(found, kind=d.kind), other, now, facts)
            effect += f"; @{other.handle} ({other.campaign}): {done}"
        sender = normalise_address(found.from_addr)
        # A person writing "stop" is honoured for their own address too; a provider's report
        # (tied to our message, d.sent) speaks for the recipient, not for the reporting address.
        if (
            d.kind == OPT_OUT
            and d.sent is None
            and d.target is not None
            and not (d.agency and d.named)  # an agency's stop for the talents it names
            and sender
            and sender != normalise_address(d.target.email)
        ):
            effect += "; " + honour_opt_out(conn, found, sender, inbound_id=row_id, at=at)
        return effect
    if d.kind not in (NEEDS_REVIEW, DELIVERED):
        return f"kind {d.kind!r}: recorded only"
    parts = [f"needs review: {'; '.join(d.why)}"] if d.kind == NEEDS_REVIEW else list(d.why)
    if d.honour:
        parts.append(honour_opt_out(conn, found, d.honour, inbound_id=row_id, at=at))
    if d.safe is not None and normalise_address(d.safe.email) != d.honour:
        cancelled = stop_one(conn, d.safe, reason="needs review", at=at)
        parts.append(
            f"sequence of {d.safe.email} in {d.safe.campaign} stopped, {cancelled} unsent "
            f"cancelled; nothing suppressed, stage stays {d.safe.stage}"
        )
    elif not d.honour:
        parts.append("nothing changed")
    return "; ".join(parts)


@dataclass
class _Writes:
    """What a batch writes at its end: rows whose effect needed no row id, in one executemany,
    and the effect lines of rows inserted earlier."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    effects: list[tuple[int, str]] = field(default_factory=list)

    def insert_pending(self, conn: Connection) -> None:
        """Rows waiting, inserted now: row ids then follow the order messages were read in."""
        record_inbound_many(conn, self.rows)
        self.rows = []

    def flush(self, conn: Connection) -> None:
        self.insert_pending(conn)
        set_effects(conn, self.effects)


def _apply(
    conn: Connection,
    config: Config,
    box: str,
    item: _Item,
    key: bytes | None,
    now: datetime,
    known: _Known,
    writes: _Writes,
) -> tuple[str, bool]:
    """Decide and apply one message inside the caller's transaction. A message whose effect
    suppresses (its entry names the message) is recorded first; the others with the batch."""
    found = item.found
    d = _decide(conn, config, item, key, known)
    b = found.bounce
    values: dict[str, Any] = dict(
        mailbox=box,
        source=item.mail.source,
        dedupe_key=item.key,
        message_id=found.message_id[:400],
        from_addr=found.from_addr[:320],
        subject=found.subject,
        received_at=now,
        kind=d.kind,
        enrollment_id=d.target.enrollment_id if d.target else None,
        effect="",
        text=found.text,
        detail=_detail(found, d),
        raw=item.mail.raw,  # capped by the source: headers and [inbox] max_stored_bytes
        raw_size=item.mail.original_size,
        processed_at=now,
        confidence=found.confidence,
        recipient_norm=_recipient_norm(found, d),
        bounce_reason=b.reason[:32] if b else None,
    )
    if (d.act and d.kind in (BOUNCE, COMPLAINT, OPT_OUT)) or d.honour:
        writes.insert_pending(conn)
        row_id = record_inbound(conn, **values)
        effect = _effect(conn, config, box, found, d, row_id, now)
        writes.effects.append((row_id, effect))
    else:
        effect = _effect(conn, config, box, found, d, None, now)
        writes.rows.append({**values, "effect": effect})
    known.touch(d)
    log.info("inbox %s %s: %s (%s)", box, item.mail.where, d.kind, effect)
    return d.kind, d.target is not None


def _prepare(conn: Connection, mails: Sequence[RawMail]) -> tuple[list[_Item], int]:
    """Skip what is recorded already, classify the rest (no transaction is open meanwhile)."""
    heads = [_headers(m.raw) for m in mails]
    cheap = [dedupe_key(m.raw, headers=h) for m, h in zip(mails, heads, strict=True)]
    with conn.begin():
        known = known_keys(conn, cheap)
    items: list[_Item] = []
    seen: set[str] = set()
    duplicates = 0
    for mail, head, key in zip(mails, heads, cheap, strict=True):
        if key in known:
            duplicates += 1
            continue
        found = as_success_report(_classify(mail), mail.raw)
        final = dedupe_key(mail.raw, found.message_id)
        if final in seen:
            duplicates += 1
            continue
        seen.add(final)
        items.append(_Item(mail, found, head, final))
    return items, duplicates


def process_batch(
    engine: Engine | Connection,
    config: Config,
    clock: Clock,
    mails: Sequence[RawMail],
    box: str,
    report: PollReport,
) -> None:
    """Classify a batch, then record it and apply its effects in one transaction.

    Exactly once: the dedupe keys are checked again under the write lock and are unique in the
    table; a crash rolls the whole batch back and the next poll reads it again. When another
    poller recorded one of them meanwhile (IntegrityError), each message is redone on its own.
    """
    report.read += len(mails)
    key = return_path_key(config)
    # One connection for a whole poll: with SQLite, closing the last one checkpoints the WAL.
    with engine.connect() if isinstance(engine, Engine) else nullcontext(engine) as conn:
        items, duplicates = _prepare(conn, mails)
        report.duplicates += duplicates
        if not items:
            return
        now = clock.now()
        try:
            with write_on(conn), history_batched(conn):
                recorded = known_keys(conn, [i.key for i in items])
                known = _Known(conn, items)
                writes = _Writes()
                done = [
                    _apply(conn, config, box, item, key, now, known, writes)
                    if item.key not in recorded
                    else (DUPLICATE, False)
                    for item in items
                ]
                writes.flush(conn)
                failpoints.hit(Failpoint.INBOX_BATCH_APPLIED)  # crash tests: before the commit
        except IntegrityError:  # another poller recorded one of them first: its effect stands
            done = []
            for item in items:
                try:
                    with write_on(conn), history_batched(conn):
                        writes = _Writes()
                        outcome = _apply(
                            conn, config, box, item, key, now, _Known(conn, [item]), writes
                        )
                        writes.flush(conn)
                    done.append(outcome)
                except IntegrityError:
                    done.append((DUPLICATE, False))
    for kind, matched in done:
        report.count(kind, matched)


def process(
    engine: Engine, config: Config, clock: Clock, mail: RawMail, box: str
) -> tuple[str, bool]:
    """Classify one message and apply its effect once; returns (kind or 'duplicate', matched)."""
    report = PollReport()
    process_batch(engine, config, clock, [mail], box, report)
    if report.duplicates:
        return DUPLICATE, False
    kind = next(iter(report.kinds))
    return kind, report.unmatched == 0


def _poll_box(engine: Engine, config: Config, clock: Clock, box: str, report: PollReport) -> None:
    src = config.mailboxes[box].inbox
    with engine.connect() as conn:

        def handle(mails: list[RawMail]) -> None:
            process_batch(conn, config, clock, mails, box, report)

        if src.source == "imap":
            read_imap(engine, config, clock, box, handle)
        else:
            read_maildir(config, box, handle)


def poll(engine: Engine, config: Config, clock: Clock, *, mailbox: str | None = None) -> PollReport:
    """One pass over every mailbox with an inbox (or the one named); a mailbox that cannot be
    read is reported and its error stored, and the others are still read."""
    names = (
        [mailbox]
        if mailbox
        else [n for n, m in config.mailboxes.items() if m.inbox.source != "none"]
    )
    if mailbox:
        config.mailbox(mailbox)  # ConfigError naming the configured ones
        if config.mailboxes[mailbox].inbox.source == "none":
            raise InputError(
                f"mailbox {mailbox!r} has no inbox", field=f"mailboxes.{mailbox}.inbox.source"
            )
    report = PollReport(mailboxes=names)
    for name in names:
        error = ""
        try:
            _poll_box(engine, config, clock, name, report)
        except (
            OSError,
            ssl.SSLError,
            IMAPClient.Error,
            IMAPClient.AbortError,
            ConfigError,
            OAuthFailure,  # no usable OAuth2 token (a revoked login has paused the mailbox)
        ) as exc:
            error = f"{type(exc).__name__}: {exc}"
            report.errors[name] = error
            log.warning("inbox %s: %s", name, error)
        with writing(engine) as conn:
            mark_polled(conn, name, at=clock.now(), error=error)
    return report


def import_files(
    engine: Engine,
    config: Config,
    clock: Clock,
    paths: Iterable[Path],
    *,
    mailbox: str | None = None,
) -> PollReport:
    """Process .eml and mbox files as if they had arrived in `mailbox` (default: the first)."""
    box = mailbox or next(iter(config.mailboxes))
    config.mailbox(box)
    report = PollReport(mailboxes=[box])
    batch: list[RawMail] = []
    with engine.connect() as conn:
        for path in paths:
            for mail in file_messages(path, config.inbox.max_stored_bytes):
                batch.append(mail)
                if len(batch) == BATCH:
                    process_batch(conn, config, clock, batch, box, report)
                    batch = []
        if batch:
            process_batch(conn, config, clock, batch, box, report)
    return report


def inbound_list(
    engine: Engine,
    *,
    kind: str | None = None,
    unmatched: bool = False,
    limit: int = 100,
    needs_review: bool = False,
) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        return list_inbound(
            conn, kind=kind, unmatched=unmatched, limit=limit, needs_review=needs_review
        )


IGNORE = "ignore"
RESOLVE_KINDS = (REPLY, DECLINE, OPT_OUT, COMPLAINT, BOUNCE, AUTO_REPLY, IGNORE)


def _as_kind(row: dict[str, Any], kind: str) -> Classified:
    """The stored message as the operator classified it."""
    detail = row["detail"] or {}
    bounce = None
    if kind == BOUNCE:
        stored = detail.get("bounce")
        fields = {f.name for f in dataclass_fields(Bounce)}
        bounce = (
            Bounce(**{k: v for k, v in stored.items() if k in fields})
            if stored
            else Bounce("5.0.0", row["recipient_norm"] or "", True, "confirmed by an operator")
        )
    returns = detail.get("returns_on")
    return Classified(
        kind=kind,
        message_id=row["message_id"],
        in_reply_to=detail.get("in_reply_to", ""),
        references=(),
        from_addr=row["from_addr"],
        subject=row["subject"],
        text=row["text"],
        returns_on=date.fromisoformat(returns) if returns else None,
        bounce=bounce,
        original_message_id=detail.get("original_message_id", ""),
        reasons=(f"resolved by an operator as {kind}", *detail.get("reasons", ())),
    )


def resolve(engine: Engine, config: Config, clock: Clock, inbound_id: int, kind: str) -> str:
    """Apply an operator's verdict on a needs-review message: the real effect of `kind`, once
    (`ignore` keeps only the safe action taken when it arrived). Returns the effect."""
    if kind not in RESOLVE_KINDS:
        raise InputError(
            f"cannot resolve as {kind!r}", hint=f"use one of {', '.join(RESOLVE_KINDS)}"
        )
    now = clock.now()
    with writing(engine) as conn:
        row = get_inbound(conn, inbound_id)
        if row is None:
            raise InputError(
                f"no inbound message with id {inbound_id}", hint="see `outreach inbox list`"
            )
        if row["resolved_as"]:
            raise InputError(
                f"message {inbound_id} was resolved as {row['resolved_as']} on "
                f"{row['resolved_at']:%Y-%m-%d %H:%M} UTC; nothing done"
            )
        if row["kind"] != NEEDS_REVIEW:
            raise InputError(
                f"message {inbound_id} is a {row['kind']}, not waiting for review",
                hint="see `outreach inbox list --needs-review`",
            )
        effect = "no further action"
        if kind != IGNORE:
            target = (
                target_by_enrollment(conn, row["enrollment_id"]) if row["enrollment_id"] else None
            )
            address = row["recipient_norm"] if kind in (BOUNCE, COMPLAINT) else row["from_addr"]
            if target is None and address:
                target = target_by_address(conn, address)
            if target is None:
                raise InputError(
                    f"message {inbound_id} concerns no enrollment of ours "
                    f"({address or 'no address'}); nothing to apply",
                    hint="resolve it as ignore",
                )
            recipient = (
                normalise_address(row["recipient_norm"] or target.email)
                if kind in (BOUNCE, COMPLAINT)
                else ""
            )
            facts = Facts(
                inbound_id,
                recipient,
                row["mailbox"],
                (row["detail"] or {}).get("our_message_id", ""),
            )
            resolve_inbound(conn, inbound_id, kind=kind, effect=row["effect"], at=now)
            effect = apply_effect(conn, config, _as_kind(row, kind), target, now, facts)
        else:
            resolve_inbound(conn, inbound_id, kind=kind, effect=row["effect"], at=now)
        set_effect(conn, inbound_id, f"{row['effect']}; resolved as {kind}: {effect}")
    log.info("inbox: message %s resolved as %s: %s", inbound_id, kind, effect)
    return effect


def inbound_show(engine: Engine, inbound_id: int) -> dict[str, Any]:
    with reading(engine) as conn:
        row = get_inbound(conn, inbound_id)
    if row is None:
        raise InputError(
            f"no inbound message with id {inbound_id}", hint="see `outreach inbox list`"
        )
    return row


@dataclass(frozen=True)
class InboxHealth:
    """For `outreach status`: when each inbox was last read, and whether follow-ups wait."""

    mailbox: str
    polled_at: datetime | None
    error: str
    stale: bool

    def describe(self, show: Callable[[datetime], str] | None = None) -> str:
        """One line for `outreach status`; `show` formats a time (default: UTC, to the minute)."""
        when = show or (lambda at: f"{at:%Y-%m-%d %H:%M} UTC")
        if not self.stale:
            failing = f"; the last read failed: {self.error}" if self.error else ""
            read = when(self.polled_at) if self.polled_at else "never"
            return f"inbox {self.mailbox}: read {read}{failing}"
        since = f"since {when(self.polled_at)}" if self.polled_at else "never read"
        why = f" ({self.error})" if self.error else ""
        return f"inbox {self.mailbox} stale {since}{why}: follow-ups are held"


def inbox_status(engine: Engine, config: Config, clock: Clock) -> list[InboxHealth]:
    """Each mailbox with an inbox; stale when not read within [inbox] freshness_minutes."""
    cutoff = clock.now() - timedelta(minutes=config.inbox.freshness_minutes)
    with reading(engine) as conn:
        known = list_health(conn)
    out = []
    for name, box in config.mailboxes.items():
        if box.inbox.source == "none":
            continue
        polled, error = known.get(name, (None, ""))
        at = utc(polled) if polled else None
        out.append(InboxHealth(name, at, error, at is None or at < cutoff))
    return out
