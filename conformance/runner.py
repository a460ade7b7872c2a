"""A certification run from start to finish: `bokbid certify` calls `certify`.

The exit code is a contract (BRIEF §5): 0 every applicable check passed, 1 something failed or the
run was refused, 2 usage error, 3 the server cannot be reached. A check never takes the run down
with it: whatever it raises becomes its own verdict (failed, skipped or error, with the traceback
in the report rather than on the terminal), and the run goes on to the next.
"""

from __future__ import annotations

import random
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import spec

from . import synthetic
from .context import CheckContext, RunState
from .http import Recorder, RecordingClient, Unreachable
from .outcomes import CheckFailure, SetupError, Skip
from .progress import reporter
from .registry import Check, all_checks
from .reports import write_reports
from .results import Failure, Result, Run, Status
from .selection import missing_message, select_classes

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


def certify(
    base_url: str,
    profile: str | None,
    report_dir: Path,
    seed: int | None,
    timeout: float = 10.0,
    quiet: bool = False,
) -> int:
    """Certify the implementation at `base_url` (the API root, e.g. http://host:8000/v1); an exit code."""
    return run_certification(
        base_url=base_url,
        profile=profile,
        report_dir=report_dir,
        seed=seed,
        timeout=timeout,
        quiet=quiet,
        checks=all_checks(),
    )


