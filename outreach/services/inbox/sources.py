"""Where inbound mail comes from: IMAP (incremental by UID), a local Maildir, or files.

Each source hands a batch of raw messages to a callback that classifies them and applies their
effects, committed before it returns; the IMAP cursor advances only after that, so a crash
re-reads at most one batch and the dedupe key makes the second reading change nothing.
"""

from __future__ import annotations

import contextlib
import mailbox
import ssl
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from imapclient import IMAPClient  # type: ignore[import-untyped]
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from outreach.clock import Clock
from outreach.config import Config, InboxSourceConfig, secret
from outreach.errors import ConfigError, InputError
from outreach.inbound.decode import cap_message, header_end
from outreach.services.mailbox.oauth import MailboxTokens
from outreach.store.queries.inbox import get_cursor, set_cursor
from outreach.store.session import reading, writing
from outreach.transport.oauth import AccessTokens, OAuthFailure

FETCH_BATCH = 50  # messages per UID FETCH
FETCH_BATCH_BYTES = 8 << 20  # and at most this many bytes (RFC822.SIZE) per UID FETCH
SIZE_BATCH = 1000  # UIDs per RFC822.SIZE query
DEFAULT_MAX_STORED = 1 << 20  # [inbox] max_stored_bytes
MAILDIR_BATCH = (
    250  # messages per handler call: one transaction of effects, about 0.3 s of write lock
)


@dataclass(frozen=True)
class RawMail:
    """One message's exact bytes and where they were read (for messages and errors)."""

    raw: bytes  # the header block and the first [inbox] max_stored_bytes after it
    source: str  # imap | maildir | file
    where: str
    size: int | None = None  # the whole message's size when `raw` was cut from it

    @property
    def original_size(self) -> int:
        return len(self.raw) if self.size is None else self.size


class _File(Protocol):
    """A binary file, a Maildir or mbox message's file included (mailbox._ProxyFile)."""

    def read(self, size: int, /) -> bytes: ...
    def seek(self, offset: int, whence: int, /) -> object: ...
    def tell(self) -> int: ...


def read_capped(fh: _File, limit: int) -> bytes:
    """What cap_message keeps of the message in `fh`, without reading the rest of it."""
    head = fh.read(limit)
    if len(head) < limit:
        return head
    return head + fh.read(header_end(head))


def _size(fh: _File, kept: int) -> int:
    """The whole message's size: its file's end (the file is positioned after what was read)."""
    fh.seek(0, 2)
    return max(kept, fh.tell())


Handler = Callable[[list[RawMail]], None]


def _tls_context(src: InboxSourceConfig, config: Config) -> ssl.SSLContext:
    """Certificate and host name verified; an optional CA bundle for a private server."""
    cafile = str(config.path(src.ca_file)) if src.ca_file else None
    return ssl.create_default_context(cafile=cafile)


def connect_imap(
    src: InboxSourceConfig, config: Config, box: str, *, tokens: AccessTokens | None = None
) -> IMAPClient:
    """Connect and log in (implicit TLS, STARTTLS, or plaintext on loopback only). A mailbox
    with auth = "oauth2" needs `tokens` (services.mailbox.oauth.MailboxTokens)."""
    if config.mailboxes[box].auth == "oauth2" and tokens is None:
        raise ConfigError(
            f"mailbox {box} uses OAuth2: its IMAP login needs the stored token",
            file=config.source,
            field=f"mailboxes.{box}.auth",
        )
    context = _tls_context(src, config) if src.security != "none" else None
    field = f"mailboxes.{box}.inbox.security"
    try:
        client = IMAPClient(
            src.host,
            port=src.port,
            ssl=src.security == "tls",
            ssl_context=context,
            timeout=src.timeout,
        )
    except TimeoutError as exc:
        if src.security == "tls":
            raise
        # A port that wants TLS from the first byte waits for our handshake and says nothing.
        raise TimeoutError(
            f"no IMAP greeting from {src.host}:{src.port} within {src.timeout:g} s; if this port "
            f'expects TLS at once (usually 993), set {field} = "tls"'
        ) from exc
    except ssl.SSLError as exc:
        if exc.reason != "WRONG_VERSION_NUMBER":
            raise
        raise ssl.SSLError(
            f"{src.host}:{src.port} did not answer the TLS handshake ({exc.reason}); if this port "
            f'speaks plain IMAP first (usually 143), set {field} = "starttls"'
        ) from exc
    try:
        if src.security == "starttls":
            client.starttls(context)
        if tokens is not None:
            _oauth_login(client, src.username or tokens.user, tokens)
        elif src.username:
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


