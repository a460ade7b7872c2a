"""The client app's certification report: the same three forms as a server's run (JSON for tools,
JUnit for CI, HTML for people), so a supplier's pipeline treats both alike.

In JUnit each required operation is a test case (failing while the app never exercised it
successfully) and so is each kind of finding about requests (spec, privacy, ignored-error), failing
with every request that showed it. A judged webhook receiver adds a case per requirement, failing
with the deliveries it mishandled, skipped where its behaviour was not observable.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

import spec

from ..client_certification import FINDING_KINDS, ClientVerdict
from ..client_log import Finding
from .junit import xml_text
from .text import write_text


def _lines(findings: list[Finding]) -> str | None:
    return "\n".join(f"{f.where} {f.request}: {f.message}" for f in findings) or None


def _junit(verdict: ClientVerdict, path: Path) -> None:
    cases: list[tuple[str, str | None, str | None]] = []  # (name, failure text, skip reason)
    for operation in sorted({*verdict.exercised, *verdict.unexercised}):
        missing = operation in verdict.unexercised
        cases.append((f"exercised {operation}", "never exercised successfully" if missing else None, None))
    for kind in FINDING_KINDS:
        if kind != "webhook":
            cases.append((f"requests: {kind}", _lines([f for f in verdict.findings if f.kind == kind]), None))
    if verdict.receiver is not None:
        for requirement, judged in verdict.receiver.requirements.items():
            failure = _lines([f for f in verdict.findings if f.requirement == requirement])
            notes = [n for n in verdict.receiver.notes if n.startswith(requirement)]
            skip = (notes[0] if notes else "not observable") if judged == "not-observable" else None
            cases.append((f"webhook receiver: {requirement}", failure, skip))
    failures = sum(text is not None for _, text, _ in cases)
    skipped = sum(reason is not None for _, _, reason in cases)
    suite = ET.Element(
        "testsuite",
        name=f"BoB client certification ({verdict.profile})",
        tests=str(len(cases)),
        failures=str(failures),
        skipped=str(skipped),
    )
    for name, text, reason in cases:
        case = ET.SubElement(suite, "testcase", classname=f"bob.client.{verdict.profile}", name=name)
        if text is not None:
            ET.SubElement(case, "failure", message=xml_text(text.splitlines()[0])).text = xml_text(text)
        elif reason is not None:
            ET.SubElement(case, "skipped", message=reason)
    ET.indent(suite)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def write_client_reports(verdict: ClientVerdict, directory: Path) -> Path:
    """client-report.json, client-junit.xml and client-report.html in `directory`; the HTML's path."""
    directory.mkdir(parents=True, exist_ok=True)
    write_text(directory / "client-report.json", json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False) + "\n")
    _junit(verdict, directory / "client-junit.xml")
    env = Environment(loader=PackageLoader("conformance", "templates"), autoescape=select_autoescape(["html", "j2"]))
    html = directory / "client-report.html"
    texts = {r["id"]: r["text"]["en"] for r in spec.requirements()}
    page = env.get_template("client-report.html.j2").render(verdict=verdict, kinds=FINDING_KINDS, texts=texts)
    write_text(html, page)
    return html
