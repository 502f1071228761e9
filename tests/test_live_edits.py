"""A running daemon sends what preview shows: it picks up template edits without a restart,
and holds a campaign whose templates fail lint until they are fixed (the others keep going).
Through `outreach run` in a subprocess, the sample workspace and a real SMTP server."""

from __future__ import annotations

import email
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from email import policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.config import load_config
from outreach.demo.config import write_demo_config
from outreach.render.compose import Composer
from outreach.services.send.plan import plan_due
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.services.workspace.create import create_workspace
from outreach.store.schema import outbox, outbox_message
from outreach.store.session import make_engine
from outreach.transport.sink import CaptureSink
from tests.support.sequence import add_influencer, make_workspace

ROOT = Path(__file__).resolve().parent.parent
ENROLLED = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
TUE_0905 = datetime(2026, 11, 24, 9, 5, tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)
PEOPLE = ("--handle", "hanako_kitchen", "--handle", "misaki_beauty")


def wait_until(cond: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def bodies(sink_dir: Path) -> list[str]:
    """The text of every message the capture server stored, oldest first."""
    found = sorted(
        (p for p in sink_dir.rglob("*") if p.is_file() and p.parent.name == "new"),
        key=lambda p: p.stat().st_mtime_ns,
    )
    out = []
    for path in found:
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        part = msg.get_body(("plain",))
        out.append(part.get_content() if part is not None else "")
    return out


def outreach(ws: Path, *args: str) -> None:
    result = CliRunner().invoke(
        cli, ["--config", str(ws / "config.toml"), *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_edits_and_lint_holds_reach_a_running_daemon(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    create_workspace(ws, today=date.today())
    sink = CaptureSink(tmp_path / "sent").start()
    daemon = None
    # the daemon writes to it until the finally block closes it
    log = tempfile.NamedTemporaryFile(prefix="daemon-", suffix=".log", dir=tmp_path, delete=False)  # noqa: SIM115
    try:
        config_path = write_demo_config(ws, smtp_port=sink.port)
        text = config_path.read_text(encoding="utf-8")  # the same people in both campaigns
        config_path.write_text(
            text.replace("cooldown_days = 90", "cooldown_days = 0"), encoding="utf-8"
        )
        outreach(ws, "import", "influencers", str(ws / "roster" / "influencers.csv"))
        outreach(ws, "import", "posts", str(ws / "roster" / "posts.csv"))
        # A second campaign with templates of its own: pitch2 (one step).
        templates = ws / "templates"
        for lang in ("ja", "en"):
            text = (templates / f"pitch.{lang}.j2").read_text(encoding="utf-8")
            (templates / f"pitch2.{lang}.j2").write_text(
                text.replace("{{ link }}", "{{ link }}\nAUTUMN-v1"), encoding="utf-8"
            )
        (ws / "sequences" / "demo2.toml").write_text(
            '[[step]]\ntemplate = "pitch2"\ndelay = "0s"\n', encoding="utf-8"
        )
        spring = (ws / "campaigns" / "spring-serum.toml").read_text(encoding="utf-8")
        (ws / "campaigns" / "autumn.toml").write_text(
            spring.replace('sequence = "demo"', 'sequence = "demo2"'), encoding="utf-8"
        )
        outreach(ws, "enroll", "spring-serum", *PEOPLE)

        env = {**os.environ, "PYTHONPATH": str(ROOT), "OUTREACH_CONFIG": str(ws / "config.toml")}
        daemon = subprocess.Popen(
            [sys.executable, "-m", "outreach", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ws,
        )
        assert wait_until(lambda: len(bodies(sink.maildir)) >= 2, 60), "no spring pitches"

        # Break autumn's template (no footer: no sender address, no opt-out), then enrol.
        good = {
            lang: (templates / f"pitch2.{lang}.j2").read_text(encoding="utf-8")
            for lang in ("ja", "en")
        }
        for lang, text in good.items():
            (templates / f"pitch2.{lang}.j2").write_text(
                text.replace(f'{{% include "_footer.{lang}.j2" %}}', ""), encoding="utf-8"
            )
        outreach(ws, "enroll", "autumn", *PEOPLE)
        # Spring's follow-ups (5 s apart) keep going; nothing of autumn goes out.
        assert wait_until(lambda: len(bodies(sink.maildir)) >= 4, 60), "spring stopped"
        assert not any("AUTUMN" in body for body in bodies(sink.maildir))
        assert wait_until(lambda: "campaign autumn held" in Path(log.name).read_text(), 30), Path(
            log.name
        ).read_text()[-3000:]

        # Fixed, with new wording: it resumes by itself and sends the new text.
        for lang, text in good.items():
            (templates / f"pitch2.{lang}.j2").write_text(
                text.replace("AUTUMN-v1", "AUTUMN-v2"), encoding="utf-8"
            )
        assert wait_until(lambda: sum("AUTUMN" in b for b in bodies(sink.maildir)) >= 2, 60), (
            "autumn held"
        )
        autumn = [b for b in bodies(sink.maildir) if "AUTUMN" in b]
        assert all("AUTUMN-v2" in b and "AUTUMN-v1" not in b for b in autumn)
        assert "lint errors fixed; planning resumes" in Path(log.name).read_text()
        # Each row names the template version it was rendered from.
        engine = make_engine(load_config(ws / "config.toml").database_url)
        with engine.connect() as conn:
            hashes = set(
                conn.execute(
                    select(outbox.c.template_hash).where(outbox.c.subject.is_not(None))
                ).scalars()
            )
        ja_now = hashlib.sha256((templates / "pitch2.ja.j2").read_bytes()).hexdigest()
        en_now = hashlib.sha256((templates / "pitch2.en.j2").read_bytes()).hexdigest()
        assert {ja_now, en_now} & hashes
        engine.dispose()
    finally:
        if daemon is not None:
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=60)
            assert code == 0, Path(log.name).read_text()
        sink.stop()
        log.close()


def test_the_planner_renders_with_the_template_on_disk_now(db: Any, tmp_path: Path) -> None:
    """One Composer, as a daemon keeps it: an edit between two passes changes the next bytes."""
    config = make_workspace(tmp_path)
    for handle in ("hanako", "yui"):
        add_influencer(db, handle)
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED)
    composer = Composer(config)
    pitch = tmp_path / "templates" / "pitch.ja.j2"
    assert plan_due(db, config, FixedClock(TUE_0905), composer, limit=1) == 1
    pitch.write_text(
        pitch.read_text(encoding="utf-8").replace("{{ link }}", "{{ link }}\nEDITED"),
        encoding="utf-8",
    )
    assert plan_due(db, config, FixedClock(TUE_0905), composer, limit=1) == 1
    with db.connect() as conn:
        rows = conn.execute(
            select(outbox.c.template_hash, outbox_message.c.raw)
            .join(outbox_message, outbox_message.c.outbox_id == outbox.c.id)
            .order_by(outbox.c.id)
        ).all()
    first, second = rows

    def text(raw: bytes) -> str:
        part = email.message_from_bytes(raw, policy=policy.default).get_body(("plain",))
        return part.get_content() if part is not None else ""

    assert "EDITED" not in text(first.raw) and "EDITED" in text(second.raw)
    assert second.template_hash == hashlib.sha256(pitch.read_bytes()).hexdigest()
    assert first.template_hash != second.template_hash


def test_outbox_replan_renders_untried_rows_again(db: Any, tmp_path: Path) -> None:
    from outreach.services.send.outbox import replan

    config = make_workspace(tmp_path)
    add_influencer(db, "hanako")
    enroll(db, config, "spring", EnrollFilters(), dry_run=False, now=ENROLLED)
    composer = Composer(config)
    assert plan_due(db, config, FixedClock(TUE_0905), composer, limit=10) == 1
    pitch = tmp_path / "templates" / "pitch.ja.j2"
    pitch.write_text(
        pitch.read_text(encoding="utf-8").replace("{{ link }}", "{{ link }}\nEDITED"),
        encoding="utf-8",
    )
    assert replan(db, campaign="spring") == 1
    assert replan(db, campaign="spring") == 0  # nothing queued any more
    assert plan_due(db, config, FixedClock(TUE_0905), composer, limit=10) == 1
    with db.connect() as conn:
        [(due_at, template_hash)] = conn.execute(
            select(outbox.c.due_at, outbox.c.template_hash)
        ).all()
    assert template_hash == hashlib.sha256(pitch.read_bytes()).hexdigest()
    assert due_at == TUE_0905.replace(tzinfo=None)
