"""What a check gets to work with: clients per identity, the sandbox's test interface, seeded randomness.

Checks should read like the flow a supplier must support, so the context hides the plumbing: it
mints and caches tokens for personas, seeds each check's randomness from the run seed and the
check id (a check reproduces on its own, whatever ran before it), shares set-up data between
checks until someone resets the sandbox, and puts the server clock back when a check moved it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import spec

from .config import Callback
from .evidence import Exchange
from .expect import require
from .http import Credential, RecordingClient, Response
from .outcomes import CheckFailure, itemised
from .synthetic import NO_PERSONAL_DATA_TO_ANONYMOUS, RESPONSES_MATCH_SPEC
from .webhook_receiver import Receiver

T = TypeVar("T")


class Shared(dict[str, Any]):
    """Data set up once per run and reused by several checks; emptied when the sandbox is reset."""

    def get_or_create(self, key: str, factory: Callable[[], T]) -> T:
        if key not in self:
            self[key] = factory()
        value: T = self[key]
        return value


@dataclass
class RunState:
    """What the checks of one run share: the client, the seed, set-up data, minted tokens.

    It watches every exchange so that it stays true to the sandbox however a check talks to it
    (through `ctx.test` or by a plain request, as the test-interface checks do): a reset forgets
    shared data and tokens, and any clock change drops tokens, whose expiry the server counts on
    its clock, and is remembered so the runner can put the clock back after the check.
    """

    client: RecordingClient
    seed: int
    release: spec.Release = spec.WORKING  # the version of the standard the run certifies against
    cors_origin: str | None = None  # an origin the server lets browser apps call from (CORE-030)
    callback: Callback = field(default_factory=Callback)  # how webhook deliveries reach the receiver
    receiver: Receiver | None = None  # the run's webhook receiver, once a check has needed it
    shared: Shared = field(default_factory=Shared)
    tokens: dict[str, Credential] = field(default_factory=dict)
    clock_moved: bool = False

    def __post_init__(self) -> None:
        self.client.recorder.observers.append(self._observe)

    def _observe(self, exchange: Exchange) -> None:
        if not 200 <= exchange.status < 300:
            return
        target = (exchange.method, exchange.url.removeprefix(self.client.api_root))
        if target == ("POST", "/test/reset"):
            self.shared.clear()
            self.tokens.clear()
            self.clock_moved = False
        elif target in (("PUT", "/test/clock"), ("DELETE", "/test/clock")):
            self.tokens.clear()
            self.clock_moved = target[0] == "PUT"


@dataclass(frozen=True)
class Clock:
    now: datetime
    frozen: bool


# The requirement of each test-interface operation the harness uses to prepare a check.
RESET, FIXTURES, CLOCK, TOKENS = "TEST-001", "TEST-002", "TEST-004", "TEST-005"


def _member(response: Response, status: int, member: str, requirement: str) -> Any:
    """`member` of a test-interface answer the check needs on the way (a precondition)."""
    return require(response, requirement).status(status).field(member).json()[member]


class TestInterface:
    """The sandbox's test interface (class `test-interface`), which the harness needs for its data."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, ctx: CheckContext) -> None:
        self._ctx = ctx

    def reset(self) -> None:
        """POST /test/reset: all data gone, clock real. Shared data and tokens are forgotten with it."""
        require(self._ctx.anonymous.post("/test/reset"), RESET).status(204)

    def fixtures(self, body: Mapping[str, Any]) -> dict[str, str]:
        """POST /test/fixtures: create persons, organisations, facilities; the server's id per ref."""
        response = self._ctx.anonymous.post("/test/fixtures", json=body)
        ids = _member(response, 201, "ids", FIXTURES)
        require(response, FIXTURES).holds(
            isinstance(ids, dict), "ids is not an object", expected="{ref: id}", actual=ids
        )
        return {str(ref): str(id_) for ref, id_ in ids.items()}

    def set_clock(self, now: datetime, frozen: bool = False) -> Clock:
        """PUT /test/clock. Cached tokens are dropped: their expiry was counted on the old clock."""
        if now.tzinfo is None:
            raise ValueError("set_clock needs an aware datetime")
        iso = now.astimezone(UTC).isoformat().replace("+00:00", "Z")
        response = self._ctx.anonymous.put("/test/clock", json={"now": iso, "frozen": frozen})
        return self._parse_clock(response, 200)

    def clock(self) -> Clock:
        """GET /test/clock."""
        return self._parse_clock(self._ctx.anonymous.get("/test/clock"), 200)

    def reset_clock(self) -> None:
        """DELETE /test/clock: back to real time."""
        require(self._ctx.anonymous.delete("/test/clock"), CLOCK).status(204)

    @staticmethod
    def _parse_clock(response: Response, status: int) -> Clock:
        answer = require(response, CLOCK).status(status)
        body = answer.json()
        try:
            clock = Clock(now=datetime.fromisoformat(body["now"]), frozen=bool(body["frozen"]))
        except (KeyError, TypeError, ValueError):
            clock = None
        answer.holds(clock is not None, "not a clock", expected="{now, frozen}", actual=body)
        assert clock is not None  # holds() raised otherwise
        return clock


