"""Deterministic crash points for crash tests (as in "How SQLite Is Tested",
https://www.sqlite.org/testing.html).

`OUTREACH_FAILPOINT=<name>` makes the process exit with status 137 (as if SIGKILLed) the first
time it reaches `hit(<name>)`. The variable is read once, when the process starts (a crash test
sets it for the process it starts); unset, `hit` is one comparison and does nothing.
"""

from __future__ import annotations

import os
import sys

ENV = "OUTREACH_FAILPOINT"


_ARMED = os.environ.get(ENV)


def hit(name: str) -> None:
    """Die here, without cleanup or flushing, when the environment names this point."""
    if _ARMED == name:
        sys.stderr.write(f"failpoint {name}: exiting 137\n")
        sys.stderr.flush()
        os._exit(137)
