"""The harness must certify any supplier, so it may not lean on our implementation (BRIEF §4)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imported_top_level_modules(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("conformance", "reference_server"),
        ("reference_server", "conformance"),
        ("spec", "reference_server"),
        ("spec", "conformance"),
    ],
)
def test_packages_do_not_import_each_other(package: str, forbidden: str) -> None:
    assert forbidden not in _imported_top_level_modules(package)
