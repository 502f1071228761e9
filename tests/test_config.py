"""config.toml errors name the file, the key and what was expected; secrets never come from it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from outreach.config import load_config
from outreach.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def base() -> str:
    return (ROOT / "config.example.toml").read_text(encoding="utf-8")


def test_example_config_loads() -> None:
    cfg = load_config(ROOT / "config.example.toml")
    assert cfg.sending.timezone == "Asia/Tokyo"
    assert cfg.mailbox("main").smtp.data_timeout == 600
    assert cfg.database_url.startswith("sqlite:////")


def test_unknown_key_is_named(tmp_path: Path) -> None:
    p = write(tmp_path, base().replace("daily_cap = 50", "daily_cap = 50\ndaily_kap = 3"))
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert str(e.value).startswith(f"{p}: mailboxes.main.limits.daily_kap: unknown key")


def test_wrong_type_says_what_was_expected(tmp_path: Path) -> None:
    p = write(tmp_path, base().replace("daily_cap = 50", 'daily_cap = "lots"'))
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert "mailboxes.main.limits.daily_cap" in str(e.value)
    assert "integer" in str(e.value) and "'lots'" in str(e.value)


def test_missing_required_key(tmp_path: Path) -> None:
    p = write(tmp_path, base().replace('postal_address = "1-2-3 Jingumae', 'postal_addr = "x'))
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert "sender.postal_address: required key is missing" in str(e.value)


def test_password_in_file_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path, base().replace('username = ""', 'username = "u"\npassword = "s3cr3t!"', 1))
    with pytest.raises(ConfigError) as e:
        load_config(p)
    msg = str(e.value)
    assert "mailboxes.main.smtp.password" in msg and "s3cr3t!" not in msg


def test_plaintext_to_remote_host_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path, base().replace('host = "127.0.0.1"', 'host = "smtp.example.jp"', 1))
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert "mailboxes.main.smtp" in str(e.value) and "loopback" in str(e.value)


def test_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_SENDING__TIMEZONE", "America/Los_Angeles")
    cfg = load_config(ROOT / "config.example.toml")
    assert cfg.sending.timezone == "America/Los_Angeles"


def test_unknown_timezone(tmp_path: Path) -> None:
    p = write(tmp_path, base().replace('timezone = "Asia/Tokyo"', 'timezone = "Asia/Tokio"'))
    with pytest.raises(ConfigError, match=r"sending\.timezone: unknown timezone 'Asia/Tokio'"):
        load_config(p)


def test_closures_load_and_a_bad_entry_is_named(tmp_path: Path) -> None:
    cfg = load_config(ROOT / "config.example.toml")
    assert cfg.sending.closed.is_closed(date(2026, 12, 31))
    assert not cfg.sending.closed.is_closed(date(2026, 12, 28))
    p = write(tmp_path, base().replace('closed = ["12-29..01-03"]', 'closed = ["12/29..01/03"]'))
    with pytest.raises(ConfigError, match=r"sending.closed: .*'12/29' is not MM-DD or YYYY-MM-DD"):
        load_config(p)


def test_config_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"config\.toml: config file not found"):
        load_config()
    monkeypatch.setenv("OUTREACH_CONFIG", str(ROOT / "config.example.toml"))
    assert load_config().source == str(ROOT / "config.example.toml")
