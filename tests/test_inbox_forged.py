"""Hostile inbound mail (tests/data/hostile/forged_*, spoof_*, crossthread_*): forged bounces and
complaints, spoofed From and replies in someone else's thread never act on another person.

Three influencers: hanako (the victim every attack names), mallory (an influencer of ours who
knows her own Message-ID and return-path token) and talent (managed by manager@agency.example).
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from outreach.clock import FixedClock, utc
from outreach.config import Config, load_config
from outreach.demo.mail import read_captured
from outreach.domain.return_path import sign
from outreach.services.inbox.poll import import_files, poll
from outreach.store.queries.suppression import is_suppressed
from outreach.store.schema import enrollment, inbound, influencer, mailbox, outbox, suppression
from outreach.store.session import make_engine, reading
from outreach.transport.sink import CaptureSink, MaildirHandler
from tests.support.imap import PASSWORD_ENV, USER, running_imap
from tests.support.inbox import T0, enrol
from tests.support.workspace import config_from

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
KEY = "hostile-corpus-return-path-key-0123456789"  # the corpus' tokens are signed with it
TRUSTED = ("mx.brand.example",)
HANAKO, MALLORY, TALENT, MANAGER = (
    "hanako@example.jp",
    "mallory@creator.example",
    "talent@example.jp",
    "manager@agency.example",
)
HANAKO_MID = "<0a1b2c3d4e5f60718293a4b5c6d7e8f9@brand.example>"
MALLORY_MID = "<f9e8d7c6b5a49382716f5e4d3c2b1a09@brand.example>"
TALENT_MID = "<11112222333344445555666677778888@brand.example>"

UNTOUCHED = ("active", "contacted", False, "queued")
STOPPED_ONLY = ("stopped", "contacted", False, "cancelled")  # the safe action: no stage move
UNSUBSCRIBED = ("stopped", "unsubscribed", True, "cancelled")


def config_for(tmp_path: Path, *, trusted: tuple[str, ...] = TRUSTED, **inbox: Any) -> Config:
    data: dict[str, Any] = {
        "sender": {
            "name": "PR",
            "organisation": "Brand",
            "postal_address": "Tokyo",
            "enquiry_email": "pr@brand.example",
        },
        "mailboxes": {
            "main": {
                "from_address": "hello@brand.example",
                "return_path": "bounces+{token}@brand.example",
                "smtp": {"host": "127.0.0.1", "port": 2525, "security": "none"},
            }
        },
        "inbox": {"trusted_authserv_ids": list(trusted), **inbox},
    }
    return config_from(tmp_path, data)


@pytest.fixture(autouse=True)
def signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_RETURN_PATH_SECRET", KEY)


def seed(engine: Engine) -> dict[str, int]:
    return {
        HANAKO: enrol(engine, HANAKO, message_id=HANAKO_MID),
        MALLORY: enrol(engine, MALLORY, message_id=MALLORY_MID),
        TALENT: enrol(engine, TALENT, message_id=TALENT_MID, manager_email=MANAGER),
    }


def state(engine: Engine, address: str) -> tuple[str, str, bool, str]:
    """(status, stage, suppressed, state of the queued follow-up) of the address's enrollment."""
    with reading(engine) as conn:
        row = conn.execute(
            select(enrollment.c.id, enrollment.c.status, enrollment.c.stage)
            .join(influencer, influencer.c.id == enrollment.c.influencer_id)
            .where(influencer.c.email_norm == address)
        ).one()
        follow = conn.execute(
            select(outbox.c.state).where(outbox.c.enrollment_id == row.id, outbox.c.step == 2)
        ).scalar_one()
        return row.status, row.stage, is_suppressed(conn, address), follow


def suppressed_addresses(engine: Engine) -> list[tuple[str, str]]:
    with reading(engine) as conn:
        return sorted(conn.execute(select(suppression.c.email_norm, suppression.c.reason)).all())


def only_row(engine: Engine) -> Any:
    with reading(engine) as conn:
        return conn.execute(select(inbound)).one()


