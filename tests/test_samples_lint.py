"""The shipped samples pass `outreach lint` with no errors (so they stay good), against the
built-in sample influencers and against the sample roster; a bad template fails it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from outreach.cli import cli
from outreach.config import load_config
from outreach.services.lint import has_errors, lint_campaign


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


@pytest.mark.parametrize("signed", [False, True], ids=["mailto-opt-out", "one-click-url"])
def test_samples_pass_with_built_in_influencers(
    workspace: Path, signed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if signed:  # the opt-out becomes an https link: still within the two-link budget
        monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", "test-secret-at-least-32-bytes-long")
    result = run(workspace, "lint")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # not even a warning
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_samples_pass_with_the_sample_roster(workspace: Path) -> None:
    for kind in ("influencers", "posts"):
        imported = run(workspace, "import", kind, str(workspace / "roster" / f"{kind}.csv"))
        assert imported.exit_code == 0, imported.output
    result = run(workspace, "lint", "--campaign", "spring-serum", "--format", "json")
    assert result.exit_code == 0, result.output
    findings = [json.loads(line) for line in result.stdout.splitlines()]
    assert [f for f in findings if f["severity"] == "error"] == []


def test_lint_campaign_api_is_clean_on_the_samples(workspace: Path) -> None:
    findings = lint_campaign(load_config(workspace / "config.toml"), "spring-serum")
    assert findings == [] and not has_errors(findings)


def test_a_sender_centric_template_without_footer_fails(workspace: Path) -> None:
    (workspace / "templates" / "pitch.en.j2").write_text(
        '---\nsubject = "Collaboration opportunity"\nlanguage = "en"\n---\nHi {{ influencer | honorific }},\n\n'
        "We are Sakura Beauty, a Tokyo skincare brand, and our new serum is out.\n"
        "You must mention that it is clinically proven and use #SakuraGlow.\n\nBest,\nYui\n",
        encoding="utf-8",
    )
    result = run(workspace, "lint", "pitch.en")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        "templates/pitch.en.j2:7: value-first warning: the pitch opens on the sender"
        in "\n".join(lines)
    )
    assert any(
        line.startswith("templates/pitch.en.j2:8: ad-script error: dictates the post")
        for line in lines
    )
    for item in ("postal address", "opt-out method", "enquiry contact"):
        assert any("compliance error" in line and item in line for line in lines), item
    assert any("offer error" in line for line in lines)
    assert any("post-specific error" in line for line in lines)
    assert all(line.startswith("templates/pitch.en.j2:") for line in lines)
    config = load_config(workspace / "config.toml")
    assert has_errors(lint_campaign(config, "spring-serum"))


def test_config_can_turn_rules_off(workspace: Path) -> None:
    config = workspace / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[lint.tone]\nseverity = "off"\n'
        '\n[lint.compliance]\nseverity = "warning"\n',
        encoding="utf-8",
    )
    (workspace / "templates" / "_footer.en.j2").write_text(
        "--\n{{ sender.name }}\n", encoding="utf-8"
    )
    result = run(workspace, "lint")
    assert result.exit_code == 0, result.output
    assert "compliance warning" in result.stdout and "error" not in result.stdout


def test_unknown_template_is_a_user_error(workspace: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(workspace / "config.toml"), "lint", "nosuch"])
    assert result.exit_code == 1
    assert "template 'nosuch' not found" in str(result.exception)


def test_lint_message_checks_one_composed_draft(workspace: Path) -> None:
    from datetime import UTC, datetime

    from outreach.render.compose import Composer
    from outreach.services.lint import lint_message
    from outreach.services.lint.samples import sample_influencers
    from outreach.services.sequence.campaigns import load_campaign

    config = load_config(workspace / "config.toml")
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    hanako = sample_influencers(now)[0]
    composed = Composer(config).compose(
        load_campaign(config, "spring-serum"),
        hanako,
        step=1,
        total_steps=3,
        template="pitch",
        now=now,
    )
    assert lint_message(config, composed, hanako, step=1, now=now) == []
    stale = lint_message(config, composed, hanako, step=1, now=datetime(2027, 6, 1, tzinfo=UTC))
    assert [(f.rule, f.template, f.line) for f in stale] == [
        ("stale-post", "templates/pitch.ja.j2", 8)
    ]


def test_a_template_that_does_not_render_is_a_render_error_at_its_line(workspace: Path) -> None:
    path = workspace / "templates" / "followup1.en.j2"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[6] = "Hi {{ influencer.nickname }},"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run(workspace, "lint", "followup1")
    assert result.exit_code == 1
    render = [line for line in result.stdout.splitlines() if " render error: " in line]
    assert render and all(
        line.startswith("templates/followup1.en.j2:7: render error:") for line in render
    )
    assert "nickname" in render[0] and "(influencer @" in render[0]


def test_roster_without_posts_warns_per_influencer_and_still_checks_the_template(
    workspace: Path,
) -> None:
    imported = run(
        workspace, "import", "influencers", str(workspace / "roster" / "influencers.csv")
    )
    assert imported.exit_code == 0, imported.output
    path = workspace / "templates" / "pitch.ja.j2"
    path.write_text(
        path.read_text(encoding="utf-8").replace("{{ link }}", "{{ link }} https://bit.ly/x"),
        encoding="utf-8",
    )
    result = run(workspace, "lint", "--campaign", "spring-serum")
    assert result.exit_code == 1
    stale = [line for line in result.stdout.splitlines() if "stale-post warning" in line]
    assert stale and all("has no post on record" in line for line in stale)
    assert "@hanako_kitchen" in result.stdout  # a roster influencer, named
    assert "templates/pitch.ja.j2:21: deliverability error: URL shortener bit.ly" in result.stdout