def _oauth_login(client: IMAPClient, user: str, tokens: AccessTokens) -> None:
    """AUTHENTICATE OAUTHBEARER (RFC 7628) when offered, else XOAUTH2; after a NO, once more
    with a refreshed token (it may have expired or been replaced)."""
    offered = client.capabilities()
    for renew in (False, True):
        token = tokens.access_token(renew)
        try:
            if b"AUTH=OAUTHBEARER" in offered:
                client.oauthbearer_login(user, token)
            else:
                client.oauth2_login(user, token)
            return
        except IMAPClient.Error as exc:
            if renew:
                # imapclient's message is the server's reply, never the token we sent
                raise OAuthFailure(f"the IMAP server refused the OAuth2 token: {exc}") from None


def _close(client: IMAPClient) -> None:
    """Drop the connection without masking the error that led here (a failed TLS handshake
    leaves a closed socket behind)."""
    with contextlib.suppress(OSError):
        client.shutdown()


def read_imap(engine: Engine, config: Config, clock: Clock, box: str, handle: Handler) -> int:
    """Read messages above the stored UID; returns how many were fetched.

    The folder is opened read-only and fetched with BODY.PEEK[] unless `mark_seen` is set. A
    UIDVALIDITY different from the stored one means the UIDs were renumbered: read from the
    start again (dedupe keeps the effects single).
    """
    src = config.mailboxes[box].inbox
    tokens = (
        MailboxTokens(engine, config, box, clock)
        if config.mailboxes[box].auth == "oauth2"
        else None
    )
    client = connect_imap(src, config, box, tokens=tokens)
    try:
        info = client.select_folder(src.folder, readonly=not src.mark_seen)
        uidvalidity = int(info[b"UIDVALIDITY"])
        with reading(engine) as conn:
            cursor = get_cursor(conn, box, src.folder)
        last = cursor.last_uid if cursor and cursor.uidvalidity == uidvalidity else 0
        # RFC 3501 6.4.8: `UID n:*` always includes the highest UID, even below n.
        uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
        cap = config.inbox.max_stored_bytes
        for batch, partial, sizes in _imap_batches(client, uids, cap):
            fetched = _fetch_bodies(
                client, batch, 2 * cap if partial else 0, peek=not src.mark_seen
            )
            mails = []
            for uid in batch:
                raw = fetched.get(uid)
                if raw is not None:
                    size = sizes.get(uid, len(raw)) if partial else len(raw)
                    mails.append(
                        RawMail(cap_message(raw, cap), "imap", f"{src.folder} UID {uid}", size)
                    )
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


