"""Live progress of a run, on stderr so stdout keeps only the summary line scripts may parse.

At a terminal a progress bar is pleasant; in CI logs one line per result is what survives and can be
searched ("[12/118] FAIL discovery.near-radius"), so the choice follows whether stderr is a TTY.
Every result of the run is shown, those the runner draws from the whole run included, so the lines
add up to the summary's counts.
"""

from __future__ import annotations

import re
import sys
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from .results import Result

LABELS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "error": "ERROR"}
STYLES = {"passed": "green", "failed": "red", "skipped": "yellow", "error": "magenta"}


# Messages quote what servers sent: control characters could drive the terminal, and one line may be
# a whole body. The report keeps the full text; the terminal gets a tame, short line.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_LINE = 300


def first_line(text: str) -> str:
    line = _CONTROL.sub("\ufffd", text.splitlines()[0] if text else "")
    return line if len(line) <= MAX_LINE else line[:MAX_LINE] + "…"


class Reporter(Protocol):
    """What the runner tells whoever watches: how many results the run will have (`plan`, which
    also shows those it already has), each check as it starts and each result as it comes, and
    the fuzz phase's steps (operation and mode), so no phase is silent."""

    def plan(self, total: int, already: list[Result]) -> None: ...
    def begin(self, check_id: str) -> None: ...
    def done(self, result: Result) -> None: ...
    def fuzzing(self, steps: int) -> None: ...
    def fuzz_step(self, label: str) -> None: ...
    def stop(self) -> None: ...


class Silent:
    """--quiet: nothing until the summary."""

    def plan(self, total: int, already: list[Result]) -> None:
        pass

    def begin(self, check_id: str) -> None:
        pass

    def done(self, result: Result) -> None:
        pass

    def fuzzing(self, steps: int) -> None:
        pass

    def fuzz_step(self, label: str) -> None:
        pass

    def stop(self) -> None:
        pass


class Lines:
    """One line per result, for logs: `[12/118] PASS id` or `[13/118] FAIL id — first line of the message`;
    the fuzz phase says where it is every tenth of the way."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.total = 0
        self.count = 0
        self.steps = 0
        self.step = 0

    def plan(self, total: int, already: list[Result]) -> None:
        self.total = total
        for result in already:
            self.done(result)

    def begin(self, check_id: str) -> None:
        pass

    def done(self, result: Result) -> None:
        self.count += 1
        line = f"[{self.count}/{max(self.total, self.count)}] {LABELS[result.status]} {result.id}"
        if result.status != "passed" and result.message:
            line += f" — {first_line(result.message)}"
        print(line, file=self.stream, flush=True)

    def fuzzing(self, steps: int) -> None:
        self.steps, self.step = steps, 0

    def fuzz_step(self, label: str) -> None:
        self.step += 1
        if self.step == 1 or self.step * 10 // self.steps > (self.step - 1) * 10 // self.steps:
            print(f"fuzzing [{self.step}/{self.steps}] {label}", file=self.stream, flush=True)

    def stop(self) -> None:
        pass


class Bar:
    """A rich progress bar for the checks and one for the fuzz phase; failures are printed above them."""

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
        self.checks = self.progress.add_task("checks", total=None)
        self.fuzz: TaskID | None = None

    def plan(self, total: int, already: list[Result]) -> None:
        self.progress.update(self.checks, total=total)
        self.progress.start()
        for result in already:
            self.done(result)

    def begin(self, check_id: str) -> None:
        self.progress.update(self.checks, description=check_id)

    def done(self, result: Result) -> None:
        if result.status != "passed":
            line = Text.assemble(
                (LABELS[result.status], STYLES[result.status]),
                f" {result.id} — {first_line(result.message)}",
            )
            self.console.print(line, highlight=False)
        self.progress.advance(self.checks)

    def fuzzing(self, steps: int) -> None:
        self.progress.update(self.checks, description="checks")
        self.fuzz = self.progress.add_task("fuzzing", total=steps)

    def fuzz_step(self, label: str) -> None:
        if self.fuzz is not None:
            self.progress.update(self.fuzz, advance=1, description=f"fuzzing {label}")

    def stop(self) -> None:
        self.progress.stop()


def reporter(quiet: bool, stream: TextIO | None = None) -> Reporter:
    stream = stream or sys.stderr
    if quiet:
        return Silent()
    if stream.isatty():
        return Bar(Console(file=stream))
    return Lines(stream)
