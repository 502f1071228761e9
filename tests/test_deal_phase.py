"""After the deal: the conversation goes on from the sequence's [[after_deal]] steps and its
[reminder], through real servers (the daemon's jobs in-process on a fixed clock, aiosmtpd
capturing what is sent, replies read from a real IMAP server, SQLite and PostgreSQL).

A pitch goes out, a human reply stops it, a deal is offered and accepted: the terms message
goes out in the pitch's thread with the exact fee and deliverables. One deliverable is posted,
one is late: the reminder goes out once, naming only the late one, and never again, across a
daemon restart. An opt-out-stopped enrollment is never re-opened by accept; a reply during the
deal phase stops it."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from outreach.clock import FixedClock, naive_utc
from outreach.config import Config, load_config
from outreach.daemon.run import AppContext, run_daemon
from outreach.demo.config import write_demo_config
from outreach.demo.mail import human_reply_ja, opt_out_ja, read_captured
from outreach.domain.deal import Deliverable
from outreach.domain.sequence import parse_sequence
from outreach.domain.windows import Window
from outreach.services.pipeline import deals
from outreach.services.roster.importer import ImportOptions, import_influencers, import_posts
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.services.workspace.create import create_workspace
from outreach.store.queries.suppression import suppress_domain
from outreach.store.schema import enrollment, influencer, outbox
from outreach.store.session import make_engine, reading, writing
from outreach.transport.sink import CaptureSink
from outreach.transport.smtp import SmtpTransport
from tests.support.imap import PASSWORD_ENV, USER, running_imap

TUESDAY_10_JST = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
HANAKO, MISAKI, KENTA = "hanako_kitchen", "misaki_beauty", "kenta_camp"
TERMS_STEP, REMINDER_STEP = 4, 5  # the demo sequence: three pitch steps, terms, reminder


def jst(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 9, 0, tzinfo=UTC)


def workspace_on(tmp_path: Path, engine: Engine, smtp_port: int, imap_port: int) -> Path:
    """The sample workspace in demo settings, on `engine`'s database, reading the IMAP server."""
    ws = tmp_path / "ws"
    create_workspace(ws)
    config_path = write_demo_config(ws, smtp_port=smtp_port)
    text = config_path.read_text(encoding="utf-8")
    url = engine.url.render_as_string(hide_password=False)
    text, n = re.subn(r'^url = "sqlite:///outreach.db"$', f'url = "{url}"', text, flags=re.M)
    assert n == 1
    text, n = re.subn(
        r'^source = "maildir".*\npath = "inbox".*$',
        f'source = "imap"\nhost = "127.0.0.1"\nport = {imap_port}\nsecurity = "none"\n'
        f'username = "{USER}"\npassword_env = "{PASSWORD_ENV}"\nfolder = "INBOX"',
        text,
        flags=re.MULTILINE,
    )
    assert n == 1
    config_path.write_text(text, encoding="utf-8")
    return config_path


def mails(maildir: Path) -> list[EmailMessage]:
    parser = BytesParser(policy=policy.default)
    files = [*maildir.glob("new/*"), *maildir.glob("cur/*")]
    ordered = sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [parser.parsebytes(p.read_bytes()) for p in ordered]  # type: ignore[misc]


def to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if m["To"].addresses[0].addr_spec == address]


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def state_of(engine: Engine, handle: str) -> tuple[str, str, str, int]:
    with reading(engine) as conn:
        row = conn.execute(
            select(
                enrollment.c.stage,
                enrollment.c.status,
                enrollment.c.stop_reason,
                enrollment.c.next_step,
            )
            .join(influencer, influencer.c.id == enrollment.c.influencer_id)
            .where(influencer.c.handle == handle)
        ).one()
    return row.stage, row.status, row.stop_reason, row.next_step


def steps_of(engine: Engine, handle: str) -> list[tuple[int, str]]:
    with reading(engine) as conn:
        rows = conn.execute(
            select(outbox.c.step, outbox.c.state)
            .join(enrollment, enrollment.c.id == outbox.c.enrollment_id)
            .join(influencer, influencer.c.id == enrollment.c.influencer_id)
            .where(influencer.c.handle == handle)
            .order_by(outbox.c.step)
        )
        return [(r.step, r.state) for r in rows]


