"""Needs review: a classification less confident than [inbox] review_below takes only the safe
action (the sequence stops; nothing suppressed, no stage move), shows in `inbox list
--needs-review`, and `inbox resolve ID --as KIND` applies KIND's real effect exactly once."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from outreach.cli import cli, main
from outreach.clock import FixedClock
from outreach.config import InboxConfig
from outreach.errors import InputError
from outreach.inbound import Classified, parse_and_classify
from outreach.services.inbox.poll import import_files, resolve
from outreach.store.queries.suppression import is_suppressed
from outreach.store.schema import inbound, influencer, suppression
from outreach.store.session import reading
from tests.support.corpus_effects import enrollment_row, queued_follow_up
from tests.support.db import sqlite_engine
from tests.support.inbox import T0, enrol, make_config, write_workspace
from tests.support.mail_corpus import MAIL_DIR

REPLY = "reply_ja_quoted_footer.eml"  # hanako@example.jp answering PITCH_ID
PITCH_ID = "<20261120010000.a1b2c3@brand.example>"
OPT_OUT = "optout_ja.eml"  # saki@nakamura-life.example
OPT_OUT_PITCH = "<20261121000000.e5f6a7@brand.example>"
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"


@pytest.fixture
def unsure(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real classification with a confidence of 0.4 (below the default 0.6)."""

    def classify(raw: bytes, **kw: Any) -> Classified:
        return replace(parse_and_classify(raw, **kw), confidence=0.4)

    monkeypatch.setattr("outreach.services.inbox.poll.parse_and_classify", classify)


def state(engine: Engine, eid: int, address: str) -> tuple[str, str, bool, str]:
    row = enrollment_row(engine, eid)
    with reading(engine) as conn:
        suppressed = is_suppressed(conn, address)
    return row.status, row.stage, suppressed, queued_follow_up(engine, eid).state


def stored(engine: Engine) -> Any:
    with reading(engine) as conn:
        return conn.execute(select(inbound)).one()


def test_an_unsure_reply_takes_the_safe_action_then_resolves_once(
    db: Engine, tmp_path: Path, unsure: None
) -> None:
    eid = enrol(db, "hanako@example.jp", message_id=PITCH_ID)
    config = make_config(tmp_path, {"source": "none"})
    clock = FixedClock(T0)
    report = import_files(db, config, clock, [MAIL_DIR / REPLY])
    assert (dict(report.kinds), report.unmatched) == ({"needs_review": 1}, 0)
    assert state(db, eid, "hanako@example.jp") == ("stopped", "contacted", False, "cancelled")
    row = stored(db)
    assert (row.kind, row.confidence, row.enrollment_id, row.resolved_as) == (
        "needs_review",
        0.4,
        eid,
        None,
    )
    assert row.detail["classified_as"] == "reply"
    assert row.effect == (
        "needs review: confidence 0.40 below 0.60; sequence of hanako@example.jp in spring "
        "stopped, 1 unsent cancelled; nothing suppressed, stage stays contacted"
    )
    effect = resolve(db, config, clock, row.id, "reply")
    assert effect == "reply: sequence stopped, 0 unsent cancelled, stage contacted -> negotiating"
    assert state(db, eid, "hanako@example.jp") == ("stopped", "negotiating", False, "cancelled")
    row = stored(db)
    assert (row.kind, row.resolved_as) == ("needs_review", "reply")
    assert row.resolved_at is not None and row.effect.endswith(f"; resolved as reply: {effect}")
    with pytest.raises(InputError, match="was resolved as reply"):
        resolve(db, config, clock, row.id, "opt_out")
    with reading(db) as conn:
        assert conn.execute(select(suppression)).all() == []


def test_an_unsure_opt_out_suppresses_nothing_until_confirmed(
    db: Engine, tmp_path: Path, unsure: None
) -> None:
    eid = enrol(db, "saki@nakamura-life.example", message_id=OPT_OUT_PITCH)
    config = make_config(tmp_path, {"source": "none"})
    clock = FixedClock(T0)
    import_files(db, config, clock, [MAIL_DIR / OPT_OUT])
    assert state(db, eid, "saki@nakamura-life.example") == (
        "stopped",
        "contacted",
        False,
        "cancelled",
    )
    row = stored(db)
    resolve(db, config, clock, row.id, "opt_out")
    assert state(db, eid, "saki@nakamura-life.example") == (
        "stopped",
        "unsubscribed",
        True,
        "cancelled",
    )
    with reading(db) as conn:
        entry = conn.execute(select(suppression)).one()
    assert (entry.reason, entry.inbound_id) == ("opt_out", row.id)
    assert entry.evidence["phrase"] and entry.evidence["phrase"] in row.text  # what they wrote


def test_review_below_is_configurable(sqlite_db: Engine, tmp_path: Path, unsure: None) -> None:
    eid = enrol(sqlite_db, "hanako@example.jp", message_id=PITCH_ID)
    base = make_config(tmp_path, {"source": "none"})
    config = base.model_copy(update={"inbox": InboxConfig(review_below=0.3)})
    report = import_files(sqlite_db, config, FixedClock(T0), [MAIL_DIR / REPLY])
    assert dict(report.kinds) == {"reply": 1}
    assert state(sqlite_db, eid, "hanako@example.jp") == (
        "stopped",
        "negotiating",
        False,
        "cancelled",
    )


