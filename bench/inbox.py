"""A first `outreach inbox poll` of a Maildir holding 1,000 new messages, on SQLite, next to the
classifier alone on the same messages; then the peak memory of a poll of 10,000.

    python bench/inbox.py               # 1,000 timed (best of 3) + 10,000 for memory (about 1 min)
    python bench/inbox.py --count 200   # a smaller mix, for a quick look

The workspace is `outreach init`'s in a temporary folder, deleted at the end, with
`[inbox] trusted_authserv_ids` set. Every message answers one of our sent pitches (influencers
and outbox rows are bulk-inserted with sqlite3): 60 % human replies (Japanese and English, our
footer quoted), 15 % out-of-office, 10 % RFC 3464 bounces quoting our Message-ID, 5 % opt-outs,
10 % mail from strangers that matches nothing; each carries our receiving server's
Authentication-Results. A poll run starts from a fresh copy of the database (a first poll:
nothing known yet). The memory run polls a second workspace of 10,000 in a process that does
nothing else, and reports that process's peak RSS.
Last line: `poll / classifier: X` (target >= 0.5) and `1,000 in S s` (target <= 3 s).
"""

from __future__ import annotations

import argparse
import json
import mailbox
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seed import insert_roster, ts  # bench/seed.py

from outreach.clock import FixedClock
from outreach.config import load_config
from outreach.inbound import parse_and_classify
from outreach.services.inbox.poll import poll
from outreach.services.workspace.create import create_workspace
from outreach.store.session import make_engine

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
RUNS = 3
DOMAIN = "sakura-beauty.example.jp"
AUTHSERV = "mx.sakura-beauty.example.jp"
FOOTER = (
    "> 配信停止をご希望の方はこのメールに「配信停止」とご返信ください。\n"
    "> さくらビューティー PR 東京都港区"
)
REPLIES = [
    "ご連絡ありがとうございます。ぜひ詳しくお話を伺いたいです。報酬と投稿時期を教えてください。",
    "Thanks for reaching out! I'd love to hear more. What's the budget and timeline?",
    "はじめまして。とても興味があります。サンプルを送っていただけますか？",
    "Hi, sounds interesting. Could you share the brief and the deliverables?",
]
OOO = [
    (
        "自動返信: 不在のお知らせ",
        "12月1日まで休暇のため不在にしております。戻り次第ご返信いたします。",
    ),
    (
        "Automatic reply: Out of office",
        "I'm out of the office until December 2 with limited access to email.",
    ),
]
OPT_OUT = "今後このようなメールは送らないでください。配信停止をお願いします。"


def mid(i: int) -> str:
    return f"<{i:032x}@{DOMAIN}>"


def populate(db: Path, count: int) -> None:
    """`count` influencers, each with step 1 sent (Message-ID `mid(i)`) and step 2 queued."""
    created = ts(NOW - timedelta(days=3))
    due = ts(NOW + timedelta(days=2))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    with conn:
        insert_roster(conn, count, created)
        conn.executemany(
            "INSERT INTO enrollment (id, campaign_id, influencer_id, sequence, mailbox, next_step,"
            " next_due_at, status, stage, stage_changed_at, created_at)"
            " VALUES (?, 1, ?, 'standard', 'main', 2, ?, 'active', 'contacted', ?, ?)",
            ((i, i, due, created, created) for i in range(1, count + 1)),
        )
        for step, state, when in ((1, "sent", created), (2, "queued", due)):
            conn.executemany(
                "INSERT INTO outbox (enrollment_id, step, mailbox, mail_from, rcpt_to, email_norm,"
                " message_id, subject, state, attempt, due_at, expires_at, last_error, created_at,"
                " updated_at) VALUES (?, ?, 'main', ?, ?, ?, ?, 'ご提案', ?, 0, ?, NULL, '', ?, ?)",
                (
                    (
                        i,
                        step,
                        f"pr@{DOMAIN}",
                        json.dumps([f"u{i}@example.jp"]),
                        f"u{i}@example.jp",
                        mid(i) if step == 1 else f"<f{i:031x}@{DOMAIN}>",
                        state,
                        when,
                        created,
                        created,
                    )
                    for i in range(1, count + 1)
                ),
            )
    conn.close()


def auth(domain: str) -> str:
    return (
        f"Authentication-Results: {AUTHSERV}; dkim=pass header.d={domain} header.s=s1;"
        f" spf=pass smtp.mailfrom={domain}; dmarc=pass header.from={domain}\n"
    )


