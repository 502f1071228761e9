"""`outreach rehearse`: the real planner and dispatch on a copy, with a simulated clock; the
workspace's database, its SMTP server and its contact history are left exactly as they were."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from outreach.cli import cli
from outreach.services.workspace.create import create_workspace
from outreach.store.schema import enrollment, outbox
from outreach.store.session import make_engine, migrate
from outreach.transport.sink import CaptureSink
from tests.support.smtp import ScriptedHandler

START = "2026-12-24T17:00+09:00"  # Thursday 17:00 in Tokyo, five days before 年末年始


@pytest.fixture
def real_smtp(tmp_path: Path) -> Iterator[tuple[CaptureSink, ScriptedHandler]]:
    """The server the workspace's config names: a rehearsal must never speak to it."""
    handler = ScriptedHandler()
    with CaptureSink(tmp_path / "real-sink", handler=handler) as sink:
        yield sink, handler


def workspace(tmp_path: Path, port: int, db_url: str = "") -> Path:
    root = tmp_path / "ws"
    create_workspace(root, today=date(2026, 12, 18))  # reply_by 2027-01-01, post_by 2027-01-15
    config = root / "config.toml"
    text = re.sub(
        r"^port = 8025\b", f"port = {port}", config.read_text(encoding="utf-8"), flags=re.MULTILINE
    )
    if db_url:
        text = text.replace('url = "sqlite:///outreach.db"', f'url = "{db_url}"')
    config.write_text(text, encoding="utf-8")
    for kind in ("influencers", "posts"):
        invoke(root, "import", kind, str(root / "roster" / f"{kind}.csv"))
    return root


def invoke(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(root / "config.toml"), *args])
    assert result.exit_code == 0, result.output
    return result.output


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sent_lines(output: str, step: int) -> list[str]:
    return [
        line for line in output.splitlines() if re.search(rf"@\S+ +step {step}  templates/", line)
    ]


def test_rehearse_prints_the_schedule_with_caps_closures_and_holds_and_touches_nothing(
    tmp_path: Path,
    real_smtp: tuple[CaptureSink, ScriptedHandler],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink, handler = real_smtp
    root = workspace(tmp_path, sink.port)
    monkeypatch.setenv("OUTREACH_MAILBOXES__MAIN__LIMITS__DAILY_CAP", "4")
    database = root / "outreach.db"
    before = sha256(database)

    out = invoke(root, "rehearse", "spring-serum", "--start", START)

    assert sha256(database) == before
    assert handler.received == [] and sum(handler.commands.values()) == 0
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(enrollment)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(outbox)).scalar() == 0
    engine.dispose()
    # Four pitches on the 24th (the cap: Emily's 09:01 in Los Angeles is the 25th in Tokyo),
    # the rest on the 25th; none inside 12-29..01-03.
    pitches = sent_lines(out, 1)
    assert [line[:10] for line in pitches] == ["2026-12-24"] * 4 + ["2026-12-24"] + [
        "2026-12-25"
    ] * 3
    assert "note: daily cap of mailbox main (4) reached for 2026-12-24" in out
    assert [line.endswith("(waited: daily cap used up on 2026-12-24)") for line in pitches] == [
        False
    ] * 5 + [True] * 3
    assert (
        "@emily_wanders       step 1  templates/pitch.en.j2 main  (waited: ready at 00:00, "
        "window 09:00-18:00)" in pitches[4]
    )
    assert "PST" in pitches[4]
    assert re.search(
        r"@yui_study +step 1  held: not enrolled: \S*roster/influencers.csv:7: refuses_ads", out
    )
    # Olivia (GB): the 25th and the 28th are British holidays, then the office is closed; by
    # the 4th her pitch would state a reply_by that has passed: held, with why.
    assert re.search(
        r"^2027-01-04 09:\d\d JST  @olivia_skincare +step 1  held: it states reply_by "
        r"2027-01-01, past on its send date 2027-01-04$",
        out,
        re.MULTILINE,
    )
    held = [
        line for line in out.splitlines() if "step 2  held: it states reply_by 2027-01-01" in line
    ]
    assert len(held) == 8
    assert sent_lines(out, 2) == [] and sent_lines(out, 3) == []
    assert re.search(r"^sent 8 \(step 1: 8\); held 9; not enrolled 1$", out, re.MULTILINE)
    assert "8 message(s) captured; nothing real was touched" in out
    assert "rehearsing:" not in out and "\r" not in out  # no progress line when not a terminal


