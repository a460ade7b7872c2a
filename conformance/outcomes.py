"""How a check ends other than by passing: the exceptions the runner turns into verdicts.

A failure must carry its evidence (what was expected, what came back, the exchange) into the
report, because "FAIL" alone helps no supplier; that is why these are more than bare exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .evidence import Exchange


class CheckFailure(Exception):
    """The server does not do what a requirement says: the check fails.

    `requirement` is the one requirement the failed assertion verifies, in a check that verifies
    several; without it the failure counts against all of the check's requirements. Naming it keeps
    a requirement the product meets from being reported broken because a sibling assertion failed.
    """

    def __init__(
        self,
        message: str,
        expected: Any = None,
        actual: Any = None,
        exchange: Exchange | None = None,
        requirement: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.actual = actual
        self.exchange = exchange
        self.requirement = requirement


class PreconditionFailure(CheckFailure):
    """A request the check only needed as a step (setup, a "nothing changed" probe) did not answer as
    `requirement`, the requirement of that operation, says: the check errors instead of failing.

    Kept apart from `CheckFailure` so that a product with one broken operation is not reported as
    breaking every requirement whose checks happen to use that operation on the way; the report
    groups such errors by their cause instead. In a check that verifies `requirement` itself the
    runner counts it as the failure it is.
    """

    exchange: Exchange  # the request that did not answer as it must: always there
    requirement: str

    def __init__(self, message: str, requirement: str, expected: Any, actual: Any, exchange: Exchange) -> None:
        super().__init__(message, expected, actual, exchange, requirement)


class Skip(Exception):
    """The check does not apply to this server (raise with the reason)."""


def itemised(headline: str, items: Sequence[str]) -> str:
    """A message listing several findings whose first line still says what went wrong.

    Progress lines and JUnit `message` attributes show only the first line, so it names the first
    finding; the others follow, one a line.
    """
    first = f"{headline}: {items[0]}"
    if len(items) == 1:
        return first
    return f"{first} (and {len(items) - 1} more)\n" + "\n".join(items[1:])
