"""Requests per second: the harness's fuzz phase against plain schemathesis on the same workload.

Both sides send the very same generated requests (the same strategies, seeds and example counts
over the same operations) to the same reference server: the harness through its recording client,
which validates every response against the spec and keeps it as evidence; schemathesis through its
own `call_and_validate`, which runs its default response checks. The ratio says what the harness's
judging costs or saves; the full certification time at the default budget is measured beside it.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis.errors import HypothesisException
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from conformance import fuzz
from conformance.config import Budget
from conformance.http import Recorder, RecordingClient
from conformance.runner import certify
from reference_server.launcher import background_server

EXAMPLES = 10
SEED = 2026
TARGET_SECONDS = 30.0
ROUNDS = 3


def workload(send: Callable[[Any, Any], None], classes: list[str]) -> None:
    for index, (operation, generated) in enumerate(fuzz.operations_for(classes)):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                strategy = generated.as_strategy(mode)
                fuzz.drive(strategy, EXAMPLES, SEED + index, lambda case, op=operation: send(op, case))
            except HypothesisException:
                continue


def _harness(url: str, classes: list[str]) -> tuple[int, float]:
    recorder = Recorder()
    client = RecordingClient.open(url, timeout=10, recorder=recorder)
    started = time.perf_counter()
    outcome = fuzz.fuzz(client, classes, Budget(EXAMPLES, 600), SEED)
    elapsed = time.perf_counter() - started
    client.close()
    return len(outcome.exchanges), elapsed


def _schemathesis(url: str, classes: list[str]) -> tuple[int, float]:
    sent = 0

    def send(operation: Any, case: Any) -> None:
        nonlocal sent
        sent += 1
        # A check failure (a BaseExceptionGroup in schemathesis) is a finding, not a reason to stop.
        with contextlib.suppress(Exception, FailureGroup):
            case.call_and_validate(base_url=url)

    started = time.perf_counter()
    workload(send, classes)
    return sent, time.perf_counter() - started


def _median_run(runs: list[tuple[int, float]]) -> tuple[int, float]:
    """The run with the median throughput (requests, seconds)."""
    return sorted(runs, key=lambda r: r[0] / r[1])[len(runs) // 2]


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp, background_server(db=f"sqlite:///{tmp}/bench.db") as url:
        started = time.perf_counter()
        code = certify(base_url=url, profile=None, report_dir=Path(tmp) / "full", seed=SEED, quiet=True)
        full = time.perf_counter() - started
        report = json.loads((Path(tmp) / "full" / "report.json").read_text(encoding="utf-8"))
        classes = [c for c in report["certifiedClasses"] if c != "test-interface"]
        # Alternating rounds, so that neither side always meets the fuller database or the busier moment.
        harness_runs, plain_runs = [], []
        for _ in range(ROUNDS):
            harness_runs.append(_harness(url, classes))
            plain_runs.append(_schemathesis(url, classes))
    harness_n, harness_s = _median_run(harness_runs)
    plain_n, plain_s = _median_run(plain_runs)
    harness_rps, plain_rps = harness_n / harness_s, plain_n / plain_s
    return "\n".join(
        [
            "## Harness throughput against plain schemathesis",
            "",
            f"The same generated requests ({EXAMPLES} examples per operation and mode, seed {SEED}, classes "
            f"{', '.join(classes)}) sent to the reference server on SQLite: by the harness's fuzz phase (recording "
            "client, spec validation, evidence) and by schemathesis's own `call_and_validate`; "
            f"{ROUNDS} alternating rounds each, the round with the median throughput shown. "
            "Target: the harness at least as fast as plain schemathesis.",
            "",
            "| measure | harness | plain schemathesis |",
            "|---|---|---|",
            f"| requests | {harness_n} | {plain_n} |",
            f"| seconds | {harness_s:.2f} | {plain_s:.2f} |",
            f"| requests per second | {harness_rps:.0f} | {plain_rps:.0f} |",
            f"| ratio harness / schemathesis | {harness_rps / plain_rps:.2f} | 1.00 |",
            f"| target met | {'yes' if harness_rps >= plain_rps else 'NO'} | |",
            "",
            f"Full certification at the default budget (every declared class, fuzz phase included): {full:.1f} s "
            f"(exit {code}; target under {TARGET_SECONDS:.0f} s: {'met' if full < TARGET_SECONDS else 'NOT met'}).",
            "",
        ]
    )
