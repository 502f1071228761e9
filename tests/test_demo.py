"""`outreach demo` end to end: the README's main command, on the production code paths."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_demo_sends_the_sequence_and_replies_stop_it(tmp_path: Path) -> None:
    workspace = tmp_path / "demo"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "outreach", "demo", "--dir", str(workspace), "--timeout", "90"],
        capture_output=True,
        text=True,
        env=env,
        timeout=150,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    parser = BytesParser(policy=policy.default)
    sent = [parser.parsebytes(p.read_bytes()) for p in (workspace / "sent-mail" / "new").iterdir()]
    by_rcpt: dict[str, list[str]] = {}
    for msg in sent:
        by_rcpt.setdefault(msg["To"].addresses[0].addr_spec, []).append(str(msg["Subject"]))
    # 9 enrolled (one refuses advertising mail and is skipped), each gets its pitch exactly once
    assert re.search(
        r"skipped @yui_study: \S*roster/influencers\.csv:\d+: refuses_ads: refuses advertising mail",
        out,
    )
    assert len(by_rcpt) == 9
    assert all(sum(not s.startswith("Re:") for s in subjects) == 1 for subjects in by_rcpt.values())
    # the four who answered (reply, out-of-office, opt-out, bounce) get no follow-up;
    # the five others get both follow-ups in the thread
    answered = [line.split()[0] for line in out.splitlines() if " answers: " in line]
    assert len(answered) == 4
    for address, subjects in by_rcpt.items():
        assert len(subjects) == (1 if address in answered else 3), (address, subjects)
    assert len(sent) == 4 + 5 * 3
    follow_up = next(m for m in sent if str(m["Subject"]).startswith("Re:"))
    assert follow_up["In-Reply-To"] and follow_up["References"]
    # the board: one negotiating (the human reply), one bounced, one unsubscribed
    board = out[out.index("pipeline:") :]
    assert "negotiating 1" in board and "bounced 1" in board and "unsubscribed 1" in board
    assert "contacted 6" in board
