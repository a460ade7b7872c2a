"""Reading paginated lists the way the standard defines them (CORE-007, CORE-008)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .expect import Expectation, ensure, expect, require
from .http import RecordingClient, Response

MAX_PAGES = 200


class Listing(list[dict[str, Any]]):
    """The items of a whole list, with the page responses they came in (evidence for a failure)."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: list[Response] = []


def walk(
    client: RecordingClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int = 100,
    precondition: str | None = None,
    requirement: str | None = None,
) -> Listing:
    """Every item of a list, page by page, failing on pages that contradict each other.

    `precondition` is the requirement of the list when the check reads it only on the way (a
    "nothing changed" probe, data to work on): a list that cannot be read is then the check's
    error with that cause, not a failure of what the check verifies. `requirement` is the one the
    walk verifies, in a check that verifies several.
    """
    items = Listing()
    page, total_pages = 1, 1
    while page <= total_pages:
        ensure(page <= MAX_PAGES, f"{path}: more than {MAX_PAGES} pages", expected=MAX_PAGES, actual=page)
        response = client.get(path, params={**(params or {}), "limit": limit, "page": page})
        answer = _assertions(response, precondition, requirement).status(200)
        body = answer.json()
        answer.holds(
            body.get("page") == page and body.get("limit") == limit,
            f"page {page} with limit {limit} answered page {body.get('page')} limit {body.get('limit')}",
            expected={"page": page, "limit": limit},
            actual={k: body.get(k) for k in ("page", "limit")},
        )
        total = body.get("totalItems", 0)
        total_pages = body.get("totalPages", 0)
        answer.holds(
            total_pages == math.ceil(total / limit),
            f"totalPages {total_pages} does not fit totalItems {total} at limit {limit}",
            expected=math.ceil(total / limit),
            actual=total_pages,
        )
        expected_here = max(0, min(limit, total - (page - 1) * limit))
        answer.holds(
            len(body.get("items", [])) == expected_here,
            f"page {page} holds {len(body.get('items', []))} items, expected {expected_here}",
            expected=expected_here,
            actual=len(body.get("items", [])),
        )
        items.extend(body["items"])
        items.responses.append(response)
        page += 1
    return items


def total_items(client: RecordingClient, path: str, *, precondition: str) -> int:
    """`totalItems` of the list at `path`, read on the way: a precondition of `precondition`, the
    list's requirement (a "nothing changed" probe; a control that the unfiltered list answers)."""
    response = client.get(path, params={"limit": 1})
    answer = require(response, precondition).status(200).field("totalItems")
    total = answer.json()["totalItems"]
    answer.holds(isinstance(total, int), "totalItems is not a number", expected="an integer", actual=total)
    return int(total)


def _assertions(response: Response, precondition: str | None, requirement: str | None) -> Expectation:
    return expect(response, requirement) if precondition is None else require(response, precondition)


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item.get("id")) for item in items]
