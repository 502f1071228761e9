"""The web console's test workspace and a real listener on 127.0.0.1.

`console_workspace` writes the sample workspace (`outreach init`'s files) with its mailbox
on the given capture server's port, imports the sample roster and posts, enrols everyone in
spring-serum, gives @misaki_beauty an accepted deal with one Instagram deliverable and
records one needs-review message from @hanako_kitchen. `serving` runs the console with
uvicorn in a thread, on its own port."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlalchemy import Engine, insert, select

from outreach.cli import cli
from outreach.clock import SystemClock
from outreach.config import Config, load_config
from outreach.services.workspace.create import create_workspace
from outreach.store.schema import enrollment, inbound, influencer
from outreach.store.session import make_engine, migrate
from outreach.web.app import Console, create_app
from tests.support.net import free_port

CAMPAIGN = "spring-serum"
REVIEW_FROM = "hanako.yamada@example.jp"


def invoke(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(root / "config.toml"), *args])
    assert result.exit_code == 0, result.output
    return result.output


def console_workspace(
    root: Path, smtp_port: int, database_url: str | None = None
) -> tuple[Config, Engine, int]:
    """The workspace (on `database_url`, migrated, else its own SQLite file); returns its
    config, engine and the needs-review message's id."""
    create_workspace(root, today=date.today())
    config_path = root / "config.toml"
    text = re.sub(
        r"^port = 8025\b",
        f"port = {smtp_port}",
        config_path.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    if database_url is not None:
        text = re.sub(r"(?ms)^\[database\]\n.*?(?=^\[|\Z)", "", text)
        text += f'\n[database]\nurl = "{database_url}"\n'
        migrate(make_engine(database_url))
    config_path.write_text(text, encoding="utf-8")
    for kind in ("influencers", "posts"):
        invoke(root, "import", kind, str(root / "roster" / f"{kind}.csv"))
    invoke(root, "enroll", CAMPAIGN)
    invoke(
        root,
        "deal",
        "offer",
        "@misaki_beauty",
        "--fee",
        "30000",
        "--deliverable",
        "instagram:feed:1",
        "--disclosure",
        "#PR",
    )
    invoke(root, "deal", "accept", "@misaki_beauty")
    config = load_config(config_path)
    engine = make_engine(config.database_url)
    with engine.begin() as conn:
        eid = conn.execute(
            select(enrollment.c.id)
            .join(influencer, influencer.c.id == enrollment.c.influencer_id)
            .where(influencer.c.email_norm == REVIEW_FROM)
        ).scalar_one()
        now = datetime.now(UTC).replace(tzinfo=None)
        review_id = conn.execute(
            insert(inbound)
            .values(
                mailbox="main",
                source="file",
                dedupe_key="<review-1@example.jp>",
                message_id="<review-1@example.jp>",
                from_addr=REVIEW_FROM,
                subject="Re: ご提案",
                received_at=now,
                kind="needs_review",
                enrollment_id=eid,
                effect="held for review: From not authenticated",
                text="ぜひやりたいです。詳細を教えてください。",
                detail={"reasons": ["From not authenticated"]},
                processed_at=now,
                confidence=0.6,
            )
            .returning(inbound.c.id)
        ).scalar_one()
    return config, engine, int(review_id)


def make_console(config: Config, engine: Engine, *, open_local: bool) -> Console:
    return Console(
        config=config,
        engine=engine,
        clock=SystemClock(),
        open_local=open_local,
        allowed_hosts=["127.0.0.1", "localhost"],
        language="ja",
        zone=ZoneInfo(config.display_timezone),
    )


@contextmanager
def serving(console: Console) -> Iterator[str]:
    """The console on a port of its own on 127.0.0.1; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(console), host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        console.close()
