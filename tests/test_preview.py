"""`outreach preview` on a real SQLite workspace: exact bytes, per-influencer errors, .eml files."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner

from outreach.cli import cli, main
from outreach.config import load_config
from outreach.domain.influencer import Basis
from outreach.store.queries.roster import upsert_influencer, upsert_post
from outreach.store.session import make_engine, migrate, writing
from tests.support.workspace import campaign_workspace

PEOPLE = [
    {
        "name": "山田 花子",
        "email": "hanako@example.com",
        "handle": "hanako",
        "followers": 12345,
        "basis": Basis.CONSENT,
    },
    {
        "name": "Nopost Person",
        "email": "nopost@example.com",
        "handle": "nopost",
        "followers": 10,
        "basis": Basis.CONSENT,
        "language": "en",
    },
    {
        "name": "Jane Doe",
        "email": "jane@example.com",
        "handle": "jane",
        "followers": 2_500_000,
        "language": "en",
    },
]


def seed_roster(root: Path) -> None:
    """Migrate the workspace's SQLite database and import PEOPLE (all but `nopost` with a post)."""
    engine = make_engine(load_config(root / "config.toml").database_url)
    migrate(engine)
    with writing(engine) as conn:
        for person in PEOPLE:
            iid, _ = upsert_influencer(conn, {"platform": "instagram", **person})
            if person["handle"] != "nopost":
                upsert_post(
                    conn,
                    iid,
                    {
                        "url": f"https://instagram.com/p/{person['handle']}",
                        "platform": "instagram",
                        "title": "冬のスキンケア",
                        "published_at": datetime(2026, 11, 20, tzinfo=UTC),
                    },
                )
    engine.dispose()


def roster_workspace(root: Path) -> Path:
    campaign_workspace(root)
    seed_roster(root)
    return root


def run(root: Path, *args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(cli, ["--config", str(root / "config.toml"), "preview", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout_bytes, result.stderr


def test_text_preview_reports_one_failure_and_renders_the_others(tmp_path: Path) -> None:
    root = roster_workspace(tmp_path)
    code, out, err = run(root, "spring")
    text = out.decode()
    assert code == 1
    assert "templates/pitch.en.j2:2: influencer @nopost: 'post' is undefined" in err
    assert "1 message(s) failed to render" in err
    assert "===== @hanako (step 1, templates/pitch.ja.j2) =====" in text
    assert "Subject: 冬のスキンケアを拝見しました / Sakura Beauty" in text
    assert "To: 山田 花子 様 <hanako@example.com>" in text
    assert "フォロワー1.2万人" in text
    assert "===== @jane (step 1, templates/pitch.en.j2) =====" in text
    assert "2.5M followers" in text
    assert "(warning: no legal basis recorded" in text  # jane has basis none


def test_eml_output_is_the_exact_message(tmp_path: Path) -> None:
    root = roster_workspace(tmp_path)
    code, out, err = run(root, "spring", "--influencer", "hanako", "--format", "eml")
    assert code == 0, err
    message = BytesParser(policy=policy.default).parsebytes(out)
    assert message["To"].addresses[0].addr_spec == "hanako@example.com"
    assert message["Subject"] == "冬のスキンケアを拝見しました / Sakura Beauty"
    assert out.decode("ascii")  # 7-bit clean


def test_json_and_out_dir_and_limit(tmp_path: Path) -> None:
    root = roster_workspace(tmp_path)
    out_dir = tmp_path / "previews"
    code, out, _ = run(root, "spring", "--format", "json", "--out", str(out_dir), "--limit", "2")
    assert code == 1
    rows = [json.loads(line) for line in out.decode().splitlines()]
    assert [r["handle"] for r in rows] == ["hanako", "nopost"]
    assert rows[0]["rcpt_to"] == ["hanako@example.com"] and "error" in rows[1]
    assert sorted(p.name for p in out_dir.iterdir()) == ["hanako-step1.eml"]
    saved = (out_dir / "hanako-step1.eml").read_bytes()
    assert saved.decode("ascii") == rows[0]["raw"]
    assert (
        BytesParser(policy=policy.default).parsebytes(saved)["Message-ID"] == rows[0]["message_id"]
    )


def test_follow_up_step_is_threaded(tmp_path: Path) -> None:
    root = roster_workspace(tmp_path)
    code, out, err = run(
        root, "spring", "--influencer", "@hanako", "--step", "2", "--format", "eml"
    )
    assert code == 0, err
    message = BytesParser(policy=policy.default).parsebytes(out)
    assert message["Subject"] == "Re: 冬のスキンケアを拝見しました / Sakura Beauty"
    assert message["In-Reply-To"] and message["References"] == message["In-Reply-To"]
    assert "山田 花子 さん" in message.get_content()


def test_bad_requests_are_user_errors_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = roster_workspace(tmp_path)
    for args, words in [
        (["--influencer", "ghost"], "--influencer: not in the roster: ghost"),
        (["--step", "5"], "--step: step 5 does not exist"),
    ]:
        with pytest.raises(SystemExit) as done:
            main(["--config", str(root / "config.toml"), "preview", "spring", *args])
        err = capsys.readouterr().err
        assert done.value.code == 1 and words in err and "Traceback" not in err


# The shipped campaign's dates are fixed in the repository; validate runs on a day before them.
@time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_shipped_samples_validate_and_preview_in_both_languages(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parent.parent
    for folder in ("templates", "sequences", "campaigns"):
        shutil.copytree(repo / folder, tmp_path / folder)
    shutil.copyfile(repo / "config.example.toml", tmp_path / "config.toml")
    seed_roster(tmp_path)
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "config.toml"), "campaign", "validate"]
    )
    assert result.exit_code == 0, result.output
    slug = sorted(p.stem for p in (tmp_path / "campaigns").glob("*.toml"))[0]
    for step in ("1", "2"):
        _code, out, err = run(tmp_path, slug, "--step", step, "--format", "json")
        rows = [json.loads(line) for line in out.decode().splitlines()]
        rows = [r for r in rows if r["handle"] != "nopost"]  # no post: reported, not rendered
        assert "@nopost" in err and all("error" not in r for r in rows)
        assert {r["language"] for r in rows} == {"ja", "en"}
        for row in rows:
            message = BytesParser(policy=policy.default).parsebytes(row["raw"].encode("ascii"))
            assert message["Subject"] == row["subject"]
            assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == row["text"]


def test_lint_findings_are_shown_under_each_draft(tmp_path: Path) -> None:
    """The test workspace's pitch has no compliant footer: preview says so under the draft."""
    root = roster_workspace(tmp_path)
    code, out, _ = run(root, "spring", "--influencer", "hanako")
    text = out.decode()
    assert code == 0
    draft, _, _findings = text.partition("  lint: ")
    assert "===== @hanako" in draft
    assert "compliance error" in text
    assert text.count("===== @") == 1
