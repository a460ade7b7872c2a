"""The BoB standard as data, and the one reader of it.

The reference server and the certification harness never import each other; both learn the
standard from here. Nothing in this package restates the spec: it only loads the files beside it
and offers views on them (operations, schemas ready for validation, the requirements catalogue).

Every reader takes a `Release`: the working spec (`spec/v1/`, the default) or a frozen release
(`spec/releases/X.Y.Z/`). A municipality's call-off names a release, so a product must be servable
and certifiable against exactly that release's operations, schemas and requirements, not only
against whatever the working spec says today.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

SPEC_ROOT = Path(__file__).resolve().parent
DEFAULT_MAJOR = "v1"
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Release:
    """One version of the standard: the folder its files are read from.

    The working spec of a major version (`spec/v1/`) is a draft until `bokbid spec release` freezes
    it; a folder under `spec/releases/` is a release and never changes.
    """

    folder: Path

    @property
    def draft(self) -> bool:
        return self.folder.parent == SPEC_ROOT


WORKING = Release(SPEC_ROOT / DEFAULT_MAJOR)


def _load_yaml(release: Release, name: str) -> Any:
    with (release.folder / name).open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@cache
def known_releases() -> tuple[Release, ...]:
    """Every version of the standard, oldest first: the frozen releases, and the working spec as
    well while its version is not released yet."""
    from spec.governance import releases  # the release tooling is heavier than reading a spec

    found = tuple(Release(folder) for _, folder in releases.releases())
    released = {version(r) for r in found}
    return found if version(WORKING) in released else (*found, WORKING)


def find_release(text: str) -> Release | None:
    """The version of the standard called `text` (e.g. "1.0.0"), or None when there is none."""
    return next((r for r in known_releases() if version(r) == text), None)


def label(release: Release) -> str:
    """How reports and messages name a release: "BoB 1.1.0", or the draft spelled out."""
    return f"BoB {version(release)}" + (", an unreleased working draft" if release.draft else "")


@cache
def openapi(release: Release = WORKING) -> dict[str, Any]:
    """The OpenAPI document of one version of the standard."""
    return _load_yaml(release, "openapi.yaml")


@cache
def requirements(release: Release = WORKING) -> tuple[dict[str, Any], ...]:
    """The requirements catalogue: each entry has id, class, level, text (sv, en) and optionally
    onlyWith (classes it also presupposes) and settles (readings its text settled)."""
    return tuple(_load_yaml(release, "requirements.yaml")["requirements"])


@cache
def requirement_ids(release: Release = WORKING) -> frozenset[str]:
    return frozenset(r["id"] for r in requirements(release))


@cache
def settled_readings(release: Release = WORKING) -> frozenset[str]:
    """The readings the catalogue of `release` settles (`settles` of its requirements).

    A later release may settle what an earlier text left open or said two ways; certified against
    the earlier release, a product may still take any reading that text allowed. So a check holds
    a product to a settled reading only when the release it certifies against names it."""
    return frozenset(reading for r in requirements(release) for reading in r.get("settles", ()))


@cache
def conformance(release: Release = WORKING) -> dict[str, Any]:
    """Conformance classes and the profiles that group them (`classes`, `profiles`)."""
    return _load_yaml(release, "conformance.yaml")


def class_ids(release: Release = WORKING) -> list[str]:
    return [c["id"] for c in conformance(release)["classes"]]


def profile(name: str, release: Release = WORKING) -> dict[str, Any] | None:
    return next((p for p in conformance(release)["profiles"] if p["id"] == name), None)


@cache
def activity_types(release: Release = WORKING) -> tuple[dict[str, Any], ...]:
    """The standard activity-type taxonomy in the file's order: {id, parentId, name: {sv, en}}."""
    return tuple(_load_yaml(release, "activity-types.yaml")["activityTypes"])


@cache
def narrower_or_same(type_id: str, release: Release = WORKING) -> frozenset[str]:
    """The type and every type below it, however deep: a search for a broad type finds these."""
    children: dict[str, list[str]] = {}
    for t in activity_types(release):
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


def version(release: Release = WORKING) -> str:
    """`info.version` of the document: the semantic version of the standard."""
    return str(openapi(release)["info"]["version"])


@cache
def digest(release: Release = WORKING) -> str:
    """sha256 over the files that make up one version, so a run can pin what it tested."""
    h = hashlib.sha256()
    for path in sorted(release.folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(SPEC_ROOT).as_posix().encode())
            h.update(b"\0")
            h.update(path.read_bytes())
    return "sha256:" + h.hexdigest()


def spec_file(release: Release = WORKING) -> Path:
    return release.folder / "openapi.yaml"


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
    # The release whose document the schemas above come from: their `$ref`s point into it.
    release: Release
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

    @property
    def request_headers(self) -> tuple[str, ...]:
        """The request headers the standard defines for this operation: the token where one may be
        presented, the body's media type where there is a body, and its header parameters. A
        browser app must be allowed to send each of them across origins (CORE-030)."""
        names = ["Authorization"] if any(self.security) else []
        names += ["Content-Type"] if self.request_body is not None else []
        return (*names, *(p.name for p in self.parameters if p.location == "header"))

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


