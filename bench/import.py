"""Import benchmark: people, then their posts, end to end on SQLite, for a large roster and
one 10x smaller, side by side in one run.

Each size is generated in a temporary folder; a child process imports the people into a fresh
SQLite file, another the posts (one per person) into the same file, so each peak RSS is that
import's own. Printed per import: rows/s of wall time (reading, validating and writing), the
write lock's share of the whole (the write transaction's time over the import's), and the
peak RSS of the large size over the small (flat: <= 1.5x). Everything is deleted afterwards.

    python bench/import.py                 # 1,000,000 and 100,000 rows (a few minutes)
    python bench/import.py --rows 20000    # 20,000 and 2,000 rows (quick)
    python bench/import.py --rows 40000 --format json   # the people as one JSON array
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAMILY = ["山田", "佐藤", "鈴木", "髙橋", "田中", "伊藤", "渡辺", "Carter", "Brown", "Nakamura"]
GIVEN = ["花子", "美咲", "健太", "さくら", "翔", "結衣", "陽菜", "Emily", "Olivia", "Ken"]
PLATFORMS = ["instagram", "tiktok", "youtube"]
HEADER = [
    "name",
    "email",
    "platform",
    "handle",
    "followers",
    "avg_likes",
    "avg_comments",
    "niche",
    "country",
    "language",
    "timezone",
    "tags",
    "basis",
    "favourite_product",
]


def write_roster(path: Path, rows: int) -> None:
    """A realistic roster: Japanese and English names, grouped and 万/K follower counts,
    a multi-line niche every 97th row (quoted newline), a custom column."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        if path.suffix == ".json":
            _write_json(fh, rows)
            return
        out = csv.writer(fh)
        out.writerow(HEADER)
        for cells in _records(rows):
            out.writerow(cells)


def _write_json(fh: Any, rows: int) -> None:
    """One JSON array, an object per line as `json.dumps(indent=...)` would nest it."""
    fh.write("[\n")
    for i, cells in enumerate(_records(rows)):
        record: dict[str, Any] = dict(zip(HEADER, cells, strict=True))
        record["tags"] = record["tags"].replace(";", ",").split(",")
        if record["followers"].isdigit():
            record["followers"] = int(record["followers"])  # numbers as numbers, as exports do
        fh.write(("  " if i == 0 else ", ") + json.dumps(record, ensure_ascii=False) + "\n")
    fh.write("]\n")


def _records(rows: int) -> Iterator[list[str]]:
    for i in range(rows):
        followers = 800 + (i * 7919) % 2_000_000
        shown = (
            f"{followers:,}"
            if i % 3 == 0
            else f"{followers / 10_000:.1f}万"
            if i % 3 == 1
            else str(followers)
        )
        yield [
            f"{FAMILY[i % 10]} {GIVEN[(i // 10) % 10]}",
            f"user{i}@example{'.jp' if i % 2 else '.com'}",
            PLATFORMS[i % 3],
            f"creator_{i}",
            shown,
            str(followers // 40),
            str(followers // 900),
            "料理\nおうちごはん" if i % 97 == 0 else "beauty",
            "JP" if i % 5 else "US",
            "ja" if i % 4 else "en",
            "Asia/Tokyo" if i % 5 else "America/Los_Angeles",
            "food;kyoto" if i % 2 else "skincare,tokyo",
            "consent",
            "抹茶ラテ",
        ]


POST_HOSTS = {
    "instagram": "https://www.instagram.com/p/",
    "tiktok": "https://www.tiktok.com/@x/video/",
    "youtube": "https://www.youtube.com/watch?v=",
}


def write_posts(path: Path, rows: int) -> None:
    """One post per person of `write_roster`: named by handle, likes in 万 and grouped forms."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "influencer",
                "platform",
                "url",
                "caption",
                "published_at",
                "likes",
                "comments",
                "views",
            ]
        )
        for i in range(rows):
            platform = PLATFORMS[i % 3]
            likes = 40 + (i * 7919) % 50_000
            out.writerow(
                [
                    f"creator_{i}",
                    platform,
                    f"{POST_HOSTS[platform]}{i:08d}",
                    "新作の抹茶ラテを作りました #おうちカフェ" if i % 2 else "Morning routine",
                    f"2026-11-{1 + i % 28:02d}T{9 + i % 12:02d}:30:00+09:00",
                    f"{likes / 10_000:.1f}万" if i % 3 == 1 else f"{likes:,}",
                    str(likes // 30),
                    str(likes * 12),
                ]
            )


def child(kind: str, path: str, db_path: str) -> None:
    """Import one file; print rows/s, lock time and this process's peak RSS as JSON."""
    sys.path.insert(0, str(ROOT))
    from outreach.clock import SystemClock
    from outreach.config import load_config
    from outreach.services.roster.importer import ImportOptions, import_influencers, import_posts
    from outreach.store.session import make_engine, migrate

    config = load_config(ROOT / "config.example.toml")
    engine = make_engine(f"sqlite:///{db_path}")
    if kind == "people":
        migrate(engine)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu_start = time.perf_counter(), time.process_time()
    if kind == "people":
        report = import_influencers(
            engine, Path(path), config=config, clock=SystemClock(), options=ImportOptions()
        )
    else:
        report = import_posts(engine, Path(path), config=config, options=ImportOptions())
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "rows": report.inserted,
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "lock_seconds": report.lock_seconds,
                "lock_cpu_seconds": report.lock_cpu_seconds,
                "peak_kib": peak,
                "before_import_kib": base_rss,
            }
        )
    )