def message(i: int, rng: random.Random) -> bytes:
    """One inbound message about influencer i: the mix described at the top."""
    date = format_datetime(NOW - timedelta(minutes=i))
    roll = rng.random()
    who = f"u{i}@example.jp"
    head = (
        f"Date: {date}\nMessage-ID: <in{i}.{rng.getrandbits(32)}@example.jp>\nMIME-Version: 1.0\n"
    )
    if roll < 0.10:  # a bounce quoting our message
        return (
            f"Return-Path: <>\n{head}From: MAILER-DAEMON@mx.example.jp\nTo: pr@{DOMAIN}\n"
            "Subject: Undelivered Mail Returned to Sender\nAuto-Submitted: auto-replied\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
            f"--b\nContent-Type: text/plain\n\n{who}: user unknown\n\n"
            "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.jp\n\n"
            f"Final-Recipient: rfc822; {who}\nAction: failed\nStatus: 5.1.1\n"
            f"Diagnostic-Code: smtp; 550 5.1.1 <{who}>: "
            "Recipient address rejected: User unknown\n\n"
            f"--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: {mid(i)}\nTo: {who}\n\n--b--\n"
        ).encode()
    if roll < 0.20:  # a stranger: matches nothing
        return (
            f"{auth('news.example')}{head}From: news@news.example\nTo: pr@{DOMAIN}\n"
            "Subject: Weekly digest\nContent-Type: text/plain; charset=utf-8\n\n"
            "This week's top stories in beauty marketing.\n"
        ).encode()
    thread = f"In-Reply-To: {mid(i)}\nReferences: {mid(i)}\n"
    base = (
        f"{auth('example.jp')}{head}From: {who}\nTo: pr@{DOMAIN}\n{thread}"
        "Content-Type: text/plain; charset=utf-8\n"
    )
    if roll < 0.35:
        subject, body = OOO[i % 2]
        return f"{base}Auto-Submitted: auto-replied\nSubject: {subject}\n\n{body}\n".encode()
    if roll < 0.40:
        return f"{base}Subject: Re: ご提案\n\n{OPT_OUT}\n\n{FOOTER}\n".encode()
    return f"{base}Subject: Re: ご提案\n\n{REPLIES[i % len(REPLIES)]}\n\n{FOOTER}\n".encode()


class Bench:
    """A workspace with `count` sent pitches and a Maildir of `count` answers."""

    def __init__(self, root: Path, count: int, name: str = "timed") -> None:
        self.count = count
        self.folder = root / name
        create_workspace(self.folder)
        config_path = self.folder / "config.toml"
        text = config_path.read_text(encoding="utf-8")
        config_path.write_text(
            text.replace("trusted_authserv_ids = []", f'trusted_authserv_ids = ["{AUTHSERV}"]', 1),
            encoding="utf-8",
        )
        self.config = load_config(config_path)
        assert self.config.inbox.trusted_authserv_ids == (AUTHSERV,)
        self.db = self.folder / "outreach.db"
        populate(self.db, count)
        self.pristine = root / f"{name}.pristine.db"
        shutil.copy(self.db, self.pristine)
        rng = random.Random(7)
        self.raws = [message(i, rng) for i in range(1, count + 1)]
        inbox = self.config.path(self.config.mailboxes["main"].inbox.path)
        for sub in ("tmp", "new", "cur"):  # `outreach init` leaves the folder empty
            (inbox / sub).mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(str(inbox), create=False)
        for raw in self.raws:
            box.add(raw)

    def fresh(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        shutil.copy(self.pristine, self.db)

    def classify(self) -> float:
        t0 = time.perf_counter()
        for raw in self.raws:
            parse_and_classify(raw)
        return time.perf_counter() - t0

    def poll(self) -> tuple[float, dict[str, int]]:
        self.fresh()
        engine = make_engine(self.config.database_url)
        t0 = time.perf_counter()
        report = poll(engine, self.config, FixedClock(NOW))
        took = time.perf_counter() - t0
        engine.dispose()
        if report.read != self.count or report.errors:
            raise SystemExit(f"poll read {report.read} of {self.count}: {report.errors}")
        return took, dict(report.kinds)


def child(folder: Path) -> None:
    """The memory run, in a process of its own: one first poll of the workspace's Maildir;
    prints the seconds and the process's peak RSS in MiB."""
    config = load_config(folder / "config.toml")
    engine = make_engine(config.database_url)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    report = poll(engine, config, FixedClock(NOW))
    took = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if report.errors:
        raise SystemExit(f"poll failed: {report.errors}")
    print(
        json.dumps(
            {
                "count": report.read,
                "seconds": round(took, 2),
                "peak_rss_mib": round(peak / 1024, 1),
                "before_poll_rss_mib": round(before / 1024, 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000)
    parser.add_argument("--memory-count", type=int, default=10_000)
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    root = Path(tempfile.mkdtemp(prefix="outreach-inbox-"))
    try:
        bench = Bench(root, args.count)
        classify, polls, kinds = [], [], {}
        for _ in range(RUNS):  # interleaved, so load from other processes hits both alike
            classify.append(bench.classify())
            took, kinds = bench.poll()
            polls.append(took)
        big = Bench(root, args.memory_count, "memory")
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(big.folder)],
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    n = args.count
    c_rate, p_rate = n / min(classify), n / min(polls)
    print(f"messages: {n:,} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    print(f"classifier alone:  {c_rate:7.0f} messages/s")
    print(f"first poll:        {p_rate:7.0f} messages/s  ({min(polls):.2f} s for {n:,})")
    mem = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"poll of {mem['count']:,}: {mem['seconds']} s, peak RSS {mem['peak_rss_mib']} MiB"
        f" ({mem['before_poll_rss_mib']} MiB before the poll started)"
    )
    print(
        json.dumps(
            {
                "count": n,
                "classify_per_s": round(c_rate),
                "poll_per_s": round(p_rate),
                "poll_s": round(min(polls), 2),
                **{f"mem_{k}": v for k, v in mem.items()},
            }
        ),
        file=sys.stderr,
    )
    print(
        f"poll / classifier: {p_rate / c_rate:.2f}  (target >= 0.5); "
        f"{n:,} in {min(polls):.2f} s (target <= 3 s)"
    )


if __name__ == "__main__":
    main()
