"""Campaign files: parsed into Campaign, errors name file, line and key; validate; CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner

from outreach.cli import cli
from outreach.errors import InputError
from outreach.services.sequence.campaigns import (
    list_campaigns,
    load_campaign,
    parse_campaign,
    validate,
)
from tests.support.render import make_config, write_templates
from tests.support.workspace import SPRING, STANDARD, campaign_workspace


def test_parse_full_campaign(tmp_path: Path) -> None:
    c = load_campaign(make_config(campaign_workspace(tmp_path)), "spring")
    assert (c.slug, c.name, c.brand, c.sequence, c.mailbox) == (
        "spring",
        "Spring serum launch",
        "Sakura Beauty",
        "standard",
        "main",
    )
    assert c.offer.kind == "fee+gift" and c.offer.amount == 30000 and c.offer.currency == "JPY"
    assert c.deliverables == ("Instagram feed post x1", "Story x2")
    assert c.dates == {"reply_by": date(2026, 12, 4), "post_by": date(2026, 12, 18)}
    assert c.to_manager is True
    assert c.source.endswith("campaigns/spring.toml")


def test_minimal_campaign_gets_defaults() -> None:
    c = parse_campaign(
        'name = "n"\nbrand = "b"\nproduct = "p"\nsequence = "s"\n', slug="x", file="x.toml"
    )
    assert c.mailbox == "main" and c.offer.currency == "JPY" and c.to_manager is None


@pytest.mark.parametrize(
    ("text", "field", "line", "words"),
    [
        (SPRING.replace("brief =", "breif ="), "breif", 6, "unknown key"),
        (SPRING.replace("amount = 30000", 'amount = "30000"'), "offer.amount", 12, "whole"),
        (SPRING.replace('kind = "fee+gift"', 'kind = "cash"'), "offer.kind", 11, "fee | gift"),
        (
            SPRING.replace("reply_by = 2026-12-04", 'reply_by = "next week"'),
            "dates.reply_by",
            16,
            "date",
        ),
        (
            SPRING.replace("to_manager = true", 'to_manager = "yes"'),
            "to_manager",
            8,
            "true or false",
        ),
        (SPRING.replace('currency = "JPY"', 'colour = "red"'), "offer.colour", 13, "unknown key"),
        (SPRING.replace('product = "Sakura Night Serum"\n', ""), "product", None, "missing"),
    ],
)
def test_errors_name_file_line_and_key(text: str, field: str, line: int | None, words: str) -> None:
    with pytest.raises(InputError) as err:
        parse_campaign(text, slug="spring", file="campaigns/spring.toml")
    assert (err.value.file, err.value.field, err.value.line) == (
        "campaigns/spring.toml",
        field,
        line,
    )
    assert words in str(err.value)


def test_list_and_validate(tmp_path: Path) -> None:
    config = make_config(campaign_workspace(tmp_path))
    assert [c.slug for c in list_campaigns(config)] == ["spring"]
    assert validate(config) == {"spring": []}
    (tmp_path / "campaigns" / "broken.toml").write_text(
        SPRING.replace('sequence = "standard"', 'sequence = "nope"').replace('"main"', '"other"')
    )
    (tmp_path / "campaigns" / "notemplate.toml").write_text(SPRING)
    (tmp_path / "templates" / "followup1.j2").unlink()
    report = validate(config)
    assert report["broken"][0].field == "mailbox"
    assert "sequence not found" in str(report["broken"][1])
    assert "followup1" in str(report["notemplate"][0])
    assert len(report["notemplate"]) == 1


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(root / "config.toml"), *args])
    return result.exit_code, result.stdout, result.stderr


@time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_cli(tmp_path: Path) -> None:
    root = campaign_workspace(tmp_path)
    code, out, _ = run(root, "campaign", "list")
    assert code == 0 and "spring" in out and "Sakura Beauty" in out
    code, out, _ = run(root, "campaign", "show", "spring")
    assert code == 0 and "offer.amount: 30000" in out and "dates.reply_by: 2026-12-04" in out
    code, out, _ = run(root, "campaign", "validate")
    assert code == 0 and "spring: ok" in out
    (root / "campaigns" / "spring.toml").write_text(SPRING.replace("brief =", "breif ="))
    code, out, err = run(root, "campaign", "validate", "spring")
    assert code == 1 and "spring.toml:6: breif: unknown key" in err


def test_validate_refuses_past_and_out_of_order_dates(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    write_templates(tmp_path / "templates")
    (tmp_path / "sequences").mkdir()
    (tmp_path / "sequences" / "standard.toml").write_text(STANDARD)
    (tmp_path / "campaigns").mkdir()
    text = SPRING.replace("reply_by = 2026-12-04", "reply_by = 2026-12-20").replace(
        "post_by = 2026-12-18", "post_by = 2026-12-10"
    )
    (tmp_path / "campaigns" / "spring.toml").write_text(text)
    line = text.splitlines().index("post_by = 2026-12-10") + 1
    report = validate(config, today=date(2026, 12, 15))
    assert [str(p) for p in report["spring"]] == [
        f"{tmp_path / 'campaigns' / 'spring.toml'}:{line}: dates.post_by: 2026-12-10 is already "
        "past (today is 2026-12-15) (every message that states it would contradict itself: "
        "move it forward)",
        f"{tmp_path / 'campaigns' / 'spring.toml'}:{line}: dates.post_by: 2026-12-10 is before "
        "reply_by 2026-12-20 (post_by must not come before reply_by)",
    ]
    assert validate(config)["spring"][0].field == "dates.post_by"  # order, whatever the day
    fixed = text.replace("post_by = 2026-12-10", "post_by = 2026-12-28")
    (tmp_path / "campaigns" / "spring.toml").write_text(fixed)
    assert validate(config, today=date(2026, 12, 15)) == {"spring": []}
