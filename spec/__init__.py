"""The BoB standard as data, and the one reader of it.

The reference server and the certification harness never import each other; both learn the
standard from here. Nothing in this package restates the spec: it only loads the files beside it
and offers views on them (operations, schemas ready for validation, the requirements catalogue).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

SPEC_ROOT = Path(__file__).parent
DEFAULT_MAJOR = "v1"
PROBLEM_JSON = "application/problem+json"


def _load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@cache
def openapi(major: str = DEFAULT_MAJOR) -> dict[str, Any]:
    """The OpenAPI document of one major version."""
    return _load_yaml(SPEC_ROOT / major / "openapi.yaml")


@cache
def requirements(major: str = DEFAULT_MAJOR) -> tuple[dict[str, Any], ...]:
    """The requirements catalogue: each entry has id, class, level, text (sv, en) and optionally
    onlyWith (classes it also presupposes)."""
    return tuple(_load_yaml(SPEC_ROOT / major / "requirements.yaml")["requirements"])


@cache
def requirement_ids(major: str = DEFAULT_MAJOR) -> frozenset[str]:
    return frozenset(r["id"] for r in requirements(major))


@cache
def conformance(major: str = DEFAULT_MAJOR) -> dict[str, Any]:
    """Conformance classes and the profiles that group them (`classes`, `profiles`)."""
    return _load_yaml(SPEC_ROOT / major / "conformance.yaml")


def class_ids(major: str = DEFAULT_MAJOR) -> list[str]:
    return [c["id"] for c in conformance(major)["classes"]]


def profile(name: str, major: str = DEFAULT_MAJOR) -> dict[str, Any] | None:
    return next((p for p in conformance(major)["profiles"] if p["id"] == name), None)


@cache
def activity_types(major: str = DEFAULT_MAJOR) -> tuple[dict[str, Any], ...]:
    """The standard activity-type taxonomy in the file's order: {id, parentId, name: {sv, en}}."""
    return tuple(_load_yaml(SPEC_ROOT / major / "activity-types.yaml")["activityTypes"])