def _run_child(kind: str, path: Path, db_path: Path, rows: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), str(db_path)],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode:
        raise SystemExit(f"{kind} import failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["rows"] != rows:
        raise SystemExit(f"{kind}: imported {result['rows']} of {rows} rows")
    return result


def measure(rows: int, folder: Path, fmt: str = "csv") -> dict[str, dict[str, float]]:
    people, posts = folder / f"people-{rows}.{fmt}", folder / f"posts-{rows}.csv"
    db_path = folder / f"roster-{rows}.db"
    try:
        write_roster(people, rows)
        result = {"people": _run_child("people", people, db_path, rows)}
        people.unlink()
        write_posts(posts, rows)
        result["posts"] = _run_child("posts", posts, db_path, rows)
    finally:
        for p in folder.glob(f"*-{rows}.*"):
            p.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="large size (small = /10)")
    parser.add_argument(
        "--format",
        choices=("csv", "json"),
        default="csv",
        help="people file format (json: one array of objects); posts are CSV",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    small_n, large_n = args.rows // 10, args.rows
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        results = {n: measure(n, Path(tmp), args.format) for n in (small_n, large_n)}
    ok = True
    for kind in ("people", "posts"):
        for n in (small_n, large_n):
            r = results[n][kind]
            print(
                f"{kind:<6} {n:>9,} rows: {n / r['seconds']:>7,.0f} rows/s "
                f"({r['seconds']:.1f} s wall; {n / r['cpu_seconds']:,.0f} rows/s of CPU time)  "
                f"lock {r['lock_seconds']:.1f} s = {r['lock_seconds'] / r['seconds']:.0%} of "
                f"the wall time ({r['lock_cpu_seconds'] / r['cpu_seconds']:.0%} of the CPU "
                f"time)  peak RSS {r['peak_kib'] / 1024:.1f} MiB"
            )
        large, small = results[large_n][kind], results[small_n][kind]
        rate = large_n / large["seconds"]
        cpu_rate = large_n / large["cpu_seconds"]
        lock = max(r["lock_seconds"] / r["seconds"] for r in (large, small))
        lock_cpu = max(r["lock_cpu_seconds"] / r["cpu_seconds"] for r in (large, small))
        ratio = large["peak_kib"] / small["peak_kib"]
        good = rate >= 20_000 and lock <= 0.2 and ratio <= 1.5
        ok = ok and good
        print(
            f"{kind}: {rate:,.0f} rows/s (CPU time: {cpu_rate:,.0f}; target >= 20,000)  "
            f"lock/total {lock:.2f} (CPU time: {lock_cpu:.2f}; target <= 0.20)  "
            f"peak RSS {large_n:,} / {small_n:,} rows {ratio:.2f}x (<= 1.5)  "
            f"{'ok' if good else 'MISSED'}"
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
