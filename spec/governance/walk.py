"""Views over any OpenAPI 3.x document: operations, parameters, media types, headers, schemas.

Lint rules and the docs site ask the same questions of a document ("every operation with its
parameters", "every schema with its pointer"); answering them once here keeps each rule a few lines
long. Walks follow the OpenAPI structure, never the values inside examples, so an example that
happens to hold a key named `schema` is not mistaken for one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from spec.governance.loader import Document
from spec.governance.pointer import join

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Keywords whose value is one subschema, a list of them, or a map of them.
_ONE = (
    "items",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path | query | header | cookie
    node: dict[str, Any]  # the resolved parameter object
    pointer: str  # where it is defined (a component, or inline)


@dataclass(frozen=True)
class Operation:
    path: str
    method: str  # lower case, as in the document
    node: dict[str, Any]
    pointer: str
    parameters: tuple[Parameter, ...]  # path-level and operation-level, operation-level winning
    security: tuple[dict[str, list[str]], ...] | None  # effective requirements; None: none declared anywhere

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def responses(self, document: Document) -> Iterator[tuple[str, dict[str, Any], str]]:
        """(status, resolved response, pointer of its definition)."""
        for status, response in (self.node.get("responses") or {}).items():
            resolved, at = document.resolve_with_pointer(response, join(self.pointer, "responses", status))
            if isinstance(resolved, dict):
                yield str(status), resolved, at

    def request_body(self, document: Document) -> tuple[dict[str, Any], str] | None:
        if "requestBody" not in self.node:
            return None
        body, at = document.resolve_with_pointer(self.node["requestBody"], join(self.pointer, "requestBody"))
        return (body, at) if isinstance(body, dict) else None


def path_items(document: Document) -> Iterator[tuple[str, dict[str, Any], str]]:
    for section in ("paths", "webhooks"):
        for name, item in (document.root.get(section) or {}).items():
            resolved, at = document.resolve_with_pointer(item, join("#", section, name))
            if isinstance(resolved, dict):
                yield name, resolved, at


def operations(document: Document) -> list[Operation]:
    """Every operation under `paths` (webhooks are calls the API makes, not ones it serves)."""
    found = []
    root_security = document.root.get("security")
    for path, item in (document.root.get("paths") or {}).items():
        item, item_at = document.resolve_with_pointer(item, join("#/paths", path))
        if not isinstance(item, dict):
            continue
        shared = _parameters(document, item.get("parameters") or [], join(item_at, "parameters"))
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            at = join(item_at, method)
            merged = {(p.name, p.location.lower()): p for p in shared}
            merged.update(
                {
                    (p.name, p.location.lower()): p
                    for p in _parameters(document, op.get("parameters") or [], join(at, "parameters"))
                }
            )
            security = op.get("security", root_security)
            found.append(
                Operation(path, method, op, at, tuple(merged.values()), None if security is None else tuple(security))
            )
    return found


def _parameters(document: Document, nodes: list[Any], at: str) -> list[Parameter]:
    out = []
    for i, node in enumerate(nodes):
        resolved, where = document.resolve_with_pointer(node, join(at, i))
        if isinstance(resolved, dict) and "name" in resolved and "in" in resolved:
            out.append(Parameter(str(resolved["name"]), str(resolved["in"]), resolved, where))
    return out


def parameter_objects(document: Document) -> Iterator[tuple[dict[str, Any], str]]:
    """Every parameter object at its definition (inline or component), once."""
    for name, node in _components(document, "parameters"):
        yield node, join("#/components/parameters", name)
    for _, item, at in path_items(document):
        yield from _inline_list(item.get("parameters"), join(at, "parameters"))
        for method in METHODS:
            if isinstance(item.get(method), dict):
                yield from _inline_list(item[method].get("parameters"), join(at, method, "parameters"))


def _inline_list(nodes: Any, at: str) -> Iterator[tuple[dict[str, Any], str]]:
    for i, node in enumerate(nodes or []):
        if isinstance(node, dict) and "$ref" not in node:
            yield node, join(at, i)


def _components(document: Document, kind: str) -> Iterator[tuple[str, Any]]:
    group = (document.root.get("components") or {}).get(kind) or {}
    yield from group.items() if isinstance(group, dict) else ()


def response_objects(document: Document) -> Iterator[tuple[dict[str, Any], str]]:
    for name, node in _components(document, "responses"):
        if isinstance(node, dict) and "$ref" not in node:
            yield node, join("#/components/responses", name)
    for _, item, at in path_items(document):
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                for status, node in (op.get("responses") or {}).items():
                    if isinstance(node, dict) and "$ref" not in node:
                        yield node, join(at, method, "responses", status)


def request_body_objects(document: Document) -> Iterator[tuple[dict[str, Any], str]]:
    for name, node in _components(document, "requestBodies"):
        if isinstance(node, dict) and "$ref" not in node:
            yield node, join("#/components/requestBodies", name)
    for _, item, at in path_items(document):
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict) and isinstance(op.get("requestBody"), dict) and "$ref" not in op["requestBody"]:
                yield op["requestBody"], join(at, method, "requestBody")


def header_objects(document: Document) -> Iterator[tuple[dict[str, Any], str]]:
    for name, node in _components(document, "headers"):
        if isinstance(node, dict) and "$ref" not in node:
            yield node, join("#/components/headers", name)
    for response, at in response_objects(document):
        for name, node in (response.get("headers") or {}).items():
            if isinstance(node, dict) and "$ref" not in node:
                yield node, join(at, "headers", name)


def media_types(document: Document) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(media type, media type object, pointer) in request bodies, responses, parameters and headers."""
    owners = [
        *request_body_objects(document),
        *response_objects(document),
        *parameter_objects(document),
        *header_objects(document),
    ]
    for owner, at in owners:
        for media, node in (owner.get("content") or {}).items():
            if isinstance(node, dict):
                yield media, node, join(at, "content", media)


def schema_roots(document: Document) -> Iterator[tuple[dict[str, Any] | bool, str]]:
    """Every top-level schema at its definition: components, parameters, headers, media types."""
    for name, node in _components(document, "schemas"):
        yield node, join("#/components/schemas", name)
    for owner, at in [*parameter_objects(document), *header_objects(document)]:
        if "schema" in owner:
            yield owner["schema"], join(at, "schema")
    for _, node, at in media_types(document):
        if "schema" in node:
            yield node["schema"], join(at, "schema")


def subschemas(schema: Any, at: str) -> Iterator[tuple[dict[str, Any], str]]:
    """The schema and every schema nested in it (not through `$ref`), each with its pointer."""
    if not isinstance(schema, dict):
        return
    yield schema, at
    for key in _ONE:
        if isinstance(schema.get(key), dict):
            yield from subschemas(schema[key], join(at, key))
    for key in _LIST:
        if isinstance(schema.get(key), list):
            for i, part in enumerate(schema[key]):
                yield from subschemas(part, join(at, key, i))
    for key in _MAP:
        if isinstance(schema.get(key), dict):
            for name, part in schema[key].items():
                yield from subschemas(part, join(at, key, name))


def all_schemas(document: Document) -> Iterator[tuple[dict[str, Any], str]]:
    for root, at in schema_roots(document):
        yield from subschemas(root, at)
