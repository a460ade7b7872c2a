"""Reading JSON that a server under test sent, however hostile it is.

Everything downstream of parsing (schema validation, pretty-printing for the report, a check
looking for a field) walks the parsed value recursively, and Python's own parser recurses too: a
body nested a thousand levels deep raises RecursionError in the parser, and one nested a few
hundred deep gets through it only to bring down the first recursive walker. So a body is parsed
here and nowhere else, and anything nested deeper than `MAX_DEPTH` is refused as `TooDeep` (a
ValueError, so every caller that handles "not JSON" handles it too). No body of the standard
nests more than a dozen levels; `MAX_DEPTH` leaves ample room for that, and stays far enough from
the interpreter's recursion limit that schema validation (several frames per level) never meets it.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class TooDeep(ValueError):
    """The body nests deeper than the harness inspects: a finding of its own, never a crash."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_DEPTH} levels; too deep to inspect")


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deep arrays and objects nest in `value` (a scalar is 0), counting no further than `limit` + 1."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        node, level = pending.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > limit:
            return deepest
        pending.extend((child, level + 1) for child in children)
    return deepest


def loads(text: str | bytes) -> Any:
    """The parsed body; ValueError when it is not JSON, TooDeep when it nests deeper than MAX_DEPTH."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep() from None
    if depth(value) > MAX_DEPTH:
        raise TooDeep()
    return value
