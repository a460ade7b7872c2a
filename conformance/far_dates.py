"""Dates at the ends of the calendar: what a product may answer to them, judged the same way everywhere.

The `date` format (RFC 3339 full-date) allows years 0000 to 9999, and the text lets a server refuse
dates before 1970-01-02 or after 8999-12-30 with 400 where a parameter's description says so (and,
from 1.4.0, the conventions anywhere a date appears). So to
`from=0000-01-01` a product may answer that 400 (validation-error naming the parameter), or a 200
that reads the date as any other, and nothing else: a 5xx is the crash CORE-005 forbids, and a 200
that does not follow from the date is an answer made of garbage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .expect import ensure, expect
from .http import Response

# Dates a server may refuse (the parameter descriptions) that a date parser often cannot read.
YEAR_ZERO = "0000-01-01"
LAST_DAY = "9999-12-31"


def refused_or_read(
    response: Response, refusable: str, normal: Callable[[Any], str | None], requirement: str = "CORE-005"
) -> None:
    """`response` is a 400 validation-error naming `refusable`, or a 200 whose body `normal` finds
    right (it returns what is wrong, or None); anything else fails `requirement`."""
    expect(response, requirement).status(400, 200)
    if response.status_code == 400:
        expect(response, requirement).problem(400, "validation-error").names_parameter(refusable)
        return
    wrong = normal(expect(response, requirement).json())
    ensure(
        wrong is None,
        f"{response.exchange.request_line}: a date at the end of the calendar was neither refused nor read "
        f"as a date: {wrong}",
        expected=f"400 naming {refusable}, or 200 reading the date as any other",
        actual=wrong,
        response=response,
        requirement=requirement,
    )