# file -> (stored kind, {address: state}, suppression entries)
HOSTILE_OUTCOMES: dict[
    str, tuple[str, dict[str, tuple[str, str, bool, str]], list[tuple[str, str]]]
] = {
    # A stranger's DSN naming hanako, no Message-ID of ours.
    "forged_dsn_stranger.eml": ("needs_review", {}, []),
    # ARF with Original-Rcpt-To: hanako and a Message-ID we never sent.
    "forged_arf_original_rcpt.eml": ("needs_review", {}, []),
    # A qmail-style text bounce (flufl.bounce) naming hanako, nothing of ours quoted.
    "forged_text_bounce.eml": ("needs_review", {}, []),
    # Mallory quotes her own Message-ID of ours to name hanako.
    "forged_dsn_own_message_id.eml": ("needs_review", {}, []),
    # An ARF report quoting mallory's Message-ID of ours with Original-Rcpt-To: hanako.
    "forged_arf_own_message_id.eml": ("needs_review", {}, []),
    # A return-path token for hanako's message with a wrong signature.
    "forged_dsn_bad_token.eml": ("needs_review", {}, []),
    # Mallory's own valid token (she sees it in her Return-Path) naming hanako.
    "forged_dsn_stolen_token.eml": ("needs_review", {}, []),
    # A stranger's 'DMARC rejected' DSN: would pause our mailbox if believed.
    "forged_dsn_sender_side_stranger.eml": ("needs_review", {}, []),
    # From: hanako, DMARC fail, in her own thread: an opt-out is honoured for her own address.
    "spoof_optout_self_dmarc_fail.eml": (
        "needs_review",
        {HANAKO: UNSUBSCRIBED},
        [(HANAKO, "opt_out")],
    ),
    # From: the manager, DMARC fail: the manager's own address only; the talent just stops.
    "spoof_optout_manager_dmarc_fail.eml": (
        "needs_review",
        {TALENT: STOPPED_ONLY},
        [(MANAGER, "opt_out")],
    ),
    # Out of office until 2100 with DMARC fail: the sequence stops, nothing paused or moved.
    "spoof_ooo_2100_dmarc_fail.eml": ("needs_review", {HANAKO: STOPPED_ONLY}, []),
    # DKIM and SPF pass for evil.example, From hanako@example.jp: not aligned.
    "spoof_reply_unaligned_dkim.eml": ("needs_review", {HANAKO: STOPPED_ONLY}, []),
    # A 'pass' from an authserv-id we do not trust, and none from ours.
    "spoof_ar_untrusted_authserv.eml": ("needs_review", {HANAKO: STOPPED_ONLY}, []),
    # Our server's fail on top, a forged 'pass' claiming our authserv-id below it.
    "spoof_ar_forged_below_ours.eml": ("needs_review", {HANAKO: STOPPED_ONLY}, []),
    # Mallory (authenticated) unsubscribes in hanako's thread: only mallory is suppressed.
    "crossthread_optout.eml": ("needs_review", {MALLORY: UNSUBSCRIBED}, [(MALLORY, "opt_out")]),
    # A stranger replies in hanako's thread.
    "crossthread_reply_stranger.eml": ("needs_review", {}, []),
    # Mallory's out-of-office in hanako's thread: hanako is not paused; mallory's sequence stops.
    "crossthread_ooo_2100.eml": ("needs_review", {MALLORY: STOPPED_ONLY}, []),
}


def test_the_corpus_has_an_outcome_for_every_hostile_file() -> None:
    mine = sorted(
        p.name
        for p in HOSTILE.glob("*.eml")
        if p.name.startswith(("forged_", "spoof_", "crossthread_"))
    )
    assert mine == sorted(HOSTILE_OUTCOMES)


