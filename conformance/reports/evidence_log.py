"""evidence.jsonl: every exchange of the run, one JSON object a line, already redacted.

The log pins a run beyond the summary: with it, a disputed verdict can be argued from what was
actually sent and received, and a line-per-exchange format stays greppable and streamable.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..results import Run


def write_evidence(run: Run, path: Path) -> None:
    with path.open("w", encoding="utf-8", errors="backslashreplace") as f:  # see text.write_text
        for exchange in run.exchanges:
            f.write(json.dumps(exchange.to_dict(), ensure_ascii=False) + "\n")
