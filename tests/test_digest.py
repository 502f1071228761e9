"""`[digest]`: the team's summary mail on the seeded campaigns (tests/support/report_seed.py),
sent through a real aiosmtpd server from a real SQLite store.

By hand, at 2026-12-13 03:00 UTC (12:00 in Tokyo) with the last digest sent 2026-12-04 12:00 UTC:
  new human replies after it: p5's reply (12-05 00:00 UTC = 09:00 JST)
  todo: 8 items (reply 3, deal 1, late 1, review 1, unknown 1, held 1), oldest first
  live campaigns: spring only (winter is paused): sent 9, replied 5, interested 3,
  contracted 2, posted 1, converted 1 (the funnel of tests/test_report.py)
"""

from __future__ import annotations

import asyncio
import email
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.config import Config
from outreach.daemon.run import JOBS, AppContext, digest_job
from outreach.errors import ConfigError, InputError
from outreach.services.report import digest
from outreach.store.queries import digest as claims
from outreach.transport.sink import CaptureSink
from outreach.transport.smtp import SmtpTransport
from tests.support.db import sqlite_engine
from tests.support.report_seed import NOW, seed
from tests.support.smtp import ScriptedHandler, config_data, toml_text
from tests.support.workspace import config_from

SAMPLES = Path(__file__).resolve().parent.parent / "outreach" / "samples" / "templates"
NOW_UTC = NOW.replace(tzinfo=UTC)
LAST = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[CaptureSink, ScriptedHandler]]:
    handler = ScriptedHandler()
    with CaptureSink(tmp_path / "sink", handler=handler) as sink:
        yield sink, handler


def workspace(root: Path, port: int, **digest_table: Any) -> tuple[Config, Engine]:
    shutil.copytree(SAMPLES, root / "templates", dirs_exist_ok=True)
    engine = sqlite_engine(root / "outreach.db")
    seed(engine)
    data = config_data(port, db_url=f"sqlite:///{root / 'outreach.db'}")
    data["workspace"] = {"report_language": "en", "display_timezone": "Asia/Tokyo"}
    if digest_table is not None:
        data["digest"] = {"to": ["team@brand.example"], **digest_table}
    return config_from(root, data), engine


def context(config: Config, engine: Engine, at: datetime) -> AppContext:
    return AppContext(config, engine, FixedClock(at), SmtpTransport(config.mailboxes))


def sent_periods(engine: Engine) -> list[str]:
    return sorted(str(r["period"]) for r in claims.periods(engine) if r["sent_at"] is not None)


def parts(raw: bytes) -> tuple[Message, str, list[Message]]:
    msg = email.message_from_bytes(raw)
    leaves = [p for p in msg.walk() if not p.is_multipart()]
    text = leaves[0].get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    return msg, text.replace("\r\n", "\n"), leaves[1:]


def test_digest_content_on_the_seeded_workspace(tmp_path: Path) -> None:
    config, engine = workspace(tmp_path, 2525)
    claims.record_sent(engine, "daily-2026-12-04", "main", LAST, "<d1@x>")
    mail = digest.compose(config, engine, NOW_UTC)
    assert mail.subject == "Outreach digest 2026-12-13: 1 new reply, 8 to do"
    assert mail.period == "daily-2026-12-13"
    assert mail.since == LAST
    assert mail.text == EXPECTED
    assert [name for name, _ in mail.attachments] == ["report-spring.html"]


EXPECTED = """\
Outreach digest, 2026-12-13 12:00 (Asia/Tokyo)

New replies since 2026-12-04 21:00: 1
- 2026-12-05 09:00  @p5 (spring, reply): re: reply

To do: 8 (reply 3, deal 1, late 1, review 1, unknown 1, held 1)
- 2026-12-01 14:00  reply  spring  @p1: replied; stage posted
    outreach inbox show 1
- 2026-12-02 09:00  reply  spring  @p2: replied; stage contracted
    outreach inbox show 2
- 2026-12-03 09:00  held  winter  -: campaign paused: 1 enrolment(s) held
    outreach campaign resume winter
- 2026-12-03 21:00  review  -  someone@example.jp: needs review: re: needs_review
    outreach inbox show 7
- 2026-12-04 09:00  late  spring  @p2: deliverable 1 (instagram feed) due 2026-12-04 not posted
    outreach deal show @p2
- 2026-12-04 10:00  unknown  spring  @p8: outbox #13 step 2: maybe delivered (dropped after the dot)
    outreach outbox show 13
- 2026-12-05 09:00  reply  spring  @p5: replied; stage negotiating
    outreach inbox show 4
- 2026-12-06 09:00  deal  spring  @p5: deal #3: creator's counter awaits our answer
    outreach deal show @p5

Live campaigns
- spring: sent 9, replied 5, interested 3, contracted 2, posted 1, converted 1

The full report of each live campaign is attached (HTML).
"""


