"""Reference data of the standard beyond the OpenAPI document: municipalities and grant rule sets.

Both are data files beside the spec (`v1/municipalities.yaml`, `v1/grant-rules/*.yaml`), read here
so that the reference server, the harness and the tests agree on one list of the 290 kommunkoder
and on the shipped rule sets (state LOK-stöd and two municipal variants).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from . import DEFAULT_MAJOR, SPEC_ROOT


def _load(path: str, major: str) -> Any:
    with (SPEC_ROOT / major / path).open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@cache
def municipalities(major: str = DEFAULT_MAJOR) -> dict[str, str]:
    """kommunkod → name, for Sweden's 290 municipalities."""
    return {m["code"]: m["name"] for m in _load("municipalities.yaml", major)["municipalities"]}


@cache
def counties(major: str = DEFAULT_MAJOR) -> dict[str, str]:
    """länskod → name, for Sweden's 21 counties."""
    return {c["code"]: c["name"] for c in _load("municipalities.yaml", major)["counties"]}


@cache
def grant_rule_sets(major: str = DEFAULT_MAJOR) -> dict[str, dict[str, Any]]:
    """The shipped rule sets by id: {id, name, kind, rules} where `rules` is a GrantRules object."""
    found = {}
    for path in sorted((SPEC_ROOT / major / "grant-rules").glob("*.yaml")):
        data = _load(str(path.relative_to(SPEC_ROOT / major)), major)
        found[data["id"]] = data
    return found
