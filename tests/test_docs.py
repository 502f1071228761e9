"""Every command explains itself with an example; the layers point down."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from outreach.cli import COMMANDS, cli


def _commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    out: list[tuple[tuple[str, ...], click.Command]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        out.append(((*prefix, name), cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


@pytest.mark.parametrize(
    "path,cmd", _commands(cli), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_has_help_with_an_example(path: tuple[str, ...], cmd: click.Command) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output, f"`outreach {' '.join(path)} --help` has no Example: block"


def test_top_level_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["--help"], catch_exceptions=False)
    assert result.exit_code == 0 and "Example:" in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_kept_listing_is_each_commands_own_help(name: str) -> None:
    """`outreach --help` lists commands from COMMANDS without importing them: what it keeps
    must be the first paragraph of each command's own help."""
    module, _, kept = COMMANDS[name]
    command = cli.get_command(click.Context(cli), name)
    assert command is not None and command.callback is not None
    assert command.callback.__module__ == f"outreach.cli.{module}"
    own = inspect.cleandoc(command.help or "").split("\n\n")[0]
    assert kept == " ".join(own.replace("\b", "").split())


def test_help_loads_no_command_module() -> None:
    """The listing and a command's own help import only what they show: `outreach --help`
    neither SQLAlchemy nor any command's module."""
    probe = (
        "import sys\n"
        "from outreach.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'outreach.cli.')))\n"
        "print(loaded, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "Commands:" in out.stdout and "roster " in out.stdout
    assert out.stderr.strip() == "['outreach.cli.guard']"


def test_python_dash_m_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "outreach", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "Usage:" in out.stdout


def test_import_layers_point_down() -> None:
    root = Path(__file__).resolve().parent.parent
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint)], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
