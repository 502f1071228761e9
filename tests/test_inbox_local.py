"""Maildir source, .eml/mbox import, manager and From matching, and the inbox/pipeline CLI."""

from __future__ import annotations

import asyncio
import mailbox
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.cli import cli
from outreach.clock import FixedClock, utc
from outreach.daemon.run import JOBS, AppContext
from outreach.demo.mail import Captured, script_replies
from outreach.errors import InputError, StageError
from outreach.services.inbox.poll import import_files, inbox_status, poll
from outreach.services.pipeline.stages import board, history, move
from outreach.store.queries.enrollment import stop_enrollment
from outreach.store.queries.mailbox import stale_inboxes
from outreach.store.queries.suppression import is_suppressed
from outreach.store.schema import enrollment, inbound, outbox
from outreach.store.session import reading, writing
from outreach.transport.smtp import SmtpTransport
from tests.support.corpus_effects import assert_effect, seed_corpus, snapshot
from tests.support.db import sqlite_engine
from tests.support.inbox import T0, enrol, make_config, write_workspace
from tests.support.mail_corpus import MAIL_DIR, expected, raw

REPLY = "reply_ja_quoted_footer.eml"  # From hanako@example.jp, In-Reply-To <20261120010000.a1b2c3@brand.example>
PITCH_ID = "<20261120010000.a1b2c3@brand.example>"


def stages(engine: Engine) -> dict[int, tuple[str, str]]:
    with reading(engine) as conn:
        return {r.id: (r.status, r.stage) for r in conn.execute(select(enrollment))}


def test_maildir_new_and_cur_are_read_once_and_files_stay(db: Engine, tmp_path: Path) -> None:
    box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    box.add(raw(REPLY))  # new/
    msg = mailbox.MaildirMessage(raw("optout_ja.eml"))
    msg.set_subdir("cur")
    box.add(msg)
    files = sorted(p.name for p in (tmp_path / "inbox").rglob("*") if p.is_file())
    a = enrol(db, "hanako@example.jp", message_id=PITCH_ID)
    b = enrol(db, "saki@nakamura-life.example", message_id="<20261121000000.e5f6a7@brand.example>")
    config = make_config(tmp_path, {"source": "maildir", "path": "inbox"})
    first = poll(db, config, FixedClock(T0))
    assert dict(first.kinds) == {"reply": 1, "opt_out": 1}
    assert stages(db) == {a: ("stopped", "negotiating"), b: ("stopped", "unsubscribed")}
    second = poll(db, config, FixedClock(T0))
    assert (second.read, second.new, second.duplicates) == (2, 0, 2)
    assert sorted(p.name for p in (tmp_path / "inbox").rglob("*") if p.is_file()) == files


