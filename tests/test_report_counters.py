"""The report's counters against the scanning reference, on SQLite and PostgreSQL.

Two campaigns are driven through the real write paths: enrolment, sends and follow-ups through
an SMTP server (variants on both steps, one address refused at the first step and one at the
second), replies read from files (interested, decline, opt-out, an out-of-office, a delivery
failure report, a reply in someone else's thread resolved by an operator), stage moves by
hand, a deal accepted and moved to contracted, posts, imported orders, a re-import that changes
a person's tier, a merge of two records and an erasure. After each phase the numbers the report
reads from the counters (`numbers.counted`) equal those computed from every row
(`numbers.scanned`), funnel, medians, platform and tier breakdowns, arms and time buckets
alike; and the counters kept along the way equal the counters counted from scratch.
"""

from __future__ import annotations

import email
import random
import statistics
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.config import Config
from outreach.domain.funnel import Facts, gap_bucket, middle, nth
from outreach.domain.influencer import Tier
from outreach.domain.stages import Stage
from outreach.services.inbox.poll import import_files
from outreach.services.report import funnel as f
from outreach.services.report.document import build
from outreach.services.report.numbers import catch_up, counted, scanned
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store.queries import tally
from outreach.store.queries.inbox import record_inbound
from outreach.store.queries.stages import move_stage_if
from outreach.store.schema import (
    enrollment,
    funnel_count,
    funnel_gap,
    funnel_pending,
    funnel_person,
    outbox,
)
from outreach.store.session import reading, writing
from outreach.transport.sink import CaptureSink
from tests.support.render import config_data
from tests.support.sequence import (
    ARM_TEMPLATES,
    ARMS,
    ENROLLED,
    TUE_0905,
    add_influencer,
    main_mailbox,
    make_workspace,
    tick,
)
from tests.support.smtp import Script, ScriptedHandler
from tests.support.workspace import STANDARD, build_workspace, campaign_toml, toml_text

# handle -> (platform, tier)
PEOPLE: dict[str, tuple[str, Tier | None]] = {
    "p01": ("instagram", Tier.MICRO),  # interested, deal, contracted, posts, orders
    "p02": ("instagram", Tier.MACRO),  # declines
    "p03": ("youtube", Tier.NANO),  # opts out by mail
    "p04": ("youtube", Tier.MICRO),  # an out-of-office only: gets the follow-up
    "p05": ("tiktok", Tier.MACRO),  # a delivery failure report after the pitch
    "p06": ("tiktok", None),  # refused at the first step: never sent
    "p07": ("instagram", Tier.NANO),  # refused at the second step: sent, then bounced
    "p08": ("instagram", Tier.MICRO),  # answers the follow-up
    "p09": ("youtube", Tier.MACRO),  # moved to negotiating by hand, then declined
    "p10": ("instagram", Tier.MICRO),  # writes in p11's thread
    "p11": ("youtube", Tier.NANO),  # ... which an operator resolves as p11's reply
    "p12": ("tiktok", Tier.MICRO),  # re-imported as macro
    "p13": ("instagram", Tier.MICRO),  # replies, then is forgotten
    "p14": ("instagram", Tier.NANO),  # keeps p15's record when merged
}
AUTUMN = {"p15": ("tiktok", Tier.MACRO), "p16": ("youtube", Tier.MICRO)}
FROM = "pr@sakura-beauty.example.jp"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[CaptureSink, ScriptedHandler]]:
    handler = ScriptedHandler(Script())
    with CaptureSink(tmp_path / "sink", handler=handler) as sink:
        yield sink, handler


def _workspace(tmp_path: Path, db: Engine, port: int) -> tuple[Config, Path]:
    box = main_mailbox(limits={"daily_cap": 100, "min_gap_seconds": 0, "jitter_seconds": 0})
    box["main"]["smtp"]["port"] = port
    url = db.url.render_as_string(hide_password=False)
    data = config_data(mailboxes=box, database={"url": url})
    made = build_workspace(
        tmp_path,
        config_toml=toml_text(data),
        config=data,
        sequences={"standard": STANDARD, "arms": ARMS},
        campaigns={"spring": campaign_toml("arms"), "autumn": campaign_toml("standard")},
    )
    for name, text in ARM_TEMPLATES.items():
        (made.config.templates_dir / name).write_text(text, encoding="utf-8")
    return made.config, made.config_path


def _stored(db: Engine) -> tuple[dict[int, str], set[Any], set[Any]]:
    with reading(db) as conn:
        people = {int(k): str(v) for k, v in conn.execute(select(funnel_person))}
        counts = {tuple(r) for r in conn.execute(select(funnel_count).where(funnel_count.c.n != 0))}
        gaps = {tuple(r) for r in conn.execute(select(funnel_gap).where(funnel_gap.c.n != 0))}
    return people, counts, gaps


