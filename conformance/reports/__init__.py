"""Writing a run's evidence bundle: report.json, junit.xml, report.html, evidence.jsonl, config.json
and the manifest that pins them.

All reports render the same `results.Run`; report.json is the contract other tools read (BRIEF §5),
junit.xml feeds CI dashboards, report.html is for people, evidence.jsonl is every exchange and
config.json the effective configuration. Tokens are redacted as exchanges are recorded; every
personnummer is masked in every file here as the last step, whichever check, body or expectation
it came from, because bundles are shared with suppliers and kept with certificates.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..bundle import FILES, write_manifest
from ..personnummer import redact
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
    (directory / "config.json").write_text(json.dumps(run.config, indent=2) + "\n", encoding="utf-8")
    for name in FILES:
        path = directory / name
        path.write_text(redact(path.read_text(encoding="utf-8")), encoding="utf-8")
    write_manifest(directory, report)
    return html_path
