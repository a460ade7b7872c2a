"""Live progress of a run, on stderr so stdout keeps only the summary line scripts may parse.

At a terminal a progress bar is pleasant; in CI logs one line per check is what survives and can be
searched ("FAIL discovery.near-radius"), so the choice follows whether stderr is a TTY.
"""

from __future__ import annotations

import re
import sys
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from .results import Result

LABELS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "error": "ERROR"}
STYLES = {"passed": "green", "failed": "red", "skipped": "yellow", "error": "magenta"}


# Messages quote what servers sent: control characters could drive the terminal, and one line may be
# a whole body. The report keeps the full text; the terminal gets a tame, short line.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_LINE = 300


def _first_line(text: str) -> str:
    line = _CONTROL.sub("\ufffd", text.splitlines()[0] if text else "")
    return line if len(line) <= MAX_LINE else line[:MAX_LINE] + "…"


class Reporter(Protocol):
    def start(self, total: int) -> None: ...
    def begin(self, check_id: str) -> None: ...
    def done(self, result: Result) -> None: ...
    def stop(self) -> None: ...


class Silent:
    """--quiet: nothing until the summary."""

    def start(self, total: int) -> None:
        pass

    def begin(self, check_id: str) -> None:
        pass

    def done(self, result: Result) -> None:
        pass

    def stop(self) -> None:
        pass


class Lines:
    """One line per check, for logs: `PASS id` or `FAIL id — first line of the message`."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def start(self, total: int) -> None:
        pass

    def begin(self, check_id: str) -> None:
        pass

    def done(self, result: Result) -> None:
        line = f"{LABELS[result.status]} {result.id}"
        if result.status != "passed" and result.message:
            line += f" — {_first_line(result.message)}"
        print(line, file=self.stream, flush=True)

    def stop(self) -> None:
        pass


class Bar:
    """A rich progress bar; failures are printed above it as they happen."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("", total=None)

    def start(self, total: int) -> None:
        self.progress.update(self.task, total=total)
        self.progress.start()

    def begin(self, check_id: str) -> None:
        self.progress.update(self.task, description=check_id)

    def done(self, result: Result) -> None:
        if result.status != "passed":
            line = Text.assemble(
                (LABELS[result.status], STYLES[result.status]),
                f" {result.id} — {_first_line(result.message)}",
            )
            self.console.print(line, highlight=False)
        self.progress.advance(self.task)

    def stop(self) -> None:
        self.progress.stop()


def reporter(quiet: bool, stream: TextIO | None = None) -> Reporter:
    stream = stream or sys.stderr
    if quiet:
        return Silent()
    if stream.isatty():
        return Bar(Console(file=stream))
    return Lines(stream)