def test_the_job_sends_once_per_period_across_a_restart(
    tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler]
) -> None:
    sink, handler = server
    assert "digest" in [job.name for job in JOBS]
    config, engine = workspace(tmp_path, sink.port, every="daily", at="09:00")
    # Two daemon processes (a restart) ticking in the same period, then the next day's.
    asyncio.run(digest_job(context(config, engine, NOW_UTC)))
    asyncio.run(digest_job(context(config, engine, NOW_UTC + timedelta(minutes=5))))
    assert len(handler.received) == 1
    asyncio.run(digest_job(context(config, engine, NOW_UTC + timedelta(hours=20))))
    assert len(handler.received) == 1  # 2026-12-14 07:00 JST: before `at`
    asyncio.run(digest_job(context(config, engine, NOW_UTC + timedelta(hours=22))))
    assert len(handler.received) == 2
    assert sent_periods(engine) == ["daily-2026-12-13", "daily-2026-12-14"]
    msg, text, _ = parts(handler.received[0])
    assert msg["From"] == "PR <pr@sakura.test>"
    assert msg["To"] == "team@brand.example"
    assert msg["List-Unsubscribe"] is None
    assert text.startswith("Outreach digest, 2026-12-13 12:00 (Asia/Tokyo)")
    # The second digest holds the replies after the first one: none.
    _, second, _ = parts(handler.received[1])
    assert "New replies since 2026-12-13 12:00: 0\n- none" in second


def test_weekly_period_key() -> None:
    from zoneinfo import ZoneInfo

    from outreach.config import DigestConfig

    cfg = DigestConfig(to=("team@brand.example",), every="weekly", at="09:00", weekday="mon")
    tokyo = ZoneInfo("Asia/Tokyo")
    # 2026-12-13 is a Sunday: the period began on Monday 2026-12-07 09:00 JST.
    assert digest.period_key(cfg, NOW_UTC, tokyo) == "weekly-2026-12-07"
    monday = datetime(2026, 12, 14, 0, 0, tzinfo=UTC)  # 09:00 JST
    assert digest.period_key(cfg, monday, tokyo) == "weekly-2026-12-14"
    assert digest.period_key(cfg, monday - timedelta(seconds=1), tokyo) == "weekly-2026-12-07"


def test_the_report_is_attached_as_html(
    tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler]
) -> None:
    sink, handler = server
    config, engine = workspace(tmp_path, sink.port)
    sent = asyncio.run(digest.send_now(config, engine, NOW_UTC))
    assert sent.accepted
    _, _, attachments = parts(handler.received[0])
    assert [(a.get_content_type(), a.get_filename()) for a in attachments] == [
        ("text/html", "report-spring.html")
    ]
    html = attachments[0].get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "spring" in html


def test_no_attachment_when_attach_report_is_false(
    tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler]
) -> None:
    sink, handler = server
    config, engine = workspace(tmp_path, sink.port, attach_report=False)
    asyncio.run(digest.send_now(config, engine, NOW_UTC))
    msg = email.message_from_bytes(handler.received[0])
    assert not msg.is_multipart()


def test_a_broken_template_names_file_and_line_and_sends_nothing(
    tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler], caplog: pytest.LogCaptureFixture
) -> None:
    sink, handler = server
    config, engine = workspace(tmp_path, sink.port)
    path = tmp_path / "templates" / "digest.en.j2"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[7] = "- {{ r.at ) }}"  # line 8: a syntax error
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as err:
        digest.compose(config, engine, NOW_UTC)
    assert str(err.value) == f"{path}:8: unexpected ')'"
    path.write_text('---\nsubject = "x"\n---\nline one\n{{ replies.nope.deeper }}\n')
    with pytest.raises(InputError, match=rf"^{path}:5: UndefinedError"):
        digest.compose(config, engine, NOW_UTC)
    asyncio.run(digest_job(context(config, engine, NOW_UTC)))
    assert handler.received == []
    assert claims.periods(engine) == []
    assert "digest not sent" in caplog.text and f"{path}:5" in caplog.text


def test_no_digest_table_sends_nothing(
    tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler]
) -> None:
    sink, handler = server
    config, engine = workspace(tmp_path, sink.port)
    config = config.model_copy(update={"digest": None})
    asyncio.run(digest_job(context(config, engine, NOW_UTC)))
    assert asyncio.run(digest.send_due(config, engine, FixedClock(NOW_UTC))) is None
    assert handler.received == []
    assert claims.periods(engine) == []


