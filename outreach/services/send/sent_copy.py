"""A copy of each accepted message in its mailbox's Sent folder, appended over IMAP.

Dispatch queues a `sent_copy` row in the transaction that records the 250; this job appends the
stored bytes (`outbox_message.raw`: the bytes SMTP sent, before dot-stuffing) with `\\Seen` and
the send time as the internal date. It is a job of its own: an IMAP server that is down or
refuses the APPEND delays the copy, never a send, and never sends again. One IMAP connection per
mailbox per pass.

The folder is `[mailboxes.NAME] sent_folder`: "auto" takes the folder that LIST marks `\\Sent`
(RFC 6154 SPECIAL-USE), else one with a usual name ("Sent", "Sent Items", ...), and appends
nothing on Gmail, whose SMTP server saves what it sends itself (a second copy would show twice);
"off" appends nothing; any other value names the folder.

An APPEND whose answer was lost (connection dropped, crash before the mark committed) may have
stored the message: a copy's second and later attempts first look for its Message-ID in the
folder (SEARCH HEADER) and append only when it is not there.
"""

from __future__ import annotations

import contextlib
import logging
import random
import ssl
from dataclasses import dataclass, field
from datetime import timedelta

from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.imapclient import SEEN, SENT  # type: ignore[import-untyped]
from sqlalchemy import Engine

from outreach.clock import Clock
from outreach.config import Config, MailboxConfig
from outreach.domain.outbox import backoff_seconds
from outreach.errors import ConfigError
from outreach.services.inbox.sources import connect_imap
from outreach.services.mailbox.oauth import MailboxTokens
from outreach.store.queries import sent_copy as q
from outreach.store.session import reading, writing
from outreach.transport.oauth import OAuthFailure

log = logging.getLogger("outreach.sent_copy")

GMAIL_IMAP_HOSTS = frozenset({"imap.gmail.com", "imap.googlemail.com"})
GMAIL_CAPABILITY = b"X-GM-EXT-1"  # https://developers.google.com/gmail/imap/imap-extensions
LEASE_SECONDS = 900.0
"""How long a pass holds the copies it claimed; past it another worker may take them (and will
look for each in the folder before appending)."""

_IMAP_ERRORS = (OSError, ssl.SSLError, IMAPClient.Error, IMAPClient.AbortError)


def keeps_copy(mb: MailboxConfig) -> bool:
    """Whether accepted messages of this mailbox are queued for its Sent folder at all."""
    if mb.sent_folder == "off" or mb.inbox.source != "imap":
        return False
    return not (mb.sent_folder == "auto" and mb.inbox.host.lower() in GMAIL_IMAP_HOSTS)


class _Skip(Exception):
    """Nothing of this mailbox should be appended (the server saves sent mail itself)."""


class _NoFolder(Exception):
    """No folder to append to; the copies wait and count an attempt."""


@dataclass
class SentCopyReport:
    appended: int = 0
    found: int = 0  # already in the folder (an earlier attempt's answer was lost)
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # mailbox -> why its pass stopped


def find_sent_folder(client: IMAPClient) -> tuple[str, str]:
    """(folder, how): the folder LIST marks `\\Sent` (RFC 6154), else a usual name."""
    for flags, _, name in client.list_folders():
        if SENT in flags:
            return name, "SPECIAL-USE \\Sent"
    name = client.find_special_folder(SENT)  # looks again, then tries the usual names
    if name is None:
        raise _NoFolder(
            "the server marks no folder \\Sent (RFC 6154) and none has a usual Sent name; "
            "set sent_folder to the folder's name"
        )
    return name, "its name"


def _folder(client: IMAPClient, name: str, mb: MailboxConfig) -> str:
    if mb.sent_folder != "auto":
        return mb.sent_folder
    if client.has_capability(GMAIL_CAPABILITY.decode()):
        raise _Skip("Gmail saves SMTP-sent mail itself (X-GM-EXT-1)")
    folder, how = find_sent_folder(client)
    log.info("sent copy %s: appending to %r, found by %s", name, folder, how)
    return folder


def _already_there(client: IMAPClient, folder: str, copy: q.Copy) -> bool:
    client.select_folder(folder, readonly=True)
    return bool(client.search(["HEADER", "Message-ID", copy.message_id]))


