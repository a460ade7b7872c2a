"""The fuzz phase: requests nobody wrote a check for, generated from the spec by schemathesis.

Checks test the behaviour requirements describe; fuzzing tests the rest of the input space, where
servers crash (CORE-005: never a 5xx) or answer something the spec does not document (CORE-003).
Schemathesis (with Hypothesis) only generates the requests, valid ones and deliberately invalid
ones; they are sent through the harness's own recording client, so every fuzzed exchange is
validated and kept in the evidence like any other, and a failure shows its request and a curl
command. The budget (examples per operation and mode, and seconds in all) comes from the
configuration; Hypothesis is seeded from the run seed, so a run repeats its fuzzing too.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import hypothesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import HypothesisException
from schemathesis import GenerationMode, openapi
from schemathesis.schemas import APIOperation, BaseSchema

import spec

from . import synthetic
from .config import Budget
from .evidence import Exchange
from .http import Credential, RecordingClient, Unreachable
from .outcomes import itemised
from .progress import Reporter, Silent
from .results import Failure, Result

FUZZ_CHECK_ID = "core.fuzz"
# Headers schemathesis adds for its own bookkeeping, and the credential, which the harness sets.
_OWN_HEADERS = frozenset(
    {"user-agent", "accept-encoding", "accept", "connection", "x-schemathesis-testcaseid", "authorization"}
)
# What HTTP lets a header value be; anything else no client could send, so it is not a finding.
_SENDABLE = re.compile(r"([\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?)?")
# Fuzzing with a staff token reaches past authentication into validation on most operations.
TOKEN_REQUEST = {"persona": "case-officer", "municipalityCode": "0180"}
_BASE = "http://fuzz.invalid/v1"  # only to turn a generated case into a path relative to the API root


@dataclass
class FuzzOutcome:
    exchanges: list[Exchange]
    operations: int
    budget_exhausted: bool
    lost: list[str]  # generated requests that got no response (reset, timed out) from a server still there


@cache
def _schema(release: spec.Release) -> BaseSchema:
    return openapi.from_dict(spec.openapi(release))


def operations_for(
    classes: Sequence[str], release: spec.Release = spec.WORKING
) -> list[tuple[spec.Operation, APIOperation]]:
    schema = _schema(release)
    chosen = []
    for operation in spec.operations(release):
        if operation.conformance_class in classes and operation.conformance_class != "test-interface":
            chosen.append((operation, schema[operation.path][operation.method]))
    return chosen


def _send(client: RecordingClient, operation: spec.Operation, kwargs: dict[str, Any]) -> Exchange | None:
    """Send one generated request; None when it could not travel over HTTP at all."""
    path = str(kwargs["url"]).removeprefix(_BASE) or "/"
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items() if k.lower() not in _OWN_HEADERS}
    if not all(_SENDABLE.fullmatch(value) for value in headers.values()):
        return None
    found = spec.find_operation(operation.method, path.split("?", 1)[0], operation.release)
    # A generated path parameter holding '/' or '?' lands outside the documented surface.
    off_spec = found is None
    try:
        response = client.request(
            operation.method,
            path,
            params=kwargs.get("params") or None,
            json=kwargs.get("json"),
            content=kwargs.get("data"),
            headers=headers,
            off_spec=off_spec,
        )
    except httpx.InvalidURL:  # a generated path or query no URL can carry
        return None
    return response.exchange


def _authenticated(client: RecordingClient) -> RecordingClient:
    """The fuzzing client with a staff token from the test interface (anonymous if none is issued)."""
    try:
        response = client.post("/test/tokens", json=TOKEN_REQUEST)
    except Unreachable:
        if not client.responds():
            raise
        return client
    try:
        token = response.json().get("accessToken") if response.status_code == 201 else None
    except (ValueError, AttributeError):
        token = None
    return client.with_credential(Credential(token, TOKEN_REQUEST)) if isinstance(token, str) else client


def drive(strategy: Any, examples: int, seed: int, send: Callable[[Any], None]) -> None:
    @hypothesis.seed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        send(case)

    run()


class _Sender:
    """Sends generated requests on a thread of its own, in the order they were generated.

    Generating a request (Hypothesis drawing from the spec's schemas) and waiting for the server's
    answer take about as long as each other; done one after the other, the server idles while the
    next request is drawn and the harness idles while the server works. One sender keeps the order
    and the evidence exactly as if sent inline; the bounded queue keeps memory flat. Requests still
    queued when the time budget runs out are dropped. A request that gets no response is noted and
    the phase goes on, unless the server has gone altogether (then that ends the phase).
    """

    _DONE = object()

    def __init__(self, client: RecordingClient, deadline: float = float("inf")) -> None:
        self.client = client
        self.deadline = deadline
        self.exchanges: list[Exchange] = []
        self.lost: list[str] = []
        self.dropped = False
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=32)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bokbid-fuzz-sender", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not self._DONE:
            if self._error is not None:
                continue  # drain: the error is re-raised in the generating thread
            if time.monotonic() > self.deadline:
                self.dropped = True
                continue
            try:
                exchange = _send(self.client, *item)
            except Unreachable as exc:
                if self.client.responds():
                    self.lost.append(exc.message)
                else:
                    self._error = exc
                continue
            except BaseException as exc:  # handed to the generating thread, not swallowed
                self._error = exc
                continue
            if exchange is not None:
                self.exchanges.append(exchange)

    def put(self, operation: spec.Operation, kwargs: dict[str, Any]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((operation, kwargs))

    def close(self) -> None:
        self._queue.put(self._DONE)
        self._thread.join()
        if self._error is not None:
            raise self._error


def fuzz(
    client: RecordingClient,
    classes: Sequence[str],
    budget: Budget,
    seed: int,
    release: spec.Release = spec.WORKING,
    progress: Reporter | None = None,
) -> FuzzOutcome:
    """Send up to `budget.fuzz_examples` generated requests per operation of `release` and mode, within the
    time budget; `progress` hears of each operation and mode as it is generated."""
    progress = progress or Silent()
    deadline = time.monotonic() + budget.fuzz_seconds
    sender = _Sender(_authenticated(client.for_check(FUZZ_CHECK_ID)), deadline)
    operations = operations_for(classes, release)
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    progress.fuzzing(len(operations) * len(modes))
    exhausted = False

    def send(operation: spec.Operation) -> Callable[[Any], None]:
        def one(case: Any) -> None:
            nonlocal exhausted
            if time.monotonic() > deadline:
                exhausted = True
                return
            sender.put(operation, case.as_transport_kwargs(base_url=_BASE))

        return one

    try:
        for index, (operation, generated) in enumerate(operations):
            for mode in modes:
                progress.fuzz_step(f"{operation.operation_id} ({'valid' if mode is modes[0] else 'invalid'})")
                if time.monotonic() > deadline:
                    exhausted = True
                    break
                try:
                    drive(generated.as_strategy(mode), budget.fuzz_examples, seed + index, send(operation))
                except HypothesisException:
                    continue  # nothing to generate in this mode (no parameters, no body)
    finally:
        sender.close()
    return FuzzOutcome(sender.exchanges, len(operations), exhausted or sender.dropped, sender.lost)


def results(outcome: FuzzOutcome) -> list[Result]:
    """CORE-005 (no 5xx for any generated input) and CORE-003 (every fuzzed response as documented).

    A request that got no response at all cannot be judged either way: without a 5xx, that makes
    the CORE-005 result an error naming the requests, as a check that lost its connection is.
    """
    crashes = [x for x in outcome.exchanges if x.status >= 500]
    note = f"{len(outcome.exchanges)} generated requests to {outcome.operations} operations"
    if outcome.budget_exhausted:
        note += " (time budget reached)"
    lost = [f"no response: {message}" for message in outcome.lost]
    if crashes:
        lines = [f"{x.request_line} -> {x.status}" for x in crashes] + lost
        lines = lines[: synthetic.MAX_LISTED]
        first = crashes[0]
        no_crash = synthetic.FUZZ_NO_SERVER_ERROR.result(
            "failed",
            f"{len(crashes)} of {note} got a 5xx: {lines[0]}" + ("\n" + "\n".join(lines[1:]) if len(lines) > 1 else ""),
            Failure(expected="a 2xx or a 4xx problem", actual=lines, exchange=first),
        )
    elif lost:
        no_crash = synthetic.FUZZ_NO_SERVER_ERROR.result(
            "error", itemised(f"{len(lost)} of the generated requests got no response", lost[: synthetic.MAX_LISTED])
        )
    else:
        no_crash = synthetic.FUZZ_NO_SERVER_ERROR.result("passed", note)
    conforming = synthetic.aggregate(synthetic.FUZZ_RESPONSES_MATCH_SPEC, "spec", outcome.exchanges)
    if conforming.status == "passed":
        conforming.message = note
    return [no_crash, conforming]