def resolve(node: Any, release: Release = WORKING) -> Any:
    """Follow local `$ref`s (parameters, responses, request bodies, headers) to their target."""
    doc = openapi(release)
    while isinstance(node, dict) and "$ref" in node:
        node = _pointer(doc, node["$ref"])
    return node


@cache
def operations(release: Release = WORKING) -> tuple[Operation, ...]:
    doc = openapi(release)
    ops: list[Operation] = []
    for path, item in doc.get("paths", {}).items():
        shared = [resolve(p, release) for p in item.get("parameters", [])]
        for method in ("get", "put", "post", "delete", "patch"):
            raw = item.get(method)
            if raw is None:
                continue
            params = {(p["name"], p["in"]): p for p in shared}
            params.update({(p["name"], p["in"]): p for p in (resolve(p, release) for p in raw.get("parameters", []))})
            responses = {code: resolve(resp, release) for code, resp in raw.get("responses", {}).items()}
            body = resolve(raw["requestBody"], release) if "requestBody" in raw else None
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
                    release=release,
                    raw=raw,
                )
            )
    return tuple(ops)


@cache
def response_headers(release: Release = WORKING) -> tuple[str, ...]:
    """Every response header the standard defines, in the order first declared: what a browser
    app must be allowed to read across origins (CORE-030)."""
    names = (name for op in operations(release) for resp in op.responses.values() for name in resp.get("headers", {}))
    return tuple(dict.fromkeys(names))


def operation(operation_id: str, release: Release = WORKING) -> Operation:
    for op in operations(release):
        if op.operation_id == operation_id:
            return op
    raise KeyError(operation_id)


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


@cache
def _routes(release: Release) -> tuple[tuple[re.Pattern[str], int, str], ...]:
    # Literal segments win over templated ones (/facilities/search before /facilities/{id}).
    seen: dict[str, tuple[re.Pattern[str], int, str]] = {}
    for op in operations(release):
        seen.setdefault(op.path, (_template_regex(op.path), op.path.count("{"), op.path))
    return tuple(sorted(seen.values(), key=lambda r: (r[1], r[2])))


def match_path(path: str, release: Release = WORKING) -> tuple[str, dict[str, str]] | None:
    """The path template a concrete path (relative to the API root) belongs to, with its parameters."""
    for regex, _, template in _routes(release):
        m = regex.match(path)
        if m:
            return template, m.groupdict()
    return None


def find_operation(method: str, path: str, release: Release = WORKING) -> tuple[Operation, dict[str, str]] | None:
    found = match_path(path, release)
    if found is None:
        return None
    template, params = found
    for op in operations(release):
        if op.path == template and op.method == method.upper():
            return op, params
    return None


def methods_for(template: str, release: Release = WORKING) -> list[str]:
    return [op.method for op in operations(release) if op.path == template]


def iter_examples(release: Release = WORKING) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Every example in the document as (JSON pointer, schema, value)."""
    doc = openapi(release)

    def walk(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
        if isinstance(node, dict):
            schema = node.get("schema")
            if isinstance(schema, dict):
                if "example" in node:
                    yield f"{pointer}/example", schema, node["example"]
                for name, ex in (node.get("examples") or {}).items():
                    ex = resolve(ex, release)
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
def _bundled_defs(release: Release) -> dict[str, Any]:
    defs = openapi(release).get("components", {}).get("schemas", {})
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


FormatCheckers = Mapping[str, Callable[[str], bool]]
_validators: dict[tuple[Release, int, int], tuple[dict[str, Any], FormatCheckers | None, Any]] = {}


def validator(schema: dict[str, Any], release: Release = WORKING, formats: FormatCheckers | None = None) -> Any:
    """A compiled, cached validator (formats checked) for a schema taken from the document.

    `formats` replaces the checker of a format by name: a server may narrow what it accepts (the
    reference server refuses dates it cannot compute with) without the reading every client and
    the harness share changing. The cache holds the schema and the checkers themselves, so an id
    is never reused for another schema.
    """
    key = (release, id(schema), id(formats))
    cached = _validators.get(key)
    if cached is None or cached[0] is not schema or cached[1] is not formats:
        compiled = jsonschema_rs.validator_for(
            {**bundle_node(schema), "$defs": _bundled_defs(release)},
            validate_formats=True,
            formats=dict(formats) if formats is not None else None,
        )
        cached = _validators[key] = (schema, formats, compiled)
    return cached[2]


def schema_errors(
    schema: dict[str, Any], instance: Any, release: Release = WORKING, formats: FormatCheckers | None = None
) -> list[tuple[str, str]]:
    """(JSON pointer into the instance, message) for each way `instance` breaks `schema`."""
    errors = []
    for err in validator(schema, release, formats).iter_errors(instance):
        pointer = "".join(f"/{p}" for p in err.instance_path)
        errors.append((pointer or "/", err.message))
    return errors
