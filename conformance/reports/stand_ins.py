"""What stands in a bundle for a report that could not be written: the same file, saying why.

Built from nothing that could fail in turn (no templates, no values a check compared), so a
broken writer still leaves a complete bundle whose manifest pins every file.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from ..results import Run
from .json_report import pins, result_summary
from .junit import xml_text


def minimal_report(run: Run, reason: str, trace: str | None = None) -> dict[str, Any]:
    """The keys report.json promises (BRIEF §5), for when the full report cannot be built or written."""
    return {
        **pins(run),
        "refused": [str(r) for r in run.refusals],
        "reportError": reason,
        "reportTraceback": trace,
        "summary": run.summary(),
        "results": [result_summary(r) for r in run.results],
    }


def _junit(reason: str) -> str:
    root = ET.Element("testsuites", name="BoB certification", tests="1", failures="0", errors="1")
    suite = ET.SubElement(root, "testsuite", name="core", tests="1", failures="0", errors="1", skipped="0")
    case = ET.SubElement(suite, "testcase", classname="bob.core", name="core.evidence-bundle", time="0")
    message = xml_text(f"junit.xml could not be written: {reason}")
    ET.SubElement(case, "error", message=message, type="error").text = message + "\nreport.json holds the verdict."
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _html(reason: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>BoB certification report</title>'
        "</head><body><h1>BoB certification report</h1>"
        f"<p>report.html could not be written: <code>{html.escape(reason)}</code></p>"
        "<p>report.json in this directory holds the verdict.</p></body></html>\n"
    )


def _json_note(name: str) -> Callable[[str], str]:
    return lambda reason: json.dumps({"bundleError": f"{name} could not be written: {reason}"}) + "\n"


STAND_INS: dict[str, Callable[[str], str]] = {
    "junit.xml": _junit,
    "report.html": _html,
    "evidence.jsonl": _json_note("evidence.jsonl"),
    "config.json": _json_note("config.json"),
}
