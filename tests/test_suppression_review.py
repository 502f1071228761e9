"""Reviewing and undoing suppressions: `outreach suppression list|remove|audit`, the audit rows
of `outreach suppress` and `forget`, and that a lifted bounce is mailed again while an opt-out is
not, through a real SMTP server. The CLI runs on SQLite files and on PostgreSQL."""

from __future__ import annotations

import email
import getpass
import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, insert, select

import outreach.cli.roster as cli_roster
from outreach.cli import cli
from outreach.cli.guard import run_guarded
from outreach.clock import FixedClock
from outreach.errors import UserError
from outreach.services.roster.importer import forget_address, remove_suppression
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.store import session
from outreach.store.queries.suppression import audit_trail, email_hash, is_suppressed, suppress
from outreach.store.schema import enrollment, inbound, suppression, suppression_audit
from outreach.store.session import reading, writing
from tests.support.inbox import enrol
from tests.support.sequence import (
    ENROLLED,
    TUE_0905,
    add_influencer,
    main_mailbox,
    make_workspace,
    tick,
    two_enrolled,
)
from tests.support.smtp import smtp_server
from tests.support.workspace import build_workspace

__all__ = ["smtp_server"]

BOUNCED_AT = datetime(2026, 12, 5, 14, 3)  # stored form: naive UTC
OPTED_OUT_AT = datetime(2026, 12, 5, 15, 20)
NOW = datetime(2026, 12, 6, 2, 30, tzinfo=UTC)
DIAGNOSTIC = "smtp; 550 5.1.1 <taro@example.jp>:\n Recipient address rejected: User unknown"
BOUNCE_EVIDENCE = {"bounce_reason": "userunknown", "status": "5.1.1", "diagnostic": DIAGNOSTIC}
OPT_OUT_EVIDENCE = {"phrase": "今後このようなメールは送らないでください"}

CONFIG = """\
[database]
url = "{url}"
[sender]
name = "PR"
organisation = "Sakura Beauty"
postal_address = "Tokyo"
enquiry_email = "pr@sakura-beauty.example.jp"
[mailboxes.main]
from_address = "pr@sakura-beauty.example.jp"
[mailboxes.main.smtp]
host = "127.0.0.1"
port = 8025
security = "none"
"""


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def guarded(args: tuple[str, ...]) -> None:
    """`outreach` as the console script runs it: a user error prints and exits 1."""
    run_guarded(cli, list(args))


class Workspace:
    def __init__(self, root: Path, engine: Engine) -> None:
        self.root = root
        self.engine = engine

    def run(self, *args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(
            guarded, ["--config", str(self.root / "config.toml"), *args], catch_exceptions=False
        )
        return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ws(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Workspace]:
    """A config.toml on a migrated database, taro bounced and yui opted out; the CLI's clock is NOW."""
    if backend == "sqlite":
        url, db = f"sqlite:///{tmp_path / 'outreach.db'}", "sqlite"
    else:
        url = db = request.getfixturevalue("pg_url")
    built = build_workspace(tmp_path, config_toml=CONFIG.format(url=url), templates=False, db=db)
    assert built.engine is not None
    engine = built.engine
    with writing(engine) as conn:
        suppress(
            conn,
            "Taro@example.jp",
            reason="hard_bounce",
            source="bounce 5.1.1",
            at=BOUNCED_AT,
            evidence=BOUNCE_EVIDENCE,
            inbound_id=12,
        )
        suppress(
            conn,
            "yui@example.jp",
            reason="opt_out",
            source="inbound opt_out",
            at=OPTED_OUT_AT,
            evidence=OPT_OUT_EVIDENCE,
            inbound_id=14,
        )
    monkeypatch.setattr(cli_roster, "SystemClock", lambda: FixedClock(NOW))
    yield Workspace(tmp_path, engine)
    engine.dispose()


def audit_rows(engine: Engine) -> list[tuple[Any, ...]]:
    a = suppression_audit.c
    with reading(engine) as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    a.email_norm, a.action, a.prior_reason, a.reason, a.actor, a.forced, a.at
                ).order_by(a.id)
            )
        ]