def test_rehearse_a_second_time_with_enrolments_already_made_and_json(
    tmp_path: Path,
    real_smtp: tuple[CaptureSink, ScriptedHandler],
) -> None:
    sink, handler = real_smtp
    root = workspace(tmp_path, sink.port)
    invoke(root, "enroll", "spring-serum", "--handle", "hanako_kitchen")
    database = root / "outreach.db"
    before = sha256(database)

    out = invoke(
        root,
        "rehearse",
        "spring-serum",
        "--start",
        "2026-12-21T10:00+09:00",
        "--no-enroll",
        "--days",
        "5",
        "--format",
        "json",
    )

    assert sha256(database) == before and handler.received == []
    events = [json.loads(line) for line in out.splitlines()]
    sent = [e for e in events if e["kind"] == "sent"]
    assert [(e["handle"], e["step"], e["template"]) for e in sent] == [
        ("hanako_kitchen", 1, "templates/pitch.ja.j2"),
        ("hanako_kitchen", 2, "templates/followup1.ja.j2"),
    ]
    assert sent[0]["at"].endswith("+09:00")
    summary = events[-1]
    assert summary["kind"] == "summary" and summary["sent"] == {"1": 1, "2": 1}
    assert summary["completed"] is False and summary["waiting"] == 1


def test_rehearse_copies_a_postgresql_database_and_leaves_it_alone(
    tmp_path: Path,
    pg_url: str,
    real_smtp: tuple[CaptureSink, ScriptedHandler],
) -> None:
    sink, handler = real_smtp
    engine = make_engine(pg_url)
    migrate(engine)
    root = workspace(tmp_path, sink.port, db_url=pg_url)

    out = invoke(root, "rehearse", "spring-serum", "--start", "2026-12-21T10:00+09:00")

    assert len(sent_lines(out, 1)) == 9 and handler.received == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(enrollment)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(outbox)).scalar() == 0
    engine.dispose()


def test_rehearse_shows_paused_enrolments_and_render_errors_as_holds(
    tmp_path: Path,
    real_smtp: tuple[CaptureSink, ScriptedHandler],
) -> None:
    from sqlalchemy import delete

    from outreach.store.schema import influencer, post

    sink, handler = real_smtp
    root = workspace(tmp_path, sink.port)
    invoke(root, "enroll", "spring-serum")
    invoke(root, "pause", "@misaki_beauty")
    database = root / "outreach.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:  # her posts went after she was enrolled: step 1 cannot name one
        hanako = conn.execute(
            select(influencer.c.id).where(influencer.c.handle == "hanako_kitchen")
        ).scalar()
        conn.execute(delete(post).where(post.c.influencer_id == hanako))
    engine.dispose()
    before = sha256(database)

    out = invoke(
        root,
        "rehearse",
        "spring-serum",
        "--no-enroll",
        "--days",
        "2",
        "--start",
        "2026-12-21T10:00+09:00",
    )

    assert sha256(database) == before and handler.received == []
    assert re.search(
        r"^2026-12-21 10:00 JST  @misaki_beauty +step 1  held: paused", out, re.MULTILINE
    )
    assert re.search(
        r"^2026-12-21 10:0\d JST  @hanako_kitchen +step 1  held: needs attention: render "
        r"error: templates/pitch.ja.j2:\d+: .*'post' is undefined",
        out,
        re.MULTILINE,
    )
    assert len(sent_lines(out, 1)) == 7
    assert re.search(r"^sent 7 \(step 1: 7\); held 2$", out, re.MULTILINE)
