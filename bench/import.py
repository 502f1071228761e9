"""Import benchmark: rows/s and peak memory for a large and a 10x smaller roster (CSV or JSON).

Each size is generated in a temporary folder and imported into a fresh SQLite file by a child
process (so its peak RSS is its own); the ratio of the two peaks shows whether memory stays
flat (target: <= 1.5x). Everything is deleted afterwards.

    python bench/import.py                 # 1,000,000 and 100,000 rows (a few minutes)
    python bench/import.py --rows 20000    # 20,000 and 2,000 rows (quick)
    python bench/import.py --rows 40000 --format json   # the same records as one JSON array
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


def child(csv_path: str, db_path: str) -> None:
    """Import one file; print rows/s and this process's peak RSS as JSON."""
    sys.path.insert(0, str(ROOT))
    from outreach.clock import SystemClock
    from outreach.config import load_config
    from outreach.services.roster.importer import ImportOptions, import_influencers
    from outreach.store.session import make_engine, migrate

    config = load_config(ROOT / "config.example.toml")
    engine = make_engine(f"sqlite:///{db_path}")
    migrate(engine)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu_start = time.perf_counter(), time.process_time()
    report = import_influencers(
        engine, Path(csv_path), config=config, clock=SystemClock(), options=ImportOptions()
    )
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "rows": report.inserted,
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "peak_kib": peak,
                "before_import_kib": base_rss,
            }
        )
    )


def measure(rows: int, folder: Path, fmt: str = "csv") -> dict[str, float]:
    csv_path, db_path = folder / f"roster-{rows}.{fmt}", folder / f"roster-{rows}.db"
    write_roster(csv_path, rows)
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(csv_path), str(db_path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=3600,
        )
    finally:
        for p in folder.glob(f"roster-{rows}.*"):
            p.unlink()
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["rows"] != rows:
        raise SystemExit(f"imported {result['rows']} of {rows} rows")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="large size (small = /10)")
    parser.add_argument(
        "--format",
        choices=("csv", "json"),
        default="csv",
        help="roster file format (json: one array of objects)",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        results = {n: measure(n, Path(tmp), args.format) for n in (args.rows // 10, args.rows)}
    for n, r in results.items():
        print(
            f"{n:>9,} rows: {n / r['seconds']:>8,.0f} rows/s  ({r['seconds']:.1f} s wall, "
            f"{n / r['cpu_seconds']:,.0f} rows/s on CPU time)  "
            f"peak RSS {r['peak_kib'] / 1024:.1f} MiB "
            f"(import added {(r['peak_kib'] - r['before_import_kib']) / 1024:.1f} MiB)"
        )
    small, large = results[args.rows // 10], results[args.rows]
    ratio = large["peak_kib"] / small["peak_kib"]
    print(
        f"peak memory {args.rows:,} vs {args.rows // 10:,} rows: {ratio:.2f}x "
        f"(target <= 1.5x: {'ok' if ratio <= 1.5 else 'NOT flat'})"
    )
    sys.exit(0 if ratio <= 1.5 else 1)


if __name__ == "__main__":
    main()