def test_a_forged_bounce_confirmed_by_an_operator_suppresses(db: Engine, tmp_path: Path) -> None:
    """Untied reports change nothing; the operator who checked it can still apply it."""
    eid = enrol(
        db, "hanako@example.jp", message_id="<0a1b2c3d4e5f60718293a4b5c6d7e8f9@brand.example>"
    )
    config = make_config(tmp_path, {"source": "none"})
    clock = FixedClock(T0)
    import_files(db, config, clock, [HOSTILE / "forged_dsn_stranger.eml"])
    row = stored(db)
    assert (row.kind, row.enrollment_id, row.recipient_norm, row.bounce_reason) == (
        "needs_review",
        None,
        "hanako@example.jp",
        "userunknown",
    )
    assert state(db, eid, "hanako@example.jp") == ("active", "contacted", False, "queued")
    effect = resolve(db, config, clock, row.id, "bounce")
    assert effect.startswith("bounced 5.1.1 userunknown: hanako@example.jp suppressed")
    assert state(db, eid, "hanako@example.jp") == ("stopped", "bounced", True, "cancelled")


def test_resolve_as_ignore_keeps_the_safe_action_only(
    sqlite_db: Engine, tmp_path: Path, unsure: None
) -> None:
    eid = enrol(sqlite_db, "hanako@example.jp", message_id=PITCH_ID)
    config = make_config(tmp_path, {"source": "none"})
    clock = FixedClock(T0)
    import_files(sqlite_db, config, clock, [MAIL_DIR / REPLY])
    assert resolve(sqlite_db, config, clock, stored(sqlite_db).id, "ignore") == "no further action"
    assert state(sqlite_db, eid, "hanako@example.jp") == (
        "stopped",
        "contacted",
        False,
        "cancelled",
    )
    assert stored(sqlite_db).resolved_as == "ignore"


def test_cli_list_needs_review_and_resolve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_workspace(
        tmp_path, maildir=False, after='[inbox]\ntrusted_authserv_ids = ["mx.brand.example"]\n'
    )
    engine = sqlite_engine(tmp_path / "outreach.db")
    eid = enrol(
        engine, "hanako@example.jp", message_id="<0a1b2c3d4e5f60718293a4b5c6d7e8f9@brand.example>"
    )
    enrol(engine, "other@example.jp", message_id=PITCH_ID)
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--config", str(tmp_path / "config.toml"), *args])
        assert result.exit_code == 0, result.output
        return result.output

    run("inbox", "import", str(HOSTILE / "spoof_reply_unaligned_dkim.eml"))
    listed = [
        json.loads(line)
        for line in run("inbox", "list", "--needs-review", "--format", "json").splitlines()
    ]
    assert [(r["id"], r["kind"], r["handle"]) for r in listed] == [(1, "needs_review", "hanako")]
    assert "not authenticated" in listed[0]["effect"]
    assert "review:   outreach inbox resolve 1 --as KIND" in run("inbox", "show", "1")
    out = run("inbox", "resolve", "1", "--as", "reply")
    assert (
        out
        == "#1 resolved as reply: reply: sequence stopped, 0 unsent cancelled, stage contacted -> negotiating\n"
    )
    assert run("inbox", "list", "--needs-review", "--format", "json") == ""
    assert "resolved: as reply on " in run("inbox", "show", "1")
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(tmp_path / "config.toml"), "inbox", "resolve", "1", "--as", "reply"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: message 1 was resolved as reply on ") and "Traceback" not in err
    assert enrollment_row(engine, eid).stage == "negotiating"


REFERRAL = """From: {sender}
To: hello@brand.example
Subject: Re: ご提案
Message-ID: <ref-{n}@example.jp>
In-Reply-To: {pitch}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

ご連絡ありがとうございます。
お仕事のご依頼は所属事務所までお願いいたします。
担当: casting@nijiiro-ent.jp
"""


def test_a_referral_records_the_manager_contact_only_from_its_own_thread(
    db: Engine, tmp_path: Path
) -> None:
    eid = enrol(db, "hanako@example.jp", message_id=PITCH_ID)
    other = enrol(db, "saki@nakamura-life.example", message_id=OPT_OUT_PITCH)
    config = make_config(tmp_path, {"source": "none"})
    mine, stranger = tmp_path / "mine.eml", tmp_path / "stranger.eml"
    mine.write_text(
        REFERRAL.format(sender="hanako@example.jp", n=1, pitch=PITCH_ID), encoding="utf-8"
    )
    stranger.write_text(
        REFERRAL.format(sender="someone@else.example", n=2, pitch=OPT_OUT_PITCH), encoding="utf-8"
    )
    import_files(db, config, FixedClock(T0), [mine, stranger])
    with reading(db) as conn:
        rows = conn.execute(select(inbound.c.kind, inbound.c.effect).order_by(inbound.c.id)).all()
        managers = dict(conn.execute(select(influencer.c.email, influencer.c.manager_email)).all())
    assert rows[0] == (
        "reply",
        "reply: sequence stopped, 1 unsent cancelled, stage contacted -> "
        "negotiating; referred to casting@nijiiro-ent.jp: now the manager contact",
    )
    assert rows[1][0] == "needs_review"
    assert managers == {
        "hanako@example.jp": "casting@nijiiro-ent.jp",
        "saki@nakamura-life.example": "",
    }
    assert state(db, eid, "hanako@example.jp") == ("stopped", "negotiating", False, "cancelled")
    assert state(db, other, "saki@nakamura-life.example") == (
        "active",
        "contacted",
        False,
        "queued",
    )