def test_list_shows_reason_evidence_source_message_and_utc_time(ws: Workspace) -> None:
    code, out, err = ws.run("suppression", "list")
    assert (code, err) == (0, "")
    cut = "bounce_reason: userunknown; status: 5.1.1; diagnostic: smtp; 550 5.1.1 <taro@ex…"  # 80 wide
    assert out.splitlines() == [
        "address          reason       source           evidence" + " " * 74 + "message  at",
        "---------------  -----------  ---------------  "
        + "-" * 80
        + "  -------  --------------------",
        # 20 wide characters take two columns each: 8 + 40 + 32 spaces = 80
        "yui@example.jp   opt_out      inbound opt_out  phrase: 今後このようなメールは送らないでください"
        + " " * 34
        + "14       2026-12-05 15:20 UTC",
        f"taro@example.jp  hard_bounce  bounce 5.1.1     {cut}  12       2026-12-05 14:03 UTC",
        "message: the received mail that caused it; read it with `outreach inbox show ID`",
    ]

    code, out, _ = ws.run("suppression", "list", "--format", "csv", "--reason", "hard_bounce")
    assert out.splitlines() == [
        "address,reason,source,evidence,message,at",
        "taro@example.jp,hard_bounce,bounce 5.1.1,bounce_reason: userunknown; status: 5.1.1; diagnostic: smtp; "
        "550 5.1.1 <taro@example.jp>: Recipient address rejected: User unknown,12,2026-12-05 14:03 UTC",
    ]
    code, out, _ = ws.run("suppression", "list", "--format", "json", "--address", "YUI@example.jp")
    assert [json.loads(line) for line in out.splitlines()] == [
        {
            "address": "yui@example.jp",
            "reason": "opt_out",
            "source": "inbound opt_out",
            "evidence": OPT_OUT_EVIDENCE,
            "message": 14,
            "at": "2026-12-05T15:20:00Z",
        }
    ]
    code, out, _ = ws.run("suppression", "list", "--address", "nobody@example.jp")
    assert (code, out.splitlines()) == (
        0,
        [
            "address  reason  source  evidence  message  at",
            "-------  ------  ------  --------  -------  --",
        ],
    )


def test_remove_lifts_a_bounce_and_records_who_and_why(ws: Workspace) -> None:
    code, out, err = ws.run(
        "suppression",
        "remove",
        "TARO@example.jp",
        "--reason",
        " mailbox restored ",
        "--actor",
        "sato",
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "removed taro@example.jp from the suppression list: was hard_bounce since 2026-12-05 14:03 UTC",
        "audit: by sato: mailbox restored",
    ]
    with reading(ws.engine) as conn:
        assert not is_suppressed(conn, "taro@example.jp")
        assert is_suppressed(conn, "yui@example.jp")
    assert audit_rows(ws.engine) == [
        (
            "taro@example.jp",
            "remove",
            "hard_bounce",
            "mailbox restored",
            "sato",
            False,
            datetime(2026, 12, 6, 2, 30),
        ),
    ]
    code, out, _ = ws.run("suppression", "audit")
    assert out.splitlines() == [
        "at                    action  address          prior_reason  reason            actor  forced",
        "--------------------  ------  ---------------  ------------  ----------------  -----  ------",
        "2026-12-06 02:30 UTC  remove  taro@example.jp  hard_bounce   mailbox restored  sato",
    ]

    code, out, err = ws.run(
        "suppression", "remove", "taro@example.jp", "--reason", "again", "--actor", "sato"
    )
    assert (code, out) == (1, "")
    assert err == (
        "error: taro@example.jp: is not suppressed; nothing to remove "
        "(see outreach suppression list --address taro@example.jp)\n"
    )
    assert len(audit_rows(ws.engine)) == 1


