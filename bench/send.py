"""Sending throughput, from due enrollments to accepted mail: our daemon path vs Postfix
smtp-source vs mailmerge, all into one Postfix smtp-sink on 127.0.0.1.

    python bench/send.py            # N = 5,000
    python bench/send.py --n 500    # a quick run

Ours: N influencers (half Japanese, half English, each with a recent post) enrolled in the
sample campaign `spring-serum` with step 1 of `standard` due now, in a SQLite workspace made by
`outreach init`. The daemon's first tick, timed: its `plan_job` (render the shipped
`pitch.ja.j2`/`pitch.en.j2` with their footers, build the 7-bit message, queue the row with its
bytes and Message-ID, batch after batch, in the planner's worker process) and its `dispatch_job`
(which takes each batch as it lands: claim with the rate-limit reservation, stop re-check,
`sending` committed before the message, SMTP pipelined over the mailbox's pooled connections,
the attempt log, the prospect -> contacted move and the next step scheduled) start together and
run until every row is sent. Workspace setup is not timed.
mailmerge (PyPI; sequential smtplib, one connection per message) gets the same rows as a CSV
and the same template text, with what our filters compute per row (honorific, tracking and
unsubscribe links, encoded headers) precomputed as columns. Timed as a subprocess, so its ~0.2 s
of interpreter start-up is in its time.
smtp-source `-s 1`: one session, the same count and our average message size (the ratio's
reference: one session of a C client is the bare cost of the SMTP exchange on this machine,
whatever the connection count); `-s CONNECTIONS` is printed too, not in the ratio.
Last line: `ratio vs smtp-source: X  ratio vs mail-merge: Y` (our messages/s over theirs;
targets X >= 0.25, Y >= 3). See bench/README.md for installing the Postfix tools.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import formataddr
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OUTREACH_UNSUBSCRIBE_SECRET", "bench-secret-at-least-32-bytes-long")

from sqlalchemy import Engine, func, select  # noqa: E402

from outreach.clock import FixedClock  # noqa: E402
from outreach.config import Config, parse_config  # noqa: E402
from outreach.daemon.run import AppContext, dispatch_job, plan_job  # noqa: E402
from outreach.services.report.numbers import catch_up  # noqa: E402
from outreach.services.workspace.create import create_workspace  # noqa: E402
from outreach.store.queries import tally  # noqa: E402
from outreach.store.schema import outbox, outbox_message  # noqa: E402
from outreach.store.session import make_engine, reading, writing  # noqa: E402
from outreach.transport.smtp import SmtpTransport  # noqa: E402

NOW = datetime(
    2026, 11, 24, 1, 0, tzinfo=UTC
)  # Tuesday 10:00 in Tokyo: a working day, in the window
CONNECTIONS = 16  # SMTP connections of the mailbox: DB work overlaps the server round trips
BATCH = 1000  # sending.batch_size: rows planned and claimed per tick
POSTFIX_DIRS = ("/usr/sbin", "/usr/lib/postfix/sbin", "/usr/libexec/postfix")


def tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(Path(d) / name) for d in POSTFIX_DIRS if (Path(d) / name).exists()), None
    )
    if found is None:
        sys.exit(
            f"{name} not found: install Postfix (see bench/README.md: "
            "DEBIAN_FRONTEND=noninteractive apt-get install -y postfix)"
        )
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sink(port: int) -> subprocess.Popen[bytes]:
    cmd = [tool("smtp-sink")]
    if os.geteuid() == 0:
        cmd += ["-u", "nobody"]  # smtp-sink refuses to run as root without a user to switch to
    proc = subprocess.Popen([*cmd, f"127.0.0.1:{port}", "256"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("smtp-sink did not start")


# --- the rows, shared by both contenders -------------------------------------------------


def person(i: int) -> dict[str, str]:
    """Influencer i: even ones Japanese, odd ones English, each with one recent post."""
    if i % 2 == 0:
        return {
            "name": f"山田 花子{i}",
            "email": f"hanako{i}@example.jp",
            "handle": f"hanako_{i}",
            "language": "ja",
            "niche": "スキンケア",
            "post": f"冬の夜のスキンケア{i}🌙",
        }
    return {
        "name": f"Emma Clarke {i}",
        "email": f"emma{i}@example.com",
        "handle": f"emma_{i}",
        "language": "en",
        "niche": "skincare",
        "post": f"My winter night routine #{i}",
    }


def _ts(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DateTime


def populate(db: Path, n: int) -> None:
    created = _ts(NOW - timedelta(days=10))
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "INSERT INTO campaign (id, slug, created_at) VALUES (1, 'spring-serum', ?)", (created,)
        )
        conn.executemany(
            "INSERT INTO influencer (id, name, email, email_norm, platform, handle, followers,"
            " engagement_rate, tier, niche, country, language, timezone, manager_email, tags,"
            " custom, basis, created_at, updated_at) VALUES"
            " (?, ?, ?, ?, 'instagram', ?, 24000, 0.04, 'micro', ?, 'JP', ?, 'Asia/Tokyo', '',"
            " '[]', '{}', 'published_business_address', ?, ?)",
            (
                (
                    i + 1,
                    p["name"],
                    p["email"],
                    p["email"],
                    p["handle"],
                    p["niche"],
                    p["language"],
                    created,
                    created,
                )
                for i, p in ((i, person(i)) for i in range(n))
            ),
        )
        conn.executemany(
            "INSERT INTO post (influencer_id, platform, url, title, published_at, likes, comments)"
            " VALUES (?, 'instagram', ?, ?, ?, 800, 40)",
            (
                (
                    i + 1,
                    f"https://www.instagram.com/p/bench-{i}/",
                    person(i)["post"],
                    _ts(NOW - timedelta(days=3)),
                )
                for i in range(n)
            ),
        )
        conn.executemany(
            "INSERT INTO enrollment (id, campaign_id, influencer_id, sequence, mailbox, next_step,"
            " next_due_at, status, stage, stage_changed_at, created_at)"
            " VALUES (?, 1, ?, 'standard', 'main', 1, ?, 'active', 'prospect', ?, ?)",
            ((i + 1, i + 1, _ts(NOW - timedelta(minutes=5)), created, created) for i in range(n)),
        )
    conn.execute("ANALYZE")
    conn.close()
    # Rows written around the store have no report counters yet; `outreach enroll` counts each
    # enrolment as it makes it, so count them here as it would have (untimed, like the rows).
    engine = make_engine(f"sqlite:///{db}")
    with writing(engine) as conn:
        tally.rebuild(conn)
    engine.dispose()


def bench_config(folder: Path, port: int, n: int) -> Config:
    """The sample config, pointed at the sink, with the limits out of the way of a bulk run."""
    data = tomllib.loads((folder / "config.toml").read_text(encoding="utf-8"))
    box = data["mailboxes"]["main"]
    box["smtp"].update(port=port, connections=CONNECTIONS)
    box["inbox"]["source"] = "none"
    box["limits"].update(daily_cap=n, min_gap_seconds=0, jitter_seconds=0)
    data["sending"].update(jitter_seconds=0, batch_size=BATCH)
    return parse_config(data, source=str(folder / "config.toml"), base_dir=folder)


def count_later(config: Config, n: int) -> float:
    """Seconds the daemon's `count` job takes to count the `n` sends into the report's counters
    (the sending path only records them)."""
    engine = make_engine(config.database_url)
    started = time.perf_counter()
    counted = catch_up(engine)
    took = time.perf_counter() - started
    engine.dispose()
    if counted != n:
        sys.exit(f"the count job counted {counted} sends, not {n}")
    return took


def sent_count(engine: Engine) -> int:
    with reading(engine) as conn:
        return int(conn.execute(select(func.count()).where(outbox.c.state == "sent")).scalar_one())


def average_size(config: Config) -> int:
    engine = make_engine(config.database_url)
    with reading(engine) as conn:
        return int(conn.execute(select(func.avg(func.length(outbox_message.c.raw)))).scalar_one())


def ours(config: Config, n: int) -> tuple[float, float]:
    """(messages/s, seconds the planner's worker process took to start: not in the rate)."""
    ctx = AppContext(
        config=config,
        engine=make_engine(config.database_url),
        clock=FixedClock(NOW),
        transport=SmtpTransport(config.mailboxes),
        worker="bench",
    )
    planner = ctx.planner_for(once=False)  # as `outreach run`
    started = time.perf_counter()
    asyncio.run(planner.plan(NOW, 0))  # a daemon starts its worker once, at its first tick
    start_up = time.perf_counter() - started

    async def go() -> None:
        try:
            # The daemon's first tick: the plan and dispatch jobs start together, as APScheduler
            # starts them. plan_job queues batch after batch; dispatch_job sends each batch as it
            # lands (the daemon's plan -> dispatch hand-off) until nothing is left.
            await asyncio.wait_for(asyncio.gather(plan_job(ctx), dispatch_job(ctx)), timeout=300)
        finally:
            await ctx.transport.close()

    t = time.perf_counter()
    try:
        asyncio.run(go())
    finally:
        planner.close()
    elapsed = time.perf_counter() - t
    if (done := sent_count(ctx.engine)) != n:
        sys.exit(f"our run sent {done} of {n}")
    return n / elapsed, start_up


# --- mailmerge: the same rows and template text ------------------------------------------

MAILMERGE_TEMPLATE = """\
TO: {{to}}
FROM: {% if language == "ja" %}{{ja_sender}}{% else %}"Aya Sato, Sakura Beauty PR" <pr@sakura-beauty.example.jp>{% endif %}
SUBJECT: {% if language == "ja" %}{{ja_subject}}{% else %}Paid collab idea for @{{handle}}{% endif %}
MESSAGE-ID: <{{message_id}}@sakura-beauty.example.jp>
LIST-UNSUBSCRIBE: <{{unsubscribe}}>, <mailto:unsubscribe@sakura-beauty.example.jp?subject=unsubscribe>
LIST-UNSUBSCRIBE-POST: List-Unsubscribe=One-Click

{% if language == "ja" %}{{honorific}}

ご投稿「{{post}}」を
拝見し、ご連絡いたしました。
株式会社さくらビューティーのPR担当 佐藤と申します。

{{niche}}の丁寧な発信に惹かれ、新作のSakura Night Serumを
ご自身の言葉でご紹介いただけないでしょうか。

・内容：Instagram feed post ×1、Stories ×2
・投稿期限：12月22日(火)
・謝礼：¥30,000＋Sakura Night Serum 30 mL (¥8,800)
構成や表現はお任せします（「PR」表記のみお願いします）。

ご興味があれば、12月11日(金)までにご返信ください。
詳細：{{link}}

どうぞよろしくお願いいたします。
━━━━━━━━━━━━━━━━━━━━
株式会社さくらビューティー
PR担当 佐藤
〒150-0001 東京都渋谷区神宮前1-2-3
お問い合わせ：pr@sakura-beauty.example.jp

今後このようなご案内が不要でしたら、
お手数ですが下記から配信停止をお申し付けください。
配信停止：{{unsubscribe}}
（このメールに「配信停止」とご返信いただいても承ります）
{% else %}Hi {{honorific}},

Your post "{{post}}" caught my eye, and I think Sakura Night Serum would suit your {{niche}} followers.

We'd pay ¥30,000 plus Sakura Night Serum 30 mL (¥8,800) for Instagram feed post ×1 and Stories ×2, \
posted by Tue 22 Dec 2026. What you say and how you say it is entirely up to you; we only ask that you mark it as an ad.

If you're interested, could you reply by Fri 11 Dec 2026? Product details: {{link}}

Best,
--
Sakura Beauty PR team, Sakura Beauty Co., Ltd.
1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001, Japan
Questions: pr@sakura-beauty.example.jp

If you would rather not hear from us again, you can opt out at any time:
{{unsubscribe}} (or simply reply "unsubscribe").
{% endif %}"""  # noqa: E501


def encoded(text: str) -> str:
    """RFC 2047 words on one line (mailmerge's smtplib sends 7-bit headers only)."""
    return " ".join(Header(text, "utf-8").encode().split()) if not text.isascii() else text


JA_SENDER = formataddr((encoded("さくらビューティー PR 佐藤"), "pr@sakura-beauty.example.jp"))
JA_SUBJECT = encoded("ご投稿を拝見しました：Sakura Night Serumのご相談")


def mailmerge_rows(n: int) -> list[dict[str, object]]:
    rows = []
    for i in range(n):
        p = person(i)
        ja = p["language"] == "ja"
        honorific = f"{p['name']} 様" if ja else p["name"]
        rows.append(
            {
                "email": p["email"],
                "language": p["language"],
                "handle": p["handle"],
                "honorific": honorific,
                "post": p["post"],
                "niche": p["niche"],
                "message_id": f"mm{i:08x}",
                "to": formataddr((encoded(honorific), p["email"])),
                "ja_sender": JA_SENDER,
                "ja_subject": JA_SUBJECT,
                "link": (
                    "https://sakura-beauty.example.jp/night-serum?utm_source=influencer&utm_medium=email"
                    f"&utm_campaign=spring-serum&utm_content={i:012x}"
                ),
                "unsubscribe": f"https://sakura-beauty.example.jp/unsubscribe?t=c3ByaW5nLXNlcnVtCmhhbmFrbw{i:08x}.GktisGvvkfcmNUp0AaBIzA",
            }
        )
    return rows


def mailmerge(n: int, port: int, work: Path) -> float:
    exe = shutil.which("mailmerge") or str(Path(sys.executable).with_name("mailmerge"))
    if not Path(exe).exists():
        sys.exit("mailmerge not found: pip install mailmerge (benchmark only)")
    folder = work / "mailmerge"
    folder.mkdir()
    (folder / "server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\nsecurity = Never\n"
    )
    (folder / "template.txt").write_text(MAILMERGE_TEMPLATE, encoding="utf-8")
    rows = mailmerge_rows(n)
    with (folder / "db.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(
            f, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL
        )  # for its dialect sniffer
        w.writeheader()
        w.writerows(rows)
    cmd = [
        exe,
        "--no-dry-run",
        "--no-limit",
        "--output-format",
        "raw",
        "--template",
        str(folder / "template.txt"),
        "--database",
        str(folder / "db.csv"),
        "--config",
        str(folder / "server.conf"),
    ]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=folder)
    return n / (time.perf_counter() - t)


