"""A dispatch pass's start (reap, then claim one batch) with 1,000 and with 100,000 rows
queued in the outbox, on SQLite: that work holds the database's write lock, so it should cost in
proportion to the batch, not to the queue.

    python bench/claim.py              # 1,000 vs 100,000 queued (about 10 s of setup, 250 MB)
    python bench/claim.py --scale 10   # 1,000 vs 1,000,000 (about 2 minutes of setup, 5 GB)

A big campaign queues far more rows than one pass sends (the daily cap and the batch size hold
them back), so the queue is long for days. The workspace is `outreach init`'s in a temporary
folder, deleted at the end; rows are bulk-inserted with sqlite3 executemany for setup speed,
all queued and due now. Each run resets the claimed rows to queued, then times `reap` and
`claim` of `sending.batch_size` (100, the default) rows in one write transaction, as
`dispatch_once` runs them. Runs alternate between the two sizes five times; the best of each
is kept.
Last line: `ratio (large / small): X` (target <= 1.5).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seed import insert_roster, ts  # bench/seed.py

from outreach.config import Config, load_config
from outreach.domain.sending_day import sending_day
from outreach.services.send.dispatch import mailbox_limits
from outreach.services.workspace.create import create_workspace
from outreach.store.queries import mailbox as mailbox_q
from outreach.store.queries import outbox as q
from outreach.store.session import make_engine, write_on

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Tokyo: inside the window
SMALL = 1_000
RUNS = 5
RAW = b"x" * 2_500  # about a pitch's size; the claim reads each claimed row's bytes


def populate(db: Path, queued: int) -> None:
    """`queued` influencers, each enrolled once, step 1 queued in the outbox and due now."""
    created = ts(NOW - timedelta(days=1))
    due = ts(NOW - timedelta(minutes=5))
    expires = ts(NOW + timedelta(hours=47))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        insert_roster(conn, queued, created)
        conn.executemany(
            "INSERT INTO enrollment (id, campaign_id, influencer_id, sequence, mailbox,"
            " next_step, next_due_at, status, stage, stage_changed_at, created_at)"
            " VALUES (?, 1, ?, 'standard', 'main', 1, NULL, 'active', 'prospect', ?, ?)",
            ((i, i, created, created) for i in range(1, queued + 1)),
        )
        conn.executemany(
            "INSERT INTO outbox (id, enrollment_id, step, mailbox, mail_from, rcpt_to, email_norm,"
            " message_id, subject, state, attempt, due_at, expires_at, last_error, created_at,"
            " updated_at) VALUES (?, ?, 1, 'main', 'pr@sakura-beauty.example.jp', ?, ?, ?,"
            " 'ご投稿を拝見しました', 'queued', 0, ?, ?, '', ?, ?)",
            (
                (
                    i,
                    i,
                    json.dumps([f"u{i}@example.jp"]),
                    f"u{i}@example.jp",
                    f"<{i}.bench@sakura-beauty.example.jp>",
                    due,
                    expires,
                    created,
                    created,
                )
                for i in range(1, queued + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO outbox_message (outbox_id, raw) VALUES (?, ?)",
            ((i, RAW) for i in range(1, queued + 1)),
        )
    conn.close()


def reset(db: Path) -> None:
    """Undo a claim: its rows queued again, the mailbox's count for today back to zero."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "UPDATE outbox SET state = 'queued', worker = NULL, lease_until = NULL,"
            " attempt = 0 WHERE state = 'claimed'"
        )
        conn.execute("UPDATE mailbox SET sent_today = 0")
    conn.close()


class Queue:
    """One workspace and database with `queued` rows in the outbox, ready for timed claims."""

    def __init__(self, root: Path, queued: int) -> None:
        self.queued = queued
        folder = root / f"ws{queued}"
        create_workspace(folder)
        self.config: Config = load_config(folder / "config.toml")
        self.db = folder / "outreach.db"
        started = time.perf_counter()
        populate(self.db, queued)
        print(
            f"  set up {queued:,} queued in {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
        self.engine = make_engine(self.config.database_url)
        limits = mailbox_limits(self.config, NOW)
        # The rate limits out of the way: every run claims a whole batch.
        self.limits = {
            name: mailbox_q.MailboxLimits(10**9, 0, 0, lim.today) for name, lim in limits.items()
        }
        with self.engine.connect() as conn, write_on(conn):
            mailbox_q.ensure_mailboxes(conn, self.config.mailboxes)
        self.passes: list[float] = []

    def run(self) -> None:
        reset(self.db)
        batch = self.config.sending.batch_size
        with self.engine.connect() as conn:
            t0 = time.perf_counter()
            with write_on(conn):
                q.reap(conn, NOW, sending_day(self.config, NOW))
                rows = q.claim(
                    conn,
                    worker="bench",
                    now=NOW,
                    lease_seconds=300,
                    limits=self.limits,
                    limit=batch,
                    rng=random.Random(1),
                )
            self.passes.append(time.perf_counter() - t0)
        if len(rows) != batch:
            raise SystemExit(f"expected {batch} claimed, got {len(rows)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply the large queue (10: 1,000,000)"
    )
    args = parser.parse_args()
    large = max(SMALL, int(100_000 * args.scale))
    root = Path(tempfile.mkdtemp(prefix="outreach-claim-"))
    try:
        queues = [Queue(root, SMALL), Queue(root, large)]
        for _ in range(RUNS):  # interleaved, so load from other processes hits both alike
            for queue in queues:
                queue.run()
        for queue in queues:
            queue.engine.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for queue in queues:
        best = min(queue.passes)
        print(
            f"reap + claim of {queues[0].config.sending.batch_size} with {queue.queued:>9,} queued:"
            f" {best * 1000:7.1f} ms"
        )
    ratio = min(queues[1].passes) / min(queues[0].passes)
    print(json.dumps({"small": SMALL, "large": large, "ratio": round(ratio, 3)}), file=sys.stderr)
    print(f"ratio (large / small): {ratio:.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
