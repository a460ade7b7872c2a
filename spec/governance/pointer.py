"""JSON pointers (RFC 6901) in URI-fragment form, `#/paths/~1facilities/get`.

Every lint finding and every diff change names the exact place it is about with one of these, so
an architect (or an editor plugin) can jump to it.
"""

from __future__ import annotations

from typing import Any


def escape(token: object) -> str:
    text = str(token)
    if "~" in text or "/" in text:
        return text.replace("~", "~0").replace("/", "~1")
    return text


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: object) -> str:
    """`join("#/paths", "/facilities", "get")` → `#/paths/~1facilities/get`."""
    for token in tokens:
        pointer += "/" + escape(token)
    return pointer


def tokens(pointer: str) -> list[str]:
    body = pointer[1:] if pointer.startswith("#") else pointer
    if not body:
        return []
    return [unescape(t) for t in body.lstrip("/").split("/")]


def get(document: Any, pointer: str) -> Any:
    """The node at `pointer`; KeyError/IndexError/TypeError when it does not exist."""
    node = document
    for token in tokens(pointer):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node
