"""The inbox pass: read each mailbox's inbox, classify, match to an enrollment, apply the effect.

`poll` is callable on its own (the CLI, the daemon and end-to-end tests all use it). The same
message read twice, from any source, changes nothing the second time: its dedupe key (the
Message-ID, else the sha256 of its bytes) is unique in the `inbound` table and is written in
the transaction that applies the effect.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any, Protocol

from imapclient import IMAPClient  # type: ignore[import-untyped]
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from outreach.clock import Clock, SystemClock, utc
from outreach.config import Config
from outreach.errors import ConfigError, InputError
from outreach.inbound import Classified, parse_and_classify
from outreach.services.inbox_effects import UNMATCHED, apply_effect
from outreach.services.inbox_sources import RawMail, file_messages, read_imap, read_maildir
from outreach.store.queries.inbox import (
    Target,
    get_inbound,
    is_processed,
    list_inbound,
    mark_polled,
    record_inbound,
    target_by_address,
    target_by_message_ids,
)
from outreach.store.queries.inbox import (
    inbox_health as list_health,
)
from outreach.store.session import reading, writing

log = logging.getLogger(__name__)
MAX_KEY = 380  # inbound.dedupe_key is String(400)
DUPLICATE = "duplicate"
UNPARSED = "unparsed"


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


def dedupe_key(raw: bytes, message_id: str | None = None) -> str:
    """The Message-ID, else (or when absurdly long) the sha256 of the bytes.

    Without `message_id` the header is read cheaply, to skip known mail before classifying;
    the stored key uses the classifier's Message-ID, which survives broken line endings.
    """
    mid = message_id
    if mid is None:
        try:
            headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
            mid = " ".join(str(headers.get("Message-ID", "") or "").split())
        except (TypeError, ValueError, LookupError):
            mid = ""
    if mid and len(mid) <= MAX_KEY:
        return mid
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _target(conn: Any, found: Classified) -> Target | None:
    ids = [found.in_reply_to, found.original_message_id, *reversed(found.references)]
    by_id = target_by_message_ids(conn, ids)
    if by_id is not None:
        return by_id
    if found.bounce is not None:
        return target_by_address(conn, found.bounce.recipient)
    if found.original_recipient:
        return target_by_address(conn, found.original_recipient)
    if found.kind in ("bounce", "complaint"):
        return None  # the reporting system's address says nothing about who it concerns
    return target_by_address(conn, found.from_addr)


def _detail(found: Classified) -> dict[str, Any]:
    detail: dict[str, Any] = {"reasons": list(found.reasons)}
    if found.returns_on:
        detail["returns_on"] = found.returns_on.isoformat()
    if found.bounce:
        b = found.bounce
        detail["bounce"] = {
            "status": b.status,
            "recipient": b.recipient,
            "permanent": b.permanent,
            "diagnostic": b.diagnostic,
        }
    if found.in_reply_to:
        detail["in_reply_to"] = found.in_reply_to
    if found.original_message_id:
        detail["original_message_id"] = found.original_message_id
    return detail


def _classify(mail: RawMail) -> Classified:
    """The classifier promises not to raise; if it ever does, the message is stored as
    `unparsed` with its raw bytes instead of blocking every later message of the mailbox."""
    try:
        return parse_and_classify(mail.raw)
    except Exception as exc:  # a poison message must not stop the inbox (RELIABILITY 3.4.18)
        log.exception("inbox: cannot classify %s", mail.where)
        return Classified.unreadable(UNPARSED, f"classifier failed: {type(exc).__name__}: {exc}")


def process(
    engine: Engine, config: Config, clock: Clock, mail: RawMail, box: str
) -> tuple[str, bool]:
    """Classify one message and apply its effect once; returns (kind or 'duplicate', matched)."""
    with reading(engine) as conn:
        if is_processed(conn, dedupe_key(mail.raw)):
            return DUPLICATE, False
    found = _classify(mail)
    key = dedupe_key(mail.raw, found.message_id)
    now = clock.now()
    try:
        with writing(engine) as conn:
            if is_processed(conn, key):
                return DUPLICATE, False
            target = _target(conn, found)
            effect = apply_effect(conn, config, found, target, now)
            record_inbound(
                conn,
                mailbox=box,
                source=mail.source,
                dedupe_key=key,
                message_id=found.message_id[:400],
                from_addr=found.from_addr[:320],
                subject=found.subject,
                received_at=now,
                kind=found.kind,
                enrollment_id=target.enrollment_id if target else None,
                effect=effect,
                text=found.text,
                detail=_detail(found),
                raw=mail.raw,
                processed_at=now,
            )
    except IntegrityError:  # another poller recorded the same message first: its effect stands
        return DUPLICATE, False
    log.info("inbox %s %s: %s (%s)", box, mail.where, found.kind, effect)
    return found.kind, effect != UNMATCHED


def _poll_box(engine: Engine, config: Config, clock: Clock, box: str, report: PollReport) -> None:
    src = config.mailboxes[box].inbox

    def handle(mail: RawMail) -> None:
        report.read += 1
        report.count(*process(engine, config, clock, mail, box))

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
        except (OSError, ssl.SSLError, IMAPClient.Error, IMAPClient.AbortError, ConfigError) as exc:
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
    for path in paths:
        for mail in file_messages(path):
            report.read += 1
            report.count(*process(engine, config, clock, mail, box))
    return report


def inbound_list(
    engine: Engine, *, kind: str | None = None, unmatched: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        return list_inbound(conn, kind=kind, unmatched=unmatched, limit=limit)


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

    def describe(self) -> str:
        if not self.stale:
            failing = f"; the last read failed: {self.error}" if self.error else ""
            return f"inbox {self.mailbox}: read {self.polled_at:%Y-%m-%d %H:%M} UTC{failing}"
        since = f"since {self.polled_at:%Y-%m-%d %H:%M} UTC" if self.polled_at else "never read"
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


class HasEngineAndConfig(Protocol):
    """What the daemon's application object offers (cli.app.App)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def config(self) -> Config: ...


def inbox_jobs(
    app: HasEngineAndConfig, clock: Clock | None = None
) -> list[tuple[Callable[[], object], float]]:
    """The daemon's periodic jobs for the inbox: (callable, every N seconds)."""
    clk = clock or SystemClock()
    return [(lambda: poll(app.engine, app.config, clk), app.config.inbox.poll_seconds)]
