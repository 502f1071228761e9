"""One plan pass (due enrollments -> queued outbox rows) with 1,000 due among 10,000 and among
1,000,000 enrolled, on SQLite: the pass should cost in proportion to what is due.

    python bench/tick.py               # 10,000 vs 1,000,000 enrolled (about a minute of setup)
    python bench/tick.py --scale 0.1   # 1,000 vs 100,000: a quick run

The workspace is `outreach init`'s (sample templates, sequence and campaign) in a temporary
folder, deleted at the end. Rows are bulk-inserted with sqlite3 executemany for setup speed;
the due rows are spread evenly over the id range, the rest are due in a month, waiting for a
send, or completed. Passes alternate between the two sizes five times (the due rows are
reset in between) and the best of each is kept.
Last line: `ratio (large / small): X` (target <= 1.5).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seed import insert_roster, ts  # bench/seed.py

from outreach.clock import FixedClock
from outreach.config import Config, load_config
from outreach.render.compose import Composer
from outreach.services.send.plan import plan_due
from outreach.services.workspace.create import create_workspace
from outreach.store.queries.due import due_enrollments
from outreach.store.session import make_engine, reading

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Tokyo: inside the window
DUE = 1_000
RUNS = 5


def populate(db: Path, enrolled: int) -> None:
    """`enrolled` influencers, each enrolled once; DUE of them due now (with a post)."""
    stride = enrolled // DUE
    created = ts(NOW - timedelta(days=40))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        insert_roster(conn, enrolled, created)
        conn.executemany(
            "INSERT INTO post (influencer_id, platform, url, title, published_at, likes,"
            " comments) VALUES (?, 'instagram', ?, '冬のスキンケア', ?, 500, 20)",
            (
                (i, f"https://instagram.com/p/{i}", created)
                for i in range(stride, enrolled + 1, stride)
            ),
        )
        conn.executemany(
            "INSERT INTO enrollment (id, campaign_id, influencer_id, sequence, mailbox,"
            " next_step, next_due_at, status, stage, stage_changed_at, created_at)"
            " VALUES (?, 1, ?, 'standard', 'main', ?, ?, ?, 'prospect', ?, ?)",
            (_enrollment(i, stride, created) for i in range(1, enrolled + 1)),
        )
    conn.execute("ANALYZE")
    conn.close()


def _enrollment(i: int, stride: int, created: str) -> tuple[object, ...]:
    if i % stride == 0:
        return (i, i, 1, ts(NOW - timedelta(minutes=5)), "active", created, created)
    kind = i % 4
    if kind == 0:
        return (i, i, 3, None, "completed", created, created)
    if kind == 1:
        return (i, i, 2, None, "active", created, created)  # waiting in the outbox
    return (i, i, 2, ts(NOW + timedelta(days=30 + i % 7)), "active", created, created)


def reset(db: Path, enrolled: int) -> None:
    """Undo a pass: the due rows are due again and their outbox rows gone."""
    stride = enrolled // DUE
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM outbox_message")
        conn.execute("DELETE FROM outbox")
        conn.execute(
            "UPDATE enrollment SET next_due_at = ? WHERE id % ? = 0",
            (ts(NOW - timedelta(minutes=5)), stride),
        )
    conn.close()


class Roster:
    """One workspace and database with `enrolled` enrollments, ready for timed passes."""

    def __init__(self, root: Path, enrolled: int) -> None:
        self.enrolled = enrolled
        folder = root / f"ws{enrolled}"
        create_workspace(folder)
        config_file = folder / "config.toml"
        text = config_file.read_text(encoding="utf-8")
        if "daily_cap = 50 " not in text:
            raise SystemExit("the sample config's daily_cap line changed; update bench/tick.py")
        # Planning stops at the mailbox's daily cap; the bench plans DUE rows in one pass.
        config_file.write_text(text.replace("daily_cap = 50 ", f"daily_cap = {DUE} "), "utf-8")
        self.config: Config = load_config(config_file)
        self.db = folder / "outreach.db"
        started = time.perf_counter()
        populate(self.db, enrolled)
        print(
            f"  set up {enrolled:,} enrolled in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        self.engine = make_engine(self.config.database_url)
        self.composer = Composer(self.config)
        self.scans: list[float] = []
        self.passes: list[float] = []

    def run(self) -> None:
        """Time the due scan alone, then one whole plan pass."""
        reset(self.db, self.enrolled)
        t0 = time.perf_counter()
        with reading(self.engine) as conn:
            found = len(due_enrollments(conn, now=NOW, limit=DUE))
        self.scans.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        queued = plan_due(self.engine, self.config, FixedClock(NOW), self.composer, limit=DUE)
        self.passes.append(time.perf_counter() - t0)
        if found != DUE or queued != DUE:
            raise SystemExit(f"expected {DUE} due and queued, got {found} and {queued}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply both roster sizes (0.1: 1,000 vs 100,000)",
    )
    args = parser.parse_args()
    small, large = max(DUE, int(10_000 * args.scale)), max(DUE, int(1_000_000 * args.scale))
    root = Path(tempfile.mkdtemp(prefix="outreach-tick-"))
    try:
        rosters = [Roster(root, small), Roster(root, large)]
        for _ in range(RUNS):  # interleaved, so load from other processes hits both alike
            for roster in rosters:
                roster.run()
        for roster in rosters:
            roster.engine.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for r in rosters:
        scan, whole = min(r.scans), min(r.passes)
        print(
            f"{DUE:,} due among {r.enrolled:>9,} enrolled: scan {scan * 1000:7.1f} ms,"
            f" plan pass {whole:6.2f} s ({DUE / whole:,.0f} rows/s)"
        )
    ratio = min(rosters[1].passes) / min(rosters[0].passes)
    print(json.dumps({"small": small, "large": large, "ratio": round(ratio, 3)}), file=sys.stderr)
    print(f"ratio (large / small): {ratio:.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