@pytest.mark.parametrize(
    "reason,why",
    [
        ("opt_out", "the person asked not to be mailed"),
        ("complaint", "the person complained about our mail (reported it as spam)"),
        ("legal", "it was suppressed for a legal reason"),
        ("manual", "someone suppressed it by hand"),
    ],
)
def test_a_wish_or_decision_is_lifted_only_with_force_and_a_reason(
    ws: Workspace, reason: str, why: str
) -> None:
    with writing(ws.engine) as conn:
        suppress(conn, "mika@example.jp", reason=reason, source="test", at=BOUNCED_AT)
        suppress(conn, "mika@example.jp", reason="hard_bounce", source="test", at=BOUNCED_AT)
    code, out, err = ws.run(
        "suppression", "remove", "mika@example.jp", "--reason", "bounce fixed", "--actor", "sato"
    )
    assert (code, out) == (1, "")
    assert err == (
        f"error: mika@example.jp: suppressed as {reason}: {why}; nothing removed (only hard_bounce and "
        "soft_bounce_limit are lifted without --force; to lift this anyway, add --force with a --reason "
        "saying why they may be mailed again)\n"
    )
    code, _, err = ws.run(
        "suppression", "remove", "mika@example.jp", "--force", "--reason", "  ", "--actor", "sato"
    )
    assert (code, err) == (
        1,
        "error: --reason: must say why the address may be mailed again "
        '(for example --reason "mailbox restored, confirmed by phone")\n',
    )
    code, _, err = ws.run("suppression", "remove", "mika@example.jp", "--force", "--actor", "sato")
    assert code == 2 and "Missing option '--reason'" in err
    with reading(ws.engine) as conn:
        assert (
            len(
                conn.execute(
                    select(suppression.c.id).where(
                        suppression.c.email_hash == email_hash("mika@example.jp")
                    )
                ).all()
            )
            == 2
        )
    assert audit_rows(ws.engine) == []

    code, out, err = ws.run(
        "suppression",
        "remove",
        "mika@example.jp",
        "--force",
        "--reason",
        "signed consent",
        "--actor",
        "sato",
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "removed mika@example.jp from the suppression list (forced): was "
        f"{reason} since 2026-12-05 14:03 UTC, hard_bounce since 2026-12-05 14:03 UTC"
    )
    at = datetime(2026, 12, 6, 2, 30)
    assert audit_rows(ws.engine) == [
        ("mika@example.jp", "remove", reason, "signed consent", "sato", True, at),
        ("mika@example.jp", "remove", "hard_bounce", "signed consent", "sato", False, at),
    ]
    with reading(ws.engine) as conn:
        assert not is_suppressed(conn, "mika@example.jp")


def test_manual_add_is_audited_and_the_actor_defaults_to_the_os_user(ws: Workspace) -> None:
    code, out, _ = ws.run(
        "suppress", "Mika@example.jp", "--reason", "opt_out", "--note", "asked by phone"
    )
    assert (code, out) == (0, "suppressed Mika@example.jp\n")
    code, out, _ = ws.run("suppress", "mika@example.jp", "--reason", "opt_out", "--actor", "sato")
    assert (code, out) == (0, "mika@example.jp was already suppressed\n")
    code, out, _ = ws.run("suppress", "ken@example.jp", "--actor", "sato")
    assert audit_rows(ws.engine) == [
        (
            "mika@example.jp",
            "add",
            "",
            "opt_out: asked by phone",
            getpass.getuser(),
            False,
            datetime(2026, 12, 6, 2, 30),
        ),
        ("ken@example.jp", "add", "", "manual", "sato", False, datetime(2026, 12, 6, 2, 30)),
    ]
    code, out, _ = ws.run("suppression", "audit", "MIKA@example.jp", "--format", "json")
    assert [json.loads(line) for line in out.splitlines()] == [
        {
            "at": "2026-12-06T02:30:00Z",
            "action": "add",
            "address": "mika@example.jp",
            "prior_reason": "",
            "reason": "opt_out: asked by phone",
            "actor": getpass.getuser(),
            "forced": False,
        }
    ]


