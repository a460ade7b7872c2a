"""Reading paginated lists the way the standard defines them (CORE-007, CORE-008)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .expect import ensure, expect
from .http import RecordingClient, Response

MAX_PAGES = 200


class Listing(list[dict[str, Any]]):
    """The items of a whole list, with the page responses they came in (evidence for a failure)."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: list[Response] = []


def walk(client: RecordingClient, path: str, params: Mapping[str, Any] | None = None, *, limit: int = 100) -> Listing:
    """Every item of a list, page by page, failing on pages that contradict each other."""
    items = Listing()
    page, total_pages = 1, 1
    while page <= total_pages:
        ensure(page <= MAX_PAGES, f"{path}: more than {MAX_PAGES} pages", expected=MAX_PAGES, actual=page)
        response = client.get(path, params={**(params or {}), "limit": limit, "page": page})
        body = expect(response).status(200).json()
        ensure(
            body.get("page") == page and body.get("limit") == limit,
            f"{path}: page {page} with limit {limit} answered page {body.get('page')} limit {body.get('limit')}",
            expected={"page": page, "limit": limit},
            actual={k: body.get(k) for k in ("page", "limit")},
            response=response,
        )
        total = body.get("totalItems", 0)
        total_pages = body.get("totalPages", 0)
        ensure(
            total_pages == math.ceil(total / limit),
            f"{path}: totalPages {total_pages} does not fit totalItems {total} at limit {limit}",
            expected=math.ceil(total / limit),
            actual=total_pages,
            response=response,
        )
        expected_here = max(0, min(limit, total - (page - 1) * limit))
        ensure(
            len(body.get("items", [])) == expected_here,
            f"{path}: page {page} holds {len(body.get('items', []))} items, expected {expected_here}",
            expected=expected_here,
            actual=len(body.get("items", [])),
            response=response,
        )
        items.extend(body["items"])
        items.responses.append(response)
        page += 1
    return items


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item.get("id")) for item in items]
