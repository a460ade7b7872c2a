"""Run every benchmark and write docs/benchmarks.md (the command and the machine are recorded)."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import booking, certification, dak, governance, harness_throughput

OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def main() -> None:
    sections = [certification.run(), governance.run(), harness_throughput.run(), dak.run(), booking.run()]
    header = [
        "# Benchmarks",
        "",
        "Produced by `make bench` (`.venv/bin/python -m benchmarks`); do not edit by hand.",
        "",
        f"- measured: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
    ]
    OUT.write_text("\n".join(header + sections) + "\n", encoding="utf-8")
    print(OUT.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