def _agree(db: Engine, config: Config, slugs: tuple[str, ...] = ("spring", "autumn")) -> None:
    names = f.template_names(config.templates_dir)
    for slug in slugs:
        kept = counted(db, slug, names)
        assert kept == scanned(f.load(db, slug, templates=names)), slug
    before = _stored(db)
    with writing(db) as conn:
        tally.rebuild(conn)
    assert _stored(db) == before


def _mail(path: Path, sender: str, to: str, subject: str, body: str, **headers: str) -> Path:
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    path.write_text(
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n{extra}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n",
        encoding="utf-8",
    )
    return path


def _sent(handler: ScriptedHandler) -> dict[str, list[email.message.Message]]:
    """Address -> our messages to it, in order."""
    out: dict[str, list[email.message.Message]] = {}
    for raw in handler.received:
        msg = email.message_from_bytes(raw)
        out.setdefault(str(msg["To"]).rpartition("<")[2].strip(">"), []).append(msg)
    return out


def _reply(tmp: Path, to: email.message.Message, body: str, date: str, **headers: str) -> Path:
    """The addressee's answer in the thread of our message `to`."""
    sender = str(to["To"])
    name = f"{sender.rpartition('<')[2].strip('>')}-{len(list(tmp.iterdir()))}.eml"
    return _mail(
        tmp / name,
        sender,
        FROM,
        f"Re: {to['Subject']}",
        body,
        Message_ID=f"<{name}@example.jp>",
        In_Reply_To=str(to["Message-ID"]),
        Date=date,
        **headers,
    )


