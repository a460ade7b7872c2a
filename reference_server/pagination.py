"""Page-number pagination: `{items, page, limit, totalItems, totalPages}`.

Every list is fully ordered before it is cut into pages, so walking the pages yields each item
exactly once. A page beyond the end is not an error: it is empty and still tells the totals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from starlette.responses import Response

from reference_server import problems
from reference_server.routing import Call, json_response
from reference_server.settings import Settings

T = TypeVar("T")


def page_body(
    items: Sequence[T], render: Callable[[T], dict[str, Any]], *, limit: int, page: int, settings: Settings
) -> dict[str, Any]:
    size = limit
    if settings.fault_active("pagination-ignores-limit"):
        size = 50  # a page size hard-coded in the supplier's data layer
    start = (page - 1) * size
    if page > 1 and settings.fault_active("pagination-repeats-items"):
        start -= 1  # off by one: each page re-reads the previous page's last item
    total = len(items)
    if page > 1 and start >= total and settings.fault_active("page-beyond-last-refused"):
        raise problems.validation_error(
            [problems.FieldError("query", f"page {page} is beyond the last page", name="page")]
        )
    return {
        "items": [render(item) for item in items[start : start + size]],
        "page": page,
        "limit": limit,
        "totalItems": total,
        "totalPages": -(-total // limit),
    }


def page_response(call: Call, items: Sequence[T], render: Callable[[T], dict[str, Any]]) -> Response:
    """The page of `items` the call's `limit` and `page` ask for: every list operation answers so."""
    return json_response(
        page_body(items, render, limit=call.query["limit"], page=call.query["page"], settings=call.settings)
    )