@cache
def narrower_or_same(type_id: str, major: str = DEFAULT_MAJOR) -> frozenset[str]:
    """The type and every type below it, however deep: a search for a broad type finds these."""
    children: dict[str, list[str]] = {}
    for t in activity_types(major):
        if t["parentId"] is not None:
            children.setdefault(t["parentId"], []).append(t["id"])
    found: set[str] = set()
    todo = [type_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return frozenset(found)


def version(major: str = DEFAULT_MAJOR) -> str:
    """`info.version` of the document: the semantic version of the standard."""
    return str(openapi(major)["info"]["version"])


@cache
def digest(major: str = DEFAULT_MAJOR) -> str:
    """sha256 over the files that make up one major version, so a run can pin what it tested."""
    h = hashlib.sha256()
    for path in sorted((SPEC_ROOT / major).rglob("*")):
        if path.is_file():
            h.update(path.relative_to(SPEC_ROOT).as_posix().encode())
            h.update(b"\0")
            h.update(path.read_bytes())
    return "sha256:" + h.hexdigest()


def spec_file(major: str = DEFAULT_MAJOR) -> Path:
    return SPEC_ROOT / major / "openapi.yaml"


# ---------------------------------------------------------------------------------------------
# Operations


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path | query | header
    required: bool
    schema: dict[str, Any]
    explode: bool = True


@dataclass(frozen=True)
class Operation:
    """One method on one path template, with everything needed to validate traffic for it."""

    operation_id: str
    method: str
    path: str  # template relative to the API root, e.g. /facilities/{facilityId}
    conformance_class: str
    parameters: tuple[Parameter, ...]
    request_body: dict[str, Any] | None
    responses: dict[str, dict[str, Any]]
    security: tuple[dict[str, list[str]], ...]
    raw: dict[str, Any] = field(repr=False, hash=False, compare=False)

    @property
    def anonymous_allowed(self) -> bool:
        return not self.security or any(not req for req in self.security)

    @property
    def only_with(self) -> tuple[str, ...]:
        """Classes the operation presupposes besides its own (`x-only-with`): a server implements
        it as part of its class only when it implements these too."""
        return tuple(self.raw.get("x-only-with", ()))

    def request_media_types(self) -> list[str]:
        return list((self.request_body or {}).get("content", {}))

    def response_spec(self, status: int) -> dict[str, Any] | None:
        """The documented response for a status: exact code, then `4XX`-style range, then default."""
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return self.responses[key]
        return None


def _pointer(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def resolve(node: Any, major: str = DEFAULT_MAJOR) -> Any:
    """Follow local `$ref`s (parameters, responses, request bodies, headers) to their target."""
    doc = openapi(major)
    while isinstance(node, dict) and "$ref" in node:
        node = _pointer(doc, node["$ref"])
    return node


@cache
def operations(major: str = DEFAULT_MAJOR) -> tuple[Operation, ...]:
    doc = openapi(major)
    ops: list[Operation] = []
    for path, item in doc.get("paths", {}).items():
        shared = [resolve(p, major) for p in item.get("parameters", [])]
        for method in ("get", "put", "post", "delete", "patch"):
            raw = item.get(method)
            if raw is None:
                continue
            params = {(p["name"], p["in"]): p for p in shared}
            params.update({(p["name"], p["in"]): p for p in (resolve(p, major) for p in raw.get("parameters", []))})
            responses = {code: resolve(resp, major) for code, resp in raw.get("responses", {}).items()}
            body = resolve(raw["requestBody"], major) if "requestBody" in raw else None
            ops.append(
                Operation(
                    operation_id=raw["operationId"],
                    method=method.upper(),
                    path=path,
                    conformance_class=raw.get("x-conformance-class", "core"),
                    parameters=tuple(
                        Parameter(
                            name=p["name"],
                            location=p["in"],
                            required=bool(p.get("required", p["in"] == "path")),
                            schema=p.get("schema", {}),
                            explode=bool(p.get("explode", p.get("style", "form") == "form")),
                        )
                        for p in params.values()
                    ),
                    request_body=body,
                    responses=responses,
                    security=tuple(raw.get("security", doc.get("security", []))),
                    raw=raw,
                )
            )
    return tuple(ops)


def operation(operation_id: str, major: str = DEFAULT_MAJOR) -> Operation:
    for op in operations(major):
        if op.operation_id == operation_id:
            return op
    raise KeyError(operation_id)


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


@cache
def _routes(major: str) -> tuple[tuple[re.Pattern[str], int, str], ...]:
    # Literal segments win over templated ones (/facilities/search before /facilities/{id}).
    seen: dict[str, tuple[re.Pattern[str], int, str]] = {}
    for op in operations(major):
        seen.setdefault(op.path, (_template_regex(op.path), op.path.count("{"), op.path))
    return tuple(sorted(seen.values(), key=lambda r: (r[1], r[2])))


def match_path(path: str, major: str = DEFAULT_MAJOR) -> tuple[str, dict[str, str]] | None:
    """The path template a concrete path (relative to the API root) belongs to, with its parameters."""
    for regex, _, template in _routes(major):
        m = regex.match(path)
        if m:
            return template, m.groupdict()
    return None


def find_operation(method: str, path: str, major: str = DEFAULT_MAJOR) -> tuple[Operation, dict[str, str]] | None:
    found = match_path(path, major)
    if found is None:
        return None
    template, params = found
    for op in operations(major):
        if op.path == template and op.method == method.upper():
            return op, params
    return None


def methods_for(template: str, major: str = DEFAULT_MAJOR) -> list[str]:
    return [op.method for op in operations(major) if op.path == template]


def iter_examples(major: str = DEFAULT_MAJOR) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Every example in the document as (JSON pointer, schema, value)."""
    doc = openapi(major)

    def walk(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
        if isinstance(node, dict):
            schema = node.get("schema")
            if isinstance(schema, dict):
                if "example" in node:
                    yield f"{pointer}/example", schema, node["example"]
                for name, ex in (node.get("examples") or {}).items():
                    ex = resolve(ex, major)
                    if "value" in ex:
                        yield f"{pointer}/examples/{name}", schema, ex["value"]
            for key, value in node.items():
                if key in ("example", "examples") and isinstance(schema, dict):
                    continue
                yield from walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{pointer}/{i}")

    yield from walk(doc.get("paths", {}), "#/paths")
    yield from walk(doc.get("components", {}), "#/components")
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        for i, value in enumerate(schema.get("examples", [])):
            yield f"#/components/schemas/{name}/examples/{i}", {"$ref": f"#/components/schemas/{name}"}, value


# ---------------------------------------------------------------------------------------------
# Schemas


@cache
def _bundled_defs(major: str) -> dict[str, Any]:
    defs = openapi(major).get("components", {}).get("schemas", {})
    return {name: bundle_node(schema) for name, schema in defs.items()}


def bundle_node(node: Any) -> Any:
    """Rewrite component refs to `$defs` so a schema plus `_bundled_defs` is self-contained."""
    if isinstance(node, dict):
        out = {k: bundle_node(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            out["$ref"] = "#/$defs/" + ref.rsplit("/", 1)[1]
        return out
    if isinstance(node, list):
        return [bundle_node(v) for v in node]
    return node


_validators: dict[tuple[str, int], tuple[dict[str, Any], Any]] = {}


def validator(schema: dict[str, Any], major: str = DEFAULT_MAJOR) -> Any:
    """A compiled, cached validator (formats checked) for a schema taken from the document.

    The cache holds the schema object itself, so an id is never reused for another schema.
    """
    key = (major, id(schema))
    cached = _validators.get(key)
    if cached is None or cached[0] is not schema:
        compiled = jsonschema_rs.validator_for(
            {**bundle_node(schema), "$defs": _bundled_defs(major)}, validate_formats=True
        )
        cached = _validators[key] = (schema, compiled)
    return cached[1]


def schema_errors(schema: dict[str, Any], instance: Any, major: str = DEFAULT_MAJOR) -> list[tuple[str, str]]:
    """(JSON pointer into the instance, message) for each way `instance` breaks `schema`."""
    errors = []
    for err in validator(schema, major).iter_errors(instance):
        pointer = "".join(f"/{p}" for p in err.instance_path)
        errors.append((pointer or "/", err.message))
    return errors