def _bounce(tmp: Path, to: email.message.Message) -> Path:
    """A delivery failure report for our message `to` (Postfix's, as in the corpus)."""
    text = (Path(__file__).parent / "data" / "mail" / "postfix_5_1_1.eml").read_text()
    address = str(to["To"]).rpartition("<")[2].strip(">")
    text = (
        text.replace("taro@example.co.jp", address)
        .replace("Taro@Example.co.jp", address)
        .replace("hello@brand.example", FROM)
        .replace("<20261124092000.c41e9b@brand.example>", str(to["Message-ID"]))
    )
    path = tmp / "bounce.eml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_counters_equal_the_scan_through_every_write_path(
    db: Engine, tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler]
) -> None:
    sink, handler = server
    config, config_path = _workspace(tmp_path, db, sink.port)
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--config", str(config_path), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    for handle, (platform, tier) in {**PEOPLE, **AUTUMN}.items():
        add_influencer(db, handle, platform=platform, tier=tier)
    for slug, people in (("spring", PEOPLE), ("autumn", AUTUMN)):
        enroll(
            db,
            config,
            slug,
            EnrollFilters(handles=tuple(people)),
            dry_run=False,
            now=ENROLLED,
            rng=random.Random(3),
        )
    _agree(db, config)

    # The pitch: p06's address is refused (a hard bounce at RCPT), everyone else's accepted.
    refused = {"p06@example.jp"}
    handler.script.rcpt = lambda a: "550 5.1.1 user unknown" if a in refused else None
    first = TUE_0905.astimezone(UTC)
    assert tick(db, config, first).sent == len(PEOPLE) + len(AUTUMN) - 1
    _agree(db, config)

    mails = tmp_path / "mail"
    mails.mkdir()
    sent = _sent(handler)
    pitch = {a.partition("@")[0]: m[0] for a, m in sent.items()}
    wed = "Wed, 25 Nov 2026 10:00:00 +0900"
    import_files(
        db,
        config,
        FixedClock(first + timedelta(days=1)),
        [
            _reply(mails, pitch["p01"], "ぜひお受けしたいです。条件を教えてください。", wed),
            _reply(
                mails, pitch["p02"], "大変ありがたいお話ですが、今回は見送らせていただきます。", wed
            ),
            _reply(mails, pitch["p03"], "配信停止でお願いします。", wed),
            _reply(
                mails,
                pitch["p04"],
                "不在にしております。12月1日に戻ります。",
                wed,
                Auto_Submitted="auto-replied",
            ),
            _bounce(mails, pitch["p05"]),
            _reply(mails, pitch["p13"], "興味があります。詳細をお願いします。", wed),
            _reply(mails, pitch["p16"], "ぜひ詳しく教えてください。", wed),
        ],
    )
    _agree(db, config)

    # Someone writes in another person's thread: recorded for review, then resolved as a
    # reply of the thread's owner.
    stranger = _mail(
        mails / "stranger.eml",
        "p10@example.jp",
        FROM,
        f"Re: {pitch['p11']['Subject']}",
        "ぜひお願いします。",
        Message_ID="<stranger@example.jp>",
        In_Reply_To=str(pitch["p11"]["Message-ID"]),
        Date="Thu, 26 Nov 2026 10:00:00 +0900",
    )
    import_files(db, config, FixedClock(first + timedelta(days=2)), [stranger])
    _agree(db, config)
    listed = run("inbox", "list", "--needs-review", "--format", "json")
    review = [line for line in listed.splitlines() if "stranger" in line or "p10@" in line]
    assert review, listed
    inbound_id = int(review[0].split('"id": ')[1].split(",")[0])
    run("inbox", "resolve", str(inbound_id), "--as", "reply")
    _agree(db, config)

    # The follow-up, due three business days later: p07's address is refused now.
    refused.add("p07@example.jp")
    with reading(db) as conn:
        due = max(
            d for d in conn.execute(select(enrollment.c.next_due_at)).scalars() if d is not None
        )
    assert tick(db, config, due.replace(tzinfo=UTC) + timedelta(seconds=1)).sent > 0
    _agree(db, config)
    follow = {a.partition("@")[0]: m[-1] for a, m in _sent(handler).items() if len(m) > 1}
    assert "p08" in follow and "p07" not in follow
    import_files(
        db,
        config,
        FixedClock(due.replace(tzinfo=UTC) + timedelta(days=1)),
        [_reply(mails, follow["p08"], "ぜひお受けしたいです。", "Tue, 1 Dec 2026 10:00:00 +0900")],
    )
    _agree(db, config)

    # By hand: p09 answered by phone (negotiating), then declines; p01's deal is accepted,
    # contracted, posted, and orders come in by its promo code.
    run("move", "@p09", "negotiating", "--note", "phoned")
    run("move", "@p09", "declined")
    run(
        "deal",
        "offer",
        "@p01",
        "--campaign",
        "spring",
        "--fee",
        "50000",
        "--deliverable",
        "instagram:reel:1:2026-12-10",
        "--deliverable",
        "instagram:feed:1:2026-12-12",
        "--promo-code",
        "P01TEN",
    )
    run("deal", "accept", "@p01", "--campaign", "spring")
    run("move", "@p01", "contracted", "--campaign", "spring")
    _agree(db, config)
    run(
        "post",
        "add",
        "@p01",
        "https://www.instagram.com/reel/P01/",
        "--campaign",
        "spring",
        "--caption",
        "夜の集中ケア #PR",
        "--posted-at",
        "2026-12-08 10:00:00",
    )
    _agree(db, config)
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,ordered_at,revenue,discount_code,landing_url\n"
        "1,2026-12-09T12:00:00,12000,P01TEN,\n2,2026-12-10T12:00:00,8000,p01ten,\n",
        encoding="utf-8",
    )
    run("import", "orders", "spring", str(orders))
    _agree(db, config)
    # p01 writes again: one more reply in its time bucket, no stage moves.
    import_files(
        db,
        config,
        FixedClock(due.replace(tzinfo=UTC) + timedelta(days=12)),
        [_reply(mails, pitch["p01"], "投稿しました！", "Thu, 10 Dec 2026 10:00:00 +0900")],
    )
    _agree(db, config)

    # A re-import with more followers: p12 is macro now, in every breakdown.
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,email,platform,handle,followers\n山田 花子,p12@example.jp,tiktok,p12,600000\n",
        encoding="utf-8",
    )
    run(
        "import",
        "influencers",
        str(roster),
        "--basis",
        "published_business_address",
        "--basis-url",
        "https://example.jp/contact",
    )
    _agree(db, config)
    spring = counted(db, "spring", f.template_names(config.templates_dir))
    assert spring.groups["tier"]["macro"]["enrolled"] == 4  # p02, p05, p09, p12

    # p15 (autumn, tiktok) is p14 (spring, instagram): the autumn enrolment moves to p14.
    run("roster", "merge", "instagram:p14", "tiktok:p15")
    _agree(db, config)
    autumn = counted(db, "autumn", f.template_names(config.templates_dir))
    assert autumn.groups["platform"]["instagram"]["enrolled"] == 1

    # p13 asks to be forgotten: their enrolment, messages and reply leave every count.
    run("forget", "p13@example.jp", "--yes")
    _agree(db, config)

    final = counted(db, "spring", f.template_names(config.templates_dir))
    got = {c.stage: c.count for c in final.funnel}
    assert got["enrolled"] == len(PEOPLE) - 1  # p13 forgotten
    assert got["sent"] == len(PEOPLE) - 2  # and p06 never sent
    assert got["delivered"] == got["sent"] - 2  # p05 and p07 bounced
    assert (got["replied"], got["interested"], got["declined"], got["opted_out"]) == (6, 4, 2, 1)
    assert got["contracted"] == got["posted"] == got["converted"] == 1  # one of two posts
    assert {c.stage: c.median_hours for c in final.funnel}["delivered"] == 0.0
    assert {a.name for a in final.arms} == {"short", "long"}
    with reading(db) as conn:
        sent_rows = conn.execute(select(outbox.c.id).where(outbox.c.sent_at.is_not(None))).all()
    assert sum(n for _, n in final.sends) + sum(n for _, n in counted(db, "autumn").sends) == len(
        sent_rows
    )


