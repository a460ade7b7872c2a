"""A certification run from start to finish: `bokbid certify` calls `certify`.

The exit code is a contract (BRIEF §5): 0 every applicable check passed, 1 something failed or the
run was refused, 2 usage error, 3 the server cannot be reached (or the URL serves no BoB API at
all). Nothing the product does takes the run down: whatever a check, the fuzz phase or a verdict
drawn from the whole run raises becomes that result's own verdict (failed, skipped or error, with
the traceback in the report rather than on the terminal), the run goes on, and every report file
is written (`reports/`).
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import spec

from . import fuzz, synthetic
from .api_root import no_api
from .config import Budget, Callback, CertifyConfig, ConfigError, Product, Tls
from .context import CheckContext, RunState
from .evidence import Exchange
from .http import Recorder, RecordingClient, Response, Unreachable
from .outcomes import CheckFailure, PreconditionFailure, Skip
from .progress import LABELS, Reporter, first_line, reporter
from .registry import Check, all_checks
from .reports import write_reports
from .reports.json_report import replay_of
from .results import Cause, Failure, Result, Run, Status
from .selection import missing_message, optional_classes, select_classes

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


def certify(
    base_url: str,
    profile: str | None,
    report_dir: Path,
    seed: int | None,
    timeout: float = 10.0,
    quiet: bool = False,
    budget: Budget | None = None,
    spec_version: str | None = None,
    cors_origin: str | None = None,
) -> int:
    """Certify the implementation at `base_url` (the API root, e.g. http://host:8000/v1) against the
    release `spec_version` (default: the one the server states); an exit code."""
    return run_certification(
        base_url=base_url,
        profile=profile,
        report_dir=report_dir,
        seed=seed,
        timeout=timeout,
        quiet=quiet,
        checks=all_checks(),
        budget=budget or Budget(),
        spec_version=spec_version,
        cors_origin=cors_origin,
    )


def certify_configured(
    config: CertifyConfig, *, quiet: bool = False, only: Collection[str] | None = None, rerun_of: str | None = None
) -> int:
    """`bokbid certify` with a merged configuration (file, environment, flags); `only` limits the checks."""
    if config.base_url is None:
        print("error: no base URL: give --base-url, set BOKBID_BASE_URL or certify.base_url", file=sys.stderr)
        return EXIT_USAGE
    return run_certification(
        base_url=config.base_url,
        profile=config.profile,
        report_dir=config.report_dir,
        seed=config.seed,
        timeout=config.timeout,
        quiet=quiet,
        checks=all_checks(),
        budget=config.budget,
        product=config.product,
        tls=config.tls,
        only=only,
        rerun_of=rerun_of,
        config_record=config.record(),
        spec_version=config.spec_version,
        cors_origin=config.cors_origin,
        callback=config.callback,
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
    budget: Budget | None = None,
    product: Product | None = None,
    tls: Tls | None = None,
    only: Collection[str] | None = None,
    rerun_of: str | None = None,
    config_record: dict[str, Any] | None = None,
    spec_version: str | None = None,
    cors_origin: str | None = None,
    callback: Callback | None = None,
) -> int:
    """`certify` with the checks given explicitly (the test suite passes its own).

    `only` runs just the checks with those ids (a re-run of failed checks: same seed, same data,
    because each check's randomness depends on the seed and its own id only). The fuzz phase runs
    only when a `budget` is given (`certify` always gives one: on by default). `spec_version` is
    the release to certify against; None: the release the server states in /api-info. `cors_origin`
    is an origin the server allows browser apps on (CORE-030 is not tested without one); `callback`
    says how webhook deliveries reach the harness (default: a free port of 127.0.0.1).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    api_root = base_url.rstrip("/")
    parts = urlsplit(api_root)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        print(f"error: --base-url must be an http(s) URL of the API root, got {base_url!r}", file=err)
        return EXIT_USAGE
    asked = None
    if spec_version is not None:
        asked = spec.find_release(spec_version)
        if asked is None:
            print(f"error: unknown --spec-version {spec_version!r}; the standard has: {_versions()}", file=err)
            return EXIT_USAGE
    if profile is not None and _unknown_profile(profile, asked or spec.WORKING, err):
        return EXIT_USAGE
    if seed is None:
        seed = random.SystemRandom().getrandbits(32)

    progress = reporter(quiet, err)
    recorder = Recorder()
    run = Run(base_url=api_root, seed=seed, profile=profile, started_at=datetime.now(UTC), cors_origin=cors_origin)
    run.exchanges = recorder.exchanges
    run.claimed_product = product or Product()
    run.rerun_of = rerun_of
    run.report_dir = str(report_dir)
    run.only = sorted(only) if only is not None else None
    run.config = config_record or {}
    if only is not None:
        checks = [c for c in checks if c.id in only]
    # Until /api-info has said which release the server states, its answer is recorded unjudged.
    client = RecordingClient.open(
        api_root, timeout=timeout, recorder=recorder, release=asked, verify=(tls or Tls()).httpx_verify()
    )
    stated: str | None = None
    try:
        try:
            info = client.for_check(synthetic.CONFORMANCE_DECLARATION.id).get("/api-info")
            stated = _stated_version(info)
            # A stated version the standard never had fails CORE-001; the rest follows the newest version.
            run.release = asked or spec.find_release(stated or "") or spec.known_releases()[-1]
            client = client.judging_by(run.release)
            start = client.for_check(synthetic.CONFORMANCE_DECLARATION.id)
            conformance = start.get("/conformance")
            absent = no_api(start, info, conformance)
            if absent is not None:
                print(absent, file=err)
                return EXIT_UNREACHABLE
        except Unreachable as exc:
            print(f"error: cannot reach {api_root}: {exc.message}", file=err)
            return EXIT_UNREACHABLE
        chosen = None if profile is None else spec.profile(profile, run.release)
        if profile is not None and chosen is None:
            _unknown_profile(profile, run.release, err)
            return EXIT_USAGE
        _announce(run, api_root, stated, asked is not None, quiet, err)
        declared, declaration = _read_declaration(conformance, run.release)
        run.results.append(declaration)
        run.served_product = _served_product(info)
        _judge_product_statement(run, err)
        code = EXIT_FAILED
        fuzz_wanted = only is None or bool(set(only) & FUZZ_RESULT_IDS)
        fuzzing = fuzz_wanted and budget is not None and budget.fuzz_examples > 0
        drawn = _drawn_verdicts(run.release)
        after = (len(FUZZ_RESULT_IDS) if fuzzing else 0) + len(drawn)
        if declared is not None:
            run.optional_classes = optional_classes(declared, chosen)
            callback = callback or Callback()
            code = _certify_declared(run, declared, chosen, client, checks, progress, after, err, callback)
        else:
            progress.plan(len(run.results) + after, list(run.results))
        if code == EXIT_OK and fuzzing:
            assert budget is not None
            code = _fuzz(run, client, budget, err, quiet, progress)
    finally:
        client.close()

    checked = [x for x in run.exchanges if x.check_id != fuzz.FUZZ_CHECK_ID]  # fuzzing has results of its own
    stated_version = stated or spec.version(run.release)
    for verdict in _drawn_verdicts(run.release):
        if verdict is synthetic.RESPONSES_MATCH_SPEC:
            draw = partial(synthetic.aggregate, verdict, "spec", checked)
        elif verdict is synthetic.NO_PERSONAL_DATA_TO_ANONYMOUS:
            draw = partial(synthetic.aggregate, verdict, "privacy", run.exchanges)
        elif verdict is synthetic.API_VERSION_HEADER:
            draw = partial(synthetic.version_header, run.exchanges, stated=stated_version)
        else:
            draw = partial(_HEADER_VERDICTS[verdict], run.exchanges)
        _record(run, progress, _drawn(verdict, draw))
    progress.stop()
    run.finished_at = datetime.now(UTC)
    html = write_reports(run, report_dir)
    s = run.summary()
    print(
        f"passed {s['passed']}, failed {s['failed']}, skipped {s['skipped']}, errors {s['errors']} "
        f"(seed {seed}) — report: {html}",
        file=out,
    )
    for cause in run.root_causes():
        print(f"  {cause.line()}", file=out)
    _print_failures(run, out)
    if code != EXIT_OK:  # unreachable, refused or no usable declaration, whatever the results say
        return code
    return EXIT_OK if run.ok else EXIT_FAILED


_HEADER_VERDICTS: dict[synthetic.Synthetic, Callable[[list[Exchange]], Result]] = {
    synthetic.CONTENT_TYPE_OPTIONS: synthetic.content_type_options,
    synthetic.NO_STORE: synthetic.no_store,
}


def _drawn_verdicts(release: spec.Release) -> list[synthetic.Synthetic]:
    """The verdicts drawn from the whole run's exchanges once the checks are done: spec and privacy
    always, each header requirement where the release has it."""
    held = spec.requirement_ids(release)
    headers = [synthetic.API_VERSION_HEADER, *_HEADER_VERDICTS]
    return [synthetic.RESPONSES_MATCH_SPEC, synthetic.NO_PERSONAL_DATA_TO_ANONYMOUS] + [
        v for v in headers if v.requirement in held
    ]


def _record(run: Run, progress: Reporter, *results: Result) -> None:
    """Add results to the run and show them: every result is shown, so the lines add up to the summary."""
    for result in results:
        run.results.append(result)
        progress.done(result)


def _print_failures(run: Run, out: TextIO) -> None:
    """What failed and why, one line each, with the command that replays it: the end of the output is
    where a supplier looks first."""
    broken = [r for r in run.results if r.status in ("failed", "error")]
    if not broken:
        return
    print(f"{len(broken)} not passed:", file=out)
    for result in broken:
        requirements = ", ".join(result.failed_requirements if result.status == "failed" else result.requirements)
        print(f"  {LABELS[result.status]} {result.id} [{requirements}] — {first_line(result.message)}", file=out)
        replay = replay_of(run, result)
        if replay is not None:
            print(f"    replay: {replay['command']}", file=out)


def _drawn(verdict: synthetic.Synthetic, draw: Callable[[], Result]) -> Result:
    """A verdict the runner draws from the whole run; should drawing it raise, that is its error."""
    try:
        return draw()
    except Exception as exc:  # a bug here must not cost the run its reports
        return _errored(verdict, exc)


def _errored(verdict: synthetic.Synthetic, exc: Exception, prefix: str = "") -> Result:
    result = verdict.result("error", f"{prefix}{type(exc).__name__}: {exc}")
    result.traceback = traceback.format_exc()
    return result


FUZZ_RESULT_IDS = frozenset({synthetic.FUZZ_NO_SERVER_ERROR.id, synthetic.FUZZ_RESPONSES_MATCH_SPEC.id})


def _fuzz(run: Run, client: RecordingClient, budget: Budget, err: TextIO, quiet: bool, progress: Reporter) -> int:
    """The fuzz phase over the certified classes; its results (and what it spent) are added to the run."""
    if not quiet:
        limits = f"up to {budget.fuzz_examples} examples per operation and mode, {budget.fuzz_seconds} s"
        print(f"fuzzing: {limits}", file=err)
    run.fuzz = {"examplesPerOperation": budget.fuzz_examples, "seconds": budget.fuzz_seconds, "completed": False}
    try:
        outcome = fuzz.fuzz(client, run.certified_classes, budget, run.seed, run.release, progress)
    except Unreachable as exc:
        print(f"error: the server stopped responding while fuzzing ({exc.message})", file=err)
        _record(run, progress, synthetic.FUZZ_NO_SERVER_ERROR.result("error", exc.message))
        return EXIT_UNREACHABLE
    except Exception as exc:  # the generator or the sender broke: the phase proves nothing
        prefix = "the fuzz phase broke off: "
        phase = (synthetic.FUZZ_NO_SERVER_ERROR, synthetic.FUZZ_RESPONSES_MATCH_SPEC)
        _record(run, progress, *(_errored(s, exc, prefix) for s in phase))
        return EXIT_OK
    run.fuzz.update(
        requests=len(outcome.exchanges),
        operations=outcome.operations,
        completed=not outcome.budget_exhausted and not outcome.lost,
    )
    _record(run, progress, *fuzz.results(outcome))
    return EXIT_OK


def _versions() -> str:
    return ", ".join(spec.version(r) + (" (unreleased draft)" if r.draft else "") for r in spec.known_releases())


def _unknown_profile(profile: str, release: spec.Release, err: TextIO) -> bool:
    """Whether `release` lacks the profile (then the usage error is printed)."""
    if spec.profile(profile, release) is not None:
        return False
    known = ", ".join(p["id"] for p in spec.conformance(release)["profiles"])
    print(f"error: unknown profile {profile!r}; {spec.label(release)} defines: {known}", file=err)
    return True


def _stated_version(info: Response) -> str | None:
    """`apiVersion` from /api-info, or None when it cannot be read; CORE-001 judges it."""
    try:
        version = info.json().get("apiVersion") if info.status_code == 200 else None
    except (ValueError, AttributeError):
        return None
    return version if isinstance(version, str) else None


def _announce(run: Run, api_root: str, stated: str | None, asked: bool, quiet: bool, err: TextIO) -> None:
    """Say which release the run holds the server to, and why when it is not the one the server states."""
    if not asked and spec.find_release(stated or "") is None:
        what = "no apiVersion" if stated is None else f"apiVersion {stated!r}, no version of the standard"
        print(
            f"note: /api-info states {what} (CORE-001 fails); the other checks follow {spec.label(run.release)}",
            file=err,
        )
    elif asked and stated != spec.version(run.release):
        print(f"note: /api-info states apiVersion {stated!r}; the run holds the server to the release asked", file=err)
    if not quiet:
        print(f"certifying {api_root} against {spec.label(run.release)}, seed {run.seed}", file=err)


def _served_product(info: Response) -> dict[str, Any]:
    """`product` from /api-info (supplier, name, version), or {} when it cannot be read; CORE-001 judges it."""
    try:
        product = info.json().get("product") if info.status_code == 200 else None
    except (ValueError, AttributeError):
        return {}
    return product if isinstance(product, dict) else {}


def _judge_product_statement(run: Run, err: TextIO) -> None:
    """Refuse the run when the supplier's statement of its product contradicts /api-info.

    Nothing the server does is wrong here: it is the run's input that cannot stand, so the verdict
    is an error of the run itself, not a failure charged to a requirement. The checks still run,
    so the supplier learns everything else from the same run.
    """
    mismatch = run.product_mismatch()
    if not mismatch:
        return
    reason = "the product statement contradicts GET /api-info: " + "; ".join(mismatch)
    run.refusals.append(reason)
    print(f"refused: {reason}", file=err)
    fix = (
        "correct [product] in bokbid.toml (or BOKBID_SUPPLIER, BOKBID_PRODUCT_NAME, BOKBID_PRODUCT_VERSION, "
        "or --supplier, --product-name, --product-version)"
    )
    run.results.append(synthetic.PRODUCT_STATEMENT.result("error", f"{reason}\n{fix}"))  # shown when planned


def _read_declaration(response: Response, release: spec.Release) -> tuple[list[str] | None, Result]:
    """GET /conformance: the declared class ids (None when unusable) and the CORE-002 verdict."""
    try:
        return _declaration(response, release)
    except Exception as exc:  # a declaration nothing foresaw: CORE-002 cannot be judged, nothing certified
        return None, _errored(synthetic.CONFORMANCE_DECLARATION, exc)


def _declaration(response: Response, release: spec.Release) -> tuple[list[str] | None, Result]:
    declaration = synthetic.CONFORMANCE_DECLARATION
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
    # A class of a later release than the one certified is no mistake (minor releases add classes):
    # it is left out of the run. Only a class no version of the standard defines is.
    defined = [c for r in (release, *spec.known_releases()) for c in spec.class_ids(r)]
    unknown = [c for c in declared if c not in defined]
    if unknown:
        return declared, failed(
            f"declares classes the standard does not define: {', '.join(unknown)}", spec.class_ids(release), declared
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
    progress: Reporter,
    after: int,
    err: TextIO,
    callback: Callback,
) -> int:
    """Refuse when required classes are missing, else run the checks of the certified classes.

    `after` is how many results the run adds once the checks are done: with those, the progress
    knows the whole run's count before the first check."""
    run.declared_classes = declared
    selection = select_classes(declared, profile, run.release)
    run.certified_classes = [c for c in spec.class_ids(run.release) if c in selection.certified + selection.missing]
    checks, absent = _as_of(checks, run.release)
    if selection.missing:
        reasons = {c: missing_message(c, run.profile, run.base_url, run.release) for c in selection.missing}
        run.refusals = list(reasons.values())
        for reason in run.refusals:
            print(f"refused: {reason}", file=err)
        refused = [_result(c, "failed", reasons[c.cls]) for c in checks if c.cls in reasons and c.id not in absent]
        progress.plan(len(run.results) + len(refused) + after, list(run.results))
        _record(run, progress, *refused)
        return EXIT_FAILED

    selected = [c for c in checks if c.cls in selection.certified]
    inapplicable = {**_inapplicable(selected, selection.certified, run.release), **absent}
    state = RunState(client=client, seed=run.seed, release=run.release, cors_origin=run.cors_origin, callback=callback)
    progress.plan(len(run.results) + len(selected) + after, list(run.results))
    lost: str | None = None
    try:
        for check in selected:
            progress.begin(check.id)
            if check.id in inapplicable:
                result = _result(check, "skipped", inapplicable[check.id])
            elif lost is not None:
                result = _result(check, "error", f"not run: {lost}")
            else:
                result, unreachable = _execute(check, state)
                if unreachable is not None and not client.for_check(check.id).responds():
                    lost = f"the server stopped responding ({unreachable.message})"
            _record(run, progress, result)
    except BaseException:
        progress.stop()  # leave the terminal clean for the traceback
        raise
    finally:
        if state.receiver is not None:
            state.receiver.stop()
    if lost is not None:
        print(f"error: {lost}", file=err)
        return EXIT_UNREACHABLE
    return EXIT_OK


def _as_of(checks: Sequence[Check], release: spec.Release) -> tuple[list[Check], dict[str, str]]:
    """The checks as `release` has them: each verifies only the requirements that release states.

    A check of requirements a later release added verifies nothing here: it is not run, with the
    reason (returned by check id), since failing it would fail a product for keeping to its release.
    """
    stated = spec.requirement_ids(release)
    viewed, absent = [], {}
    for check in checks:
        kept = tuple(r for r in check.requirements if r in stated)
        if not kept:
            named = f"{', '.join(check.requirements)} {'is' if len(check.requirements) == 1 else 'are'}"
            absent[check.id] = f"not applicable: {named} not part of {spec.label(release)}"
        viewed.append(replace(check, requirements=kept))
    return viewed, absent


def _inapplicable(checks: Sequence[Check], certified: Sequence[str], release: spec.Release) -> dict[str, str]:
    """Checks of a requirement that presupposes classes the server does not implement (`onlyWith`
    in the catalogue), with the reason: such a check would fail for what the server never claimed."""
    presupposes = {r["id"]: r.get("onlyWith", []) for r in spec.requirements(release)}
    reasons = {}
    for check in checks:
        absent = sorted({c for req in check.requirements for c in presupposes[req] if c not in certified})
        if absent:
            reasons[check.id] = f"not applicable: {', '.join(check.requirements)} applies only with {', '.join(absent)}"
    return reasons


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
    except PreconditionFailure as exc:
        failure = Failure(exc.expected, exc.actual, exc.exchange)
        if exc.requirement in check.requirements:  # the operation is the check's own subject after all
            result = _result(check, "failed", exc.message, failure=failure)
            result.broken = (exc.requirement,)
        else:
            result = _result(check, "error", exc.message, failure=failure)
            result.cause = _cause(exc, state.client.api_root, state.release)
    except CheckFailure as exc:
        result = _result(check, "failed", exc.message, failure=Failure(exc.expected, exc.actual, exc.exchange))
        result.broken = (exc.requirement,) if exc.requirement else None
    except Unreachable as exc:
        unreachable = exc
        result = _result(check, "error", exc.message)
    except Exception as exc:  # a bug in the check or a server answer it did not foresee
        result = _result(check, "error", f"{type(exc).__name__}: {exc}", trace=traceback.format_exc())
    if state.clock_moved:
        try:
            ctx.restore_clock()
        except Exception as exc:  # whatever the sandbox answered, the run goes on
            note = f"the server clock could not be put back: {exc}"
            if result.status in ("passed", "skipped"):
                result.status, result.message = "error", note
            else:
                result.message += f"\n({note})"
    result.duration_ms = (time.perf_counter() - started) * 1000
    return result, unreachable


def _cause(exc: PreconditionFailure, api_root: str, release: spec.Release) -> Cause:
    """The cause of a check's error, with the operation its request belongs to (the path template,
    so that every check held up by the same operation is reported under one cause)."""
    exchange = exc.exchange
    target = exchange.url.removeprefix(api_root)
    path = urlsplit(target).path
    template = spec.match_path(path, release)
    operation = f"{exchange.method} {template[0] if template else path}"
    return Cause(f"{exchange.method} {target}", operation, exc.requirement, exchange.status, exc.message)


def rerun_settings(directory: Path) -> tuple[set[str], dict[str, Any]]:
    """The checks to repeat from the report in `directory`, and the settings that pin its run.

    A failed check is repeated by its id. A failure the runner drew from the whole run (a spec or
    privacy violation) is traced, through the evidence log, to the checks whose exchanges showed
    it, and those are repeated; the fuzz phase runs again only if one of its results failed.
    """
    from .bundle import BundleError, load_report

    try:
        report = load_report(directory)
    except BundleError as exc:
        raise ConfigError(str(exc)) from exc
    failed = {r["id"] for r in report.get("results", []) if r.get("status") in ("failed", "error")}
    if not failed:
        raise ConfigError(f"{directory / 'report.json'} has no failed checks to re-run")
    registered = {c.id for c in all_checks()}
    only = (failed & registered) | (failed & FUZZ_RESULT_IDS)
    evidence = directory / "evidence.jsonl"
    if failed & {s.id for s in synthetic.ALL} and evidence.is_file():
        for line in evidence.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("violations") and record.get("checkId") in registered:
                only.add(record["checkId"])
    if not only:
        only = registered  # nothing traceable: repeat the whole run with its seed
    settings = {
        "base_url": report.get("baseUrl"),
        "seed": report.get("seed"),
        "profile": report.get("profile"),
        "spec_version": report.get("specVersion"),
        "cors_origin": report.get("corsOrigin"),
    }
    if not only & FUZZ_RESULT_IDS:
        settings["fuzz_examples"] = 0
    return only, settings
