"""Governance tools on malformed documents: a clear "not valid OpenAPI" instead of a traceback.

Architects run the tools on work in progress. Whatever shape a document has, lint reports findings,
and diff, check-version and docs either work or raise InvalidDocument naming the structural errors.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any

import yaml
from governance_docs import base, doc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from spec.governance import docs_site, lint, versioning
from spec.governance.diff import diff

JUNK_VALUES = [None, 1, "x", True, [], {}, [None], {"$ref": "#/nowhere"}, {"type": 7}]
JUNK = st.sampled_from(JUNK_VALUES)


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _places(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _places(value, (*path, i))
    return found


@st.composite
def malformed(draw: st.DrawFn) -> dict[str, Any]:
    document = base()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_places(document)))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = copy.deepcopy(draw(JUNK))  # a copy: a later draw may corrupt inside it
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_tools_never_crash_on_a_malformed_document(document: dict[str, Any]) -> None:
    lint.lint(doc(document))
    for action in (
        lambda: diff(doc(base()), doc(document)),
        lambda: diff(doc(document), doc(base())),
        lambda: versioning.check(doc(document), doc(document)),
        lambda: docs_site.render_reference(doc(document)),
    ):
        try:
            action()
        except lint.InvalidDocument as exc:
            assert "not valid OpenAPI 3.1" in str(exc)


def test_lint_never_crashes_whatever_one_place_holds() -> None:
    """Every place of a good document, each junk value in turn: the random draws above found a
    boolean schema of `limit` only once in many runs, so the single replacements are all tried."""
    for path in _places(base()):
        for junk in JUNK_VALUES:
            document = base()
            parent = document
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = copy.deepcopy(junk)
            with contextlib.suppress(lint.InvalidDocument):
                lint.lint(doc(document))


def test_a_malformed_document_is_a_usage_error_on_the_command_line(tmp_path: Path) -> None:
    broken = base()
    broken["paths"]["/items"]["get"]["responses"] = ["not", "a", "map"]
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken))
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(base()))
    runner = CliRunner()
    result = runner.invoke(app, ["spec", "diff", str(tmp_path / "good.yaml"), str(tmp_path / "broken.yaml")])
    assert result.exit_code == 2 and "not valid OpenAPI 3.1" in result.stderr
    assert "#/paths/~1items/get/responses" in result.stderr
    linted = runner.invoke(app, ["spec", "lint", str(tmp_path / "broken.yaml")])
    assert linted.exit_code == 1 and "oas3-schema" in linted.stdout
    (tmp_path / "list.yaml").write_text("- just\n- a list\n")
    listed = runner.invoke(app, ["spec", "lint", str(tmp_path / "list.yaml")])
    assert listed.exit_code == 2 and "mapping at the top level" in listed.stderr
