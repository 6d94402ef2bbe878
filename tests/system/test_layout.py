"""The house rules of the package's layout that no linter checks: module and function size.

ARCHITECTURE.md: a module is one topic of at most 600 lines, a function does one thing in at
most 80 lines (not counting its docstring). The import order is import-linter's (``make test``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hotspotkaart

PACKAGE = Path(hotspotkaart.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _function_lengths(path: Path) -> list[tuple[str, int]]:
    """Each function's name and its length in lines, its docstring left out."""
    lengths = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = node.body[0]
        has_doc = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                   and isinstance(first.value.value, str))
        start = (first.end_lineno or first.lineno) + 1 if has_doc else first.lineno
        if has_doc and len(node.body) == 1:
            continue  # a protocol's method: its docstring is all there is
        lengths.append((node.name, (node.end_lineno or start) - start + 1))
    return lengths


def test_the_package_has_modules_to_check():
    assert len(MODULES) > 50
    assert max(n for path in MODULES for _, n in _function_lengths(path)) > 40


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines"
    long = [(name, n) for name, n in _function_lengths(path) if n > MAX_FUNCTION_LINES]
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines: {long}"