def test_forget_blanks_the_audit_address_and_erases_evidence_naming_it(ws: Workspace) -> None:
    eid = enrol(ws.engine, "taro@example.jp", message_id="<pitch-1@brand.example>")
    with writing(ws.engine) as conn:
        mail_id = conn.execute(
            insert(inbound)
            .values(
                mailbox="main",
                source="file",
                dedupe_key="<dsn-1@mx.example>",
                from_addr="mailer-daemon@mx.example",
                kind="bounce",
                processed_at=BOUNCED_AT,
                detail={},
                enrollment_id=eid,
            )
            .returning(inbound.c.id)
        ).scalar_one()
        conn.execute(
            suppression.update()
            .where(suppression.c.email_hash == email_hash("taro@example.jp"))
            .values(inbound_id=mail_id)
        )
        # The manager's entry from the same bounce names taro in its evidence and source.
        suppress(
            conn,
            "office@agency.example",
            reason="hard_bounce",
            source="bounce 5.1.1 (TARO@example.jp)",
            at=BOUNCED_AT,
            evidence={"diagnostic": "550 <Taro@Example.jp> unknown", "status": "5.1.1"},
            inbound_id=mail_id,
        )
    assert (
        ws.run(
            "suppression",
            "remove",
            "taro@example.jp",
            "--reason",
            "taro@example.jp works again",
            "--actor",
            "sato",
        )[0]
        == 0
    )
    assert ws.run("suppress", "taro@example.jp", "--reason", "opt_out", "--actor", "sato")[0] == 0

    code, out, _ = ws.run("forget", "taro@example.jp", "--yes", "--actor", "sato")
    assert (code, out) == (
        0,
        "forgot taro@example.jp: 1 influencer(s), 1 received message(s) deleted; "
        "suppressed (hash only)\n",
    )
    at = datetime(2026, 12, 6, 2, 30)
    assert audit_rows(ws.engine) == [
        (None, "remove", "hard_bounce", "(erased) works again", "sato", False, at),
        (None, "add", "", "opt_out", "sato", False, at),
        (None, "add", "", "erasure: outreach forget", "sato", False, at),
    ]
    with reading(ws.engine) as conn:
        a = suppression_audit.c
        assert set(conn.execute(select(a.email_hash)).scalars()) == {email_hash("taro@example.jp")}
        s = suppression.c
        rows = {
            r.reason: r
            for r in conn.execute(
                select(s.email_norm, s.reason, s.source, s.evidence, s.inbound_id).order_by(s.id)
            )
        }
    assert set(rows) == {"opt_out", "hard_bounce", "erasure"}
    assert rows["hard_bounce"].email_norm == "office@agency.example"
    assert rows["hard_bounce"].source == "bounce 5.1.1 ((erased))"
    assert rows["hard_bounce"].evidence == {"diagnostic": "(erased)", "status": "5.1.1"}
    assert rows["hard_bounce"].inbound_id is None  # that mail was deleted with taro's data
    assert rows["opt_out"].email_norm is None and rows["erasure"].email_norm is None
    assert rows["opt_out"].evidence is None
    code, out, _ = ws.run("suppression", "audit", "taro@example.jp", "--format", "csv")
    assert out.splitlines()[1:] == [
        "2026-12-06 02:30 UTC,remove,,hard_bounce,(erased) works again,sato,",
        "2026-12-06 02:30 UTC,add,,,opt_out,sato,",
        "2026-12-06 02:30 UTC,add,,,erasure: outreach forget,sato,",
    ]
    code, out, _ = ws.run("suppression", "list", "--address", "taro@example.jp", "--format", "csv")
    assert out.splitlines()[1:] == [
        ",erasure,forget,,,2026-12-06 02:30 UTC",
        ",opt_out,cli,,,2026-12-06 02:30 UTC",
    ]