@pytest.mark.parametrize("name", sorted(HOSTILE_OUTCOMES))
def test_hostile_mail_changes_nothing_for_anyone_else(
    name: str, sqlite_db: Engine, tmp_path: Path
) -> None:
    seed(sqlite_db)
    kind, changed, suppressed = HOSTILE_OUTCOMES[name]
    report = import_files(sqlite_db, config_for(tmp_path), FixedClock(T0), [HOSTILE / name])
    assert dict(report.kinds) == {kind: 1}
    for address in (HANAKO, MALLORY, TALENT):
        assert state(sqlite_db, address) == changed.get(address, UNTOUCHED), (name, address)
    assert suppressed_addresses(sqlite_db) == suppressed, name
    row = only_row(sqlite_db)
    assert row.kind == kind and row.effect.startswith("needs review: "), row.effect
    with reading(sqlite_db) as conn:
        faults = conn.execute(select(mailbox.c.sender_faults)).scalars().all()
        next_due = conn.execute(select(enrollment.c.next_due_at)).scalars().all()
    assert faults == []  # no mailbox was charged with a fault
    assert all(
        d is None or utc(d) < T0 + timedelta(days=30) for d in next_due
    )  # nobody paused to 2100


def replaced(name: str, tmp_path: Path, *pairs: tuple[str, str]) -> Path:
    text = (HOSTILE / name).read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    out = tmp_path / f"genuine_{name}"
    out.write_text(text, encoding="utf-8")
    return out


def test_a_genuine_bounce_is_tied_by_our_message_id_and_its_recipient(
    db: Engine, tmp_path: Path
) -> None:
    """The same DSN naming the recipient our quoted message went to is a real bounce."""
    seed(db)
    genuine = replaced("forged_dsn_own_message_id.eml", tmp_path, ("hanako@example.jp", MALLORY))
    report = import_files(db, config_for(tmp_path), FixedClock(T0), [genuine])
    assert dict(report.kinds) == {"bounce": 1}
    assert state(db, MALLORY) == ("stopped", "bounced", True, "cancelled")
    assert state(db, HANAKO) == UNTOUCHED
    row = only_row(db)
    assert (row.recipient_norm, row.bounce_reason, row.detail["our_message_id"]) == (
        MALLORY,
        "userunknown",
        MALLORY_MID,
    )
    with reading(db) as conn:
        entry = conn.execute(select(suppression)).one()
    assert (
        entry.reason,
        entry.inbound_id,
        entry.evidence["status"],
        entry.evidence["bounce_reason"],
    ) == ("hard_bounce", row.id, "5.1.1", "userunknown")


def test_a_genuine_complaint_suppresses_the_recipient_of_our_message(
    db: Engine, tmp_path: Path
) -> None:
    seed(db)
    genuine = replaced(
        "forged_arf_own_message_id.eml",
        tmp_path,
        ("Original-Rcpt-To: <hanako@example.jp>", f"Original-Rcpt-To: <{MALLORY}>"),
        ("To: hanako@example.jp", f"To: {MALLORY}"),
    )
    report = import_files(db, config_for(tmp_path), FixedClock(T0), [genuine])
    assert dict(report.kinds) == {"complaint": 1}
    assert state(db, MALLORY) == UNSUBSCRIBED
    assert state(db, HANAKO) == UNTOUCHED
    with reading(db) as conn:
        entry = conn.execute(select(suppression)).one()
    assert (
        entry.email_norm,
        entry.reason,
        entry.evidence["complaint"],
        entry.evidence["message_id"],
    ) == (MALLORY, "complaint", "abuse", MALLORY_MID)


def test_a_signed_return_path_ties_a_bounce_without_any_message_id(
    db: Engine, tmp_path: Path
) -> None:
    seed(db)
    token = sign("bounces+{token}@brand.example", KEY.encode(), HANAKO_MID)
    assert token is not None
    genuine = replaced(
        "forged_dsn_bad_token.eml",
        tmp_path,
        ("bounces+0a1b2c3d4e5f60718293a4b5c6d7e8f9.aaaaaaaaaaaaa@brand.example", token),
    )
    import_files(db, config_for(tmp_path), FixedClock(T0), [genuine])
    assert state(db, HANAKO) == ("stopped", "bounced", True, "cancelled")
    assert only_row(db).detail["trust"] == [f"tied by signed return path ({HANAKO_MID})"]


