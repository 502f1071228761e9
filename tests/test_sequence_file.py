"""Sequence files: parsed into steps; every problem reported with file:line; the CLI."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from click.testing import CliRunner

from outreach.cli import cli
from outreach.domain.sequence import Delay
from outreach.services.sequence.files import load_sequence, validate
from tests.support.sequence import STANDARD, make_workspace

BROKEN = """\
description = "Everything wrong at once"
colour = "blue"

[[step]]
template = "pitch"
delay = "0m"
subjet = "typo"

[[step]]
template = "nosuch"
delay = "3 busy days"

[[step]]
delay = "2d"
window = { start = "18:00", end = "09:00" }

[[step]]
template = "followup1"
"""


def test_standard_sequence_parses_into_steps(tmp_path: Path) -> None:
    windowed = (
        STANDARD + '\n[[step]]\ntemplate = "followup1"\ndelay = "2h"\n'
        'subject = "Last note"\nwindow = { start = "10:00", days = ["sat"] }\n'
    )
    config = make_workspace(tmp_path, sequences={"standard": windowed})
    seq = load_sequence(config, "standard")
    assert seq.description == "Pitch, then a follow-up"
    assert [(s.number, s.template, s.delay) for s in seq.steps] == [
        (1, "pitch", Delay(0, "m")),
        (2, "followup1", Delay(3, "business days")),
        (3, "followup1", Delay(2, "h")),
    ]
    last = seq.steps[2]
    assert last.subject == "Last note"
    assert last.window is not None
    assert (last.window.days, last.window.start, last.window.end) == (
        frozenset({5}),
        time(10),
        time(18),  # end from the config default
    )
    assert seq.steps[0].window is None


def test_every_problem_is_reported_with_file_and_line(tmp_path: Path) -> None:
    config = make_workspace(tmp_path, sequences={"broken": BROKEN})
    problems = [str(p) for p in validate(config, ["broken"])["broken"]]
    f = "sequences/broken.toml"
    assert problems == [
        f"{f}:2: colour: unknown key (known: description, step, after_deal, reminder)",
        f"{f}:7: step[1].subjet: unknown key (known: template, delay, subject, window, variant)",
        (
            f"{f}:10: step[2].template: unknown template 'nosuch' "
            "(expected templates/nosuch.<lang>.j2 or templates/nosuch.j2)"
        ),
        (
            f"{f}:11: step[2].delay: bad delay (got '3 busy days') "
            "(use 30m, 2h, 2d, 5s or 3 business days)"
        ),
        f"{f}:13: step[3].template: required key is missing (a template name)",
        f"{f}:15: step[3].window: end 09:00:00 must be after start 18:00:00",
        f"{f}:17: step[4].delay: bad delay (missing) (use 30m, 2h, 2d, 5s or 3 business days)",
    ]


def test_empty_sequence_and_bad_toml(tmp_path: Path) -> None:
    config = make_workspace(
        tmp_path,
        sequences={
            "standard": STANDARD,
            "empty": 'description = "nothing"\n',
            "bad": 'description = "x"\n[[step]]\ntemplate = pitch\n',
        },
    )
    report = validate(config)
    assert [str(p) for p in report["empty"]] == [
        (
            "sequences/empty.toml:1: step: empty sequence: no [[step]] tables "
            '(add [[step]] with template = "pitch" and delay = "0m")'
        )
    ]
    (bad,) = report["bad"]
    assert bad.line == 3 and "not valid TOML" in bad.message
    assert report["standard"] == []


def test_load_sequence_raises_the_first_problem_and_counts_the_rest(tmp_path: Path) -> None:
    config = make_workspace(tmp_path, sequences={"broken": BROKEN})
    try:
        load_sequence(config, "broken")
    except Exception as exc:
        assert str(exc).startswith("sequences/broken.toml:2: colour: unknown key")
        assert "6 more problem(s): outreach sequence validate broken" in str(exc)
    else:
        raise AssertionError("expected an error")


def test_cli_validate_and_show(tmp_path: Path) -> None:
    make_workspace(tmp_path, sequences={"standard": STANDARD, "broken": BROKEN})
    runner = CliRunner()
    args = ["--config", str(tmp_path / "config.toml"), "sequence"]
    ok = runner.invoke(cli, [*args, "validate", "standard"], catch_exceptions=False)
    assert ok.exit_code == 0, ok.output
    assert "standard: ok" in ok.output
    bad = runner.invoke(cli, [*args, "validate"], catch_exceptions=False)
    assert bad.exit_code == 1
    assert "sequences/broken.toml:10: step[2].template: unknown template 'nosuch'" in bad.output
    shown = runner.invoke(cli, [*args, "show", "standard"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert "2     followup1  3 business days" in shown.output
    assert "mon,tue,wed,thu,fri 09:00-18:00" in shown.output
