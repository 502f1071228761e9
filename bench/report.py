"""`outreach report` at scale: a campaign of 100,000 people, 300,000 sent outbox rows and
20,000 inbound replies, rendered as HTML (and as JSON), beside one `SELECT count(*)` over the
outbox in the same run. Target: the report within 20x of that count; memory shown.

The rows are written with sqlite3 on the schema before the report's counters (migration 0016),
then migration 0017 counts them, as an existing workspace's upgrade does (its time is shown).

    .venv/bin/python bench/report.py [--people 100000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seed import insert_roster, ts  # bench/seed.py
from sqlalchemy import text

from outreach.services.report.document import build
from outreach.services.report.render import render
from outreach.store.queries import tally
from outreach.store.session import make_engine, migrate, writing

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PLATFORMS = ("instagram", "youtube", "tiktok")
TIERS = ("nano", "micro", "macro")
HASHES = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)


def seed(path: Path, people: int, inbound_n: int, *, recount: bool = True) -> None:
    """The campaign, written with sqlite3 around the store; then (with `recount`) counted
    into the report's counters as the migration that made them counts existing rows."""
    conn = sqlite3.connect(path)
    created = ts(T0)
    insert_roster(conn, people, created)
    conn.execute(
        "UPDATE influencer SET platform = CASE id % 3 WHEN 0 THEN 'instagram' WHEN 1 THEN"
        " 'youtube' ELSE 'tiktok' END, tier = CASE id % 3 WHEN 0 THEN 'nano' WHEN 1 THEN"
        " 'micro' ELSE 'macro' END"
    )
    conn.executemany(
        "INSERT INTO enrollment (id, campaign_id, influencer_id, sequence, mailbox, next_step,"
        " status, stage, stage_changed_at, created_at) VALUES (?, 1, ?, 'standard', 'main', 4,"
        " 'completed', 'contacted', ?, ?)",
        ((i, i, created, created) for i in range(1, people + 1)),
    )

    def outbox_rows() -> object:
        n = 0
        for i in range(1, people + 1):
            for step in (1, 2, 3):
                n += 1
                at = ts(T0 + timedelta(days=3 * step, minutes=i % 1440))
                # Step 1 is an A/B of two templates; steps 2 and 3 one each.
                h = HASHES[i % 2] if step == 1 else HASHES[step]
                yield (n, i, step, f"u{i}@example.jp", f"<m{n}@example.jp>", at, at, at, at, h)

    conn.executemany(
        "INSERT INTO outbox (id, enrollment_id, step, mailbox, mail_from, rcpt_to, email_norm,"
        " message_id, subject, state, attempt, due_at, created_at, updated_at, sent_at,"
        " template_hash) VALUES (?, ?, ?, 'main', 'pr@example.jp', '[]', ?, ?, 's', 'sent', 1,"
        " ?, ?, ?, ?, ?)",
        outbox_rows(),  # type: ignore[arg-type]
    )
    step = max(1, people // inbound_n)
    replied = list(range(1, people + 1, step))[:inbound_n]
    conn.executemany(
        "INSERT INTO inbound (id, mailbox, source, dedupe_key, message_id, from_addr, subject,"
        " received_at, kind, enrollment_id, detail, processed_at) VALUES (?, 'main', 'imap', ?,"
        " ?, ?, 're', ?, ?, ?, '{}', ?)",
        (
            (
                n,
                f"<r{n}@x>",
                f"<r{n}@x>",
                f"u{e}@example.jp",
                ts(T0 + timedelta(days=4 + n % 8)),
                "reply" if n % 10 else "decline",
                e,
                ts(T0 + timedelta(days=4 + n % 8)),
            )
            for n, e in enumerate(replied, 1)
        ),
    )
    conn.executemany(
        "INSERT INTO stage_history (enrollment_id, from_stage, to_stage, cause, at) VALUES"
        " (?, 'contacted', ?, 'reply', ?)",
        (
            (e, "declined" if n % 10 == 0 else "negotiating", ts(T0 + timedelta(days=4 + n % 8)))
            for n, e in enumerate(replied, 1)
        ),
    )
    conn.commit()
    # A running workspace's WAL is checkpointed as it goes; a fresh 300,000-row WAL would make
    # every read look pages up in it.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    if recount:
        engine = make_engine(f"sqlite:///{path}")
        with writing(engine) as db:
            tally.rebuild(db)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--inbound", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "outreach.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine, "0016")  # the schema before the report's counters
        started = time.perf_counter()
        seed(path, args.people, args.inbound, recount=False)
        print(f"seeded {args.people:,} people in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        migrate(engine)  # 0017 counts the existing rows into the counters
        print(
            f"migration 0017 (counters from existing rows): {time.perf_counter() - started:.1f} s"
        )
        engine.dispose()
        with engine.connect() as conn:
            outbox_n = conn.execute(text("SELECT count(*) FROM outbox")).scalar()
            inbound_n = conn.execute(text("SELECT count(*) FROM inbound")).scalar()
        print(f"outbox rows {outbox_n:,}, inbound {inbound_n:,}")

        held = engine.connect()  # the count on an open connection, as earlier rows measured it

        def count() -> None:
            held.execute(text("SELECT count(*) FROM outbox")).scalar()

        def report() -> tuple[dict[str, object], str]:
            doc = build(
                engine,
                "spring-serum",
                zone=ZoneInfo("Asia/Tokyo"),
                language="ja",
                now=datetime.now(UTC),
                templates={h: f"t{i}" for i, h in enumerate(HASHES)},
            )
            return doc, render(doc, "html")

        def timed(run: Callable[[], object]) -> tuple[float, float]:
            started, cpu = time.perf_counter(), time.process_time()
            run()
            return time.perf_counter() - started, time.process_time() - cpu

        # The first report of the process (what one `outreach report` does: statements are
        # compiled on first use), then rounds of a count and a report side by side; each is
        # milliseconds, easily disturbed on a shared machine, so the best of the rounds too.
        first, first_cpu = timed(report)
        counts, reports = [], []
        for _ in range(args.rounds):
            counts.append(timed(count))
            reports.append(timed(report))
        held.close()
        doc, html = report()
        # Memory in another run: tracemalloc slows every allocation, so not a timed one.
        tracemalloc.start()
        report()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        started = time.perf_counter()
        render(doc, "json")
        json_s = time.perf_counter() - started
        engine.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    funnel = {r["stage"]: r["count"] for r in doc["funnel"]}  # type: ignore[attr-defined]
    print(json.dumps(funnel))
    print(f"html {len(html.encode()):,} bytes; json render {json_s * 1000:.1f} ms")

    def ms(pairs: list[tuple[float, float]], i: int) -> str:
        values = sorted(p[i] * 1000 for p in pairs)
        return f"best {values[0]:.1f} ms, median {statistics.median(values):.1f} ms"

    print(f"SELECT count(*) FROM outbox, {args.rounds} rounds: {ms(counts, 0)}")
    print(f"  (on one open connection; CPU {ms(counts, 1)})")
    print(f"report (build + html), first: {first * 1000:.1f} ms ({first_cpu * 1000:.1f} ms CPU)")
    print(f"report, {args.rounds} rounds beside the count: {ms(reports, 0)}; CPU {ms(reports, 1)}")
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print(f"memory: peak traced {peak / 2**20:.1f} MiB, max RSS {rss:.0f} MiB")
    best_count = min(c for c, _ in counts)
    print(
        f"ratio (report / count, best of each): {min(r for r, _ in reports) / best_count:.1f}x;"
        f" first report / best count: {first / best_count:.1f}x (target <= 20x)"
    )


if __name__ == "__main__":
    main()