def fetch_batches(
    uids: Sequence[int],
    sizes: Mapping[int, int],
    *,
    window: int,
    max_count: int = FETCH_BATCH,
    max_bytes: int = FETCH_BATCH_BYTES,
) -> Iterator[tuple[list[int], bool]]:
    """UIDs in order, grouped into fetches of at most `max_count` messages and `max_bytes`
    bytes (by RFC822.SIZE), as (uids, partial). A message larger than `window`, or of unknown
    size, is fetched on its own and only its first `window` bytes (partial)."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid)
        if size is None or size > window:
            if batch:
                yield batch, False
                batch, total = [], 0
            yield [uid], True
            continue
        if batch and (len(batch) >= max_count or total + size > max_bytes):
            yield batch, False
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch, False


def _imap_batches(
    client: IMAPClient, uids: Sequence[int], cap: int
) -> Iterator[tuple[list[int], bool, dict[int, int]]]:
    """Sizes first (RFC 3501 6.4.5 RFC822.SIZE, SIZE_BATCH at a time), then fetch_batches.
    Fetching 2 x cap bytes holds all that cap_message keeps (a header block of up to cap)."""
    for start in range(0, len(uids), SIZE_BATCH):
        chunk = list(uids[start : start + SIZE_BATCH])
        sizes = {
            int(uid): int(data[b"RFC822.SIZE"])
            for uid, data in client.fetch(chunk, ["RFC822.SIZE"]).items()
            if b"RFC822.SIZE" in data
        }
        batches = fetch_batches(
            chunk, sizes, window=2 * cap, max_count=FETCH_BATCH, max_bytes=FETCH_BATCH_BYTES
        )
        for batch, partial in batches:
            yield batch, partial, sizes


def _fetch_bodies(
    client: IMAPClient, uids: list[int], partial: int, *, peek: bool
) -> dict[int, bytes]:
    """Each message's bytes; with `partial`, only its first that many (RFC 3501 6.4.5
    BODY[]<0.n>: the server sends no more, so a huge message never crosses the wire whole)."""
    section = ("BODY.PEEK[]" if peek else "BODY[]") + (f"<0.{partial}>" if partial else "")
    out: dict[int, bytes] = {}
    for uid, data in client.fetch(uids, [section]).items():
        for key, value in data.items():  # the reply names BODY[] or BODY[]<0>
            if isinstance(key, bytes) and key.startswith(b"BODY[]") and isinstance(value, bytes):
                out[int(uid)] = value
    return out


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


def maildir_messages(path: Path, cap: int = DEFAULT_MAX_STORED) -> Iterator[RawMail]:
    """Every message in new/ and cur/, oldest file name first; files are not moved. Of each,
    only what cap_message keeps is read."""
    for sub in ("tmp", "new", "cur"):  # an MDA creates these on first delivery; `init` does not
        (path / sub).mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(path), factory=None, create=False)
    for key in sorted(box.iterkeys()):
        try:
            with box.get_file(key) as fh:
                raw = read_capped(fh, cap)
                size = _size(fh, len(raw))
        except (KeyError, FileNotFoundError):  # delivered and removed by another reader meanwhile
            continue
        yield RawMail(raw, "maildir", f"{path}/{key}", size)


def read_maildir(config: Config, box: str, handle: Handler) -> int:
    count = 0
    batch: list[RawMail] = []
    held = 0
    path = config.path(config.mailboxes[box].inbox.path)
    for mail in maildir_messages(path, config.inbox.max_stored_bytes):
        batch.append(mail)
        count += 1
        held += len(mail.raw)
        if len(batch) == MAILDIR_BATCH or held >= FETCH_BATCH_BYTES:
            handle(batch)
            batch, held = [], 0
    if batch:
        handle(batch)
    return count


def file_messages(path: Path, cap: int = DEFAULT_MAX_STORED) -> Iterator[RawMail]:
    """A .eml file is one message; a file starting with an mbox `From ` line is an mbox. Of
    each message, only what cap_message keeps is read."""
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    with path.open("rb") as fh:
        if fh.read(5) != b"From ":
            fh.seek(0)
            raw = read_capped(fh, cap)
            yield RawMail(raw, "file", str(path), _size(fh, len(raw)))
            return
    box = mailbox.mbox(str(path), factory=None, create=False)
    try:
        for n, key in enumerate(box.iterkeys(), start=1):
            with box.get_file(key) as part:
                raw = read_capped(part, cap)
                size = _size(part, len(raw))
            yield RawMail(raw, "file", f"{path} #{n}", size)
    finally:
        box.close()
