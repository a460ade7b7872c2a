"""Assertions that read like the requirement and fail with evidence.

`expect(resp).status(400).problem(type_suffix="validation-error").names_parameter("limit")` states
what the standard demands; when it does not hold, the `CheckFailure` carries the expectation, what
the server actually did and the exchange, so the report can show the request, the response and a
curl command without the check author doing anything.

`expect(resp, "CORE-020").status(401)` names the requirement the assertion verifies, in a check
that verifies several: its failure then counts against that requirement only.

`require(resp, "DISC-001").status(200)` is the same assertion on a request the check only needs on
the way (setup, a "nothing changed" probe): it names the requirement of that operation, and when
it does not hold the check errors with that cause rather than failing its own requirements.
"""

from __future__ import annotations

import re
from typing import Any, Self

import spec

from .http import Response
from .outcomes import CheckFailure, PreconditionFailure

_PRESENT = object()


class Expectation:
    """Fluent assertions on one response; each method returns self so they chain."""

    def __init__(self, response: Response, requirement: str | None = None, *, precondition: bool = False) -> None:
        self.response = response
        self.requirement = requirement  # what the assertions verify (for a precondition: the operation's)
        self.precondition = precondition

    def _fail(self, message: str, expected: Any, actual: Any) -> CheckFailure:
        exchange = self.response.exchange
        text = f"{exchange.request_line}: {message}"
        if not self.precondition or self.requirement is None:
            return CheckFailure(text, expected, actual, exchange, self.requirement)
        return PreconditionFailure(
            f"precondition ({self.requirement}) not met: {text}", self.requirement, expected, actual, exchange
        )

    def status(self, *allowed: int) -> Self:
        """The HTTP status is one of `allowed`."""
        if not allowed:
            raise TypeError("status() needs at least one allowed status")
        actual = self.response.status_code
        if actual not in allowed:
            wanted = " or ".join(str(s) for s in allowed)
            raise self._fail(
                f"expected status {wanted}, got {actual}", allowed[0] if len(allowed) == 1 else wanted, actual
            )
        return self

    def json(self) -> Any:
        """The parsed body; a body that is not JSON fails the check."""
        try:
            return self.response.json()
        except ValueError:
            raise self._fail("expected a JSON body", "JSON", self.response.text[:200]) from None

    def problem(self, status: int | None = None, type_suffix: str | None = None) -> Self:
        """An RFC 9457 problem: problem+json, type/title/status/detail, `status` equal to the HTTP status.

        `type_suffix` is the problem code: `urn:bob:problem:not-found` ends with ':not-found'
        (a URL-style type ending in '/not-found' is accepted too).
        """
        if status is not None:
            self.status(status)
        if self.response.media_type != spec.PROBLEM_JSON:
            received = self.response.media_type or "no content type"
            raise self._fail(f"expected content type {spec.PROBLEM_JSON}, got {received}", spec.PROBLEM_JSON, received)
        body = self.json()
        if not isinstance(body, dict):
            raise self._fail("expected a problem object", "object", type(body).__name__)
        missing = [m for m in ("type", "title", "status", "detail") if m not in body]
        if missing:
            raise self._fail(f"problem lacks {', '.join(missing)}", ["type", "title", "status", "detail"], sorted(body))
        if body["status"] != self.response.status_code:
            raise self._fail("problem status differs from the HTTP status", self.response.status_code, body["status"])
        if type_suffix is not None:
            ptype = str(body["type"])
            if not (ptype.endswith(":" + type_suffix) or ptype.endswith("/" + type_suffix)):
                raise self._fail(f"expected problem type …:{type_suffix}", f"…:{type_suffix}", ptype)
        return self

    def names_parameter(self, name: str) -> Self:
        """The problem says which parameter or field is wrong: in `errors[]` (name/pointer) or `detail`."""
        body = self.json()
        word = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
        mentions: list[str] = []
        if isinstance(body, dict):
            for item in body.get("errors") or []:
                if isinstance(item, dict):
                    mentions += [str(item[k]) for k in ("name", "pointer") if k in item]
            if "detail" in body:
                mentions.append(str(body["detail"]))
        if not any(word.search(m) for m in mentions):
            raise self._fail(f"the problem does not name {name!r}", name, mentions)
        return self

    def field(self, path: str, value: Any = _PRESENT) -> Self:
        """The body has `path` (dotted, list indexes as numbers: `items.0.id`), equal to `value` if given."""
        node: Any = self.json()
        for part in path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise self._fail(f"field {path} is missing", path if value is _PRESENT else value, None)
        if value is not _PRESENT and node != value:
            raise self._fail(f"field {path} is {node!r}, expected {value!r}", value, node)
        return self

    def holds(self, condition: bool, message: str, *, expected: Any = None, actual: Any = None) -> Self:
        """A free-form condition on this response (its pages agree, a member has the right shape)."""
        if not condition:
            raise self._fail(message, expected, actual)
        return self

    def header(self, name: str, *, equals: str | None = None, startswith: str | None = None) -> Self:
        """The response has header `name`, optionally with an exact value or a prefix."""
        actual = self.response.headers.get(name)
        if actual is None:
            raise self._fail(f"header {name} is missing", equals or startswith or name, None)
        if equals is not None and actual != equals:
            raise self._fail(f"header {name} is {actual!r}", equals, actual)
        if startswith is not None and not actual.startswith(startswith):
            raise self._fail(f"header {name} does not start with {startswith!r}", startswith, actual)
        return self


def expect(response: Response, requirement: str | None = None) -> Expectation:
    """Assertions on a response the check is about: what does not hold fails the check (on
    `requirement` alone when given, else on all the check's requirements)."""
    return Expectation(response, requirement)


def require(response: Response, requirement: str) -> Expectation:
    """Assertions on a response the check only needs on the way, to an operation of `requirement`:
    what does not hold makes the check an error caused by that operation (`PreconditionFailure`)."""
    return Expectation(response, requirement, precondition=True)


def forbidden(response: Response, requirement: str) -> None:
    """403 where `requirement` refuses this caller; that the refusal is a `forbidden` problem is
    CORE-011's, so a server that refuses rightly but in the wrong form fails CORE-011 alone."""
    expect(response, requirement).status(403)
    expect(response, "CORE-011").problem(status=403, type_suffix="forbidden")


def ensure(
    condition: bool,
    message: str,
    *,
    expected: Any = None,
    actual: Any = None,
    response: Response | None = None,
    requirement: str | None = None,
) -> None:
    """A free-form assertion; pass the response it is about so the report can show it, and the
    requirement it verifies when the check verifies several."""
    if not condition:
        raise CheckFailure(message, expected, actual, response.exchange if response else None, requirement)


def ensure_status(response: Response, status: int, message: str, requirement: str | None = None) -> Expectation:
    """`ensure` of the status, failing in the check's own words (who was let do what) rather than
    with the bare status line; chain `.problem(...)` to hold the refusal's body to the standard too."""
    actual = response.status_code
    ensure(actual == status, message, expected=status, actual=actual, response=response, requirement=requirement)
    return expect(response, requirement)