def test_from_address_and_manager_match_without_threading_headers(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    stripped = b"".join(
        line
        for line in raw(REPLY).splitlines(keepends=True)
        if not line.lower().startswith((b"in-reply-to:", b"references:"))
    )
    assert b"In-Reply-To" not in stripped
    eml = tmp_path / "noheaders.eml"
    eml.write_bytes(stripped)
    older = enrol(sqlite_db, "hanako@example.jp", campaign_slug="old")
    newer = enrol(sqlite_db, "hanako@example.jp", campaign_slug="new")
    config = make_config(tmp_path, {"source": "none"})
    import_files(sqlite_db, config, FixedClock(T0), [eml])
    assert stages(sqlite_db)[newer] == ("stopped", "negotiating")  # the most recent live enrollment
    assert stages(sqlite_db)[older] == ("active", "contacted")
    # An agency manager replying from another domain (Outlook "Original Message", no headers).
    managed = enrol(
        sqlite_db, "talent@example.jp", manager_email="Midori.Ishikawa@agency-tokyo.example"
    )
    import_files(
        sqlite_db, config, FixedClock(T0), [MAIL_DIR / "reply_ja_outlook_original_message.eml"]
    )
    assert stages(sqlite_db)[managed] == ("stopped", "negotiating")


def test_unmatched_mail_is_counted_and_left_alone(sqlite_db: Engine, tmp_path: Path) -> None:
    other = enrol(sqlite_db, "someone@else.example", message_id="<x@brand.example>")
    config = make_config(tmp_path, {"source": "none"})
    report = import_files(sqlite_db, config, FixedClock(T0), [MAIL_DIR / "optout_en.eml"])
    assert (report.unmatched, dict(report.kinds)) == (1, {"opt_out": 1})
    assert stages(sqlite_db) == {other: ("active", "contacted")}
    with reading(sqlite_db) as conn:
        row = conn.execute(select(inbound)).one()
    assert (row.kind, row.effect, row.enrollment_id) == ("opt_out", "unmatched", None)


def test_mbox_import_reads_every_message(sqlite_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "replies.mbox"
    box = mailbox.mbox(str(path))
    for name in (REPLY, "decline_en.eml", "ooo_ja_reiwa.eml"):
        box.add(raw(name))
    box.close()
    enrol(sqlite_db, "hanako@example.jp", message_id=PITCH_ID)
    config = make_config(tmp_path, {"source": "none"})
    report = import_files(sqlite_db, config, FixedClock(T0), [path])
    assert (report.read, dict(report.kinds), report.unmatched) == (
        3,
        {"reply": 1, "decline": 1, "auto_reply": 1},
        2,
    )
    assert import_files(sqlite_db, config, FixedClock(T0), [path]).duplicates == 3


def test_moves_legal_illegal_history_and_board(db: Engine, tmp_path: Path) -> None:
    clock = FixedClock(T0)
    eid = enrol(db, "hanako@example.jp", handle="hanako_beauty", stage="negotiating")
    with pytest.raises(StageError, match="no accepted deal"):
        move(db, clock, "@hanako_beauty", "contracted", note="fee agreed")
    m = move(db, clock, "@hanako_beauty", "contracted", note="fee agreed", force="by phone")
    assert (m.from_stage, m.to_stage) == ("negotiating", "contracted")
    with pytest.raises(StageError) as err:
        move(db, clock, "hanako@example.jp", "prospect")
    assert "posted" in str(err.value) and "cannot move from contracted to prospect" in str(
        err.value
    )
    enrol(db, "hanako@example.jp", campaign_slug="autumn")
    with pytest.raises(InputError, match="--campaign"):
        move(db, clock, "hanako@example.jp", "declined")
    move(db, clock, "hanako@example.jp", "declined", campaign="autumn")
    rows = history(db, "@hanako_beauty")
    assert [
        (r["campaign"], r["from_stage"], r["to_stage"], r["cause"], r["note"]) for r in rows
    ] == [
        (
            "spring",
            "negotiating",
            "contracted",
            "command",
            "forced without an accepted deal: by phone; fee agreed",
        ),
        ("autumn", "contacted", "declined", "command", ""),
    ]
    enrol(db, "old@example.jp", handle="old_one", at=T0.replace(month=10))
    clock.advance(timedelta(days=3))
    b = board(db, clock, stale_days=14)
    assert b.counts["contracted"] == 1 and b.counts["declined"] == 1 and b.counts["contacted"] == 1
    stale = {c["handle"]: (c["days"], c["stale"]) for c in b.cards["contacted"]}
    assert stale == {"old_one": (64, True)}
    assert board(db, clock, 14, "autumn").counts["declined"] == 1
    assert eid


def test_cli_poll_list_show_move_pipeline_history(tmp_path: Path) -> None:
    cfg = write_workspace(tmp_path)
    engine = sqlite_engine(tmp_path / "outreach.db")
    enrol(engine, "hanako@example.jp", message_id=PITCH_ID, handle="hanako_beauty")
    mailbox.Maildir(str(tmp_path / "inbox"), create=True).add(raw(REPLY))
    mailbox.Maildir(str(tmp_path / "inbox")).add(raw("optout_en.eml"))
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--config", str(cfg), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    polled = run("inbox", "poll")
    assert "reply 1" in polled and "opt_out 1" in polled and "unmatched 1" in polled
    assert "nothing new" in run("inbox", "poll")
    listing = run("inbox", "list", "--format", "json")
    assert '"kind": "reply"' in listing and '"kind": "opt_out"' in listing
    assert '"effect": "unmatched"' in run("inbox", "list", "--unmatched", "--format", "json")
    shown = run("inbox", "show", "1")
    assert "ぜひ" in shown and "negotiating" in shown and "配信停止" not in shown
    assert "negotiating -> contracted" in run(
        "move", "@hanako_beauty", "contracted", "--note", "signed", "--force", "paper contract"
    )
    bad = runner.invoke(cli, ["--config", str(cfg), "move", "@hanako_beauty", "prospect"])
    assert bad.exit_code != 0
    board_out = run("pipeline")
    assert "contracted 1" in board_out and "@hanako_beauty" in board_out
    assert "signed" in run("history", "@hanako_beauty")


def test_corpus_effects_on_sqlite_and_postgresql(db: Engine, tmp_path: Path) -> None:
    specs = expected()
    seeded = seed_corpus(db)
    config = make_config(tmp_path, {"source": "none"})
    report = import_files(db, config, FixedClock(T0), [MAIL_DIR / n for n in sorted(specs)])
    assert (report.read, report.duplicates, report.unmatched) == (len(specs), 1, 0)
    for name, spec in specs.items():
        eid, found = seeded[name]
        assert_effect(db, name, eid, found, spec, T0)
    before = snapshot(db)
    again = import_files(db, config, FixedClock(T0), [MAIL_DIR / n for n in sorted(specs)])
    assert (again.new, again.duplicates) == (0, len(specs))
    assert snapshot(db) == before


def test_demo_replies_through_the_maildir(sqlite_db: Engine, tmp_path: Path) -> None:
    """The demo's scripted replies, read by the same poll as a real inbox."""
    pitches = [
        Captured(f"<pitch{i}@brand.example>", f"inf{i}@example.jp", "hello@brand.example", "ご提案")
        for i in range(4)
    ]
    ids = [enrol(sqlite_db, p.to_addr, message_id=p.message_id) for p in pitches]
    script_replies(pitches, tmp_path / "inbox", T0)
    config = make_config(tmp_path, {"source": "maildir", "path": "inbox"})
    report = poll(sqlite_db, config, FixedClock(T0))
    assert dict(report.kinds) == {"reply": 1, "auto_reply": 1, "opt_out": 1, "bounce": 1}
    got = stages(sqlite_db)
    assert got[ids[0]] == ("stopped", "negotiating")
    assert got[ids[1]] == ("active", "contacted")  # paused by pushing next_due_at
    assert got[ids[2]] == ("stopped", "unsubscribed")
    assert got[ids[3]] == ("stopped", "bounced")
    with reading(sqlite_db) as conn:
        due = conn.execute(
            select(enrollment.c.next_due_at).where(enrollment.c.id == ids[1])
        ).scalar()
    assert utc(due) > T0 + timedelta(days=3)


def test_inbox_freshness_for_follow_up_holds_and_status(db: Engine, tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()  # as `outreach init` leaves it: no new/ cur/ tmp/ yet
    config = make_config(tmp_path, {"source": "maildir", "path": "inbox"})
    clock = FixedClock(T0)
    [never] = inbox_status(db, config, clock)
    assert never.stale and "never read" in never.describe()
    [job] = [j for j in JOBS if j.name == "inbox"]  # as `outreach run` schedules it
    assert job.every(config) == config.inbox.poll_seconds
    asyncio.run(job.run(AppContext(config, db, clock, SmtpTransport(config.mailboxes))))
    assert inbox_status(db, config, clock)[0].error == ""
    with reading(db) as conn:
        # the planner holds follow-ups of a mailbox whose inbox is stale
        assert not stale_inboxes(conn, ["main"], polled_before=T0 - timedelta(minutes=30))
    clock.advance(timedelta(minutes=31))
    [late] = inbox_status(db, config, clock)
    assert late.stale and "stale since 2025-12-01 00:00 UTC" in late.describe()
    with reading(db) as conn:
        assert stale_inboxes(conn, ["main"], polled_before=clock.now() - timedelta(minutes=30))


def test_reply_moves_only_from_pitching_stages_and_ooo_after_stop_pauses_nothing(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    config = make_config(tmp_path, {"source": "none"})
    prospect = enrol(sqlite_db, "hanako@example.jp", message_id=PITCH_ID, stage="prospect")
    import_files(sqlite_db, config, FixedClock(T0), [MAIL_DIR / REPLY])
    assert stages(sqlite_db)[prospect] == ("stopped", "negotiating")
    signed = enrol(
        sqlite_db,
        "chloe@chloe-cooks.example",
        message_id="<20261120120000.b2c3d4@brand.example>",
        stage="contracted",
    )
    import_files(sqlite_db, config, FixedClock(T0), [MAIL_DIR / "reply_en_quoted_footer.eml"])
    assert stages(sqlite_db)[signed] == ("stopped", "contracted")
    stopped = enrol(
        sqlite_db, "noah@fitness-daily.example", message_id="<20261125164500.e4f5a6@brand.example>"
    )
    with writing(sqlite_db) as conn:
        stop_enrollment(conn, stopped, reason="by hand")
    import_files(sqlite_db, config, FixedClock(T0), [MAIL_DIR / "ooo_en_no_date.eml"])
    with reading(sqlite_db) as conn:
        effect = conn.execute(
            select(inbound.c.effect).where(inbound.c.enrollment_id == stopped)
        ).scalar()
    assert effect == "auto-reply: sequence already stopped; nothing to pause"


def test_a_message_the_classifier_chokes_on_is_kept_as_unparsed(
    sqlite_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(raw: bytes, **_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("outreach.services.inbox.poll.parse_and_classify", broken)
    config = make_config(tmp_path, {"source": "none"})
    report = import_files(sqlite_db, config, FixedClock(T0), [MAIL_DIR / REPLY])
    assert (dict(report.kinds), report.unmatched) == ({"unparsed": 1}, 1)
    with reading(sqlite_db) as conn:
        row = conn.execute(select(inbound)).one()
    assert row.raw == raw(REPLY) and "boom" in row.detail["reasons"][0]
    again = import_files(sqlite_db, config, FixedClock(T0), [MAIL_DIR / REPLY])
    assert again.duplicates == 1


def test_a_move_by_hand_past_pitching_stops_and_an_opt_out_suppresses(
    db: Engine, tmp_path: Path
) -> None:
    clock = FixedClock(T0)
    spring = enrol(db, "kenta@example.jp", message_id="<k1@brand.example>", handle="kenta")
    autumn = enrol(db, "kenta@example.jp", message_id="<k2@brand.example>", campaign_slug="autumn")
    move(db, clock, "@kenta", "negotiating", campaign="spring", note="called us")
    assert stages(db) == {spring: ("stopped", "negotiating"), autumn: ("active", "contacted")}
    with reading(db) as conn:
        states = dict(
            conn.execute(
                select(outbox.c.enrollment_id, outbox.c.state).where(outbox.c.step == 2)
            ).all()
        )
    assert states == {spring: "cancelled", autumn: "queued"}
    move(db, clock, "@kenta", "unsubscribed", campaign="autumn", note="asked by phone")
    assert stages(db) == {spring: ("stopped", "unsubscribed"), autumn: ("stopped", "unsubscribed")}
    with reading(db) as conn:
        assert is_suppressed(conn, "KENTA@example.jp")