def run_certification(
    *,
    base_url: str,
    profile: str | None,
    report_dir: Path,
    seed: int | None,
    timeout: float,
    quiet: bool,
    checks: Sequence[Check],
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`certify` with the checks given explicitly (the test suite passes its own)."""
    out = out or sys.stdout
    err = err or sys.stderr
    api_root = base_url.rstrip("/")
    parts = urlsplit(api_root)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        print(f"error: --base-url must be an http(s) URL of the API root, got {base_url!r}", file=err)
        return EXIT_USAGE
    chosen = None
    if profile is not None:
        chosen = spec.profile(profile)
        if chosen is None:
            known = ", ".join(p["id"] for p in spec.conformance()["profiles"])
            print(f"error: unknown profile {profile!r}; the standard defines: {known}", file=err)
            return EXIT_USAGE
    if seed is None:
        seed = random.SystemRandom().getrandbits(32)
    if not quiet:
        print(f"certifying {api_root} against BoB {spec.version()}, seed {seed}", file=err)

    recorder = Recorder()
    run = Run(base_url=api_root, seed=seed, profile=profile, started_at=datetime.now(UTC))
    run.exchanges = recorder.exchanges
    client = RecordingClient.open(api_root, timeout=timeout, recorder=recorder)
    try:
        try:
            declared, declaration = _read_declaration(client.for_check(synthetic.CONFORMANCE_DECLARATION.id))
        except Unreachable as exc:
            print(f"error: cannot reach {api_root}: {exc.message}", file=err)
            return EXIT_UNREACHABLE
        run.results.append(declaration)
        code = EXIT_FAILED
        if declared is not None:
            code = _certify_declared(run, declared, chosen, client, checks, quiet, err)
    finally:
        client.close()

    run.results.append(synthetic.aggregate(synthetic.RESPONSES_MATCH_SPEC, "spec", run.exchanges))
    run.results.append(synthetic.aggregate(synthetic.NO_PERSONAL_DATA_TO_ANONYMOUS, "privacy", run.exchanges))
    run.finished_at = datetime.now(UTC)
    html = write_reports(run, report_dir)
    s = run.summary()
    print(
        f"passed {s['passed']}, failed {s['failed']}, skipped {s['skipped']}, errors {s['errors']} "
        f"(seed {seed}) — report: {html}",
        file=out,
    )
    if code != EXIT_OK:  # unreachable, refused or no usable declaration, whatever the results say
        return code
    return EXIT_OK if run.ok else EXIT_FAILED


def _read_declaration(client: RecordingClient) -> tuple[list[str] | None, Result]:
    """GET /conformance: the declared class ids (None when unusable) and the CORE-002 verdict."""
    declaration = synthetic.CONFORMANCE_DECLARATION
    response = client.get("/conformance")
    exchange = response.exchange

    def failed(message: str, expected: Any, actual: Any) -> Result:
        return declaration.result("failed", message, Failure(expected, actual, exchange))

    if not 200 <= response.status_code < 300:
        return None, failed(
            f"GET /conformance answered {response.status_code}; nothing can be certified",
            200,
            response.status_code,
        )
    try:
        body = response.json()
    except ValueError:
        return None, failed("GET /conformance did not answer JSON", "JSON", response.text[:200])
    declared = body.get("conformsTo") if isinstance(body, dict) else None
    if not isinstance(declared, list) or not all(isinstance(c, str) for c in declared):
        return None, failed("GET /conformance has no conformsTo list of class ids", "conformsTo: [class ids]", body)
    unknown = [c for c in declared if c not in spec.class_ids()]
    if unknown:
        return declared, failed(
            f"declares classes the standard does not define: {', '.join(unknown)}", spec.class_ids(), declared
        )
    if "core" not in declared:
        return declared, failed("does not declare core", "core", declared)
    return declared, declaration.result("passed")


def _certify_declared(
    run: Run,
    declared: list[str],
    profile: dict[str, Any] | None,
    client: RecordingClient,
    checks: Sequence[Check],
    quiet: bool,
    err: TextIO,
) -> int:
    """Refuse when required classes are missing, else run the checks of the certified classes."""
    run.declared_classes = declared
    selection = select_classes(declared, profile)
    run.certified_classes = [c for c in spec.class_ids() if c in selection.certified + selection.missing]
    if selection.missing:
        reasons = {c: missing_message(c, run.profile, run.base_url) for c in selection.missing}
        run.refusals = list(reasons.values())
        for reason in run.refusals:
            print(f"refused: {reason}", file=err)
        for check in checks:
            if check.cls in reasons:
                run.results.append(_result(check, "failed", reasons[check.cls]))
        return EXIT_FAILED

    selected = [c for c in checks if c.cls in selection.certified]
    state = RunState(client=client, seed=run.seed)
    progress = reporter(quiet, err)
    progress.start(len(selected))
    lost: str | None = None
    try:
        for check in selected:
            progress.begin(check.id)
            if lost is not None:
                result = _result(check, "error", f"not run: {lost}")
            else:
                result, unreachable = _execute(check, state)
                if unreachable is not None and not _responds(client.for_check(check.id)):
                    lost = f"the server stopped responding ({unreachable.message})"
            run.results.append(result)
            progress.done(result)
    finally:
        progress.stop()
    if lost is not None:
        print(f"error: {lost}", file=err)
        return EXIT_UNREACHABLE
    return EXIT_OK


def _result(
    check: Check, status: Status, message: str = "", failure: Failure | None = None, trace: str | None = None
) -> Result:
    return Result(
        id=check.id,
        title=check.title,
        requirements=check.requirements,
        cls=check.cls,
        status=status,
        message=message,
        failure=failure,
        traceback=trace,
    )


def _execute(check: Check, state: RunState) -> tuple[Result, Unreachable | None]:
    """Run one check and turn however it ended into a result (and the Unreachable, if that was it)."""
    ctx = CheckContext(state, check.id)
    started = time.perf_counter()
    unreachable: Unreachable | None = None
    try:
        check.func(ctx)
        ctx.finish()
        result = _result(check, "passed")
    except Skip as exc:
        result = _result(check, "skipped", str(exc) or "not applicable")
    except SetupError as exc:
        result = _result(check, "error", exc.message, failure=Failure(exc.expected, exc.actual, exc.exchange))
    except CheckFailure as exc:
        result = _result(check, "failed", exc.message, failure=Failure(exc.expected, exc.actual, exc.exchange))
    except Unreachable as exc:
        unreachable = exc
        result = _result(check, "error", exc.message)
    except Exception as exc:  # a bug in the check or a server answer it did not foresee
        result = _result(check, "error", f"{type(exc).__name__}: {exc}", trace=traceback.format_exc())
    if state.clock_moved:
        try:
            ctx.restore_clock()
        except (CheckFailure, Unreachable) as exc:
            note = f"the server clock could not be put back: {exc}"
            if result.status in ("passed", "skipped"):
                result.status, result.message = "error", note
            else:
                result.message += f"\n({note})"
    result.duration_ms = (time.perf_counter() - started) * 1000
    return result, unreachable


def _responds(client: RecordingClient) -> bool:
    """After a lost connection: is the server still there (then only that one request failed)?"""
    try:
        client.get("/api-info")
    except Unreachable:
        return False
    return True
