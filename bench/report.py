"""`outreach report` at scale: a campaign of 100,000 people, 300,000 sent outbox rows and
20,000 inbound replies, rendered as HTML (and as JSON), beside one `SELECT count(*)` over the
outbox in the same run. Target: the report within 20x of that count, in seconds; memory shown.

    .venv/bin/python bench/report.py [--people 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seed import insert_roster, ts  # bench/seed.py
from sqlalchemy import text

from outreach.services.report.document import build
from outreach.services.report.render import render
from outreach.store.session import make_engine, migrate

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PLATFORMS = ("instagram", "youtube", "tiktok")
TIERS = ("nano", "micro", "macro")
HASHES = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)


def seed(path: Path, people: int, inbound_n: int) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--inbound", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "outreach.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        engine.dispose()
        started = time.perf_counter()
        seed(path, args.people, args.inbound)
        print(f"seeded {args.people:,} people in {time.perf_counter() - started:.1f} s")
        with engine.connect() as conn:
            outbox_n = conn.execute(text("SELECT count(*) FROM outbox")).scalar()
            inbound_n = conn.execute(text("SELECT count(*) FROM inbound")).scalar()
            # The best of five: one count is a few milliseconds, easily disturbed.
            count_s = float("inf")
            for _ in range(5):
                started = time.perf_counter()
                conn.execute(text("SELECT count(*) FROM outbox")).scalar()
                count_s = min(count_s, time.perf_counter() - started)
        print(f"outbox rows {outbox_n:,}, inbound {inbound_n:,}")

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

        started, cpu = time.perf_counter(), time.process_time()
        doc, html = report()
        report_s, report_cpu = time.perf_counter() - started, time.process_time() - cpu
        # Memory in a second run: tracemalloc slows every allocation, so not the timed one.
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
    print(f"html {len(html.encode()):,} bytes; json render {json_s * 1000:.0f} ms")
    print(f"SELECT count(*) FROM outbox: {count_s * 1000:.1f} ms")
    print(f"report (build + html): {report_s:.2f} s ({report_cpu:.2f} s CPU in this process)")
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print(f"memory: peak traced {peak / 2**20:.0f} MiB, max RSS {rss:.0f} MiB")
    print(f"ratio (report / count): {report_s / count_s:.1f}x (target <= 20x)")


if __name__ == "__main__":
    main()