class _Pass:
    def __init__(self, engine: Engine, config: Config, clock: Clock, rng: random.Random) -> None:
        self.engine, self.config, self.clock, self.rng = engine, config, clock, rng
        self.report = SentCopyReport()

    def retry_or_fail(self, copy: q.Copy, error: str) -> None:
        settings = self.config.sent_copy
        now = self.clock.now()
        with writing(self.engine) as conn:
            if copy.attempts >= settings.max_attempts:
                why = f"gave up after {copy.attempts} attempt(s): {error}"
                if q.mark_final(conn, copy, q.FAILED, why, now):
                    self.report.failed += 1
                    log.warning("sent copy of outbox %d failed: %s", copy.outbox_id, why)
                return
            delay = backoff_seconds(
                copy.attempts,
                first=settings.first_backoff_seconds,
                cap=settings.max_backoff_seconds,
                rng=self.rng,
            )
            if q.mark_retry(conn, copy, now + timedelta(seconds=delay), error):
                self.report.retried += 1

    def mailbox(self, name: str, mb: MailboxConfig) -> None:
        now = self.clock.now()
        with reading(self.engine) as conn:
            if not q.has_due(conn, name, now):
                return
        if not keeps_copy(mb):
            with writing(self.engine) as conn:
                why = "sent_folder is off" if mb.inbox.source == "imap" else "no IMAP inbox"
                self.report.skipped += q.skip_queued(conn, name, why, now)
            return
        with writing(self.engine) as conn:
            copies = q.claim(
                conn,
                name,
                now,
                lease_seconds=LEASE_SECONDS,
                limit=self.config.sent_copy.batch_size,
            )
        if not copies:
            return
        tokens = (
            MailboxTokens(self.engine, self.config, name, self.clock)
            if mb.auth == "oauth2"
            else None
        )
        try:
            client = connect_imap(mb.inbox, self.config, name, tokens=tokens)
        except (*_IMAP_ERRORS, ConfigError, OAuthFailure) as exc:
            self._give_back(name, copies, f"cannot log in to IMAP: {type(exc).__name__}: {exc}")
            return
        try:
            self._append_all(client, name, mb, copies)
        finally:
            with contextlib.suppress(*_IMAP_ERRORS):
                client.logout()

    def _give_back(self, name: str, copies: list[q.Copy], error: str) -> None:
        self.report.errors[name] = error
        log.warning("sent copy %s: %s", name, error)
        for copy in copies:
            self.retry_or_fail(copy, error)

    def _append_all(
        self, client: IMAPClient, name: str, mb: MailboxConfig, copies: list[q.Copy]
    ) -> None:
        try:
            folder = _folder(client, name, mb)
        except _Skip as exc:
            with writing(self.engine) as conn:
                self.report.skipped += q.skip_queued(conn, name, str(exc), self.clock.now())
            log.info("sent copy %s: skipped, %s", name, exc)
            return
        except _NoFolder as exc:
            self._give_back(name, copies, str(exc))
            return
        except _IMAP_ERRORS as exc:
            self._give_back(name, copies, f"{type(exc).__name__}: {exc}")
            return
        for n, copy in enumerate(copies):
            if copy.raw is None:
                with writing(self.engine) as conn:
                    q.mark_final(
                        conn, copy, q.SKIPPED, "the message is no longer stored", self.clock.now()
                    )
                self.report.skipped += 1
                continue
            try:
                if copy.attempts > 1 and _already_there(client, folder, copy):
                    self.report.found += 1
                else:
                    client.append(folder, copy.raw, flags=(SEEN,), msg_time=copy.sent_at)
                    self.report.appended += 1
            except IMAPClient.AbortError as exc:  # the connection is gone: the rest waits too
                self._give_back(name, copies[n:], f"{type(exc).__name__}: {exc}")
                return
            except IMAPClient.Error as exc:  # the server said NO or BAD to this one
                error = f"APPEND to {folder!r} refused: {exc}"
                self.report.errors[name] = error
                self.retry_or_fail(copy, error)
                continue
            except OSError as exc:
                self._give_back(name, copies[n:], f"{type(exc).__name__}: {exc}")
                return
            with writing(self.engine) as conn:
                q.mark_appended(conn, copy, folder, self.clock.now())


def append_pass(
    engine: Engine, config: Config, clock: Clock, *, rng: random.Random | None = None
) -> SentCopyReport:
    """One pass over every mailbox with due copies: append them, or schedule their retry."""
    run = _Pass(engine, config, clock, rng or random.Random())
    for name, mb in sorted(config.mailboxes.items()):
        run.mailbox(name, mb)
    return run.report


def retry_failed(engine: Engine, clock: Clock, mailbox: str | None = None) -> int:
    """Queue failed copies again (`outreach outbox sent-copies --retry`)."""
    with writing(engine) as conn:
        return q.retry_failed(conn, clock.now(), mailbox)


def backlog(engine: Engine) -> list[q.Backlog]:
    with reading(engine) as conn:
        return q.backlog(conn)
