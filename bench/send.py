"""Sending throughput: our dispatch path vs Postfix smtp-source vs mailmerge, into smtp-sink.

    python bench/send.py [--n 5000]

Ours: N queued outbox rows (SQLite in a temp dir) through `dispatch_due` (claim with rate-limit
reservation, stop re-check, `sending` committed before DATA, SMTP over CONNECTIONS pooled
connections, results committed with the stage move and attempt log, several lanes per
transaction) into Postfix `smtp-sink` on 127.0.0.1. Same count and message size:
`smtp-source -s 1` (one session; the ratio's reference, as the issue asks), `smtp-source -s
CONNECTIONS` (printed for honesty: the same parallelism as ours), and `mailmerge` (PyPI;
sequential smtplib). Last line: `ratio vs smtp-source: X  ratio vs mail-merge: Y` (our msgs/s
over theirs).
See bench/README.md for installing the Postfix tools.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from outreach.clock import SystemClock  # noqa: E402
from outreach.config import parse_config  # noqa: E402
from outreach.services.dispatch import dispatch_due  # noqa: E402
from outreach.store.session import make_engine, migrate  # noqa: E402
from outreach.transport.smtp import SmtpTransport  # noqa: E402
from tests.fixtures_smtp import config_data, outbox_states, raw_message, seed_outbox  # noqa: E402

CONNECTIONS = 4  # SMTP connections of the mailbox: DB work overlaps the server round trips
POSTFIX_DIRS = ("/usr/sbin", "/usr/lib/postfix/sbin", "/usr/libexec/postfix")


def tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(Path(d) / name) for d in POSTFIX_DIRS if (Path(d) / name).exists()), None
    )
    if found is None:
        sys.exit(f"{name} not found: install Postfix (see bench/README.md: "
                 "DEBIAN_FRONTEND=noninteractive apt-get install -y postfix)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sink(port: int) -> subprocess.Popen[bytes]:
    cmd = [tool("smtp-sink")]
    if os.geteuid() == 0:
        cmd += ["-u", "nobody"]  # smtp-sink refuses to run as root without a user to switch to
    proc = subprocess.Popen([*cmd, f"127.0.0.1:{port}", "256"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("smtp-sink did not start")


def ours(n: int, port: int, work: Path) -> float:
    db = work / "bench.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    now = datetime.now(UTC)
    seed_outbox(engine, n, at=now)
    data = config_data(port, db_url=f"sqlite:///{db}", smtp={"connections": CONNECTIONS},
                       sending={"batch_size": 500, "timezone": "UTC"})
    config = parse_config(data, source="bench", base_dir=work)

    async def go() -> None:
        transport = SmtpTransport(config.mailboxes)
        try:
            await dispatch_due(engine, config, SystemClock(), transport, worker="bench")
        finally:
            await transport.close()

    t = time.perf_counter()
    asyncio.run(go())
    elapsed = time.perf_counter() - t
    states = outbox_states(engine)
    if states != {"sent": n}:
        sys.exit(f"our run did not send everything: {dict(states)}")
    return n / elapsed


def smtp_source(n: int, port: int, size: int, sessions: int = 1) -> float:
    cmd = [tool("smtp-source"), "-s", str(sessions), "-m", str(n), "-l", str(size), "-f", "pr@sakura.test",
           "-t", "p0@d0.test", f"127.0.0.1:{port}"]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return n / (time.perf_counter() - t)


def mailmerge(n: int, port: int, work: Path) -> float:
    exe = shutil.which("mailmerge") or str(Path(sys.executable).with_name("mailmerge"))
    if not Path(exe).exists():
        sys.exit("mailmerge not found: /work/venv/bin/pip install mailmerge")
    (work / "server.conf").write_text(f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\nsecurity = Never\n")
    (work / "template.txt").write_text(
        "TO: {{email}}\nSUBJECT: Pitch {{i}}\nFROM: PR <pr@sakura.test>\n\n"
        "Hello {{i}},\n.\nA line with a leading dot above.\n"
    )
    with (work / "db.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "i"])
        w.writerows([f"p{i}@d0.test", i] for i in range(n))
    cmd = [exe, "--no-dry-run", "--no-limit", "--output-format", "raw", "--template", str(work / "template.txt"),
           "--database", str(work / "db.csv"), "--config", str(work / "server.conf")]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=work)
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="messages per contender (default 5000)")
    n = ap.parse_args().n
    tool("smtp-sink"), tool("smtp-source")
    size = len(raw_message(0, "<m0@sakura.test>", "p0@d0.test"))
    port = free_port()
    sink = start_sink(port)
    try:
        with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
            work = Path(tmp)
            rate_ours = ours(n, port, work)
            rate_source = smtp_source(n, port, size)
            rate_source_same = smtp_source(n, port, size, sessions=CONNECTIONS)
            rate_mm = mailmerge(n, port, work)
    finally:
        sink.kill()
        sink.wait()
    print(f"messages: {n} of {size} bytes into smtp-sink on 127.0.0.1")
    rows = [
        (f"outreach dispatch, {CONNECTIONS} connections (claim, stop check, sending, SMTP, record)", rate_ours),
        ("smtp-source, one session", rate_source),
        (f"smtp-source, {CONNECTIONS} sessions (as many as ours; not in the ratio)", rate_source_same),
        ("mailmerge (sequential smtplib)", rate_mm),
    ]
    width = max(len(label) for label, _ in rows) + 1
    for label, rate in rows:
        print(f"{label + ':':<{width}} {rate:8.0f} msgs/s")
    print(f"ratio vs smtp-source: {rate_ours / rate_source:.2f}  ratio vs mail-merge: {rate_ours / rate_mm:.2f}")


if __name__ == "__main__":
    main()
