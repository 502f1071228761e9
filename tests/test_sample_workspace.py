"""The workspace `outreach init` makes is usable as shipped: import, then preview in both languages."""

from __future__ import annotations

from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from pathlib import Path

from click.testing import CliRunner

from outreach.cli import cli


def invoke(root: Path, *args: str) -> bytes:
    result = CliRunner().invoke(cli, ["--config", str(root / "config.toml"), *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def test_shipped_samples_import_and_preview_in_each_language(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    invoke(root, "import", "influencers", str(root / "roster" / "influencers.csv"))
    invoke(root, "import", "posts", str(root / "roster" / "posts.csv"))
    parser = BytesParser(policy=policy.default)
    for handle, display, greeting in (
        ("emily_wanders", "Aya Sato, Sakura Beauty PR", "Hi Emily"),
        ("hanako_kitchen", "さくらビューティー PR 佐藤", "山田 花子 様"),
    ):
        raw = invoke(root, "preview", "spring-serum", "--influencer", handle, "--format", "eml")
        message = parser.parsebytes(raw)
        raw_from = raw.split(b"\r\nFrom: ", 1)[1].split(b"\r\n")[0].decode()
        assert str(make_header(decode_header(raw_from))).strip('"').startswith(display)  # gh-128110
        assert greeting in message.get_content()
        assert raw.isascii()
