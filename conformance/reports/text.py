"""Text that reports quote from a run, made safe to write whatever the server sent.

An `expected`/`actual` value is whatever a check compared, often a body the server sent: it may
nest deeper than json.dumps recurses, refer to itself, or hold lone surrogates (a JSON `"\\ud800"`
escape parses into one) that UTF-8 cannot encode. None of that may cost the run its report.
"""

from __future__ import annotations

import json
import reprlib
from pathlib import Path
from typing import Any

_repr = reprlib.Repr()
_repr.maxlevel, _repr.maxstring, _repr.maxother = 8, 2000, 2000


def show(value: Any, indent: int | None = None) -> str:
    """`value` as JSON text (a string as itself); a value JSON cannot render as a shortened repr."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, indent=indent, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):  # a cycle, or nested deeper than the encoder recurses
        return _repr.repr(value)


def write_text(path: Path, text: str) -> None:
    """UTF-8, with a lone surrogate written as its escape `\\udXXX` (in JSON, the escape it came from)."""
    path.write_bytes(text.encode("utf-8", "backslashreplace"))
