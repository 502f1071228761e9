"""`outreach schedule CAMPAIGN --limit 10` with 10,000 and with 100,000 people enrolled, and the
full horizon with 100,000, on SQLite: the first rows should cost in proportion to what is asked.

    python bench/schedule.py               # 10,000 vs 100,000 enrolled (about a minute)
    python bench/schedule.py --scale 0.1   # 1,000 vs 10,000: a quick run

The workspace is `outreach init`'s (the sample campaign, the `standard` sequence, the mailbox
`main` with its daily cap of 50, 年末年始 closed) in a temporary folder, deleted at the end.
Everyone is enrolled in the sample campaign as `outreach enroll` would at NOW (step 1 due at the
window's next opening plus the sending jitter, in their own zone): a fifth in Los Angeles, a
tenth in London, the rest in Tokyo. Rows are bulk-inserted with sqlite3 executemany for setup
speed. The command runs in this process through click with its clock fixed and its output
discarded (interpreter start-up and imports are not timed); each `--limit 10` time is the best
of RUNS, alternating the sizes; the full horizon runs once. `--limit 10` is also timed three
days later (LATER), when the cap has let 150 through and everyone else is overdue: the usual
state of a big campaign on a small cap; and again at 16:00 that day, after the day's 50 went
out (CAP_USED), when everyone overdue waits for the next day together.
Last lines: the times, `ratio (large / small): X` (target <= 2) and the full horizon's time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seed import insert_roster, ts  # bench/seed.py

import outreach.cli.sequences as schedule_cli
from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.config import load_config
from outreach.domain.windows import Window, next_send_time
from outreach.services.workspace.create import create_workspace

NOW = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # Monday 08:00 in Tokyo, before the window opens
LATER = datetime(2026, 12, 9, 23, 0, tzinfo=UTC)  # Thursday 08:00 in Tokyo: every step 1 overdue
CAP_USED = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)  # Thursday 16:00 in Tokyo, 50 sent since 10:00
RUNS = 3
BUDGET_SECONDS = 600  # one command that runs longer than this stops the benchmark
ZONES = (("America/Los_Angeles", "US"), ("Europe/London", "GB"))


def _zone(i: int) -> tuple[str, str]:
    if i % 5 == 0:
        return ZONES[0]
    if i % 10 == 1:
        return ZONES[1]
    return "", "JP"  # the workspace's zone, Asia/Tokyo


def populate(folder: Path, enrolled: int) -> None:
    """`enrolled` influencers, each enrolled in the sample campaign at NOW."""
    config = load_config(folder / "config.toml")
    w = config.sending.window
    window = Window.of(w.days, w.start, w.end)
    closed = config.sending.closed
    rng = random.Random(enrolled)
    created = ts(NOW)
    conn = sqlite3.connect(folder / "outreach.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        insert_roster(conn, enrolled, created)
        for tz, country in ZONES:
            ids = [(tz, country, i) for i in range(1, enrolled + 1) if _zone(i) == (tz, country)]
            conn.executemany("UPDATE influencer SET timezone = ?, country = ? WHERE id = ?", ids)

        def rows() -> object:
            for i in range(1, enrolled + 1):
                tz, country = _zone(i)
                due = next_send_time(
                    NOW,
                    window,
                    tz=tz or config.sending.timezone,
                    country=country,
                    closed=closed,
                    jitter_seconds=config.sending.jitter_seconds,
                    rng=rng,
                )
                yield (i, i, ts(due), created, created)

        conn.executemany(
            "INSERT INTO enrollment (id, campaign_id, influencer_id, sequence, mailbox,"
            " next_step, next_due_at, status, stage, stage_changed_at, created_at)"
            " VALUES (?, 1, ?, 'standard', 'main', 1, ?, 'active', 'prospect', ?, ?)",
            rows(),
        )
    conn.close()


def use_todays_cap(folder: Path) -> None:
    """The day's 50 sends of CAP_USED's day, in the outbox, from enrollments 1..50."""
    sent = ts(CAP_USED.replace(hour=1))  # 10:00 in Tokyo
    conn = sqlite3.connect(folder / "outreach.db")
    with conn:
        conn.executemany(
            "INSERT INTO outbox (enrollment_id, step, mailbox, mail_from, rcpt_to, email_norm,"
            " message_id, subject, state, attempt, due_at, last_error, created_at, updated_at,"
            " sent_at) VALUES (?, 0, 'main', 'pr@sakura-beauty.example.jp', ?, ?, ?, '', 'sent',"
            " 1, ?, '', ?, ?, ?)",
            (
                (
                    i,
                    json.dumps([f"u{i}@example.jp"]),
                    f"u{i}@example.jp",
                    f"<{i}.sent@example.jp>",
                    sent,
                    sent,
                    sent,
                    sent,
                )
                for i in range(1, 51)
            ),
        )
    conn.close()


def _over_budget(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(f"a command ran longer than {BUDGET_SECONDS} s; stopped")


def run_schedule(folder: Path, *extra: str, at: datetime = NOW) -> tuple[float, str, str]:
    """Seconds for one `outreach schedule spring-serum ...` at `at`, its stdout and stderr."""
    schedule_cli.SystemClock = lambda: FixedClock(at)  # type: ignore[assignment,misc]
    out, err = io.StringIO(), io.StringIO()
    args = [
        "--config",
        str(folder / "config.toml"),
        "schedule",
        "spring-serum",
        "--format",
        "csv",
        *extra,
    ]
    signal.alarm(BUDGET_SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            t0 = time.perf_counter()
            cli.main(args, standalone_mode=False)
            elapsed = time.perf_counter() - t0
    finally:
        signal.alarm(0)
    return elapsed, out.getvalue(), err.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply both roster sizes (0.1: 1,000 vs 10,000)"
    )
    parser.add_argument("--no-full", action="store_true", help="skip the full horizon")
    args = parser.parse_args()
    sizes = (max(100, int(10_000 * args.scale)), max(100, int(100_000 * args.scale)))
    signal.signal(signal.SIGALRM, _over_budget)
    root = Path(tempfile.mkdtemp(prefix="outreach-schedule-"))
    try:
        folders = []
        for size in sizes:
            folder = root / f"ws{size}"
            create_workspace(folder)
            started = time.perf_counter()
            populate(folder, size)
            print(
                f"  set up {size:,} enrolled in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            folders.append(folder)
        times: dict[tuple[int, datetime], list[float]] = {}
        for _ in range(RUNS):  # interleaved, so load from other processes hits both alike
            for at in (NOW, LATER):
                for size, folder in zip(sizes, folders, strict=True):
                    elapsed, out, _ = run_schedule(folder, "--limit", "10", at=at)
                    times.setdefault((size, at), []).append(elapsed)
                    if len(out.splitlines()) != 11:  # the header and ten rows
                        raise SystemExit(f"expected 10 rows with {size:,} enrolled, got {out}")
        small, large = (min(times[(s, NOW)]) for s in sizes)
        small_later, large_later = (min(times[(s, LATER)]) for s in sizes)
        full = None
        if not args.no_full:
            full, out, err = run_schedule(folders[1])
            print(
                f"  full horizon: {len(out.splitlines()) - 1:,} rows; "
                f"{err.strip().splitlines()[-1]}",
                file=sys.stderr,
            )
        for folder in folders:  # after the full horizon: counted from NOW's day on, they'd fill it
            use_todays_cap(folder)
        used = {
            size: min(run_schedule(folder, "--limit", "10", at=CAP_USED)[0] for _ in range(RUNS))
            for size, folder in zip(sizes, folders, strict=True)
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        json.dumps(
            {
                "limit10": {
                    f"{s}@{at:%m-%d}": [round(t, 4) for t in times[(s, at)]]
                    for s in sizes
                    for at in (NOW, LATER)
                },
                "cap_used": {str(k): round(v, 4) for k, v in used.items()},
                "full": full and round(full, 3),
            }
        ),
        file=sys.stderr,
    )
    print(f"--limit 10 with {sizes[0]:,} enrolled: {small:.3f} s")
    print(f"--limit 10 with {sizes[1]:,} enrolled: {large:.3f} s  (target < 2 s at 100,000)")
    print(
        f"three days later, everyone overdue: {small_later:.3f} s and {large_later:.3f} s "
        f"(ratio {large_later / small_later:.2f})"
    )
    print(
        f"at 16:00, the day's cap used, everyone overdue: {used[sizes[0]]:.3f} s and "
        f"{used[sizes[1]]:.3f} s (ratio {used[sizes[1]] / used[sizes[0]]:.2f})"
    )
    print(f"ratio (large / small): {large / small:.2f}  (target <= 2)")
    if full is not None:
        print(f"full horizon with {sizes[1]:,} enrolled: {full:.1f} s  (target < 30 s)")


if __name__ == "__main__":
    main()
