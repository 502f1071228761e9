"""A real Dovecot IMAP server for what pymap does not speak: SPECIAL-USE (RFC 6154).

pymap lists its folders without special-use attributes, so the "find the folder marked \\Sent"
path is tested against Dovecot (Debian's dovecot-imapd): plaintext on 127.0.0.1, one user with a
Maildir, folders made at login, and optional extra capabilities (`imap_capability = +NAME`,
which only makes the server announce them). Tests using it are skipped when the `dovecot` binary
is not installed, or when not run as root (the configuration below drops to `nobody` for mail
and to Dovecot's own users for logins, as the Debian package sets them up).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.support.net import free_port

USER = "demouser"
PASSWORD = "demopass"
START_TIMEOUT = 10.0

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
{folders}}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
{capability}
"""


def _folder(name: str, special_use: str) -> str:
    use = f"    special_use = {special_use}\n" if special_use else ""
    return f'  mailbox "{name}" {{\n{use}    auto = create\n  }}\n'


class Dovecot:
    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.proc: subprocess.Popen[bytes] | None = None

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=5)
        client.login(USER, PASSWORD)
        return client

    def messages(self, folder: str) -> list[tuple[bytes, tuple[bytes, ...]]]:
        """Every message in `folder`: (its bytes, its flags)."""
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            data = c.fetch(c.search(["ALL"]), ["BODY.PEEK[]", "FLAGS"])
            return [(d[b"BODY[]"], tuple(d[b"FLAGS"])) for _, d in sorted(data.items())]


@contextmanager
def running_dovecot(
    folders: Sequence[tuple[str, str]], capabilities: Sequence[str] = ()
) -> Iterator[Dovecot]:
    """Dovecot with these (name, special-use attribute or "") folders besides INBOX."""
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if binary is None:
        pytest.skip("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    if os.geteuid() != 0:
        pytest.skip("the Dovecot test server is set up to start as root")
    # Not under pytest's tmp_path: Dovecot's login and mail processes run as other users and
    # must reach these directories.
    root = Path(tempfile.mkdtemp(prefix="outreach-dovecot-"))
    root.chmod(0o755)
    (root / "mail").mkdir(mode=0o777)
    (root / "mail").chmod(0o777)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n", encoding="utf-8")
    server = Dovecot(root, free_port())
    extra = f"imap_capability = +{' '.join(capabilities)}" if capabilities else ""
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            root=root,
            port=server.port,
            folders="".join(_folder(name, use) for name, use in folders),
            capability=extra,
        ),
        encoding="utf-8",
    )
    server.proc = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with server.client():
                    break
            except OSError:
                if time.monotonic() > deadline or server.proc.poll() is not None:
                    log = root / "dovecot.log"
                    raise RuntimeError(
                        "dovecot did not start: "
                        + (log.read_text(errors="replace") if log.exists() else "no log")
                    ) from None
                time.sleep(0.05)
        yield server
    finally:
        server.proc.terminate()
        server.proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)