def test_forget_erases_evidence_of_the_address_itself(db: Engine) -> None:
    with writing(db) as conn:
        suppress(
            conn,
            "hana_b@example.jp",
            reason="opt_out",
            source="inbound opt_out",
            at=BOUNCED_AT,
            evidence={"phrase": "stop", "quoted": ["From: hana_b@example.jp", "hi"], "n": 2},
        )
        suppress(
            conn,
            "hanaxb@example.jp",
            reason="opt_out",
            source="x",
            at=BOUNCED_AT,
            evidence={"from": "hanaxb@example.jp"},
        )  # `_` is not a LIKE wildcard here
    forget_address(db, "Hana_B@example.jp", clock=FixedClock(NOW), actor="sato")
    with reading(db) as conn:
        evidence = dict(
            conn.execute(
                select(suppression.c.reason, suppression.c.evidence).where(
                    suppression.c.email_hash == email_hash("hana_b@example.jp")
                )
            ).all()
        )
        other = conn.execute(
            select(suppression.c.evidence).where(
                suppression.c.email_hash == email_hash("hanaxb@example.jp")
            )
        ).scalar_one()
        assert audit_trail(conn, address="hana_b@example.jp") == [
            {
                "at": datetime(2026, 12, 6, 2, 30),
                "action": "add",
                "address": "",
                "prior_reason": "",
                "reason": "erasure: outreach forget",
                "actor": "sato",
                "forced": False,
            }
        ]
    assert evidence == {
        "opt_out": {"phrase": "stop", "quoted": ["(erased)", "hi"], "n": 2},
        "erasure": None,
    }
    assert other == {"from": "hanaxb@example.jp"}


def test_two_removals_at_once_lift_and_audit_once(db: Engine) -> None:
    """Each removal is one transaction (BEGIN IMMEDIATE on SQLite, the rows locked on
    PostgreSQL): one removal wins, the other finds nothing to remove."""
    with writing(db) as conn:
        suppress(conn, "taro@example.jp", reason="hard_bounce", source="bounce", at=BOUNCED_AT)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def remove(actor: str) -> None:
        start.wait()
        try:
            done = remove_suppression(
                db,
                "taro@example.jp",
                reason="fixed",
                actor=actor,
                force=False,
                clock=FixedClock(NOW),
            )
            outcomes.append(f"removed {len(done.entries)}")
        except UserError as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=remove, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["is not suppressed; nothing to remove", "removed 1"]
    assert len(audit_rows(db)) == 1