def smtp_source(n: int, port: int, size: int, sessions: int = 1) -> float:
    cmd = [
        tool("smtp-source"),
        "-s",
        str(sessions),
        "-m",
        str(n),
        "-l",
        str(size),
        "-f",
        "pr@sakura-beauty.example.jp",
        "-t",
        "hanako0@example.jp",
        f"127.0.0.1:{port}",
    ]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="messages per contender (default 5000)")
    n = ap.parse_args().n
    tool("smtp-sink"), tool("smtp-source")
    port = free_port()
    sink = start_sink(port)
    try:
        with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
            work = Path(tmp)
            folder = work / "workspace"
            create_workspace(folder)
            config = bench_config(folder, port, n)
            populate(folder / "outreach.db", n)
            rate_ours, start_up = ours(config, n)
            count_seconds = count_later(config, n)
            size = average_size(config)
            rate_source = smtp_source(n, port, size)
            rate_source_same = smtp_source(n, port, size, sessions=CONNECTIONS)
            rate_mm = mailmerge(n, port, work)
    finally:
        sink.kill()
        sink.wait()
    print(
        f"messages: {n}, {size} bytes on average (half Japanese, half English), "
        "into smtp-sink on 127.0.0.1"
    )
    print(
        f"planner: {config.sending.planner} (its worker process started in {start_up:.2f} s, "
        "before the clock,"
        " as a daemon starts it once)"
    )
    print(
        f"report counters: the {n} sends counted afterwards by the daemon's count job in "
        f"{count_seconds:.2f} s ({count_seconds / n * 1e6:.0f} µs each), off the sending path"
    )
    rows = [
        (
            f"outreach daemon jobs, {CONNECTIONS} connections "
            "(render, build, queue, claim, SMTP, record)",
            rate_ours,
        ),
        ("smtp-source, one session", rate_source),
        (
            f"smtp-source, {CONNECTIONS} sessions (as many as ours; not in the ratio)",
            rate_source_same,
        ),
        ("mailmerge, same rows and template (render, sequential smtplib)", rate_mm),
    ]
    width = max(len(label) for label, _ in rows) + 1
    for label, rate in rows:
        print(f"{label + ':':<{width}} {rate:8.0f} msgs/s")
    print(
        f"ratio vs smtp-source: {rate_ours / rate_source:.2f}  "
        f"ratio vs mail-merge: {rate_ours / rate_mm:.2f}"
    )


if __name__ == "__main__":
    main()
