"""The whole loop through real servers: the daemon's jobs send pitches into aiosmtpd, influencers
answer into a real IMAP server (pymap), the next pass reads them: a reply stops the follow-up
and moves the stage, an out-of-office pauses until the return date and then resumes in the same
thread, a bounce suppresses the address."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach.clock import FixedClock
from outreach.config import load_config
from outreach.daemon.run import AppContext, run_daemon
from outreach.demo.config import write_demo_config
from outreach.demo.mail import bounce, human_reply_ja, out_of_office, read_captured
from outreach.services.roster.importer import ImportOptions, import_influencers, import_posts
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.services.workspace.create import create_workspace
from outreach.store.queries.suppression import is_suppressed
from outreach.store.schema import enrollment, influencer
from outreach.store.session import make_engine, reading
from outreach.transport.sink import CaptureSink
from outreach.transport.smtp import SmtpTransport
from tests.support.imap import PASSWORD_ENV, USER, running_imap

TUESDAY_10_JST = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
PEOPLE = ("hanako_kitchen", "misaki_beauty", "kenta_camp")  # reply, out-of-office, bounce


def imap_inbox(config_path: Path, port: int) -> None:
    """Point the workspace's mailbox at the test IMAP server instead of the Maildir."""
    text = config_path.read_text(encoding="utf-8")
    text, n = re.subn(
        r'^source = "maildir".*\npath = "inbox".*$',
        f'source = "imap"\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'username = "{USER}"\npassword_env = "{PASSWORD_ENV}"\nfolder = "INBOX"',
        text,
        flags=re.MULTILINE,
    )
    assert n == 1
    config_path.write_text(text, encoding="utf-8")


def sent(maildir: Path) -> list:
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted((maildir / "new").iterdir())]


def stage_of(engine, handle: str) -> tuple[str, str]:
    with reading(engine) as conn:
        row = conn.execute(
            select(enrollment.c.stage, enrollment.c.status)
            .join(influencer, influencer.c.id == enrollment.c.influencer_id)
            .where(influencer.c.handle == handle)
        ).one()
    return row.stage, row.status


@pytest.mark.slow
def test_reply_out_of_office_and_bounce_through_imap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = tmp_path / "ws"
    create_workspace(workspace)
    with running_imap(tmp_path, monkeypatch) as imap, CaptureSink(tmp_path / "sent") as sink:
        config_path = write_demo_config(workspace, smtp_port=sink.port)
        imap_inbox(config_path, imap.port)
        config = load_config(config_path)
        engine = make_engine(config.database_url)
        clock = FixedClock(TUESDAY_10_JST)
        import_influencers(
            engine,
            workspace / "roster" / "influencers.csv",
            config=config,
            clock=clock,
            options=ImportOptions(),
        )
        import_posts(
            engine, workspace / "roster" / "posts.csv", config=config, options=ImportOptions()
        )
        report = enroll(
            engine,
            config,
            "spring-serum",
            EnrollFilters(handles=PEOPLE),
            dry_run=False,
            now=clock.now(),
        )
        assert len(report.enrolled) == 3

        def daemon_pass() -> None:
            ctx = AppContext(config, engine, clock, SmtpTransport(config.mailboxes))
            assert asyncio.run(run_daemon(ctx, once=True)) == 0

        daemon_pass()  # inbox (empty), plan three pitches, send them
        pitches = read_captured(sink.maildir)
        assert len(pitches) == 3
        by_to = {p.to_addr: p for p in pitches}
        hanako, misaki, kenta = (
            by_to[a]
            for a in ("hanako.yamada@example.jp", "misaki@example.jp", "kenta.suzuki@example.jp")
        )
        back = clock.now() + timedelta(days=6)
        imap.append(
            [
                human_reply_ja(hanako, clock.now()).as_bytes(),
                out_of_office(misaki, clock.now(), back).as_bytes(),
                bounce(kenta, clock.now()),
            ]
        )

        clock.advance(timedelta(seconds=30))  # the follow-ups (5 s) are due now
        daemon_pass()
        daemon_pass()
        assert len(sent(sink.maildir)) == 3, "no follow-up may go to anyone who answered"
        assert stage_of(engine, "hanako_kitchen") == ("negotiating", "stopped")
        assert stage_of(engine, "kenta_camp") == ("bounced", "stopped")
        with reading(engine) as conn:
            assert is_suppressed(conn, "kenta.suzuki@example.jp")
            assert not is_suppressed(conn, "misaki@example.jp")
        assert stage_of(engine, "misaki_beauty") == ("contacted", "active")  # paused, not stopped
        assert imap.flags() and all(b"\\Seen" not in f for f in imap.flags().values())

        clock.set(back + timedelta(days=1))  # after the stated return date
        daemon_pass()
        daemon_pass()
        mails = sent(sink.maildir)
        assert len(mails) == 4
        follow_up = mails[-1]
        assert follow_up["To"].addresses[0].addr_spec == "misaki@example.jp"
        assert str(follow_up["Subject"]).startswith("Re: ")
        assert follow_up["In-Reply-To"] == misaki.message_id
        engine.dispose()