def test_sends_are_counted_off_the_sending_path_once_whatever_the_order(
    db: Engine, tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler]
) -> None:
    """The group commit of sends records each send to be counted later; a reply that reads the
    person whole before that, a second count of the same rows and two counters at once still
    count each message once."""
    sink, handler = server
    config, _ = _workspace(tmp_path, db, sink.port)
    people = ("p01", "p02", "p03", "p04")
    for handle in people:
        add_influencer(db, handle, platform="instagram", tier=Tier.MICRO)
    enroll(
        db,
        config,
        "spring",
        EnrollFilters(handles=people),
        dry_run=False,
        now=ENROLLED,
        rng=random.Random(3),
    )
    first = TUE_0905.astimezone(UTC)
    assert tick(db, config, first).sent == len(people)

    def waiting() -> list[int]:
        with reading(db) as conn:
            return sorted(conn.execute(select(funnel_pending.c.outbox_id)).scalars())

    def sends_counted() -> int:
        with reading(db) as conn:
            cells = conn.execute(select(funnel_count.c.cell, funnel_count.c.n)).all()
        return sum(n for cell, n in cells if cell.startswith('["s"'))

    with reading(db) as conn:
        sent_ids = sorted(
            conn.execute(select(outbox.c.id).where(outbox.c.state == "sent")).scalars()
        )
    assert waiting() == sent_ids  # recorded by the sending transaction, not counted in it
    assert sends_counted() == 0

    # p01 answers before anything counts the send: the reply reads p01 whole, send included.
    mails = tmp_path / "mail"
    mails.mkdir()
    pitch = {a.partition("@")[0]: m[0] for a, m in _sent(handler).items()}
    wed = "Wed, 25 Nov 2026 10:00:00 +0900"
    import_files(
        db,
        config,
        FixedClock(first + timedelta(days=1)),
        [_reply(mails, pitch["p01"], "ぜひお受けしたいです。", wed)],
    )
    assert sends_counted() == 1

    # Two counters at once (two daemon workers), then the same rows recorded again and counted
    # a second time, as a counter that read them before another one deleted them would.
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def count() -> None:
        start.wait()
        try:
            catch_up(db)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=count) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and waiting() == []
    assert sends_counted() == len(people)
    _agree(db, config, ("spring",))
    with writing(db) as conn:
        rows = conn.execute(
            select(outbox.c.id, outbox.c.enrollment_id).where(outbox.c.id.in_(sent_ids))
        )
        conn.execute(
            funnel_pending.insert(),
            [{"outbox_id": i, "enrollment_id": e} for i, e in rows],
        )
    assert catch_up(db) == len(people)
    assert sends_counted() == len(people)
    _agree(db, config, ("spring",))
    assert catch_up(db) == 0


def test_a_report_since_a_date_reads_every_row_and_the_whole_campaign_reads_counters(
    db: Engine, tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler]
) -> None:
    sink, _ = server
    config, _ = _workspace(tmp_path, db, sink.port)
    for handle in ("a1", "a2", "a3"):
        add_influencer(db, handle)
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3))
    tick(db, config, TUE_0905.astimezone(UTC))
    kw: dict[str, Any] = {"zone": TUE_0905.tzinfo, "language": "en", "now": ENROLLED}
    whole = build(db, "spring", **kw)
    since = build(db, "spring", since=ENROLLED.replace(tzinfo=None) - timedelta(days=1), **kw)
    for key in ("funnel", "over_time", "variants", "platforms", "tiers"):
        assert whole[key] == since[key], key
    # the counters are what the whole-campaign report read: without them it shows nothing
    with writing(db) as conn:
        conn.execute(funnel_count.delete())
    assert build(db, "spring", **kw)["funnel"][0]["count"] == 0
    assert build(db, "spring", since=datetime(2000, 1, 1), **kw)["funnel"][0]["count"] == 3


