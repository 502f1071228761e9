"""A real IMAP server for inbox tests: pymap's in-memory `dict` backend in a subprocess on
127.0.0.1, plaintext (loopback only), user `demouser` / `demopass`.

Restarting it gives the folder a new UIDVALIDITY and new UIDs, as a rebuilt server would.
pymap speaks STARTTLS only; `implicit_tls` puts TLS-from-the-first-byte (port 993, as most
providers run IMAP) in front of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from tests.support.net import free_port

USER = "demouser"
PASSWORD = "demopass"
PASSWORD_ENV = "OUTREACH_TEST_IMAP_PASSWORD"
START_TIMEOUT = 10.0


def imap_settings(port: int, security: str = "none") -> dict[str, Any]:
    """The `[mailboxes.main.inbox]` table for the test server."""
    return {
        "source": "imap",
        "host": "127.0.0.1",
        "port": port,
        "security": security,
        "username": USER,
        "password_env": PASSWORD_ENV,
        "timeout": 5,
    }


class ImapServer:
    """One pymap process; `restart()` replaces it (new UIDVALIDITY) on the same port."""

    def __init__(self, log: Path, cert: Path | None = None) -> None:
        self.port = free_port()
        self.log = log
        self.cert = cert  # key and chain in one PEM: the server then offers STARTTLS
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        pymap = str(Path(sys.executable).with_name("pymap"))
        tls = ["--cert", str(self.cert), "--key", str(self.cert)] if self.cert else ["--no-tls"]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [pymap, "--host", "127.0.0.1", "--port", str(self.port), *tls, "dict"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with self.client():
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"pymap did not start; see {self.log}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=5)
        client.login(USER, PASSWORD)
        return client

    def append(self, messages: Iterable[bytes], folder: str = "INBOX") -> None:
        with self.client() as c:
            for raw in messages:
                c.append(folder, raw)

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            return {uid: tuple(f) for uid, f in c.get_flags(c.search(["ALL"])).items()}

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as c:
            return int(c.select_folder(folder, readonly=True)[b"UIDVALIDITY"])


@contextmanager
def running_imap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cert: Path | None = None
) -> Iterator[ImapServer]:
    """A started server, its password in PASSWORD_ENV; stopped on exit."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    server = ImapServer(tmp_path / "pymap.log", cert)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def implicit_tls(backend_port: int, pem: Path) -> Iterator[int]:
    """A port that takes TLS at once and relays the decrypted bytes to the plain IMAP server on
    `backend_port` (one event loop in a thread: an SSL connection is never used from two)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(pem))
    loop = asyncio.new_event_loop()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def relay(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", backend_port)
        await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))

    server = loop.run_until_complete(asyncio.start_server(relay, "127.0.0.1", 0, ssl=context))
    thread = threading.Thread(target=loop.run_forever, name="imaps-front", daemon=True)
    thread.start()
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        server.close()
        for task in asyncio.all_tasks(loop):
            task.cancel()
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.sleep(0))
        loop.close()