def test_a_tied_sender_side_bounce_counts_against_the_mailbox_and_names_dmarc(
    sqlite_db: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seed(sqlite_db)
    genuine = replaced(
        "forged_dsn_sender_side_stranger.eml",
        tmp_path,
        (
            "--b6--",
            f"--b6\nContent-Type: text/rfc822-headers\n\nMessage-ID: {HANAKO_MID}\n\n--b6--",
        ),
    )
    with caplog.at_level(logging.WARNING):
        report = import_files(sqlite_db, config_for(tmp_path), FixedClock(T0), [genuine])
    assert dict(report.kinds) == {"bounce": 1}
    assert state(sqlite_db, HANAKO) == UNTOUCHED
    assert suppressed_addresses(sqlite_db) == []
    with reading(sqlite_db) as conn:
        assert conn.execute(select(mailbox.c.name, mailbox.c.sender_faults)).one() == ("main", 1)
    assert any(
        "DMARC" in r.getMessage() and "mailbox main" in r.getMessage() for r in caplog.records
    )
    assert only_row(sqlite_db).recipient_norm is None  # no fact about the recipient


def test_without_trusted_authserv_ids_from_is_taken_as_written_but_never_for_another_person(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    seed(sqlite_db)
    config = config_for(tmp_path, trusted=())
    import_files(sqlite_db, config, FixedClock(T0), [HOSTILE / "spoof_reply_unaligned_dkim.eml"])
    assert state(sqlite_db, HANAKO) == ("stopped", "negotiating", False, "cancelled")
    import_files(sqlite_db, config, FixedClock(T0), [HOSTILE / "crossthread_optout.eml"])
    assert state(sqlite_db, MALLORY) == UNSUBSCRIBED
    assert suppressed_addresses(sqlite_db) == [(MALLORY, "opt_out")]


def test_an_authenticated_out_of_office_is_paused_at_most_max_pause_days(
    db: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ids = seed(db)
    genuine = replaced(
        "spoof_ooo_2100_dmarc_fail.eml",
        tmp_path,
        (
            "dmarc=fail header.from=example.jp; spf=fail",
            "dmarc=pass header.from=example.jp; spf=pass",
        ),
    )
    with caplog.at_level(logging.WARNING):
        report = import_files(
            db, config_for(tmp_path, max_pause_days=45), FixedClock(T0), [genuine]
        )
    assert dict(report.kinds) == {"auto_reply": 1}
    with reading(db) as conn:
        due = conn.execute(
            select(enrollment.c.next_due_at).where(enrollment.c.id == ids[HANAKO])
        ).scalar_one()
    assert utc(due) == T0 + timedelta(days=45)
    assert "cut to max_pause_days = 45" in only_row(db).effect
    assert any(
        "2100-01-04" in r.getMessage() and "max_pause_days" in r.getMessage()
        for r in caplog.records
    )


TUESDAY_10_JST = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def dsn_to(envelope_sender: str, recipient: str) -> bytes:
    """A DSN as an MTA returns it: to the envelope sender, quoting nothing of the message."""
    return (
        "Return-Path: <>\r\n"
        f"Delivered-To: {envelope_sender}\r\n"
        "From: MAILER-DAEMON@mx.example.com\r\n"
        f"To: {envelope_sender}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn-{recipient}@mx.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="x"\r\n\r\n'
        "--x\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n--x--\r\n"
    ).encode("ascii")


class EnvelopeHandler(MaildirHandler):
    """The capture server, also keeping each message's MAIL FROM."""

    def __init__(self, maildir: Path) -> None:
        super().__init__(maildir)
        self.mail_from: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mail_from.append(envelope.mail_from)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.slow
def test_signed_return_path_end_to_end_through_smtp_and_imap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pitches go out with MAIL FROM bounces+TOKEN@; the bounce to one of them (no Message-ID)
    suppresses exactly its recipient; a forged DSN naming another influencer changes nothing."""
    from outreach.daemon.run import AppContext, run_daemon
    from outreach.demo.config import write_demo_config
    from outreach.services.roster.importer import ImportOptions, import_influencers, import_posts
    from outreach.services.sequence.enroll import EnrollFilters, enroll
    from outreach.services.workspace.create import create_workspace
    from outreach.transport.smtp import SmtpTransport

    workspace = tmp_path / "ws"
    create_workspace(workspace)
    handler = EnvelopeHandler(tmp_path / "sent")
    with (
        running_imap(tmp_path, monkeypatch) as imap,
        CaptureSink(tmp_path / "sent", handler=handler) as sink,
    ):
        config_path = write_demo_config(workspace, smtp_port=sink.port)
        text = config_path.read_text(encoding="utf-8")
        text = re.sub(
            r'^return_path = ""',
            'return_path = "bounces+{token}@sakura-beauty.example.jp"',
            text,
            count=1,
            flags=re.MULTILINE,
        )
        text, n = re.subn(
            r'^source = "maildir".*\npath = "inbox".*$',
            f'source = "imap"\nhost = "127.0.0.1"\nport = {imap.port}\nsecurity = "none"\n'
            f'username = "{USER}"\npassword_env = "{PASSWORD_ENV}"\nfolder = "INBOX"',
            text,
            flags=re.MULTILINE,
        )
        assert n == 1
        config_path.write_text(text, encoding="utf-8")
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
        people = ("hanako_kitchen", "kenta_camp")
        enroll(
            engine,
            config,
            "spring-serum",
            EnrollFilters(handles=people),
            dry_run=False,
            now=clock.now(),
        )
        ctx = AppContext(config, engine, clock, SmtpTransport(config.mailboxes))
        assert asyncio.run(run_daemon(ctx, once=True)) == 0
        pitches = read_captured(sink.maildir)
        assert len(pitches) == 2 and len(handler.mail_from) == 2
        envelope = dict(zip((p.to_addr for p in pitches), handler.mail_from, strict=True))
        kenta, hanako = "kenta.suzuki@example.jp", "hanako.yamada@example.jp"
        assert all(
            re.fullmatch(r"bounces\+[0-9a-f]{32}\.[a-z2-7]{13}@sakura-beauty\.example\.jp", m)
            for m in envelope.values()
        )
        # A genuine bounce of kenta's pitch; a stranger's DSN naming hanako, sent to kenta's
        # return path (a valid token for another recipient).
        imap.append(
            [
                dsn_to(envelope[kenta], kenta),
                dsn_to(envelope[kenta], hanako).replace(b"<dsn-", b"<forged-"),
            ]
        )
        report = poll(engine, config, clock)
        assert dict(report.kinds) == {"bounce": 1, "needs_review": 1}
        with reading(engine) as conn:
            assert is_suppressed(conn, kenta)
            assert not is_suppressed(conn, hanako)
            stages = dict(
                conn.execute(
                    select(influencer.c.email, enrollment.c.stage).join(
                        enrollment, enrollment.c.influencer_id == influencer.c.id
                    )
                ).all()
            )
        assert stages == {kenta: "bounced", hanako: "contacted"}
        engine.dispose()


def test_an_arf_opt_out_report_is_tied_like_a_complaint_never_to_the_reporter(
    db: Engine, tmp_path: Path
) -> None:
    """Feedback-Type: opt-out from a provider's address: the recipient of our message is
    suppressed, the reporting address is not; naming someone else needs review."""
    seed(db)
    genuine = replaced(
        "forged_arf_own_message_id.eml",
        tmp_path,
        ("Feedback-Type: abuse", "Feedback-Type: opt-out"),
        ("Original-Rcpt-To: <hanako@example.jp>", f"Original-Rcpt-To: <{MALLORY}>"),
        ("To: hanako@example.jp", f"To: {MALLORY}"),
    )
    report = import_files(db, config_for(tmp_path), FixedClock(T0), [genuine])
    assert dict(report.kinds) == {"opt_out": 1}
    assert state(db, MALLORY) == UNSUBSCRIBED
    assert state(db, HANAKO) == UNTOUCHED
    assert suppressed_addresses(db) == [(MALLORY, "opt_out")]


def test_an_arf_opt_out_report_naming_another_recipient_changes_nothing(
    db: Engine, tmp_path: Path
) -> None:
    seed(db)
    forged = replaced(
        "forged_arf_own_message_id.eml",
        tmp_path,
        ("Feedback-Type: abuse", "Feedback-Type: opt-out"),
    )
    report = import_files(db, config_for(tmp_path), FixedClock(T0), [forged])
    assert dict(report.kinds) == {"needs_review": 1}
    assert suppressed_addresses(db) == []
    assert state(db, HANAKO) == UNTOUCHED and state(db, MALLORY) == UNTOUCHED
