"""Long imports show progress on a terminal and stay quiet when piped."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine

from outreach.cli import cli
from outreach.clock import FixedClock
from outreach.services.roster.importer import ImportOptions, import_influencers
from tests.support.smtp import config_data
from tests.support.workspace import config_file

ROOT = Path(__file__).resolve().parent.parent
HEADER = "name,email,platform,handle,followers,language,basis,basis_url,basis_seen_at\n"


def roster(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / "people.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(rows):
            out.write(
                f"Person {i},p{i}@example.jp,instagram,h{i},{1000 + i},ja,"
                f"published_business_address,https://example.jp/p{i},2026-11-01\n"
            )
    return path


def workspace(tmp_path: Path, db: Engine) -> Path:
    return config_file(
        tmp_path, config_data(2525, db_url=db.url.render_as_string(hide_password=False))
    )


def test_the_service_reports_validated_then_written_rows(sqlite_db: Engine, tmp_path: Path) -> None:
    from outreach.config import load_config

    calls: list[tuple[str, int]] = []
    config = load_config(workspace(tmp_path, sqlite_db))
    report = import_influencers(
        sqlite_db,
        roster(tmp_path, 12_000),
        config=config,
        clock=FixedClock(datetime(2026, 11, 23, tzinfo=UTC)),
        options=ImportOptions(progress=lambda p, n: calls.append((p, n))),
    )
    assert report.inserted == 12_000
    assert [c for c in calls if c[0] == "validated"] == [
        ("validated", 5_000),
        ("validated", 10_000),
    ]
    written = [n for phase, n in calls if phase == "written"]
    assert written == sorted(written) and written[-1] == 12_000


def test_piped_output_has_no_progress(sqlite_db: Engine, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(workspace(tmp_path, sqlite_db)),
            "import",
            "influencers",
            str(roster(tmp_path, 6_000)),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert "rows" not in result.stderr.replace("duplicate rows", "")
    assert "\r" not in result.output


def test_a_terminal_sees_progress(sqlite_db: Engine, tmp_path: Path) -> None:
    config = workspace(tmp_path, sqlite_db)
    people = roster(tmp_path, 6_000)
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "outreach",
            "--config",
            str(config),
            "import",
            "influencers",
            str(people),
        ],
        stderr=follower,
        stdout=subprocess.PIPE,
        env=env,
        timeout=120,
        check=False,
    )
    os.close(follower)
    seen = b""
    try:
        while chunk := os.read(leader, 65536):
            seen += chunk
    except OSError:  # EIO: the terminal's other end is closed, all was read
        pass
    os.close(leader)
    assert proc.returncode == 0
    assert b"\rvalidated 5,000 rows" in seen
    assert b"\rwritten 6,000 rows" in seen
    assert b"6000 inserted" in proc.stdout
