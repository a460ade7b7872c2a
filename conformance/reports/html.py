"""report.html: the verdict for people, self-contained (no scripts, no external assets) so it can be
mailed to a supplier or archived with a certificate and still open years later.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..results import Result, Run
from .text import show, write_text


@dataclass(frozen=True)
class FailureView:
    """One failed or errored check, pre-rendered as the text blocks the template shows."""

    result: Result
    expected: str | None
    actual: str | None
    request: str | None
    response: str | None
    curl: str | None


def _failure_view(result: Result, api_root: str) -> FailureView:
    failure = result.failure
    exchange = failure.exchange if failure else None
    return FailureView(
        result=result,
        expected=show(failure.expected, indent=2) if failure and failure.expected is not None else None,
        actual=show(failure.actual, indent=2) if failure and failure.actual is not None else None,
        request=exchange.request_text() if exchange else None,
        response=exchange.response_text() if exchange else None,
        curl=exchange.curl(api_root) if exchange else None,
    )


def write_html(run: Run, report: dict[str, Any], path: Path) -> None:
    env = Environment(
        loader=PackageLoader("conformance", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("report.html.j2")
    page = template.render(
        report=report,
        results=run.results,
        requirements=run.requirement_verdicts(),
        root_causes=run.root_causes(),
        failures=[_failure_view(r, run.base_url) for r in run.results if r.status in ("failed", "error")],
        skipped=[r for r in run.results if r.status == "skipped"],
    )
    write_text(path, page)
