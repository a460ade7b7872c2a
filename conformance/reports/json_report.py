"""report.json, the machine-readable verdict (its keys are a contract: BRIEF §5).

Besides the summary and the results, it pins what was tested with what (spec version and digest,
suite version, seed, base URL) and gives a verdict per requirement, so a certificate can cite it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import spec

from ..bundle import replay_script
from ..results import Result, Run
from .text import show, write_text


def suite_version() -> str:
    try:
        return version("bokbid")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def result_dict(result: Result, api_root: str, replay: dict[str, str] | None) -> dict[str, Any]:
    failure = None
    if result.failure is not None:
        exchange = result.failure.exchange
        failure = {
            "expected": result.failure.expected,
            "actual": result.failure.actual,
            "request": exchange.request_summary() if exchange else None,
            "response": exchange.response_summary() if exchange else None,
            "curl": exchange.curl(api_root) if exchange else None,
        }
    return {
        **result_summary(result),
        "durationMs": round(result.duration_ms, 1),
        "failure": failure,
        "traceback": result.traceback,
        "cause": _cause(result),
        "replay": replay,
    }


def replay_of(run: Run, result: Result) -> dict[str, str] | None:
    """For a failure or error that sent requests (or was shown by one): how to replay them, with
    bokbid or with the script in the bundle, so a supplier gets from the report to the failure
    happening again on their own sandbox."""
    if result.status not in ("failed", "error"):
        return None
    shown = result.failure is not None and result.failure.exchange is not None
    if not shown and not any(x.check_id == result.id for x in run.exchanges):
        return None
    return {"command": run.replay_command(result.id), "script": replay_script(result.id)}


def _cause(result: Result) -> dict[str, Any] | None:
    """For an error: the request it needed on the way and the requirement of that operation."""
    cause = result.cause
    if cause is None:
        return None
    return {
        "request": cause.request,
        "operation": cause.operation,
        "requirement": cause.requirement,
        "status": cause.status,
        "message": cause.message,
    }


def result_summary(result: Result) -> dict[str, Any]:
    """What report.json says of every result, from nothing but the result's own fields."""
    return {
        "id": result.id,
        "title": result.title,
        "requirements": list(result.requirements),
        "class": result.cls,
        "status": result.status,
        "failedRequirements": list(result.failed_requirements),
        "message": result.message,
    }


def pins(run: Run) -> dict[str, Any]:
    """What pins the run: the standard and the suite it was judged by, the seed, the URL, the profile."""
    return {
        "specVersion": spec.version(run.release),
        "specDigest": spec.digest(run.release),
        "specDraft": run.release.draft,
        "suiteVersion": suite_version(),
        "seed": run.seed,
        "baseUrl": run.base_url,
        "profile": run.profile,
        "corsOrigin": run.cors_origin,
    }


def build_report(run: Run) -> dict[str, Any]:
    return {
        **pins(run),
        "startedAt": timestamp(run.started_at),
        "finishedAt": timestamp(run.finished_at or run.started_at),
        "durationSeconds": run.duration_seconds,
        "declaredClasses": run.declared_classes,
        "certifiedClasses": run.certified_classes,
        "optionalClasses": run.optional_classes,
        "product": run.product(),
        "servedProduct": run.served_product,
        "productMismatch": run.product_mismatch(),
        "rerun": run.rerun_command(),
        "rerunOf": run.rerun_of,
        "onlyChecks": run.only,
        "refused": run.refusals,
        "fuzz": run.fuzz,
        "summary": run.summary(),
        "results": [result_dict(r, run.base_url, replay_of(run, r)) for r in run.results],
        "rootCauses": [
            {
                "operation": c.operation,
                "requirement": c.requirement,
                "status": c.status,
                "request": c.request,
                "checks": list(c.checks),
                "summary": c.line(),
            }
            for c in run.root_causes()
        ],
        "requirements": [
            {
                "id": v.id,
                "level": v.level,
                "class": v.cls,
                "verdict": v.verdict,
                "checks": list(v.checks),
            }
            for v in run.requirement_verdicts()
        ],
    }


def write_json(report: dict[str, Any], path: Path) -> None:
    write_text(path, _dumps(report) + "\n")


def _dumps(report: dict[str, Any]) -> str:
    """The report as JSON; `expected`/`actual` that JSON cannot carry (a cycle, too deep) as text instead.

    default=str: `expected`/`actual` are whatever a check compared (dates, tuples, sets…).
    """
    try:
        return json.dumps(report, indent=2, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):
        results = [_representable(r) for r in report["results"]]
        return json.dumps({**report, "results": results}, indent=2, ensure_ascii=False, default=str)


def _representable(result: dict[str, Any]) -> dict[str, Any]:
    try:
        json.dumps(result, default=str)
    except (ValueError, RecursionError):
        failure = {**result["failure"], "expected": show(result["failure"]["expected"])}
        failure["actual"] = show(failure["actual"])
        return {**result, "failure": failure}
    return result
