"""Tracking-link redirects per second on SQLite, through the real public endpoint.

    python bench/redirect.py                 # N = 20,000 requests, 64 at a time
    python bench/redirect.py --n 2000        # a quick run

The endpoint (`start_unsubscribe_server`, the one the daemon serves with `[unsubscribe] serve`)
runs in a child process on a free 127.0.0.1 port over a SQLite file with 200 links; this process
sends N `GET /r/<token>` requests (one connection each, as browsers arriving from a post do),
CONCURRENCY at a time, a tenth of them with a link-preview agent, and times them until the last
answer. Then the child stops (which writes every queued click) and the clicks are counted: each
request must be recorded exactly once and every answer must be the right 302.
Last line: `redirects/s: X (target 2,000)  recorded: R of N  bots: B`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OUTREACH_UNSUBSCRIBE_SECRET", "bench-secret-at-least-32-bytes-long")

from sqlalchemy import func, insert, select  # noqa: E402

from outreach.config import parse_config  # noqa: E402
from outreach.services.public.endpoint import start_unsubscribe_server  # noqa: E402
from outreach.store.schema import (  # noqa: E402
    campaign,
    click,
    enrollment,
    influencer,
    tracking_link,
)
from outreach.store.session import make_engine, migrate, writing  # noqa: E402

LINKS = 200
HOST = "go.bench.example"
AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
PREVIEW = "facebookexternalhit/1.1;line-poker/1.0"
DEADLINE_SECONDS = 120.0


def seed(url: str) -> dict[str, str]:
    """LINKS people enrolled in one campaign, each with a link: token -> location."""
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC).replace(tzinfo=None)
    links: dict[str, str] = {}
    with writing(engine) as conn:
        cid = conn.execute(
            insert(campaign).values(slug="bench", created_at=now).returning(campaign.c.id)
        ).scalar_one()
        for i in range(LINKS):
            iid = conn.execute(
                insert(influencer)
                .values(
                    name=f"p{i}",
                    email=f"p{i}@example.jp",
                    email_norm=f"p{i}@example.jp",
                    platform="instagram",
                    handle=f"p{i}",
                    created_at=now,
                    updated_at=now,
                    tags=[],
                    custom={},
                )
                .returning(influencer.c.id)
            ).scalar_one()
            eid = conn.execute(
                insert(enrollment)
                .values(
                    campaign_id=cid,
                    influencer_id=iid,
                    sequence="s",
                    mailbox="main",
                    stage_changed_at=now,
                    created_at=now,
                )
                .returning(enrollment.c.id)
            ).scalar_one()
            token = secrets.token_urlsafe(6)
            links[token] = (
                f"https://shop.example/serum?utm_source=instagram&utm_medium="
                f"influencer&utm_campaign=bench&utm_content=p{i}"
            )
            conn.execute(
                insert(tracking_link).values(
                    enrollment_id=eid, token=token, location=links[token], created_at=now
                )
            )
    engine.dispose()
    return links


def serve(url: str, port: int, ready: mp.synchronize.Event, stop: mp.synchronize.Event) -> None:
    config = parse_config(
        {
            "database": {"url": url},
            "sender": {
                "name": "PR",
                "organisation": "Bench",
                "postal_address": "Tokyo",
                "enquiry_email": "pr@bench.example",
            },
            "mailboxes": {
                "main": {
                    "from_address": "pr@bench.example",
                    "smtp": {"host": "127.0.0.1", "port": 9, "security": "none"},
                }
            },
            "unsubscribe": {"listen": f"127.0.0.1:{port}", "base_url": f"https://{HOST}/u"},
        },
        source="bench",
        base_dir=Path(url.removeprefix("sqlite:///")).parent,
    )
    engine = make_engine(url)
    handle = start_unsubscribe_server(engine, config)
    ready.set()
    stop.wait(DEADLINE_SECONDS + 60)
    handle.stop()


async def one(port: int, token: str, agent: str) -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /r/{token} HTTP/1.1\r\nHost: {HOST}\r\nUser-Agent: {agent}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    data = await reader.read()
    writer.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    location = next(
        (h.split(":", 1)[1].strip() for h in head[1:] if h.lower().startswith("location:")), ""
    )
    return status, location


async def load(port: int, plan: list[tuple[str, str]], concurrency: int) -> list[tuple[int, str]]:
    gate = asyncio.Semaphore(concurrency)

    async def go(token: str, agent: str) -> tuple[int, str]:
        async with gate:
            return await one(port, token, agent)

    async with asyncio.timeout(DEADLINE_SECONDS):
        return await asyncio.gather(*(go(t, a) for t, a in plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        links = seed(url)
        tokens = list(links)
        plan = [(tokens[i % LINKS], PREVIEW if i % 10 == 9 else AGENT) for i in range(args.n)]
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        ctx = mp.get_context("spawn")
        ready, stop = ctx.Event(), ctx.Event()
        child = ctx.Process(target=serve, args=(url, port, ready, stop))
        child.start()
        if not ready.wait(30):
            sys.exit("the endpoint did not start")
        asyncio.run(load(port, plan[:200], args.concurrency))  # warm: tokens cached
        started = time.perf_counter()
        answers = asyncio.run(load(port, plan, args.concurrency))
        elapsed = time.perf_counter() - started
        stop.set()
        child.join(60)
        wrong = sum(
            1
            for (t, _), (status, loc) in zip(plan, answers, strict=True)
            if status != 302 or loc != links[t]
        )
        engine = make_engine(url)
        with engine.connect() as conn:
            recorded = conn.execute(select(func.count()).select_from(click)).scalar_one()
            bots = conn.execute(select(func.count()).where(click.c.bot.is_(True))).scalar_one()
        recorded -= 200  # the warm-up requests
        bots -= sum(1 for _, a in plan[:200] if a == PREVIEW)
        print(
            f"{args.n} redirects, {args.concurrency} at a time: {elapsed:.2f} s; wrong answers: "
            f"{wrong}"
        )
        print(
            f"redirects/s: {args.n / elapsed:,.0f} (target 2,000)  recorded: {recorded} of "
            f"{args.n}  bots: {bots} (expected {sum(1 for _, a in plan if a == PREVIEW)})"
        )


if __name__ == "__main__":
    main()
