"""The mutation analysis of `make bench` changes exactly one thing per mutant, reproducibly, and
never code that only runs with a fault switched on (its kill rate would otherwise be flattered)."""

from __future__ import annotations

import ast
import difflib
from pathlib import Path

from benchmarks import mutants


def _points(source: str) -> list[str]:
    return [operator for _node, operator, _part in mutants._points(ast.parse(source))]


def test_fault_branches_table_declarations_and_docstrings_are_left_alone() -> None:
    source = '''
def f(settings, x):
    """Docstring 1 < 2."""
    if settings.fault == "late":
        return x < 2
    sa.Column("a", sa.String(64), nullable=False)
    return x + 1
'''
    assert _points(source) == ["Add→Sub", "1→2"]


def test_each_mutant_changes_one_line_and_still_compiles() -> None:
    for mutant in mutants.sample(25, seed=7):
        original = ast.unparse(ast.parse((mutants.PACKAGE / mutant.module).read_text(encoding="utf-8")))
        changed = mutants.mutated_source(mutant)
        compile(changed, mutant.module, "exec")
        diff = [
            line
            for line in difflib.unified_diff(original.splitlines(), changed.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        assert diff and len(diff) <= 4, f"{mutant.key}: {diff}"


def test_the_sample_is_reproducible_and_spares_the_fault_switches() -> None:
    assert mutants.sample(30, seed=2026) == mutants.sample(30, seed=2026)
    assert mutants.sample(30, seed=2026) != mutants.sample(30, seed=2027)
    assert not [m for m in mutants.all_mutants() if Path(m.module).name in mutants.SKIPPED_MODULES]


def test_the_mutated_package_is_a_full_copy_with_one_module_changed(tmp_path: Path) -> None:
    mutant = mutants.sample(1, seed=3)[0]
    mutants.write_package(mutant, tmp_path)
    copied = sorted(p.relative_to(tmp_path / "reference_server") for p in (tmp_path / "reference_server").rglob("*.py"))
    assert copied == sorted(p.relative_to(mutants.PACKAGE) for p in mutants.PACKAGE.rglob("*.py"))
    changed = [
        p for p in copied if (tmp_path / "reference_server" / p).read_text() != (mutants.PACKAGE / p).read_text()
    ]
    assert changed == [Path(mutant.module)]