def test_concurrent_writers_keep_exact_counts(db: Engine, tmp_path: Path) -> None:
    """Six writers at once (as daemon workers on PostgreSQL are), each in many short
    transactions: replies recorded, stage moves and bounces, every enrolment touched by all
    three kinds in a different order, all of them adding to the same counters. Nothing is lost
    or counted twice, and no transaction waits on another in a cycle."""
    config = make_workspace(tmp_path)
    for i in range(30):
        add_influencer(db, f"c{i:02}", tier=(Tier.NANO, Tier.MICRO, Tier.MACRO)[i % 3])
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED, rng=random.Random(3))
    with reading(db) as conn:
        ids = sorted(conn.execute(select(enrollment.c.id)).scalars())
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def writer(kind: str, seed: int) -> None:
        order = ids[:]
        random.Random(seed).shuffle(order)
        start.wait()
        try:
            for n, eid in enumerate(order):
                at = ENROLLED + timedelta(hours=1 + seed, minutes=n)
                with writing(db) as conn:
                    if kind == "reply":
                        record_inbound(
                            conn,
                            mailbox="main",
                            source="file",
                            dedupe_key=f"<{kind}-{seed}-{eid}@example.jp>",
                            received_at=at,
                            processed_at=at,
                            kind="reply",
                            enrollment_id=eid,
                            detail={},
                        )
                    else:
                        target = Stage.NEGOTIATING if kind == "move" else Stage.BOUNCED
                        move_stage_if(conn, eid, target, cause=kind, at=at, check=False)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    threads = [
        threading.Thread(target=writer, args=(kind, seed))
        for seed, kind in enumerate(("reply", "reply", "move", "move", "bounce", "bounce"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    _agree(db, config, ("spring",))
    got = {c.stage: c.count for c in counted(db, "spring").funnel}
    assert got["replied"] == got["enrolled"] == 30


def _difference(before: Facts, after: Facts) -> tuple[Counter[str], Counter[Any]]:
    (c0, g0), (c1, g1) = before.contributions(), after.contributions()
    cells, gaps = Counter(c1), Counter(g1)
    cells.subtract(c0)
    gaps.subtract(g0)
    return +cells, +gaps  # what is not zero


@pytest.mark.parametrize(
    "stages",
    [(), (("bounced", 1_000.0),), (("contracted", 90_000.0),), (("posted", 5_000.0),)],
)
@pytest.mark.parametrize("earlier", [(), ((1, "a" * 64, "short", 3_600.0),)])
def test_counting_a_send_from_the_facts_is_counting_them_whole(
    stages: tuple[tuple[str, float], ...], earlier: tuple[tuple[int, str, str, float], ...]
) -> None:
    before = Facts(7, "youtube", "", 0.5, earlier, stages, (), 4_000.0, None, None)
    message = (len(earlier) + 1, "b" * 64, "long", 3_600.0 * (3 + len(earlier)) + 0.25)
    found = before.with_sent([message])
    assert found is not None
    after, cells, gaps = found
    assert after.sent == (*earlier, message)
    expected_cells, expected_gaps = _difference(before, after)
    assert +cells == expected_cells and +gaps == expected_gaps
    # someone who answered is counted whole: which message the answer counts for may change
    answered = Facts(7, "youtube", "", 0.5, earlier, stages, (7_200.0,), None, None, None)
    assert answered.with_sent([message]) is None
    if earlier:  # a step counted sent already: counted whole
        assert before.with_sent([(1, *message[1:])]) is None


def test_the_median_from_the_histogram_is_statistics_median() -> None:
    rng = random.Random(5)
    for size in (1, 2, 3, 10, 101, 1000):
        values = [round(rng.expovariate(1 / 40), rng.choice((0, 3, 9))) for _ in range(size)]
        values += [0.0] * rng.choice((0, 3))
        histogram: Counter[int] = Counter(gap_bucket(v) for v in values)
        by_bucket: dict[int, Counter[float]] = {}
        for v in values:
            by_bucket.setdefault(gap_bucket(v), Counter())[v] += 1
        found = [nth(sorted(by_bucket[b].items()), k) for b, k in middle(histogram)]
        got = found[0] if len(found) == 1 else (found[0] + found[1]) / 2
        assert got == statistics.median(values), size
    ordered = sorted({gap_bucket(v / 7) for v in range(0, 10_000)})
    assert ordered == sorted(ordered) and gap_bucket(0.0) < gap_bucket(1e-9)
    assert [gap_bucket(v) for v in (0.5, 1.0, 2.0)] == sorted({gap_bucket(v) for v in (0.5, 1, 2)})
