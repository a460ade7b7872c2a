"""report.html: the verdict for people, self-contained (no scripts, no external assets) so it can be
mailed to a supplier or archived with a certificate and still open years later.

A failing report is read for its failures, so they come first: the verdict and counts, then the
failed checks grouped by the requirement they break and the errors by their root cause, then each
failure with every request its check sent, in order, and only then the tables of all requirements
and checks. The view model is built here; the template only lays it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

import spec

from .. import json_bodies
from ..evidence import Exchange
from ..fuzz import FUZZ_CHECK_ID
from ..results import RequirementVerdict, Result, RootCause, Run
from .text import show, write_text


@dataclass(frozen=True)
class Step:
    """One request of a failed check's sequence, labelled with why the harness sent it."""

    number: int
    stage: str  # set-up | clean-up | operation | outside: how the step is marked
    label: str  # the stage, or for an operation of the standard its operationId
    summary: str  # the operation's summary in the standard
    detail: str  # who called, or what a test-interface request asked for
    request_line: str  # relative to the API root, as the standard's paths are written
    status: int
    failing: bool
    request: str
    response: str
    violations: tuple[str, ...]


@dataclass(frozen=True)
class FailureView:
    """One failed or errored check, pre-rendered as the text blocks the template shows."""

    result: Result
    reason: str  # the message's first line: what a reader scanning the page needs
    expected: str | None
    actual: str | None
    curl: str | None
    curl_notes: tuple[str, ...]  # what the command does besides repeating the request, and why
    steps: tuple[Step, ...]
    sequence_of: str  # the check that sent the steps (another one's, for a verdict drawn from the whole run)

    @property
    def filter_tag(self) -> str:
        return "in-failed" if self.result.status == "failed" else "in-errors"

    @property
    def marker(self) -> str:
        """How the step the failure is about is marked, in the sequence and above its curl."""
        return "the request that failed" if self.result.status == "failed" else "the request it could not get past"


@dataclass(frozen=True)
class Group:
    """Failures with one thing in common: the requirement they break, or the cause that stopped them."""

    title: str
    text: str
    status: str  # failed | error: which filter shows the group
    requirement: str | None  # the requirement the failures break, linked to its row
    failures: tuple[FailureView, ...]


