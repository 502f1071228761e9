"""docs/ARCHITECTURE.md names real code: every `module::function`, every
`tests/test_x.py::test_name` and every `outreach.*` module it mentions resolves, so moving or
renaming code without updating the page fails here instead of leaving the page wrong."""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ARCHITECTURE.md"

# `outreach.services.send.plan::plan_due`, `outreach.transport.smtp::MailboxPool.send`
CODE_REF = re.compile(r"\b(outreach(?:\.\w+)*)::([A-Za-z_][\w.]*)")
# `tests/test_dispatch.py::test_drop_after_the_dot_is_unknown_and_never_resent`
TEST_REF = re.compile(r"\b(tests/[\w/]+\.py)::(\w+)")
# `outreach.services.send` (a package or module named alone, in backticks)
MODULE_REF = re.compile(r"`(outreach(?:\.\w+)+)`")
# `tests/support/smtp.py`, `tests/test_plan.py` named alone
TEST_FILE = re.compile(r"`(tests/[\w/]+\.py)`")


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _refs(pattern: re.Pattern[str]) -> list[tuple[str, ...]]:
    return sorted({m.groups() for m in pattern.finditer(_text())})


def _params(pattern: re.Pattern[str]) -> list[object]:
    return [pytest.param(*ref, id="::".join(ref)) for ref in _refs(pattern)]


@cache
def _test_names(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
    return frozenset(names)


def test_the_page_names_code_and_tests() -> None:
    # A page that lost its references would pass every check below vacuously.
    assert len(_refs(CODE_REF)) >= 30
    assert len(_refs(TEST_REF)) >= 20


@pytest.mark.parametrize(("module", "attr"), _params(CODE_REF))
def test_code_reference_resolves(module: str, attr: str) -> None:
    obj: object = importlib.import_module(module)
    for part in attr.split("."):
        assert hasattr(obj, part), f"docs/ARCHITECTURE.md: {module}::{attr}: no {part!r}"
        obj = getattr(obj, part)


@pytest.mark.parametrize(("path", "name"), _params(TEST_REF))
def test_test_reference_resolves(path: str, name: str) -> None:
    assert (ROOT / path).is_file(), f"docs/ARCHITECTURE.md: {path} does not exist"
    assert name in _test_names(path), f"docs/ARCHITECTURE.md: {path} has no {name}"
    assert name.startswith("test_"), f"docs/ARCHITECTURE.md: {path}::{name} is not a test"


@pytest.mark.parametrize(("module",), _params(MODULE_REF))
def test_named_module_exists(module: str) -> None:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError:  # `outreach.cli.app.App`: a module's attribute
        parent, _, attr = module.rpartition(".")
        assert hasattr(importlib.import_module(parent), attr), f"docs/ARCHITECTURE.md: {module}"


@pytest.mark.parametrize(("path",), _params(TEST_FILE))
def test_named_test_file_exists(path: str) -> None:
    assert (ROOT / path).is_file(), f"docs/ARCHITECTURE.md: {path} does not exist"
