"""`outreach preview --send-to`: the exact draft to one team address through the campaign's
mailbox, '[TEST]' in the subject, recorded as a proof and never as contact."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from click.testing import CliRunner
from sqlalchemy import func, select

from outreach.cli import cli, main
from outreach.config import load_config
from outreach.services.workspace.create import create_workspace
from outreach.store.schema import attempt, enrollment, outbox, proof, stage_history
from outreach.store.session import make_engine
from outreach.transport.sink import CaptureSink
from tests.support.smtp import ScriptedHandler

ME = "proof@sakura-beauty.jp"
HANAKO = "hanako.yamada@example.jp"


class Recording(ScriptedHandler):
    """The scripted server, also keeping each RCPT TO."""

    def __init__(self) -> None:
        super().__init__()
        self.rcpts: list[str] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.rcpts.append(address)
        return await super().handle_RCPT(server, session, envelope, address, options)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[CaptureSink, Recording]]:
    handler = Recording()
    with CaptureSink(tmp_path / "sink", handler=handler) as sink:
        yield sink, handler


@pytest.fixture
def root(tmp_path: Path, server: tuple[CaptureSink, Recording]) -> Path:
    ws = tmp_path / "ws"
    create_workspace(ws, today=date.today())
    config = ws / "config.toml"
    config.write_text(
        re.sub(
            r"^port = 8025\b",
            f"port = {server[0].port}",
            config.read_text(encoding="utf-8"),
            flags=re.MULTILINE,
        ),
        encoding="utf-8",
    )
    shutil.copyfile(ws / "campaigns" / "spring-serum.toml", ws / "campaigns" / "autumn-serum.toml")
    for kind in ("influencers", "posts"):
        invoke(ws, "import", kind, str(ws / "roster" / f"{kind}.csv"))
    return ws


def invoke(root: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--config", str(root / "config.toml"), *args])
    assert result.exit_code == code, result.output
    return result.output


def counts(root: Path) -> dict[str, int]:
    engine = make_engine(load_config(root / "config.toml").database_url)
    with engine.connect() as conn:
        out = {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
            for t in (outbox, attempt, enrollment, stage_history, proof)
        }
    engine.dispose()
    return out


def test_send_to_delivers_the_draft_to_me_only_and_records_a_proof_not_a_contact(
    root: Path,
    server: tuple[CaptureSink, Recording],
) -> None:
    _, handler = server
    shown = json.loads(
        invoke(
            root, "preview", "spring-serum", "--influencer", "hanako_kitchen", "--format", "json"
        )
    )
    before = counts(root)

    out = invoke(root, "preview", "spring-serum", "--influencer", "hanako_kitchen", "--send-to", ME)

    assert handler.rcpts == [ME] and len(handler.received) == 1
    message = BytesParser(policy=policy.default).parsebytes(handler.received[0])
    assert message["Subject"] == "[TEST] " + shown["subject"]
    assert message["To"] == ME
    assert message["X-Outreach-Proof-For"] == HANAKO
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert message["Message-ID"] != shown["message_id"]
    draft = BytesParser(policy=policy.default).parsebytes(shown["raw"].encode("ascii"))
    assert message.get_content() == draft.get_content()
    assert message["From"] == draft["From"] and message["Date"] is not None
    # Recorded as a proof; no outbox row, no attempt, no enrolment, no stage moved.
    assert counts(root) == {**before, "proof": 1}
    engine = make_engine(load_config(root / "config.toml").database_url)
    with engine.connect() as conn:
        row = conn.execute(select(proof)).mappings().one()
    engine.dispose()
    assert (row["campaign"], row["step"], row["sent_to"]) == ("spring-serum", 1, ME)
    assert row["message_id"] == message["Message-ID"]
    assert row["smtp_reply"] == "250 2.0.0 OK"
    assert f"to {ME}, for {HANAKO} =====" in out
    assert "Subject: [TEST] " in out
    assert out.rstrip().endswith(f"sent {row['message_id']} to {ME}; the server said: 250 2.0.0 OK")
    # No cooldown: another campaign enrols her straight away.
    enrolled = invoke(root, "enroll", "autumn-serum", "--handle", "hanako_kitchen")
    assert "cooldown" not in enrolled
    assert counts(root)["enrollment"] == 1


def test_the_proof_body_is_the_drafts_bytes(
    root: Path, server: tuple[CaptureSink, Recording]
) -> None:
    from outreach.clock import SystemClock
    from outreach.services.send.proof import send_proofs

    _, handler = server
    config = load_config(root / "config.toml")
    engine = make_engine(config.database_url)
    sent = list(
        send_proofs(
            config,
            engine,
            "autumn-serum",
            handles=["emily_wanders"],
            send_to=ME,
            step=2,
            now=SystemClock().now(),
        )
    )
    engine.dispose()
    assert len(sent) == 1 and sent[0].accepted
    body = handler.received[0].partition(b"\r\n\r\n")[2]
    assert body == sent[0].draft.raw.partition(b"\r\n\r\n")[2]
    message = BytesParser(policy=policy.default).parsebytes(handler.received[0])
    assert message["Subject"] == "[TEST] " + sent[0].draft.subject
    assert message["In-Reply-To"] is not None  # a follow-up keeps its threading headers


def test_send_to_checks_the_address_and_needs_an_influencer(
    root: Path,
    server: tuple[CaptureSink, Recording],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, handler = server
    for args, words in [
        (
            ["--influencer", "hanako_kitchen", "--send-to", "me@@example"],
            "--send-to: 'me@@example' is not one email address",
        ),
        (["--send-to", ME], "--send-to: a proof needs --influencer HANDLE"),
        (["--influencer", "ghost", "--send-to", ME], "--influencer: not in the roster: ghost"),
    ]:
        with pytest.raises(SystemExit) as done:
            main(["--config", str(root / "config.toml"), "preview", "spring-serum", *args])
        err = capsys.readouterr().err
        assert done.value.code == 1 and words in err and "Traceback" not in err, err
    assert handler.received == [] and counts(root)["proof"] == 0


def test_a_refused_proof_is_reported_and_not_recorded(
    root: Path,
    server: tuple[CaptureSink, Recording],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, handler = server
    handler.script.rcpt = lambda address: "550 5.1.1 <proof@sakura-beauty.jp>: no such user"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "--config",
                str(root / "config.toml"),
                "preview",
                "spring-serum",
                "--influencer",
                "hanako_kitchen",
                "--send-to",
                ME,
            ]
        )
    err = capsys.readouterr().err
    assert done.value.code == 1
    assert (
        f"not sent to {ME}; the server said: 550 5.1.1 <proof@sakura-beauty.jp>: no such user"
        in err
    )
    assert handler.received == [] and counts(root)["proof"] == 0
