"""Single-point mutants of the reference server's source, drawn reproducibly.

The fault catalogue holds the breakages we thought of; mutants are the ones nobody chose. Each
mutant changes one operator, constant or statement in one module of `reference_server/`. Code that
only runs when a fault is switched on is left alone: mutating it changes nothing a certification of
the clean server can see, so every such mutant would be equivalent by construction.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reference_server"

# Modules that are not behaviour of the API: the fault switches themselves and process start-up.
SKIPPED_MODULES = frozenset({"faults.py", "launcher.py"})

_SWAPS: dict[type[ast.AST], type[ast.AST]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.And: ast.Or,
    ast.Or: ast.And,
}


@dataclass(frozen=True)
class Mutant:
    """One change: `index` counts the mutation points of `module` in a fixed walk order."""

    module: str
    index: int
    line: int
    operator: str
    source_line: str

    @property
    def key(self) -> str:
        """Stable across unrelated edits of the module: its name, the operator and the line's text."""
        return f"{self.module} | {self.operator} | {self.source_line}"


def _is_table_declaration(node: ast.AST) -> bool:
    """`sa.Column(...)`, `sa.String(64)`…: SQLite ignores lengths and most constraints, so mutants of
    these would be equivalent on the embedded database the analysis runs on."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "sa"
        and node.func.attr[:1].isupper()
    )


def _mentions_fault(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and "fault" in n.id.lower())
        or (isinstance(n, ast.Attribute) and "fault" in n.attr.lower())
        for n in ast.walk(node)
    )


def _points(tree: ast.Module) -> Iterator[tuple[ast.AST, str, ast.AST | None]]:
    """Every mutation point: (node, operator name, the part replaced), in a deterministic order.

    Branches guarded by a fault switch are skipped, as are table declarations, docstrings and
    annotations (they do not run).
    """
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if _is_table_declaration(node):
            continue
        if isinstance(node, ast.If) and _mentions_fault(node.test):
            stack.extend(reversed(node.orelse))
            continue
        if isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) in _SWAPS:
                    yield node, f"{type(op).__name__}→{_SWAPS[type(op)].__name__}", op
        elif isinstance(node, ast.BinOp | ast.AugAssign | ast.BoolOp) and type(node.op) in _SWAPS:
            yield node, f"{type(node.op).__name__}→{_SWAPS[type(node.op)].__name__}", node.op
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "drop not", None
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            yield node, f"{node.value}→{not node.value}", None
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield node, f"{node.value}→{node.value + 1}", None
        elif isinstance(node, ast.Raise):
            yield node, "raise→pass", None
        elif isinstance(node, ast.If):
            yield node, "negate if", None
        children = [
            child
            for name, child in _fields(node)
            if name not in ("annotation", "returns", "decorator_list") and not _is_docstring(node, child)
        ]
        stack.extend(reversed(children))


def _fields(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            yield name, value
        elif isinstance(value, list):
            yield from ((name, v) for v in value if isinstance(v, ast.AST))


def _is_docstring(parent: ast.AST, child: ast.AST) -> bool:
    body = getattr(parent, "body", None)
    return (
        isinstance(body, list)
        and bool(body)
        and child is body[0]
        and isinstance(child, ast.Expr)
        and isinstance(child.value, ast.Constant)
        and isinstance(child.value.value, str)
    )


def _apply(node: ast.AST, operator: str, part: ast.AST | None) -> ast.AST:
    """Mutate `node` in place (or return its replacement)."""
    if part is not None:
        replacement = _SWAPS[type(part)]()
        if isinstance(node, ast.Compare):
            node.ops = [replacement if op is part else op for op in node.ops]
        else:
            node.op = replacement  # type: ignore[attr-defined]
        return node
    if operator == "drop not":
        return node.operand  # type: ignore[attr-defined,no-any-return]
    if isinstance(node, ast.Constant):
        node.value = (not node.value) if type(node.value) is bool else node.value + 1
        return node
    if isinstance(node, ast.Raise):
        return ast.copy_location(ast.Pass(), node)
    assert isinstance(node, ast.If)
    node.test = ast.copy_location(ast.UnaryOp(op=ast.Not(), operand=node.test), node.test)
    return node


def all_mutants() -> list[Mutant]:
    found: list[Mutant] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in SKIPPED_MODULES:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        module = path.relative_to(PACKAGE).as_posix()
        for index, (node, operator, _part) in enumerate(_points(ast.parse(source))):
            line = getattr(node, "lineno", 0)
            text = lines[line - 1].strip() if line else ""
            if "fault_active(" in text:  # a fault switch, or a condition bound up with one
                continue
            found.append(Mutant(module, index, line, operator, text))
    return found


def sample(count: int, seed: int) -> list[Mutant]:
    """The `count` mutants that rank first by a hash of the seed and their change (operator and line).

    A draw from the list of all mutation points would change whole whenever any module gains a
    line, so no two runs would judge the same mutants; ranked by their own text, the sample stays
    put across unrelated edits and moves of modules (a new mutation point enters it only by ranking
    among the first), and a survivor closed by a new check is seen killed in the next run.
    """
    occurrences: Counter[str] = Counter()
    ranked = []
    for mutant in all_mutants():
        change = f"{mutant.operator} | {mutant.source_line}"  # not the module's path: moving a file keeps its rank
        occurrences[change] += 1
        rank = hashlib.sha256(f"{seed}:{change}:{occurrences[change]}".encode()).hexdigest()
        ranked.append((rank, mutant))
    chosen = [mutant for _, mutant in sorted(ranked, key=lambda pair: pair[0])[:count]]
    return sorted(chosen, key=lambda m: (m.module, m.index))


def mutated_source(mutant: Mutant) -> str:
    """The module's source with the one change applied (re-printed from the tree: comments are lost)."""
    tree = ast.parse((PACKAGE / mutant.module).read_text(encoding="utf-8"))
    for index, (node, operator, part) in enumerate(_points(tree)):
        if index == mutant.index:
            replacement = _apply(node, operator, part)
            if replacement is not node:
                _replace(tree, node, replacement)
            return ast.unparse(ast.fix_missing_locations(tree))
    raise LookupError(f"{mutant.module} has no mutation point {mutant.index}")


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                setattr(parent, name, [new if v is old else v for v in value])
                return
    raise LookupError("node not found in its tree")


def write_package(mutant: Mutant, root: Path) -> None:
    """A copy of the package under `root` with the mutant applied, to be imported before the original."""
    target = root / "reference_server"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / mutant.module).write_text(mutated_source(mutant), encoding="utf-8")