def offer_and_accept(
    engine: Engine, config: Config, clock: FixedClock, handle: str, *items: Deliverable
) -> deals.DealState:
    deals.offer(
        engine,
        clock,
        f"@{handle}",
        fee=50000,
        gift_product="Sakura Night Serum",
        gift_unit_cost=4500,
        gift_quantity=1,
        deliverables=items,
        usage="6か月（Web・広告）",
        disclosure=("#PR",),
    )
    return deals.accept(engine, clock, f"@{handle}", by="creator", config=config)


def test_terms_then_one_reminder_for_the_late_post_only(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_imap(tmp_path, monkeypatch) as imap, CaptureSink(tmp_path / "sent") as sink:
        config_path = workspace_on(tmp_path, engine, sink.port, imap.port)
        config = load_config(config_path)
        ws = config_path.parent
        clock = FixedClock(TUESDAY_10_JST)
        db = make_engine(config.database_url)
        import_influencers(
            db,
            ws / "roster" / "influencers.csv",
            config=config,
            clock=clock,
            options=ImportOptions(),
        )
        import_posts(db, ws / "roster" / "posts.csv", config=config, options=ImportOptions())
        people = EnrollFilters(handles=(HANAKO, MISAKI, KENTA))
        report = enroll(db, config, "spring-serum", people, dry_run=False, now=clock.now())
        assert len(report.enrolled) == 3

        def daemon_pass() -> None:  # a fresh daemon each time: nothing kept in memory
            ctx = AppContext(config, db, clock, SmtpTransport(config.mailboxes))
            assert asyncio.run(run_daemon(ctx, once=True)) == 0

        daemon_pass()  # the three pitches
        pitches = {p.to_addr: p for p in read_captured(sink.maildir)}
        hanako, misaki, kenta = (
            pitches[a]
            for a in ("hanako.yamada@example.jp", "misaki@example.jp", "kenta.suzuki@example.jp")
        )
        imap.append(
            [
                human_reply_ja(hanako, clock.now()).as_bytes(),
                opt_out_ja(misaki, clock.now()).as_bytes(),
                human_reply_ja(kenta, clock.now()).as_bytes(),
            ]
        )
        clock.advance(timedelta(seconds=30))  # the follow-ups (5 s) would be due now
        daemon_pass()
        daemon_pass()
        assert len(mails(sink.maildir)) == 3, "a reply or an opt-out stops the pitch"
        assert state_of(db, HANAKO)[:3] == ("negotiating", "stopped", "replied")
        assert state_of(db, MISAKI)[0] == "unsubscribed"

        # The deals: accepted on Tuesday. Hanako owes a reel by Mon 30 Nov and a story by
        # Wed 2 Dec; Kenta a video by Thu 26 Nov.
        reel, story = date(2026, 11, 30), date(2026, 12, 2)
        accepted = offer_and_accept(
            db,
            config,
            clock,
            HANAKO,
            Deliverable("instagram", "reel", 1, reel),
            Deliverable("instagram", "story", 1, story),
        )
        assert accepted.phase.startswith(f"step {TERMS_STEP} (terms) due 2026-11-24 01:00")
        refused = offer_and_accept(
            db, config, clock, MISAKI, Deliverable("instagram", "reel", 1, reel)
        )
        assert refused.phase.startswith("deal phase not opened")
        assert state_of(db, MISAKI)[1] == "stopped"  # the opt-out stands
        offer_and_accept(
            db, config, clock, KENTA, Deliverable("youtube", "video", 1, date(2026, 11, 26))
        )

        clock.advance(timedelta(seconds=30))
        daemon_pass()
        sent = mails(sink.maildir)
        assert len(sent) == 5  # the terms to Hanako and Kenta, nothing to Misaki
        terms = to(sent, "hanako.yamada@example.jp")[-1]
        assert terms["In-Reply-To"] == hanako.message_id
        assert terms["References"] == hanako.message_id  # the thread holds the pitch only
        assert str(terms["Subject"]) == f"Re: {hanako.subject}"
        text = body(terms)
        assert "お世話になっております。" in text
        assert "・謝礼：¥50,000（税別）" in text
        assert "・商品：Sakura Night Serum 1点" in text
        assert "・Instagram リール 1件：11月30日(月)まで" in text
        assert "・Instagram ストーリーズ 1件：12月2日(水)まで" in text
        assert "・二次利用：6か月（Web・広告）" in text
        assert "「#PR」" in text
        assert to(sent, "misaki@example.jp") == [to(sent, "misaki@example.jp")[0]]

        # Kenta answers the terms: the deal phase stops as a pitch does.
        kenta_terms = next(c for c in read_captured(sink.maildir)[3:] if c.to_addr == kenta.to_addr)
        imap.append([human_reply_ja(kenta_terms, clock.now()).as_bytes()])
        clock.advance(timedelta(minutes=1))
        daemon_pass()
        assert state_of(db, KENTA)[1:3] == ("stopped", "replied")

        # Sunday 29 Nov: the reel goes up, disclosed.
        clock.set(jst(date(2026, 11, 29), 12))
        deals.add_post(
            db,
            clock,
            f"@{HANAKO}",
            "https://www.instagram.com/reel/C1hanako1/",
            caption="夜のスキンケア #PR",
        )
        # Tuesday 1 Dec: the reminder was due (the reel's date passed) but nothing is late:
        # nothing is sent, it waits for the story's date.
        clock.set(jst(date(2026, 12, 1), 10))
        daemon_pass()
        assert len(mails(sink.maildir)) == 5
        assert state_of(db, HANAKO)[1:] == ("active", "", REMINDER_STEP)

        # Thursday 3 Dec: the story is a day late; one reminder, naming the story only.
        clock.set(jst(date(2026, 12, 3), 10))
        daemon_pass()
        daemon_pass()
        sent = mails(sink.maildir)
        assert len(sent) == 6
        reminder = sent[-1]
        assert reminder["To"].addresses[0].addr_spec == "hanako.yamada@example.jp"
        assert reminder["In-Reply-To"] == terms["Message-ID"]
        text = body(reminder)
        assert "・Instagram ストーリーズ：12月2日(水)まで" in text
        assert "リール" not in text
        assert "「#PR」の表記" in text
        assert state_of(db, HANAKO)[1] == "completed"

        # A restart (a fresh daemon, a fresh engine) and a week on: never twice, and nothing
        # for Kenta (stopped by his reply) although his video is late.
        db.dispose()
        db = make_engine(config.database_url)
        for day in (4, 7, 10):
            clock.set(jst(date(2026, 12, day), 10))
            daemon_pass()
        assert len(mails(sink.maildir)) == 6
        assert steps_of(db, HANAKO) == [(1, "sent"), (TERMS_STEP, "sent"), (REMINDER_STEP, "sent")]
        assert steps_of(db, KENTA) == [(1, "sent"), (TERMS_STEP, "sent")]
        assert steps_of(db, MISAKI) == [(1, "sent")]
        # `outreach late` still lists every late post: the reminder went once, Kenta's and
        # Misaki's were never reminded (a reply, an opt-out)
        late = sorted((r["handle"], r["format"]) for r in deals.late(db, date(2026, 12, 10)))
        assert late == [(HANAKO, "story"), (KENTA, "video"), (MISAKI, "reel")]
        db.dispose()


WINDOW = Window(frozenset(range(5)), datetime.min.time(), datetime.max.time())


def test_deal_phase_parses_after_the_pitch_steps() -> None:
    text = (
        '[[step]]\ntemplate = "pitch"\n\n[[step]]\ntemplate = "followup1"\ndelay = "2d"\n\n'
        '[[after_deal]]\ntemplate = "terms"\ndelay = "1h"\n\n'
        '[[after_deal]]\ntemplate = "brief"\ndelay = "1 business day"\n\n'
        '[reminder]\ntemplate = "reminder"\ndelay = "2d"\n'
    )
    seq, problems = parse_sequence(
        text, name="s", file="s.toml", default_window=WINDOW, template_exists=lambda t: True
    )
    assert problems == [] and seq is not None
    assert [(s.number, s.template, s.phase) for s in seq.all_steps] == [
        (1, "pitch", "pitch"),
        (2, "followup1", "pitch"),
        (3, "terms", "after_deal"),
        (4, "brief", "after_deal"),
        (5, "reminder", "reminder"),
    ]
    assert len(seq.steps) == 2 and seq.step(3) is None  # the pitch alone, as before
    following = [seq.following(n) for n in range(1, 6)]
    assert [s.number if s else None for s in following] == [2, None, 4, None, None]


def test_deal_phase_problems_name_file_and_line() -> None:
    text = (
        '[[step]]\ntemplate = "pitch"\n\n'  # 1-3
        '[[after_deal]]\ntemplate = "terms"\ndelay = "soon"\ncolour = "red"\n\n'  # 4-8
        '[[reminder]]\ntemplate = "gone"\n'  # 9-10
    )
    _, problems = parse_sequence(
        text,
        name="s",
        file="sequences/s.toml",
        default_window=WINDOW,
        template_exists=lambda t: t != "gone",
    )
    assert [str(p) for p in problems] == [
        "sequences/s.toml:7: after_deal[1].colour: unknown key "
        "(known: template, delay, subject, window, variant)",
        "sequences/s.toml:6: after_deal[1].delay: bad delay (got 'soon') "
        "(use 30m, 2h, 2d, 5s or 3 business days)",
        "sequences/s.toml:9: reminder: one reminder only: write [reminder], not [[reminder]]",
    ]


def test_preview_shows_a_deal_step_for_a_person_with_a_deal(engine: Engine, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from outreach.cli import cli
    from outreach.services.send.preview import preview, readable

    config_path = workspace_on(tmp_path, engine, 2525, 1143)
    config = load_config(config_path)
    ws = config_path.parent
    clock = FixedClock(TUESDAY_10_JST)
    import_influencers(
        engine,
        ws / "roster" / "influencers.csv",
        config=config,
        clock=clock,
        options=ImportOptions(),
    )
    import_posts(engine, ws / "roster" / "posts.csv", config=config, options=ImportOptions())
    people = EnrollFilters(handles=(HANAKO, MISAKI))
    enroll(engine, config, "spring-serum", people, dry_run=False, now=clock.now())
    offer_and_accept(
        engine, config, clock, HANAKO, Deliverable("instagram", "reel", 1, date(2026, 11, 20))
    )
    items = {
        i.handle: i
        for i in preview(
            config, engine, "spring-serum", now=clock.now(), handles=[HANAKO, MISAKI], step=5
        )
    }
    reminder = items[HANAKO].composed
    assert reminder is not None and reminder.template == "templates/reminder.ja.j2"
    shown = readable(reminder)
    assert "・Instagram リール：11月20日(金)まで" in shown and "「#PR」の表記" in shown
    assert items[MISAKI].error is not None
    assert "no accepted deal in spring-serum: step 5 (reminder)" in str(items[MISAKI].error)

    result = CliRunner().invoke(
        cli, ["--config", str(config_path), "sequence", "show", "standard"], catch_exceptions=False
    )
    rows = [line.split() for line in result.output.splitlines()[3:]]
    assert [(r[0], r[1], r[-1]) for r in rows] == [
        ("1", "pitch", "pitch"),
        ("2", "followup1", "pitch"),
        ("3", "followup2", "pitch"),
        ("4", "terms", "after_deal"),
        ("5", "reminder", "reminder"),
    ]


def test_an_agency_domain_rule_keeps_the_deal_phase_closed(engine: Engine, tmp_path: Path) -> None:
    """A deal accepted after the talent's agency asked the enrolment's mailbox to stop writing
    to its domain: the terms are not planned, though the person's own address is not
    suppressed. One accepted before the rule opens as usual."""
    config_path = workspace_on(tmp_path, engine, smtp_port=1, imap_port=1)
    config = load_config(config_path)
    ws = config_path.parent
    clock = FixedClock(TUESDAY_10_JST)
    roster = ws / "roster"
    import_influencers(
        engine, roster / "influencers.csv", config=config, clock=clock, options=ImportOptions()
    )
    import_posts(engine, roster / "posts.csv", config=config, options=ImportOptions())
    people = EnrollFilters(handles=(HANAKO, KENTA))
    report = enroll(engine, config, "spring-serum", people, dry_run=False, now=clock.now())
    assert len(report.enrolled) == 2
    with writing(engine) as conn:  # both replied to the pitch
        conn.execute(
            update(enrollment).values(status="stopped", stop_reason="replied", stage="negotiating")
        )
    reel = Deliverable("instagram", "reel", 1, date(2026, 11, 30))
    assert offer_and_accept(engine, config, clock, HANAKO, reel).phase.startswith("step ")
    with writing(engine) as conn:
        box = conn.execute(select(enrollment.c.mailbox).limit(1)).scalar_one()
        address = conn.execute(
            select(influencer.c.email_norm).where(influencer.c.handle == KENTA)
        ).scalar_one()
        suppress_domain(
            conn,
            address.rpartition("@")[2],
            box,
            reason="opt_out",
            source="test: the agency asked this mailbox to stop",
            at=naive_utc(clock.now()),
        )
    held = offer_and_accept(engine, config, clock, KENTA, reel)
    assert held.phase == "deal phase not opened: the address is suppressed"
    assert state_of(engine, KENTA)[1] == "stopped"
