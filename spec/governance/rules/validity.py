"""Is it OpenAPI 3.1 at all? Structure, JSON Schema, references and path parameters.

Validated natively with jsonschema-rs against the OpenAPI 3.1 meta-schema that
openapi-spec-validator ships (the same source of truth, about fifty times faster on large documents;
docs/benchmarks.md measures both), plus the semantic checks openapi-spec-validator adds on top.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from spec.governance import pointer
from spec.governance.lint import Issue, LintContext, rule

_TEMPLATE_PARAM = re.compile(r"\{([^}]+)\}")
_VALUE_KEYS = frozenset({"example", "default", "const", "enum", "value"})


@cache
def _oas31_validator() -> Any:
    # Located without importing openapi_spec_validator, whose import alone takes half a second.
    found = importlib.util.find_spec("openapi_spec_validator")
    if found is None or found.origin is None:
        raise RuntimeError("openapi-spec-validator is not installed; it ships the OpenAPI 3.1 meta-schema")
    path = Path(found.origin).parent / "resources" / "schemas" / "v3.1" / "schema.json"
    return jsonschema_rs.validator_for(json.loads(path.read_text(encoding="utf-8")))


@cache
def _json_schema_validator() -> Any:
    dialect = "https://json-schema.org/draft/2020-12/schema"
    return jsonschema_rs.validator_for({"$schema": dialect, "$ref": dialect})


@rule("oas3-schema", "error", "The document is valid OpenAPI 3.1 (openapi: 3.1.x and the 3.1 meta-schema).")
def oas3_schema(ctx: LintContext) -> Iterator[Issue]:
    if not str(ctx.root.get("openapi", "")).startswith("3.1"):
        yield (
            "#/openapi",
            f"`openapi` is {ctx.root.get('openapi')!r}; BoB documents are OpenAPI 3.1: write `openapi: 3.1.0`.",
        )
        return
    for error in _oas31_validator().iter_errors(ctx.root):
        at = pointer.join("#", *error.instance_path)
        yield at, f"not valid OpenAPI 3.1 here: {error.message}. Fix the object to match the OpenAPI 3.1 specification."


@rule("oas3-json-schema", "error", "Every Schema Object is valid JSON Schema 2020-12.")
def oas3_json_schema(ctx: LintContext) -> Iterator[Issue]:
    from spec.governance import walk

    validator = _json_schema_validator()
    for schema, at in walk.schema_roots(ctx.document):
        for error in validator.iter_errors(schema):
            yield pointer.join(at, *error.instance_path), f"not valid JSON Schema 2020-12: {error.message}."


@rule("oas3-unresolved-ref", "error", "Every `$ref` points at something that exists.")
def unresolved_ref(ctx: LintContext) -> Iterator[Issue]:
    for at, ref in _refs(ctx.root, "#"):
        if not ref.startswith("#"):
            yield at, f"`$ref: {ref}` was not bundled: load the document from its file so relative references resolve."
            continue
        try:
            pointer.get(ctx.root, ref)
        except (KeyError, IndexError, TypeError, ValueError):
            yield at, f"`$ref: {ref}` points at nothing; correct the pointer or define the target."


def _refs(node: Any, at: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield pointer.join(at, "$ref"), node["$ref"]
        for key, value in node.items():
            # Values (examples, defaults) are data, not OpenAPI; `examples` is a map of Example Objects
            # at a media type or parameter, but a list of values in a schema.
            if key not in _VALUE_KEYS and not (key == "examples" and isinstance(value, list)):
                yield from _refs(value, pointer.join(at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, pointer.join(at, i))


@rule(
    "path-params-declared", "error", "Each `{name}` in a path is a declared, required path parameter, and vice versa."
)
def path_params_declared(ctx: LintContext) -> Iterator[Issue]:
    for op in ctx.operations:
        in_template = _TEMPLATE_PARAM.findall(op.path)
        declared = {p.name: p for p in op.parameters if p.location == "path"}
        for name in in_template:
            if name not in declared:
                yield (
                    op.pointer,
                    f"`{{{name}}}` in {op.path} is not declared: add a parameter `{name}` with `in: path`.",
                )
        for name, param in declared.items():
            if name not in in_template:
                yield param.pointer, f"path parameter `{name}` does not occur in {op.path}: remove it or add it."
            elif param.node.get("required") is not True:
                yield param.pointer, f"path parameter `{name}` must say `required: true`."


@rule("parameter-unique", "error", "No parameter (name and location) is declared twice in the same list.")
def parameter_unique(ctx: LintContext) -> Iterator[Issue]:
    from spec.governance import walk

    for _, item, at in walk.path_items(ctx.document):
        lists = [(item.get("parameters"), pointer.join(at, "parameters"))]
        lists += [
            (item[m].get("parameters"), pointer.join(at, m, "parameters"))
            for m in walk.METHODS
            if isinstance(item.get(m), dict)
        ]
        for params, list_at in lists:
            seen: set[tuple[str, str]] = set()
            for i, node in enumerate(params or []):
                param = ctx.resolve(node)
                if not isinstance(param, dict):
                    continue
                location = str(param.get("in"))
                name = str(param.get("name"))
                key = (name.lower() if location == "header" else name, location)
                if key in seen:
                    yield pointer.join(list_at, i), f"parameter `{name}` in {location} is declared twice; keep one."
                seen.add(key)