def test_a_lifted_bounce_gets_its_next_step_and_an_opt_out_does_not(
    sqlite_db: Engine, tmp_path: Path, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pitch both; then hanako is suppressed by a bounce and yui opts out; the bounce is lifted.
    At the follow-up's time the real server receives hanako's follow-up and nothing for yui."""
    sink, handler = smtp_server
    config = two_enrolled(sqlite_db, tmp_path, sink.port)  # config.toml: sqlite:///outreach.db here
    assert tick(sqlite_db, config, TUE_0905.astimezone(UTC)).sent == 2
    ws = Workspace(tmp_path, sqlite_db)
    assert (
        ws.run("suppress", "hanako@example.jp", "--reason", "hard_bounce", "--actor", "sato")[0]
        == 0
    )
    assert ws.run("suppress", "yui@example.jp", "--reason", "opt_out", "--actor", "sato")[0] == 0
    assert (
        ws.run("suppression", "remove", "yui@example.jp", "--reason", "x", "--actor", "sato")[0]
        == 1
    )
    code, out, _ = ws.run(
        "suppression",
        "remove",
        "hanako@example.jp",
        "--reason",
        "mailbox restored",
        "--actor",
        "sato",
    )
    assert code == 0 and out.startswith(
        "removed hanako@example.jp from the suppression list: was hard_bounce"
    )

    with reading(sqlite_db) as conn:
        due = max(conn.execute(select(enrollment.c.next_due_at)).scalars())
    report = tick(sqlite_db, config, due.replace(tzinfo=UTC) + timedelta(seconds=1))
    assert report.sent == 1
    follow_up = handler.received[2:]
    assert len(follow_up) == 1 and _to(follow_up[0]) == ["hanako@example.jp"]
    assert sorted(sink_rcpt for raw in handler.received for sink_rcpt in _to(raw)) == [
        "hanako@example.jp",
        "hanako@example.jp",
        "yui@example.jp",
    ]
    with reading(sqlite_db) as conn:
        status = dict(
            conn.execute(
                select(enrollment.c.id, enrollment.c.status).order_by(enrollment.c.id)
            ).all()
        )
        stops = set(conn.execute(select(enrollment.c.stop_reason)).scalars())
    assert sorted(status.values()) == ["completed", "stopped"]
    assert "suppressed" in stops


def _to(raw: bytes) -> list[str]:
    return [address for _, address in getaddresses([str(email.message_from_bytes(raw)["To"])])]


def test_enrol_takes_a_lifted_bounce_and_skips_an_opt_out(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    """Enrolment's suppression gate reads the table: both are skipped while suppressed; after
    the bounce is lifted only the opt-out is."""
    config = make_workspace(tmp_path, mailboxes=main_mailbox())
    for handle in ("hanako", "yui"):
        add_influencer(sqlite_db, handle)
    with writing(sqlite_db) as conn:
        suppress(
            conn, "hanako@example.jp", reason="hard_bounce", source="bounce 5.1.1", at=BOUNCED_AT
        )
        suppress(
            conn, "yui@example.jp", reason="opt_out", source="inbound opt_out", at=OPTED_OUT_AT
        )

    def skipped() -> dict[str, str]:
        report = enroll(sqlite_db, config, "spring", EnrollFilters(), dry_run=True, now=ENROLLED)
        return {s.handle: s.reason for s in report.skipped}

    assert skipped() == {
        "hanako": "suppressed (opt-out, bounce or manual)",
        "yui": "suppressed (opt-out, bounce or manual)",
    }
    remove_suppression(
        sqlite_db,
        "hanako@example.jp",
        reason="mailbox restored",
        actor="sato",
        force=False,
        clock=FixedClock(NOW),
    )
    assert skipped() == {"yui": "suppressed (opt-out, bounce or manual)"}


def test_removal_says_when_a_campaign_still_holds_the_bounce(ws: Workspace) -> None:
    enrol(ws.engine, "taro@example.jp", stage="bounced", campaign_slug="spring")
    enrol(ws.engine, "taro@example.jp", stage="contacted", campaign_slug="autumn")
    code, out, _ = ws.run(
        "suppression", "remove", "taro@example.jp", "--reason", "restored", "--actor", "sato"
    )
    assert (code, out.splitlines()[2:]) == (
        0,
        [
            "note: it bounced in campaign(s) spring; those enrollments stay stopped; `outreach enroll` "
            "may enrol it in another campaign now",
        ],
    )


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_removal_while_another_writer_holds_the_lock_changes_nothing(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large import holds SQLite's write lock; the removal waits the busy timeout, then says
    so without a traceback, and nothing was removed or audited."""
    monkeypatch.setattr(session, "BUSY_TIMEOUT_MS", 200)  # read when each connection opens
    holder = sqlite3.connect(ws.root / "outreach.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, out, err = ws.run(
            "suppression", "remove", "taro@example.jp", "--reason", "restored", "--actor", "sato"
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (code, out) == (1, "")
    assert err == (
        "error: taro@example.jp: the database stayed locked by another writer (such as a large "
        "import); nothing was removed (run the command again)\n"
    )
    with reading(ws.engine) as conn:
        assert is_suppressed(conn, "taro@example.jp")
    assert audit_rows(ws.engine) == []
    assert (
        ws.run(
            "suppression", "remove", "taro@example.jp", "--reason", "restored", "--actor", "sato"
        )[0]
        == 0
    )
