"""junit.xml, so CI systems show the certification like any test suite: one testsuite per class.

Response bodies come from someone else's server and may hold anything, including characters XML
1.0 cannot carry at all; they are replaced, since an unparsable report would hide every verdict.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..results import Result, Run
from .text import show

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def failure_text(result: Result, api_root: str) -> str:
    """Everything a CI reader needs under a red test: message, expected/actual, exchange, curl."""
    parts = [result.message]
    if result.failed_requirements:
        parts.append(f"broken: {', '.join(result.failed_requirements)}")
    if result.failure is not None:
        parts += [f"expected: {show(result.failure.expected)}", f"actual: {show(result.failure.actual)}"]
        exchange = result.failure.exchange
        if exchange is not None:
            parts += [
                "--- request",
                exchange.request_text(),
                "--- response",
                exchange.response_text(),
                "--- reproduce",
                exchange.curl(api_root),
            ]
    if result.traceback:
        parts += ["--- traceback", result.traceback]
    return xml_text("\n".join(parts))


def _testcase(suite: ET.Element, result: Result, api_root: str) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"bob.{result.cls}",
        name=result.id,
        time=f"{result.duration_ms / 1000:.3f}",
    )
    headline = xml_text(result.message.splitlines()[0] if result.message else result.status)
    if result.status == "failed":
        ET.SubElement(case, "failure", message=headline, type="CheckFailure").text = failure_text(result, api_root)
    elif result.status == "error":
        ET.SubElement(case, "error", message=headline, type="error").text = failure_text(result, api_root)
    elif result.status == "skipped":
        ET.SubElement(case, "skipped", message=headline)


def write_junit(run: Run, report: dict[str, Any], path: Path) -> None:
    classes = list(dict.fromkeys(r.cls for r in run.results))
    summary = report["summary"]
    root = ET.Element(
        "testsuites",
        name="BoB certification",
        tests=str(len(run.results)),
        failures=str(summary["failed"]),
        errors=str(summary["errors"]),
        skipped=str(summary["skipped"]),
        time=f"{run.duration_seconds:.3f}",
    )
    for cls in classes:
        results = [r for r in run.results if r.cls == cls]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=cls,
            tests=str(len(results)),
            failures=str(sum(r.status == "failed" for r in results)),
            errors=str(sum(r.status == "error" for r in results)),
            skipped=str(sum(r.status == "skipped" for r in results)),
            time=f"{sum(r.duration_ms for r in results) / 1000:.3f}",
            timestamp=report["startedAt"],
        )
        properties = ET.SubElement(suite, "properties")
        for name in ("specVersion", "specDigest", "specDraft", "suiteVersion", "seed", "baseUrl"):
            ET.SubElement(properties, "property", name=name, value=xml_text(str(report[name])))
        for result in results:
            _testcase(suite, result, run.base_url)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