def _config_file(root: Path, port: int, digest_lines: str) -> Path:
    shutil.copytree(SAMPLES, root / "templates", dirs_exist_ok=True)
    seed(sqlite_engine(root / "outreach.db"))
    data = config_data(port, db_url=f"sqlite:///{root / 'outreach.db'}")
    data["workspace"] = {"report_language": "ja", "display_timezone": "Asia/Tokyo"}
    path = root / "config.toml"
    path.write_text(toml_text(data) + digest_lines, encoding="utf-8")
    return path


def test_cli_print_sends_nothing_and_send_sends_the_japanese_digest(
    tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler]
) -> None:
    sink, handler = server
    path = _config_file(tmp_path, sink.port, '[digest]\nto = ["team@brand.example"]\n')
    shown = CliRunner().invoke(cli, ["--config", str(path), "digest", "--print"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("Subject: アウトリーチ日報 ")
    assert "対応待ち: 8 件（reply 3、deal 1、late 1、review 1、unknown 1、held 1）" in shown.stdout
    assert "- spring: 送信 9、返信 5、興味あり 3、契約 2、投稿 1、購入 1" in shown.stdout
    assert handler.received == []
    sent = CliRunner().invoke(cli, ["--config", str(path), "digest", "--send"])
    assert sent.exit_code == 0, sent.output
    assert len(handler.received) == 1
    assert "sent to team@brand.example" in sent.stderr
    (row,) = claims.periods(sqlite_engine(tmp_path / "outreach.db"))
    assert str(row["period"]).startswith("daily-") and row["sent_at"] is not None
    assert row["message_id"] == email.message_from_bytes(handler.received[0])["Message-ID"]


def test_cli_without_a_digest_table_says_so(tmp_path: Path) -> None:
    path = _config_file(tmp_path, 2525, "")
    result = CliRunner().invoke(cli, ["--config", str(path), "digest", "--print"])
    assert isinstance(result.exception, ConfigError)  # `outreach` prints it as `error: ...`
    assert "no [digest] table" in str(result.exception)


def test_an_unknown_digest_mailbox_is_a_config_error(tmp_path: Path) -> None:
    path = _config_file(tmp_path, 2525, '[digest]\nto = ["t@brand.example"]\nmailbox = "nope"\n')
    result = CliRunner().invoke(cli, ["--config", str(path), "digest", "--print"])
    assert isinstance(result.exception, ConfigError)
    assert "unknown mailbox 'nope'" in str(result.exception)


def test_a_refused_digest_gives_its_period_back_for_the_next_tick(
    tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler]
) -> None:
    sink, handler = server
    handler.script.mail = ["451 4.3.0 try again later"]
    config, engine = workspace(tmp_path, sink.port)
    asyncio.run(digest_job(context(config, engine, NOW_UTC)))
    assert handler.received == []
    assert claims.periods(engine) == []
    asyncio.run(digest_job(context(config, engine, NOW_UTC + timedelta(minutes=1))))
    assert len(handler.received) == 1
    assert sent_periods(engine) == ["daily-2026-12-13"]


def test_two_daemons_on_one_database_send_a_period_once(
    tmp_path: Path, server: tuple[CaptureSink, ScriptedHandler]
) -> None:
    sink, handler = server
    config, engine = workspace(tmp_path, sink.port)
    other = sqlite_engine(tmp_path / "outreach.db")  # a second process's own engine

    async def both() -> None:
        await asyncio.gather(
            digest_job(context(config, engine, NOW_UTC)),
            digest_job(context(config, other, NOW_UTC + timedelta(seconds=1))),
        )

    asyncio.run(both())
    assert len(handler.received) == 1
    assert sent_periods(engine) == ["daily-2026-12-13"]


def test_a_period_claim_is_taken_once_among_racing_workers(engine: Engine) -> None:
    """Eight threads, each with its own connection, claim one period on SQLite and PostgreSQL:
    the primary key lets exactly one through; a released claim can be taken again, a sent one
    cannot."""
    barrier = threading.Barrier(8)

    def take(_: int) -> bool:
        barrier.wait()
        return claims.claim(engine, "weekly-2026-12-07", "main", NOW_UTC)

    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(take, range(8)))
    assert won.count(True) == 1
    claims.release(engine, "weekly-2026-12-07")
    assert claims.claim(engine, "weekly-2026-12-07", "main", NOW_UTC)
    claims.mark_sent(engine, "weekly-2026-12-07", NOW_UTC, "<w@x>")
    claims.release(engine, "weekly-2026-12-07")  # a sent period is not given back
    assert not claims.claim(engine, "weekly-2026-12-07", "main", NOW_UTC)
    assert claims.last_sent(engine) == NOW_UTC
