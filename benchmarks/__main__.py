"""Run the benchmarks and write docs/benchmarks.md (the command and the machine are recorded).

`python -m benchmarks` runs them all; `python -m benchmarks mutation dak` re-measures only the
named ones and keeps the other sections of the page as they were.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import booking, certification, dak, events, governance, harness_throughput, mutation

OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

BENCHMARKS: dict[str, Callable[[], str]] = {
    "certification": certification.run,
    "governance": governance.run,
    "harness_throughput": harness_throughput.run,
    "dak": dak.run,
    "booking": booking.run,
    "events": events.run,
    "mutation": mutation.run,
}


def _sections(text: str) -> list[str]:
    """The page's `## ` sections, each with its heading."""
    return [s for s in re.split(r"(?m)^(?=## )", text) if s.startswith("## ")]


def main(names: list[str]) -> None:
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    fresh = {name: BENCHMARKS[name]() for name in names or BENCHMARKS}
    old = {s.splitlines()[0]: s for s in _sections(OUT.read_text(encoding="utf-8"))} if OUT.exists() else {}
    new = {s.splitlines()[0]: s for s in fresh.values()}
    sections = [new.get(heading, section) for heading, section in old.items() if names]
    sections += [s for heading, s in new.items() if heading not in old or not names]
    command = "make bench" if not names else f"python -m benchmarks {' '.join(names)}"
    header = [
        "# Benchmarks",
        "",
        "Produced by `make bench` (`.venv/bin/python -m benchmarks`); do not edit by hand.",
        "",
        f"- measured: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} (last command: `{command}`)",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
    ]
    OUT.write_text("\n".join(header) + "\n" + "\n".join(s.rstrip("\n") + "\n" for s in sections), encoding="utf-8")
    print(OUT.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main(sys.argv[1:])
