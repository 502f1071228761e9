"""Hostile config values: every address-valued setting is one bare address (the roster's
email-validator check), so none can add a recipient, a From address or a header line; a broken
config file is one line naming it."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from outreach.clock import FixedClock
from outreach.config import load_config
from outreach.errors import ConfigError
from outreach.render.compose import Composer
from outreach.services.roster.importer import ImportOptions, import_influencers, import_posts
from outreach.services.send.dispatch import dispatch_once
from outreach.services.send.plan import plan_due, sent_hook
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.transport.smtp import SmtpTransport
from tests.support.sequence import main_mailbox, make_workspace
from tests.support.smtp import smtp_server

__all__ = ["smtp_server"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "config.example.toml").read_text(encoding="utf-8")
FROM = 'from_address = "pr@sakura-beauty.example.jp"'
ENQUIRY = 'enquiry_email = "pr@sakura-beauty.example.jp"'
REPLY_TO = 'reply_to = ""'
MAILTO = 'mailto = "unsubscribe@sakura-beauty.example.jp"'
REDIRECT = 'redirect_all_to = ""'
ID_DOMAIN = 'message_id_domain = ""'

# (line of config.example.toml, its replacement, the key, the exact reason)
BAD = {
    "from with a second address": (
        FROM,
        'from_address = "pr@sakura-beauty.example.jp>, ceo@victim.example"',
        "mailboxes.main.from_address",
        (
            "'pr@sakura-beauty.example.jp>, ceo@victim.example' is not one email address: The part "
            "after the @-sign contains invalid characters: ',', '>', '@', SPACE."
        ),
    ),
    "from with a display name": (
        FROM,
        'from_address = "PR <pr@sakura-beauty.example.jp>"',
        "mailboxes.main.from_address",
        (
            "'PR <pr@sakura-beauty.example.jp>' is not one email address: A display name and angle "
            "brackets around the email address are not permitted here."
        ),
    ),
    "redirect to two": (
        REDIRECT,
        'redirect_all_to = "qa@example.jp, boss@example.jp"',
        "safety.redirect_all_to",
        (
            "'qa@example.jp, boss@example.jp' is not one email address: The part after the @-sign "
            "contains invalid characters: ',', '@', SPACE."
        ),
    ),
    "redirect with a command": (
        REDIRECT,
        'redirect_all_to = "qa@example.jp>\\r\\nRCPT TO:<x@evil.example"',
        "safety.redirect_all_to",
        (
            "'qa@example.jp>\\r\\nRCPT TO:<x@evil.example' is not one email address: The part after "
            "the @-sign contains invalid characters: ':', '<', '>', '@', SPACE, U+000A, U+000D."
        ),
    ),
    "reply-to with a header": (
        REPLY_TO,
        'reply_to = "a@example.jp\\nBcc: all@example.jp"',
        "mailboxes.main.reply_to",
        (
            "'a@example.jp\\nBcc: all@example.jp' is not one email address: The part after the "
            "@-sign contains invalid characters: ':', '@', SPACE, U+000A."
        ),
    ),
    "enquiry without a domain": (
        ENQUIRY,
        'enquiry_email = "pr"',
        "sender.enquiry_email",
        "'pr' is not one email address: An email address must have an @-sign.",
    ),
    "mailto with a query": (
        MAILTO,
        'mailto = "u@example.jp?subject=x"',
        "unsubscribe.mailto",
        (
            "'u@example.jp?subject=x' is not one email address: The part after the @-sign contains "
            "invalid characters: '=', '?'."
        ),
    ),
    "message-id domain with a bracket": (
        ID_DOMAIN,
        'message_id_domain = "example.jp> <x"',
        "mailboxes.main.message_id_domain",
        (
            "'example.jp> <x' is not a domain name: The part after the @-sign contains invalid "
            "characters: '<', '>', SPACE."
        ),
    ),
    "unicode local part": (
        FROM,
        'from_address = "広報@sakura-beauty.example.jp"',
        "mailboxes.main.from_address",
        (
            "'広報@sakura-beauty.example.jp' is not one email address: Internationalized characters "
            "before the @-sign are not supported: '報', '広'."
        ),
    ),
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_address_setting_names_file_and_key(tmp_path: Path, case: str) -> None:
    line, replacement, key, reason = BAD[case]
    assert EXAMPLE.count(line) == 1
    path = _write(tmp_path, EXAMPLE.replace(line, replacement))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {key}: {reason}"


def test_address_from_the_environment_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, EXAMPLE)
    monkeypatch.setenv(
        "OUTREACH_SAFETY__REDIRECT_ALL_TO", "qa@example.jp>\r\nRCPT TO:<x@evil.example"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}: safety.redirect_all_to (set by environment variable "
        "OUTREACH_SAFETY__REDIRECT_ALL_TO): 'qa@example.jp>\\r\\nRCPT TO:<x@evil.example' is not "
        "one email address: The part after the @-sign contains invalid characters: ':', '<', "
        "'>', '@', SPACE, U+000A, U+000D."
    )


def test_good_addresses_are_kept_and_idn_domains_become_a_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        EXAMPLE.replace(FROM, 'from_address = "pr@例え.jp"')
        .replace(REPLY_TO, 'reply_to = " Replies@Sakura-Beauty.example.jp "')
        .replace(ID_DOMAIN, 'message_id_domain = "ＭＡＩＬ.例え.jp"')
    )
    monkeypatch.setenv("OUTREACH_SAFETY__REDIRECT_ALL_TO", "qa@staging.test")
    config = load_config(_write(tmp_path, text))
    box = config.mailbox("main")
    assert (box.from_address, box.reply_to, box.message_id_domain) == (
        "pr@xn--r8jz45g.jp",
        "Replies@sakura-beauty.example.jp",
        "mail.xn--r8jz45g.jp",
    )
    assert config.safety.redirect_all_to == "qa@staging.test"
    assert config.sender.enquiry_email == "pr@sakura-beauty.example.jp"


BROKEN = {
    "deep.toml": ("a = " + "[" * 5000 + "]" * 5000 + "\n", "not valid TOML: nested too deeply"),
    "digits.toml": (
        "a = " + "1" * 5000 + "\n",
        "not valid TOML: a number has more than 4,300 digits",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_hostile_toml_is_one_line(tmp_path: Path, name: str) -> None:
    text, reason = BROKEN[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {reason}"


def test_config_that_is_not_utf8_or_not_a_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(EXAMPLE.encode("utf-8").replace(b"# ", b"\x81# ", 1))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    offset = EXAMPLE.encode("utf-8").index(b"# ")
    assert (
        str(caught.value)
        == f"{path}: not UTF-8 text (byte 0x81 at offset {offset}) (save it as UTF-8)"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == f"{tmp_path}: cannot be read: Is a directory"


def test_redirect_sends_to_exactly_one_recipient(
    db: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    """Through aiosmtpd: the envelope holds the one redirect address, not the influencer's."""
    sink, handler = smtp_server
    recipients: list[str] = []
    handler.script.rcpt = lambda address: recipients.append(address)  # type: ignore[func-returns-value]
    box = main_mailbox(limits={"daily_cap": 50, "min_gap_seconds": 0, "jitter_seconds": 0})
    box["main"]["smtp"]["port"] = sink.port
    config = make_workspace(tmp_path, mailboxes=box, safety={"redirect_all_to": "qa@staging.test"})
    roster = tmp_path / "r.csv"
    roster.write_text(
        "name,email,platform,handle,followers,basis,basis_url,basis_seen_at\n"
        "山田 花子,hanako@example.jp,instagram,hanako,12000,published_business_address,"
        "https://example.jp/contact,2026-11-01\n",
        encoding="utf-8",
    )
    posts = tmp_path / "p.csv"
    posts.write_text(
        "influencer,platform,url,title,published_at\n"
        "hanako,instagram,https://instagram.com/p/x,冬のスキンケア,2026-11-20\n",
        encoding="utf-8",
    )
    clock = FixedClock(datetime(2026, 11, 24, 0, 5, tzinfo=UTC))  # Tuesday 09:05 in Tokyo
    assert (
        import_influencers(db, roster, config=config, clock=clock, options=ImportOptions()).inserted
        == 1
    )
    assert import_posts(db, posts, config=config, options=ImportOptions()).inserted == 1
    enroll(
        db,
        config,
        "spring",
        EnrollFilters(),
        dry_run=False,
        now=datetime(2026, 11, 23, 10, 20, tzinfo=UTC),
        rng=random.Random(3),
    )
    plan_due(db, config, clock, Composer(config), limit=10)

    async def send() -> int:
        transport = SmtpTransport(config.mailboxes)
        try:
            done = await dispatch_once(
                db,
                config,
                clock,
                transport,
                worker="w",
                on_sent=sent_hook(config),
                rng=random.Random(2),
            )
            return done.sent
        finally:
            await transport.close()

    assert asyncio.run(send()) == 1
    assert recipients == ["qa@staging.test"]
