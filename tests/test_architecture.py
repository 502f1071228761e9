"""The import contracts bite: a capability that reaches up or sideways fails `lint-imports`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint_copy(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess[str]:
    """Run lint-imports over a copy of the package with `line` appended to `module`."""
    shutil.copytree(
        ROOT / "outreach", tmp_path / "outreach", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / (module.replace(".", "/") + ".py")
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "module,line,broken",
    [
        # the roster is at the bottom: it may not reach up into sending
        ("outreach.services.roster.rows", "import outreach.services.send.plan", "capabilities"),
        # inbox and pipeline stay apart
        (
            "outreach.services.inbox.effects",
            "import outreach.services.pipeline.deals",
            "capabilities",
        ),
        # a service may not use the command line above it
        ("outreach.services.sequence.enroll", "import outreach.cli.app", "layers point down"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    out = _lint_copy(tmp_path, module, line)
    assert out.returncode != 0, out.stdout
    assert f"{broken}" in out.stdout and "BROKEN" in out.stdout, out.stdout
    assert module in out.stdout


def test_the_unmodified_tree_keeps_every_contract(tmp_path: Path) -> None:
    out = _lint_copy(tmp_path, "outreach.services.roster.rows", "")
    assert out.returncode == 0, out.stdout + out.stderr