class CheckContext:
    """Everything one check may use; created fresh for each check by the runner."""

    def __init__(self, run: RunState, check_id: str) -> None:
        self.run = run
        self.check_id = check_id
        self.client = run.client.for_check(check_id)
        self.random = random.Random(f"{run.seed}:{check_id}")
        self.shared = run.shared
        self.test = TestInterface(self)
        self._first_exchange = len(run.client.recorder.exchanges)

    @property
    def release(self) -> spec.Release:
        """The version of the standard the run certifies against: what a check expects (taxonomy,
        operations, schemas) comes from it, not from the working spec."""
        return self.run.release

    def settled(self, reading: str) -> bool:
        """Whether the release certified against settles `reading` (see `spec.settled_readings`):
        where it does not, the check accepts every reading that release's text allowed."""
        return reading in spec.settled_readings(self.release)

    def seeded(self, label: str) -> random.Random:
        """Randomness that depends only on the run seed and `label`: for data several checks share,
        so it is the same whichever check happens to create it first."""
        return random.Random(f"{self.run.seed}:{label}")

    @property
    def anonymous(self) -> RecordingClient:
        """The client without credentials (the same as `client`, named for what a call site means)."""
        return self.client

    def as_token(self, token: str) -> RecordingClient:
        """A client presenting this exact token (crafted, expired, foreign: whatever the check needs)."""
        return self.client.with_credential(Credential(token))

    def as_persona(self, persona: str, **claims: Any) -> RecordingClient:
        """A client with a token for `persona` from POST /test/tokens.

        `as_persona("citizen", personId=pid)`: claims are passed as the token request names them.
        Tokens are cached per persona and claims for the run, until the test clock or the sandbox
        is reset through this context.
        """
        token_request = {"persona": persona, **claims}
        key = json.dumps(token_request, sort_keys=True)
        credential = self.run.tokens.get(key)
        if credential is None:
            response = self.anonymous.post("/test/tokens", json=token_request)
            token = _member(response, 201, "accessToken", TOKENS)
            require(response, TOKENS).holds(
                isinstance(token, str) and bool(token), "accessToken is not a string", expected="a token", actual=token
            )
            credential = Credential(token, token_request)
            self.run.tokens[key] = credential
        return self.client.with_credential(credential)

    def webhook_receiver(self) -> Receiver:
        """The run's webhook receiver, started when the first check needs it and stopped with the run."""
        if self.run.receiver is None:
            address = self.run.callback.address()
            try:
                self.run.receiver = Receiver(address, self.run.callback.url)
            except OSError as exc:
                raise RuntimeError(f"the webhook receiver cannot listen on {address[0]}:{address[1]}: {exc}") from exc
        return self.run.receiver

    @property
    def exchanges(self) -> list[Exchange]:
        """The exchanges this check has made so far."""
        return self.run.client.recorder.exchanges[self._first_exchange :]

    def restore_clock(self) -> None:
        """Put the server clock back to real time if this check moved it (the next check expects it)."""
        if self.run.clock_moved:
            self.test.reset_clock()

    def finish(self) -> None:
        """End of a check that ran through: fail it on any spec or privacy violation of its responses.

        Such a failure is filed under the requirement the response broke (CORE-003 for a response
        the spec does not document, CORE-016 for personal data), not under the check's own."""
        violations = [(x, v) for x in self.exchanges for v in x.violations]
        if violations:
            lines = [f"{x.request_line} -> {x.status}: {v.message}" for x, v in violations]
            first = violations[0][1]
            judge = RESPONSES_MATCH_SPEC if first.kind == "spec" else NO_PERSONAL_DATA_TO_ANONYMOUS
            raise CheckFailure(
                itemised("a response breaks the standard", lines),
                expected="responses as the standard documents them",
                actual=lines,
                exchange=violations[0][0],
                requirement=judge.requirement,
            )
