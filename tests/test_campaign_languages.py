"""Bilingual campaigns: per-language text, the fallback rule, file:line:key errors, templates
seeing their language's value, and a bare `outreach lint` checking what campaigns use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from outreach.cli import cli
from outreach.config import load_config
from outreach.errors import InputError
from outreach.render.compose import Composer
from outreach.services.lint.samples import sample_influencers
from outreach.services.sequence.campaigns import load_campaign, parse_campaign

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
BILINGUAL = """\
name = { ja = "桜ナイトセラム発売", en = "Night serum launch" }
brand = "Sakura Beauty"
language = "en"
product = { ja = "桜ナイトセラム", en = "Sakura Night Serum" }
sequence = "standard"
brief = { ja = "乾燥肌の方へ" }
deliverables = { ja = ["フィード投稿 1回"], en = ["Feed post ×1", "Story ×2"] }

[offer]
amount = 30000
description = { ja = "本品 30mL", en = "a 30 mL bottle" }
"""


def parse(text: str) -> object:
    return parse_campaign(text, slug="b", file="campaigns/b.toml")


def test_each_language_gets_its_value_then_the_default_then_the_first_given() -> None:
    camp = parse_campaign(BILINGUAL, slug="b", file="campaigns/b.toml")
    ja, en = camp.for_language("ja"), camp.for_language("en")
    assert (ja.name, ja.product, ja.deliverables, ja.offer.description) == (
        "桜ナイトセラム発売",
        "桜ナイトセラム",
        ("フィード投稿 1回",),
        "本品 30mL",
    )
    assert (en.name, en.product, en.deliverables, en.offer.description) == (
        "Night serum launch",
        "Sakura Night Serum",
        ("Feed post ×1", "Story ×2"),
        "a 30 mL bottle",
    )
    # the plain fields hold the default language's (en) value; brief has only ja: first given
    assert (camp.product, camp.brief, en.brief) == (
        "Sakura Night Serum",
        "乾燥肌の方へ",
        "乾燥肌の方へ",
    )
    # without `language`, the first language given is the default
    first = parse_campaign(BILINGUAL.replace('language = "en"\n', ""), slug="b", file="x")
    assert (first.product, first.for_language("en").product) == (
        "桜ナイトセラム",
        "Sakura Night Serum",
    )
    # a plain string is every language's value
    plain = parse_campaign(
        BILINGUAL.replace(
            'product = { ja = "桜ナイトセラム", en = "Sakura Night Serum" }', 'product = "Serum"'
        ),
        slug="b",
        file="x",
    )
    assert plain.for_language("ja").product == plain.for_language("en").product == "Serum"


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            'en = "Sakura Night Serum"',
            'fr = "Sérum"',
            "campaigns/b.toml:4: product.fr: unknown language 'fr'",
        ),
        (
            'en = "Sakura Night Serum"',
            "en = 3",
            "campaigns/b.toml:4: product.en: expected a string, got 3",
        ),
        (
            'en = ["Feed post ×1", "Story ×2"]',
            'en = "Feed post"',
            "campaigns/b.toml:7: deliverables.en: expected a list of strings, got 'Feed post'",
        ),
        (
            'brief = { ja = "乾燥肌の方へ" }',
            "brief = {}",
            "campaigns/b.toml:6: brief: expected at least one language",
        ),
        (
            'language = "en"',
            'language = "de"',
            "campaigns/b.toml:3: language: expected ja | en, got 'de'",
        ),
        (
            'description = { ja = "本品 30mL", en = "a 30 mL bottle" }',
            'description = { ja = "本品 30mL", en = ["a bottle"] }',
            "campaigns/b.toml:11: offer.description.en: expected a string, got ['a bottle']",
        ),
        (
            'product = { ja = "桜ナイトセラム", en = "Sakura Night Serum" }',
            "product = 5",
            "campaigns/b.toml:4: product: expected a string, or one per language",
        ),
    ],
)
def test_a_bad_shape_names_file_line_and_key(old: str, new: str, where: str) -> None:
    assert old in BILINGUAL
    with pytest.raises(InputError) as caught:
        parse(BILINGUAL.replace(old, new))
    assert str(caught.value).startswith(where), str(caught.value)


def test_the_table_form_is_read_and_its_errors_point_into_it() -> None:
    text = (
        BILINGUAL.replace('product = { ja = "桜ナイトセラム", en = "Sakura Night Serum" }\n', "")
        + '\n[product]\nja = "桜ナイトセラム"\nen = 7\n'
    )
    with pytest.raises(InputError, match=r"campaigns/b.toml:14: product.en: expected a string"):
        parse(text)


def run(workspace: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--config", str(workspace / "config.toml"), *args], catch_exceptions=False
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    result = CliRunner().invoke(cli, ["init", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


def test_the_sample_campaign_speaks_each_templates_language(workspace: Path) -> None:
    config = load_config(workspace / "config.toml")
    camp = load_campaign(config, "spring-serum")
    people = {p.language: p for p in sample_influencers(NOW) if p.platform == "instagram"}
    composer = Composer(config)
    en = composer.compose(camp, people["en"], step=1, total_steps=3, template="pitch", now=NOW)
    ja = composer.compose(camp, people["ja"], step=1, total_steps=3, template="pitch", now=NOW)
    assert "Sakura Night Serum would suit" in en.text
    assert "Instagram feed post ×1 and Stories ×2" in en.text
    assert not any("\u3040" <= ch <= "\u9fff" for ch in en.text + en.subject)
    assert "新作の桜ナイトセラムを" in ja.text
    assert "・内容：Instagramフィード投稿 1回、ストーリーズ 2回" in ja.text
    assert ja.subject == "ご投稿を拝見しました：桜ナイトセラムのご相談"


def test_campaign_validate_reports_a_bad_language_value(workspace: Path) -> None:
    path = workspace / "campaigns" / "spring-serum.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('en = "Sakura Night Serum"', "en = 1"), encoding="utf-8")
    line = (
        text.split("\n").index('product = { ja = "桜ナイトセラム", en = "Sakura Night Serum" }') + 1
    )
    result = run(workspace, "campaign", "validate")
    assert result.exit_code == 1
    assert f"spring-serum.toml:{line}: product.en: expected a string, got 1" in result.stderr


def test_an_english_pitch_with_japanese_campaign_text_warns(workspace: Path) -> None:
    path = workspace / "campaigns" / "spring-serum.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'product = { ja = "桜ナイトセラム", en = "Sakura Night Serum" }',
            'product = "うるおい導入美容液"',
        ),
        encoding="utf-8",
    )
    result = run(workspace, "lint", "pitch.en")
    assert result.exit_code == 0  # a warning, not an error
    lines = [x for x in result.stdout.splitlines() if "mixed-script" in x]
    assert lines == [
        "templates/pitch.en.j2:8: mixed-script warning: Japanese text 'うるおい導入美容液' in an "
        'English template (campaign product has no en value: product = { ja = "…", en = "…" } '
        "in campaigns/spring-serum.toml)"
    ]


def test_bare_lint_checks_what_campaigns_use_and_names_what_it_skipped(workspace: Path) -> None:
    templates = workspace / "templates"
    # An unused draft full of problems: not linted, named as skipped.
    (templates / "old_pitch.en.j2").write_text(
        '---\nsubject = "x"\nlanguage = "en"\n---\nHi [Name], we are a brand.\n', encoding="utf-8"
    )
    result = run(workspace, "lint")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "skipped (no campaign's sequence uses them): old_pitch.en.j2",
        "0 error(s), 0 warning(s)",
    ]
    # A second campaign whose sequence uses it: now it is linted, with that campaign.
    (workspace / "sequences" / "old.toml").write_text(
        '[[step]]\ntemplate = "old_pitch"\ndelay = "0m"\n', encoding="utf-8"
    )
    sample = (workspace / "campaigns" / "spring-serum.toml").read_text(encoding="utf-8")
    (workspace / "campaigns" / "old.toml").write_text(
        sample.replace('sequence = "standard"', 'sequence = "old"'), encoding="utf-8"
    )
    result = run(workspace, "lint")
    assert result.exit_code == 1
    assert "skipped" not in result.stderr
    assert "templates/old_pitch.en.j2:5: placeholder error: placeholder left in: '[Name]'" in (
        result.stdout
    )
    assert all(line.startswith("templates/old_pitch.en.j2:") for line in result.stdout.splitlines())


def test_a_follow_up_template_subject_is_reported_with_what_goes_out(workspace: Path) -> None:
    path = workspace / "templates" / "followup1.en.j2"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[1] = 'subject = "Quick follow-up: {{ campaign.product }}"'
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run(workspace, "lint", "followup1.en", "--campaign", "spring-serum")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "templates/followup1.en.j2:2: followup-subject warning: this subject is never sent: "
        "step 2 replies in the pitch's thread (here it goes out as 'Re: Paid collab idea for "
        "@emmaglows'; write subject = \"\" here; to change a follow-up's subject, set subject "
        "on its step in the sequence file)"
    ]
