"""Every `bokbid` command line the README and docs/ quote is one the CLI accepts.

Readers copy these lines; a renamed option or a forgotten required one must fail here, not in a
supplier's pipeline. Each quoted line is parsed by the real command (options, arguments, their
types) without running it; the offline commands whose inputs are in the repository (spec, dak,
faults, keys) are run as well, in a scratch folder, and must not end in a usage error.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer._click.core import Command  # typer carries its own click
from typer._click.exceptions import UsageError
from typer.core import TyperGroup

from cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(?:sh|bash|console|shell)?\s*$")
# Commands that need nothing but the repository and a scratch folder: run them for real.
OFFLINE = ("spec lint", "spec diff", "spec check-version", "spec changelog", "dak validate", "dak convert", "faults")


def _quoted_commands() -> Iterator[tuple[str, list[str]]]:
    """(where, arguments after `bokbid`) of every command line in a fenced shell block."""
    for document in DOCUMENTS:
        lines = document.read_text(encoding="utf-8").splitlines()
        block, shell, pending, start = False, False, "", 0
        for number, line in enumerate(lines, 1):
            if line.lstrip().startswith("```"):
                block = not block
                shell = block and bool(FENCE.match(line.strip()))
                continue
            if not shell:
                continue
            text = line.strip().removeprefix("$ ")
            if not pending:
                start = number
            pending += text
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            command, pending = pending, ""
            if "bokbid" not in command:
                continue  # other tools' lines (curl, pip, make) are not ours to parse
            words = shlex.split(command, comments=True)
            while words and words[-1] in ("&", "&&"):
                words.pop()
            for i, word in enumerate(words):
                if word.endswith("bokbid") and (i == 0 or words[i - 1] in ("&&", ";", "|")):
                    rest = words[i + 1 :]
                    end = next((j for j, w in enumerate(rest) if w in ("&&", ";", "|", ">", "2>&1")), len(rest))
                    yield f"{document.relative_to(ROOT)}:{start}", rest[:end]


COMMANDS = list(_quoted_commands())


def _parse(arguments: list[str]) -> Command:
    """Parse `arguments` as the real `bokbid` would, down to the subcommand; raise on a usage error."""
    command = typer.main.get_command(app)
    context = command.make_context("bokbid", list(arguments))
    while isinstance(command, TyperGroup):
        rest = [*context._protected_args, *context.args]
        name, sub, rest = command.resolve_command(context, rest)
        assert sub is not None and name is not None
        context = sub.make_context(name, rest, parent=context)
        command = sub
    return command


def test_the_documents_quote_commands() -> None:
    assert len(COMMANDS) > 40
    assert {"serve", "certify", "spec", "certificate", "registry", "dak", "keys"} <= {a[0] for _, a in COMMANDS if a}


@pytest.mark.parametrize(("where", "arguments"), COMMANDS, ids=[where for where, _ in COMMANDS])
def test_a_quoted_command_is_accepted(where: str, arguments: list[str]) -> None:
    try:
        _parse(arguments)
    except typer.Exit:
        pass  # --help and the like
    except UsageError as exc:
        pytest.fail(f"{where}: bokbid {shlex.join(arguments)}: {exc.format_message()}")


@pytest.mark.parametrize(
    ("where", "arguments"),
    [(w, a) for w, a in COMMANDS if " ".join(a).startswith(OFFLINE)],
    ids=[w for w, a in COMMANDS if " ".join(a).startswith(OFFLINE)],
)
def test_an_offline_command_runs_without_a_usage_error(where: str, arguments: list[str], tmp_path: Path) -> None:
    """Run from the repository with the placeholders filled; outputs go to a scratch folder."""
    example = ROOT / "docs" / "examples" / "dak-one-card.xml"
    converted = tmp_path / "converted.json"
    convert = ["dak", "convert", str(example), "--to", "json", "--out", str(converted)]
    subprocess.run([sys.executable, "-m", "cli", *convert], cwd=ROOT, check=True, timeout=120)
    filled = {
        "FILE": "spec/v1/openapi.yaml",
        "OLD": "spec/releases/1.0.0",
        "närvaro.xml": str(example),
        "närvaro.json": str(converted),
    }
    scratch: list[str] = []
    for word in arguments:
        if scratch and scratch[-1] == "--out":
            scratch.append(str(tmp_path / Path(word).name))
        elif not (word.startswith("[") and word.endswith("]")):  # an optional placeholder: left out
            scratch.append(filled.get(word, word))
    done = subprocess.run(
        [sys.executable, "-m", "cli", *scratch], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode in (0, 1), (
        f"{where}: bokbid {shlex.join(arguments)} exited {done.returncode}:\n{done.stderr}"
    )
    assert "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize(
    "arguments",
    [["certify", "--report-dir", "x"], ["registry", "build", "certs/"], ["spec", "lint", "--today", "2026-01-01"]],
)
def test_the_parse_refuses_what_the_cli_refuses(arguments: list[str]) -> None:
    """The check above can fail: a renamed option or a missing required one is a usage error."""
    with pytest.raises(UsageError):
        _parse(arguments)


def _commands(command: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Command]]:
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def test_every_command_option_and_argument_says_what_it_is_for() -> None:
    undescribed = [
        f"bokbid {name} {param.name}"
        for name, command in _commands(typer.main.get_command(app))
        for param in [*command.params, None]
        if (param is None and not command.help) or (param is not None and not getattr(param, "help", None))
    ]
    assert undescribed == []
