"""Deterministic crash points for crash tests (as in "How SQLite Is Tested",
https://www.sqlite.org/testing.html).

`OUTREACH_FAILPOINT=<name>` makes the process exit with status 137 (as if SIGKILLed) the first
time it reaches `hit(<name>)`. The variable is read once, when the process starts (a crash test
sets it for the process it starts); unset, `hit` is one comparison and does nothing.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum

ENV = "OUTREACH_FAILPOINT"


class Failpoint(StrEnum):
    """Every crash point; the value is what `OUTREACH_FAILPOINT` names."""

    # dispatch: a row claimed, nothing sent yet
    AFTER_CLAIM = "after_claim"
    # smtp: RCPT TO accepted, DATA not begun (nothing transmitted)
    AFTER_RCPT = "after_rcpt"
    # smtp: the message and its final dot sent, the server's reply not read
    BEFORE_DOT_REPLY = "before_dot_reply"
    # dispatch: the server said 250, the outcome not yet committed
    AFTER_250_BEFORE_COMMIT = "after_250_before_commit"
    # dispatch: outcomes recorded, the pass's settle step not run
    BEFORE_SETTLE = "before_settle"
    # inbox poll: a batch's effects applied, not yet committed
    INBOX_BATCH_APPLIED = "inbox.batch_applied"


_ARMED = os.environ.get(ENV)


def hit(point: Failpoint) -> None:
    """Die here, without cleanup or flushing, when the environment names this point."""
    if point == _ARMED:
        sys.stderr.write(f"failpoint {point.value}: exiting 137\n")
        sys.stderr.flush()
        os._exit(137)
