"""Writing a run's reports: report.json, junit.xml, report.html and evidence.jsonl.

All four render the same `results.Run`; report.json is the contract other tools read (BRIEF §5),
junit.xml feeds CI dashboards, report.html is for people, and evidence.jsonl is every exchange.
"""

from __future__ import annotations

from pathlib import Path

from ..results import Run
from .evidence_log import write_evidence
from .html import write_html
from .json_report import build_report, write_json
from .junit import write_junit


def write_reports(run: Run, directory: Path) -> Path:
    """Write every report into `directory` (created if needed); the HTML report's path is returned."""
    directory.mkdir(parents=True, exist_ok=True)
    report = build_report(run)
    write_json(report, directory / "report.json")
    write_junit(run, report, directory / "junit.xml")
    write_evidence(run, directory / "evidence.jsonl")
    html_path = directory / "report.html"
    write_html(run, report, html_path)
    return html_path
