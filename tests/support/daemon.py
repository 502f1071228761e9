"""Running `python -m outreach` as a real subprocess: its config file, the process, waiting."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from outreach import failpoints
from outreach.failpoints import Failpoint
from tests.support.smtp import config_data
from tests.support.workspace import config_file

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, port: int, db_url: str, lease: float = 1, **kw: Any) -> Path:
    """Short leases so crash tests recover in seconds (a lease must outlast a claimed batch)."""
    data = config_data(port, db_url=db_url, **kw)
    data["sending"].update({"tick_seconds": 0.2, "lease_seconds": lease, "timezone": "UTC"})
    data["mailboxes"]["main"]["smtp"]["data_timeout"] = 1
    data["mailboxes"]["main"]["inbox"] = {"source": "none"}
    return config_file(tmp_path, data)


class Daemon:
    """`python -m outreach ...` with its log in a file (a full pipe would block the daemon)."""

    def __init__(self, config: Path, *args: str, failpoint: Failpoint | None = None) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OUTREACH_CONFIG": str(config)}
        env.pop(failpoints.ENV, None)
        if failpoint:
            env[failpoints.ENV] = failpoint
        # Kept open while the process runs and closed in wait(), so not a `with` block.
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="outreach-", suffix=".log", dir=config.parent, delete=False
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "outreach", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> tuple[int, str]:
        code = self.proc.wait(timeout=timeout)
        self.log.close()
        return code, Path(self.log.name).read_text(encoding="utf-8", errors="replace")


def outreach(config: Path, *args: str, failpoint: Failpoint | None = None) -> Daemon:
    return Daemon(config, *args, failpoint=failpoint)


def wait_until(cond: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()
