"""`outreach web` at scale: every console page over a workspace of 100,000 people and 300,000
sent outbox rows (bench/report.py's seed: 20,000 replies, an A/B first step), served by the
real app on uvicorn on 127.0.0.1, requested over HTTP one after another. Printed per page:
server time (the `Server-Timing` the console adds: from the request reaching the page to the
response built, session check included) p50/p95, and the client's round trip p50/p95, beside
`/healthz` (a bare `SELECT 1` through the same stack) in the same run. Target: every page
under 200 ms server time.

The campaign page and the report read the whole campaign (the funnel, KPIs and A/B
intervals over every person): they are cached per campaign until the data changes and then
rebuilt in the background while the last copy is served (the page says when it was built).
The first build, started with the console, is timed on its own line, and so are pages asked
for while a rebuild runs (after a stage move). The rebuilds run in a worker process.

    .venv/bin/python bench/web.py [--people 100000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import seed  # bench/report.py's 100,000-person campaign
from seed import ts  # bench/seed.py

from outreach.clock import SystemClock
from outreach.config import load_config
from outreach.services.console.accounts import add_user
from outreach.services.workspace.create import create_workspace
from outreach.store.session import make_engine, migrate
from outreach.web.pages import warm
from outreach.web.server import console_for
from tests.support.console import serving

PAGES = (
    "/healthz",
    "/today",
    "/campaigns",
    "/campaigns/spring-serum",
    "/drafts?campaign=spring-serum",
    "/drafts/spring-serum/user7?step=1",
    "/board",
    "/board?campaign=spring-serum",
    "/people?q=user9999",
    "/person/54321",
    "/inbox",
    "/report?campaign=spring-serum",
    "/report/spring-serum.html",
    "/audit",
)


def extra(path: Path, people: int) -> None:
    """What the console shows beyond the report's seed: a post for the first 1,000 people
    (their drafts render), people spread over every stage, needs-review mail, deals."""
    conn = sqlite3.connect(path)
    at = ts(datetime(2026, 11, 1, tzinfo=UTC))
    conn.executemany(
        "INSERT INTO post (influencer_id, platform, url, title, caption, published_at)"
        " VALUES (?, 'instagram', ?, '週末の作り置き', '', ?)",
        ((i, f"https://www.instagram.com/p/bench{i}/", at) for i in range(1, 1001)),
    )
    stages = ("prospect", "contacted", "negotiating", "contracted", "posted", "declined", "paused")
    conn.execute(
        "UPDATE enrollment SET stage = CASE id % 7 "
        + " ".join(f"WHEN {n} THEN '{s}'" for n, s in enumerate(stages))
        + " END, stage_changed_at = ?",
        (at,),
    )
    conn.executemany(
        "INSERT INTO inbound (mailbox, source, dedupe_key, message_id, from_addr, subject,"
        " received_at, kind, enrollment_id, detail, processed_at) VALUES ('main', 'imap', ?,"
        " ?, ?, 'Re', ?, 'needs_review', ?, '{}', ?)",
        ((f"<nr{i}@x>", f"<nr{i}@x>", f"u{i}@example.jp", at, i, at) for i in range(1, 301)),
    )
    conn.executemany(
        "INSERT INTO deal (enrollment_id, status, terms, created_at, updated_at)"
        " VALUES (?, 'accepted', '{}', ?, ?)",
        ((i, at, at) for i in range(3, people, 70)),
    )
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def get(self, path: str) -> tuple[int, float, float]:
        """(status, server ms, round trip ms)."""
        started = time.perf_counter()
        try:
            self.conn.request("GET", path, headers={"Cookie": self.cookie})
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            self.conn.close()  # the server's keep-alive ran out while we waited: reconnect
            started = time.perf_counter()
            self.conn.request("GET", path, headers={"Cookie": self.cookie})
            response = self.conn.getresponse()
        response.read()
        trip = (time.perf_counter() - started) * 1000
        timing = response.getheader("Server-Timing") or ""
        found = re.search(r"dur=([0-9.]+)", timing)
        return response.status, float(found.group(1)) if found else float("nan"), trip

    def login(self, user: str, password: str) -> None:
        self.conn.request("GET", "/login")
        response = self.conn.getresponse()
        page = response.read().decode()
        pre = response.getheader("Set-Cookie", "").split(";")[0]
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token
        body = urlencode({"csrf": token.group(1), "user": user, "password": password})
        self.conn.request(
            "POST",
            "/login",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre},
        )
        response = self.conn.getresponse()
        response.read()
        assert response.status == 303, response.status
        self.cookie = response.getheader("Set-Cookie", "").split(";")[0]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        create_workspace(root, today=date.today())
        config = load_config(root / "config.toml")
        db = Path(config.database_url.removeprefix("sqlite:///"))
        engine = make_engine(config.database_url)
        migrate(engine)
        started = time.perf_counter()
        seed(db, args.people, 20_000)
        extra(db, args.people)
        with sqlite3.connect(db) as conn:
            outbox_n = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        print(
            f"seeded {args.people:,} people, {outbox_n:,} outbox rows in "
            f"{time.perf_counter() - started:.0f} s"
        )
        add_user(engine, "bench", "bench password", "admin", datetime.now(UTC))
        zone = __import__("zoneinfo").ZoneInfo(config.display_timezone)
        console = console_for(config, engine, SystemClock(), "127.0.0.1", 8790, zone=zone)
        with serving(console) as base:
            client = Client(int(base.rsplit(":", 1)[1]))
            client.login("bench", "bench password")
            # What `outreach web` does on start: build each campaign's whole-campaign document
            # in the background. A page asked for meanwhile says so and reloads itself.
            started = time.perf_counter()
            warm(console)
            status, server, trip = client.get("/campaigns/spring-serum")
            print(f"/campaigns/spring-serum while the first build runs: {server:.0f} ms server")
            while console.cache_busy():
                time.sleep(0.05)
            print(f"first whole-campaign build (background): {time.perf_counter() - started:.1f} s")
            times: dict[str, list[tuple[float, float]]] = {p: [] for p in PAGES}
            for _ in range(args.rounds):
                for path in PAGES:
                    status, server, trip = client.get(path)
                    assert status == 200, (path, status)
                    times[path].append((server, trip))
            # A change to the data (a stage move) makes the next page start the rebuilds:
            # pages asked for while they run.
            with sqlite3.connect(db) as conn:
                conn.execute(
                    "INSERT INTO stage_history (enrollment_id, from_stage, to_stage, cause, at)"
                    " VALUES (1, 'contacted', 'negotiating', 'bench', ?)",
                    (ts(datetime.now(UTC)),),
                )
            during: list[float] = []
            client.get("/today")
            client.get("/campaigns/spring-serum")
            while console.cache_busy():
                for path in ("/today", "/board", "/campaigns/spring-serum", "/person/54321"):
                    during.append(client.get(path)[1])
        engine.dispose()
        if during:
            print(
                f"pages asked for while a rebuild runs ({len(during)}): server p50"
                f" {statistics.median(during):.1f} ms, p95 {pct(during, 0.95):.1f} ms"
            )
    print(f"{'page':40} {'server p50':>10} {'p95':>7} {'trip p50':>9} {'p95':>7}  (ms)")
    worst = 0.0
    for path, got in times.items():
        server = [s for s, _ in got]
        trip = [t for _, t in got]
        if path != "/healthz":
            worst = max(worst, pct(server, 0.95))
        print(
            f"{path:40} {statistics.median(server):10.1f} {pct(server, 0.95):7.1f}"
            f" {statistics.median(trip):9.1f} {pct(trip, 0.95):7.1f}"
        )
    print(f"slowest page p95: {worst:.0f} ms server (target < 200 ms)")
    print(f"load average: {os.getloadavg()[0]:.1f}; rounds {args.rounds}")


if __name__ == "__main__":
    main()
