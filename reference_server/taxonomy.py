"""The standard activity-type taxonomy, read from the standard itself (spec/v1/activity-types.yaml).

A search for a broad type also finds the narrower ones, so the taxonomy is held as a tree from
which the set "this type and everything below it" is derived.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

import spec


@cache
def activity_types() -> tuple[dict[str, Any], ...]:
    """Every activity type in the file's order: {id, parentId, name: {sv, en}}."""
    with (spec.SPEC_ROOT / spec.DEFAULT_MAJOR / "activity-types.yaml").open(encoding="utf-8") as f:
        return tuple(yaml.safe_load(f)["activityTypes"])


@cache
def known_ids() -> frozenset[str]:
    return frozenset(t["id"] for t in activity_types())


@cache
def narrower_or_same(type_id: str) -> frozenset[str]:
    """The type and every type below it, however deep."""
    children: dict[str, list[str]] = {}
    for t in activity_types():
        if t["parentId"] is not None:
            children.setdefault(t["parentId"], []).append(t["id"])
    found: set[str] = set()
    todo = [type_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return frozenset(found)