def write_html(run: Run, report: dict[str, Any], path: Path) -> None:
    env = Environment(
        loader=PackageLoader("conformance", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    failures = {r.id: _failure_view(r, run) for r in run.results if r.status in ("failed", "error")}
    statuses = {r.id: r.status for r in run.results}
    requirements = run.requirement_verdicts()
    page = env.get_template("report.html.j2").render(
        report=report,
        results=run.results,
        requirements=requirements,
        requirement_tags={r.id: _tags(statuses[c] for c in r.checks) for r in requirements},
        groups=_groups(run, requirements, failures),
        failures=list(failures.values()),
        replays={r["id"]: r["replay"] for r in report["results"] if r.get("replay")},
        skipped=[r for r in run.results if r.status == "skipped"],
    )
    write_text(path, page)


def _tags(statuses: Iterable[str]) -> str:
    """The filters (failed, errors) that show a row: those of the statuses of its checks."""
    found = set(statuses)
    return " ".join(tag for status, tag in (("failed", "in-failed"), ("error", "in-errors")) if status in found)


def _groups(run: Run, requirements: list[RequirementVerdict], failures: dict[str, FailureView]) -> list[Group]:
    """Failed checks under each requirement they break, then errored checks under their root cause."""
    groups = []
    for req in requirements:
        broken = [f for f in failures.values() if req.id in f.result.failed_requirements]
        if broken:
            groups.append(Group(req.id, f"{req.level} — {req.text}", "failed", req.id, tuple(broken)))
    unowned = [f for f in failures.values() if f.result.status == "failed" and not f.result.failed_requirements]
    if unowned:
        groups.append(Group("The run itself", "failed without breaking a requirement", "failed", None, tuple(unowned)))
    caused: set[str] = set()
    for cause in run.root_causes():
        caused.update(cause.checks)
        groups.append(_cause_group(cause, failures))
    other = [f for f in failures.values() if f.result.status == "error" and f.result.id not in caused]
    if other:
        groups.append(Group("Other errors", "the check itself could not finish", "error", None, tuple(other)))
    return groups


def _cause_group(cause: RootCause, failures: dict[str, FailureView]) -> Group:
    text = (
        "a request they only needed on the way did not answer as its requirement says: their own "
        "requirements are inconclusive, not failed"
    )
    return Group(cause.line(), text, "error", None, tuple(failures[c] for c in cause.checks))


def _failure_view(result: Result, run: Run) -> FailureView:
    failure = result.failure
    exchange = failure.exchange if failure else None
    owner = exchange.check_id if exchange else result.id
    return FailureView(
        result=result,
        reason=result.message.strip().splitlines()[0] if result.message.strip() else result.status,
        expected=_shown(failure.expected) if failure else None,
        actual=_shown(failure.actual) if failure else None,
        curl=exchange.curl(run.base_url) if exchange else None,
        curl_notes=_curl_notes(exchange) if exchange else (),
        steps=tuple(_steps(_sequence(run.exchanges, owner, exchange), exchange, run)),
        sequence_of=owner,
    )


def _shown(value: Any) -> str | None:
    """A value on one line when it is short (`[409]`), indented when a reader needs the structure."""
    if value is None:
        return None
    line = show(value)
    return line if len(line) <= 80 and "\n" not in line else show(value, indent=2)


def _curl_notes(exchange: Exchange) -> tuple[str, ...]:
    notes = ["Run it before the sandbox is reset: it may refer to this run's test data."]
    if exchange.token_request is not None:
        notes.append("The first line mints a token like the one the harness used, through /test/tokens.")
    if any(name.lower() == "idempotency-key" for name in exchange.request_headers):
        notes.append(
            "The Idempotency-Key is drawn afresh: the recorded one would only get the server's stored first "
            "answer back. Run the last line again to retry with the same key."
        )
    return tuple(notes)


def _sequence(exchanges: list[Exchange], owner: str, failing: Exchange | None) -> list[Exchange]:
    """Every request `owner` sent, in order. The fuzz phase's requests are independent of each other
    (and thousands): a failure there is its one request."""
    if owner == FUZZ_CHECK_ID and failing is not None:
        return [failing]
    sequence = [x for x in exchanges if x.check_id == owner]
    if failing is not None and not any(x is failing for x in sequence):
        return [failing]
    return sequence


def _steps(sequence: list[Exchange], failing: Exchange | None, run: Run) -> Iterable[Step]:
    root = urlsplit(run.base_url).path.rstrip("/")
    after = False
    for number, exchange in enumerate(sequence, start=1):
        is_failing = exchange is failing
        url = urlsplit(exchange.url)
        path = url.path.removeprefix(root) or "/"
        stage, label, summary, detail = _why(exchange, path, run.release, after_failure=after)
        yield Step(
            number=number,
            stage=stage,
            label=label,
            summary=summary,
            detail=detail,
            request_line=f"{exchange.method} {path}{'?' + url.query if url.query else ''}",
            status=exchange.status,
            failing=is_failing,
            request=exchange.request_text(),
            response=exchange.response_text(),
            violations=tuple(v.message for v in exchange.violations),
        )
        after = after or is_failing


def _why(exchange: Exchange, path: str, release: spec.Release, *, after_failure: bool) -> tuple[str, str, str, str]:
    """Why the harness sent the request (stage, label, summary, detail), from the standard: the test
    interface prepares the sandbox (or, after the failing request, puts it back); any other
    operation is named with its summary and the persona that called it."""
    found = spec.find_operation(exchange.method, path, release)
    if found is None:
        return "outside", "outside the standard", f"not an operation of BoB {spec.version(release)}", ""
    operation = found[0]
    summary = str(operation.raw.get("summary", ""))
    if operation.conformance_class == "test-interface":
        stage = "clean-up" if after_failure else "set-up"
        return stage, stage, summary, _gist(exchange.request_body)
    if exchange.token_request is not None:
        caller = f"as {exchange.token_request.get('persona', 'the persona of a minted token')}"
    else:
        caller = "anonymous" if exchange.anonymous else "with a credential the check crafted"
    return "operation", operation.operation_id, summary, caller


def _gist(body: str | None) -> str:
    """What a test-interface request asked for, where its body says it in one field: the persona a
    token is for, the time the clock is set to."""
    try:
        fields = json_bodies.loads(body) if body else None
    except ValueError:
        return ""
    if not isinstance(fields, dict):
        return ""
    if isinstance(fields.get("persona"), str):
        return f"for persona {fields['persona']}"
    if isinstance(fields.get("now"), str):
        return f"to {fields['now']}{', frozen' if fields.get('frozen') is True else ''}"
    return ""
