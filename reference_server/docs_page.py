"""GET /docs: a readable reference of the API, rendered from the spec at run time.

Self-contained HTML (no scripts, no CDN), so it works in a sandbox without internet access and can
never drift from the document the server validates against. Only operations this instance serves
are shown (no test interface in production).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

import spec

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_CONSTRAINTS = (
    "format",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "default",
    "const",
)


def type_label(schema: dict[str, Any]) -> str:
    """A short human reading of a schema's type: `Facility`, `array of ActivityTypeId`, `string`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    for combinator, joiner in (("allOf", " & "), ("oneOf", " | "), ("anyOf", " | ")):
        if combinator in schema:
            return joiner.join(type_label(part) for part in schema[combinator])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_label(schema.get('items', {}))}"
    return str(kind)


def constraints(schema: dict[str, Any]) -> list[str]:
    found = [f"{name}: {schema[name]}" for name in _CONSTRAINTS if name in schema]
    if "enum" in schema:
        found.append("one of: " + ", ".join(str(v) for v in schema["enum"]))
    items = schema.get("items")
    if isinstance(items, dict) and "enum" in items:
        found.append("items one of: " + ", ".join(str(v) for v in items["enum"]))
    return found


def _properties(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The properties of a schema and of the inline parts of its allOf, with whether each is required."""
    parts = [schema, *[p for p in schema.get("allOf", []) if "$ref" not in p]]
    rows = []
    for part in parts:
        required = set(part.get("required", []))
        for name, prop in part.get("properties", {}).items():
            rows.append(
                {
                    "name": name,
                    "type": type_label(prop),
                    "required": name in required,
                    "constraints": constraints(prop),
                    "description": prop.get("description", ""),
                }
            )
    return rows


def _operation_view(operation: spec.Operation) -> dict[str, Any]:
    raw = operation.raw
    body = None
    if operation.request_body:
        body = [
            {"media": media, "type": type_label(content.get("schema", {}))}
            for media, content in operation.request_body.get("content", {}).items()
        ]
    return {
        "id": operation.operation_id,
        "method": operation.method,
        "path": operation.path,
        "cls": operation.conformance_class,
        "summary": raw.get("summary", ""),
        "description": raw.get("description", ""),
        "anonymous": operation.anonymous_allowed,
        "parameters": [
            {
                "name": p.name,
                "in": p.location,
                "required": p.required,
                "type": type_label(p.schema),
                "constraints": constraints(spec.resolve(p.schema)),
            }
            for p in operation.parameters
        ],
        "body": body,
        "responses": [
            {
                "code": code,
                "description": response.get("description", ""),
                "types": [
                    f"{media}: {type_label(c.get('schema', {}))}" for media, c in response.get("content", {}).items()
                ],
            }
            for code, response in operation.responses.items()
        ],
    }


def render(operations: Iterable[spec.Operation]) -> str:
    document = spec.openapi()
    served = list(operations)
    tags = [
        {
            "name": tag["name"],
            "description": tag.get("description", ""),
            "operations": [_operation_view(op) for op in served if tag["name"] in op.raw.get("tags", [])],
        }
        for tag in document.get("tags", [])
    ]
    schemas = [
        {
            "name": name,
            "type": type_label(schema),
            "description": schema.get("description", ""),
            "constraints": constraints(schema),
            "properties": _properties(schema),
        }
        for name, schema in document.get("components", {}).get("schemas", {}).items()
    ]
    return _TEMPLATES.get_template("docs.html").render(
        info=document["info"], tags=[t for t in tags if t["operations"]], schemas=schemas
    )
