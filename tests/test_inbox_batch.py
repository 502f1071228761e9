"""A poll records and applies its messages in batches, one transaction each: a process killed
before a batch commits leaves nothing of that batch behind, and the next poll applies every
message exactly once."""

from __future__ import annotations

import mailbox
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from outreach import failpoints
from outreach.clock import FixedClock
from outreach.failpoints import Failpoint
from outreach.services.inbox.poll import import_files, poll
from outreach.store.schema import enrollment, inbound, stage_history
from outreach.store.session import reading
from tests.support.db import sqlite_engine
from tests.support.inbox import T0, enrol, make_config, write_workspace

ROOT = Path(__file__).resolve().parent.parent
COUNT = 130  # replies in the Maildir (one batch)


def reply(n: int) -> bytes:
    return (
        f"From: person{n}@example.jp\nTo: hello@brand.example\nSubject: Re: ご提案\n"
        f"Message-ID: <reply{n}@example.jp>\nIn-Reply-To: <pitch{n}@brand.example>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
        "ご連絡ありがとうございます。ぜひ詳しくお話を伺いたいです。\n"
    ).encode()


def counts(engine: Engine) -> tuple[int, int, dict[str, int]]:
    with reading(engine) as conn:
        rows = conn.execute(select(func.count()).select_from(inbound)).scalar_one()
        history = conn.execute(select(func.count()).select_from(stage_history)).scalar_one()
        stages = dict(
            conn.execute(
                select(enrollment.c.stage, func.count()).group_by(enrollment.c.stage)
            ).all()
        )
    return rows, history, stages


def test_a_kill_before_a_batch_commits_loses_nothing_and_applies_nothing_twice(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "outreach.db"
    engine = sqlite_engine(db_path)
    for n in range(COUNT):
        enrol(engine, f"person{n}@example.jp", message_id=f"<pitch{n}@brand.example>")
    box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    for n in range(COUNT):
        box.add(reply(n))
    write_workspace(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), failpoints.ENV: Failpoint.INBOX_BATCH_APPLIED}
    killed = subprocess.run(
        [
            sys.executable,
            "-m",
            "outreach",
            "--config",
            str(tmp_path / "config.toml"),
            "inbox",
            "poll",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == 137, killed.stderr
    assert f"failpoint {Failpoint.INBOX_BATCH_APPLIED}" in killed.stderr
    assert counts(engine) == (0, 0, {"contacted": COUNT})  # the first batch was never committed

    config = make_config(tmp_path, {"source": "maildir", "path": "inbox"})
    first = poll(engine, config, FixedClock(T0))
    assert (first.read, dict(first.kinds), first.duplicates) == (COUNT, {"reply": COUNT}, 0)
    assert counts(engine) == (COUNT, COUNT, {"negotiating": COUNT})
    again = poll(engine, config, FixedClock(T0))
    assert (again.read, again.new, again.duplicates) == (COUNT, 0, COUNT)
    assert counts(engine) == (COUNT, COUNT, {"negotiating": COUNT})


def test_a_message_another_poller_recorded_meanwhile_is_a_duplicate_and_the_rest_apply(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's insert meets the unique dedupe key: the batch rolls back and is redone one
    message at a time, so the recorded one changes nothing and the others apply once."""
    for n in range(3):
        enrol(db, f"person{n}@example.jp", message_id=f"<pitch{n}@brand.example>")
    files = []
    for n in range(3):
        path = tmp_path / f"reply{n}.eml"
        path.write_bytes(reply(n))
        files.append(path)
    config = make_config(tmp_path, {"source": "none"})
    import_files(db, config, FixedClock(T0), files[:1])
    assert counts(db) == (1, 1, {"negotiating": 1, "contacted": 2})
    # As if another poller stored reply 0 after this one looked: neither check sees it.
    monkeypatch.setattr("outreach.services.inbox.poll.known_keys", lambda conn, keys: set())
    report = import_files(db, config, FixedClock(T0), files)
    assert (report.read, report.duplicates, dict(report.kinds)) == (3, 1, {"reply": 2})
    assert counts(db) == (3, 3, {"negotiating": 3})
