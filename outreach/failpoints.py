"""Deterministic crash points for crash tests (RELIABILITY.md 7, "How SQLite Is Tested").

`OUTREACH_FAILPOINT=<name>` makes the process exit with status 137 (as if SIGKILLed) the first
time it reaches `hit(<name>)`. Unset, `hit` is one dictionary lookup and does nothing.
"""

from __future__ import annotations

import os
import sys

ENV = "OUTREACH_FAILPOINT"


def hit(name: str) -> None:
    """Die here, without cleanup or flushing, when the environment names this point."""
    if os.environ.get(ENV) == name:
        sys.stderr.write(f"failpoint {name}: exiting 137\n")
        sys.stderr.flush()
        os._exit(137)
