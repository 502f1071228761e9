"""Where inbound mail comes from: IMAP (incremental by UID), a local Maildir, or files.

Each source hands a batch of raw messages to a callback that classifies them and applies their
effects, committed before it returns; the IMAP cursor advances only after that, so a crash
re-reads at most one batch and the dedupe key makes the second reading change nothing.
"""

from __future__ import annotations

import mailbox
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient  # type: ignore[import-untyped]
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from outreach.clock import Clock
from outreach.config import Config, InboxSourceConfig, secret
from outreach.errors import ConfigError, InputError
from outreach.store.queries.inbox import get_cursor, set_cursor
from outreach.store.session import reading, writing

FETCH_BATCH = 50  # messages per UID FETCH
MAILDIR_BATCH = 100  # messages per handler call (one transaction of effects)


@dataclass(frozen=True)
class RawMail:
    """One message's exact bytes and where they were read (for messages and errors)."""

    raw: bytes
    source: str  # imap | maildir | file
    where: str


Handler = Callable[[list[RawMail]], None]


def _tls_context(src: InboxSourceConfig, config: Config) -> ssl.SSLContext:
    """Certificate and host name verified; an optional CA bundle for a private server."""
    cafile = str(config.path(src.ca_file)) if src.ca_file else None
    return ssl.create_default_context(cafile=cafile)


def connect_imap(src: InboxSourceConfig, config: Config, box: str) -> IMAPClient:
    """Connect and log in (implicit TLS, STARTTLS, or plaintext on loopback only)."""
    context = _tls_context(src, config) if src.security != "none" else None
    field = f"mailboxes.{box}.inbox.security"
    try:
        client = IMAPClient(
            src.host, port=src.port, ssl=src.security == "tls", ssl_context=context, timeout=src.timeout
        )
    except TimeoutError as exc:
        if src.security == "tls":
            raise
        # A port that wants TLS from the first byte waits for our handshake and says nothing.
        raise TimeoutError(
            f"no IMAP greeting from {src.host}:{src.port} within {src.timeout:g} s; if this port "
            f"expects TLS at once (usually 993), set {field} = \"tls\""
        ) from exc
    except ssl.SSLError as exc:
        if exc.reason != "WRONG_VERSION_NUMBER":
            raise
        raise ssl.SSLError(
            f"{src.host}:{src.port} did not answer the TLS handshake ({exc.reason}); if this port "
            f"speaks plain IMAP first (usually 143), set {field} = \"starttls\""
        ) from exc
    try:
        if src.security == "starttls":
            client.starttls(context)
        if src.username:
            password = secret(src.password_env)
            if password is None:
                raise ConfigError(
                    f"environment variable {src.password_env or '(unset)'} is not set",
                    file=config.source,
                    field=f"mailboxes.{box}.inbox.password_env",
                    hint="export the IMAP password in that variable",
                )
            client.login(src.username, password)
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: IMAPClient) -> None:
    """Drop the connection without masking the error that led here (a failed TLS handshake
    leaves a closed socket behind)."""
    try:
        client.shutdown()
    except OSError:
        pass


def read_imap(engine: Engine, config: Config, clock: Clock, box: str, handle: Handler) -> int:
    """Read messages above the stored UID; returns how many were fetched.

    The folder is opened read-only and fetched with BODY.PEEK[] unless `mark_seen` is set. A
    UIDVALIDITY different from the stored one means the UIDs were renumbered: read from the
    start again (dedupe keeps the effects single).
    """
    src = config.mailboxes[box].inbox
    client = connect_imap(src, config, box)
    try:
        info = client.select_folder(src.folder, readonly=not src.mark_seen)
        uidvalidity = int(info[b"UIDVALIDITY"])
        with reading(engine) as conn:
            cursor = get_cursor(conn, box, src.folder)
        last = cursor.last_uid if cursor and cursor.uidvalidity == uidvalidity else 0
        # RFC 3501 6.4.8: `UID n:*` always includes the highest UID, even below n.
        uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
        item = b"BODY[]"
        fetch_item = "BODY[]" if src.mark_seen else "BODY.PEEK[]"
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            fetched = client.fetch(batch, [fetch_item])
            mails = []
            for uid in batch:
                data = fetched.get(uid)
                if data is not None and item in data:
                    mails.append(RawMail(bytes(data[item]), "imap", f"{src.folder} UID {uid}"))
            handle(mails)
            _advance(engine, box, src.folder, uidvalidity, batch[-1], clock)
        if not uids:
            _advance(engine, box, src.folder, uidvalidity, last, clock)
        return len(uids)
    finally:
        try:
            client.logout()
        except (OSError, IMAPClient.Error):
            _close(client)


def _advance(
    engine: Engine, box: str, folder: str, uidvalidity: int, uid: int, clock: Clock
) -> None:
    """Store the cursor after a message's effect committed. Two pollers creating the first
    cursor row at once: the loser's write is dropped (the next poll re-reads, dedupe holds)."""
    try:
        with writing(engine) as conn:
            set_cursor(conn, box, folder, uidvalidity=uidvalidity, last_uid=uid, at=clock.now())
    except IntegrityError:
        pass


def maildir_messages(path: Path) -> Iterator[RawMail]:
    """Every message in new/ and cur/, oldest file name first; files are not moved."""
    for sub in ("tmp", "new", "cur"):  # an MDA creates these on first delivery; `init` does not
        (path / sub).mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(path), factory=None, create=False)
    for key in sorted(box.iterkeys()):
        try:
            raw = box.get_bytes(key)
        except (KeyError, FileNotFoundError):  # delivered and removed by another reader meanwhile
            continue
        yield RawMail(raw, "maildir", f"{path}/{key}")


def read_maildir(config: Config, box: str, handle: Handler) -> int:
    count = 0
    batch: list[RawMail] = []
    for mail in maildir_messages(config.path(config.mailboxes[box].inbox.path)):
        batch.append(mail)
        count += 1
        if len(batch) == MAILDIR_BATCH:
            handle(batch)
            batch = []
    if batch:
        handle(batch)
    return count


def file_messages(path: Path) -> Iterator[RawMail]:
    """A .eml file is one message; a file starting with an mbox `From ` line is an mbox."""
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    with path.open("rb") as fh:
        head = fh.read(5)
    if head != b"From ":
        yield RawMail(path.read_bytes(), "file", str(path))
        return
    box = mailbox.mbox(str(path), factory=None, create=False)
    try:
        for n, key in enumerate(box.iterkeys(), start=1):
            yield RawMail(box.get_bytes(key), "file", f"{path} #{n}")
    finally:
        box.close()
