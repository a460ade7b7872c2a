"""Writing a run's evidence bundle: report.json, junit.xml, report.html, evidence.jsonl, config.json,
a replay script for each failed check and the manifest that pins them.

All reports render the same `results.Run`; report.json is the contract other tools read (BRIEF §5),
junit.xml feeds CI dashboards, report.html is for people, evidence.jsonl is every exchange,
config.json the effective configuration and replay/<check-id>.sh a failed check's requests as curl
commands (written last, from the redacted report and evidence). Tokens are redacted as exchanges
are recorded; every personnummer is masked in every file here as the last step, whichever check,
body or expectation it came from, because bundles are shared with suppliers and kept with
certificates.

A verdict nobody can read is no verdict, so no writer can take the others down: one that fails
leaves a stand-in file saying why (the bundle stays complete and the manifest pins every file),
the run gets an error result naming it, and the other files are written again to carry that
result. report.json and the manifest are always written.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import synthetic
from ..bundle import FILES, write_manifest
from ..outcomes import itemised
from ..personnummer import redact
from ..results import Result, Run
from . import stand_ins
from .evidence_log import write_evidence
from .html import write_html
from .json_report import build_report, write_json
from .junit import write_junit
from .replay_scripts import write_replay_scripts
from .text import write_text

Writer = Callable[[Run, dict[str, Any], Path], None]

WRITERS: dict[str, Writer] = {
    "junit.xml": write_junit,
    "evidence.jsonl": lambda run, report, path: write_evidence(run, path),
    "report.html": write_html,
    "config.json": lambda run, report, path: write_text(path, json.dumps(run.config, indent=2, default=str) + "\n"),
}


def write_reports(run: Run, directory: Path) -> Path:
    """Write every report into `directory` (created if needed); the HTML report's path is returned."""
    directory.mkdir(parents=True, exist_ok=True)
    broken: dict[str, str] = {}
    problem: Result | None = None
    for _ in range(2):  # once more when a writer failed, so the others report it
        report = _report(run, broken)
        for name in WRITERS:
            if name not in broken:
                _write(name, run, report, directory, broken)
        if not broken:
            break
        lines = [f"{name}: {reason}" for name, reason in broken.items()]
        message = itemised("a report could not be written; a stand-in says why", lines)
        if problem is None:
            problem = synthetic.EVIDENCE_BUNDLE.result("error", message)
            run.results.append(problem)
        else:
            problem.message = message
    report = _report(run, broken)
    try:
        write_json(report, directory / "report.json")
    except Exception as exc:  # the contract file is written whatever happens
        report = stand_ins.minimal_report(run, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        write_text(directory / "report.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    for name in FILES:
        path = directory / name
        write_text(path, redact(path.read_text(encoding="utf-8")))
    write_replay_scripts(directory, report)
    write_manifest(directory, report)
    return directory / "report.html"


def _report(run: Run, broken: dict[str, str]) -> dict[str, Any]:
    """report.json's content; the contract's minimum if the full report cannot be built."""
    try:
        return build_report(run)
    except Exception as exc:  # whatever it is, it must not cost the bundle
        broken.setdefault("report.json", f"{type(exc).__name__}: {exc}")
        return stand_ins.minimal_report(run, broken["report.json"], traceback.format_exc())


def _write(name: str, run: Run, report: dict[str, Any], directory: Path, broken: dict[str, str]) -> None:
    try:
        WRITERS[name](run, report, directory / name)
    except Exception as exc:  # one report's bug must not cost the others
        broken[name] = f"{type(exc).__name__}: {exc}"
        write_text(directory / name, stand_ins.STAND_INS[name](broken[name]))
