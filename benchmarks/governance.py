"""How long `bokbid spec lint` and `bokbid spec diff` take, on our spec and on a generated 500-operation spec.

Targets (issue 5): under 1 s for our spec and under 5 s for 500 operations. Each timing includes
reading the YAML from disk, as the command does. The OpenAPI validity check is also measured on
its own, natively (jsonschema-rs against the OpenAPI 3.1 meta-schema plus our semantic checks) and
with openapi-spec-validator, side by side on the same document.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from spec.governance import diff, lint, loader, releases

RUNS = 5
RESOURCES = 100  # five operations each: list, create, read, replace, delete
VALIDITY_RULES = ["oas3-schema", "oas3-json-schema", "oas3-unresolved-ref", "path-params-declared", "parameter-unique"]


def _resource(i: int, changed: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Paths and schemas of one generated resource; `changed` makes the kinds of edit a real revision has."""
    name, plural = f"Thing{i}", f"/things-{i}"
    example = {
        "id": f"t{i}",
        "name": "Example",
        "status": "active",
        "size": 3,
        "createdAt": "2026-01-01T10:00:00Z",
        "tags": ["a"],
        "owner": {"id": "o1", "name": "Owner"},
    }
    properties: dict[str, Any] = {
        "id": {"type": "string", "maxLength": 64},
        "name": {"type": "string", "minLength": 1, "maxLength": 200 if not changed or i % 3 else 100},
        "status": {"$ref": "#/components/schemas/Status"},
        "size": {"type": "integer", "minimum": 0},
        "createdAt": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "owner": {"$ref": "#/components/schemas/Owner"},
    }
    if changed and i % 4 == 0:
        properties["colour"] = {"type": "string"}
    schema = {
        "type": "object",
        "description": f"Thing number {i}.",
        "required": ["id", "name", "status"],
        "properties": properties,
    }
    page = {
        "type": "object",
        "description": f"A page of {name}.",
        "required": ["items", "page", "limit"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
            "page": {"type": "integer"},
            "limit": {"type": "integer"},
        },
    }
    one = {
        "description": "The thing.",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}, "example": example}},
    }
    errors = {"400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}}
    ident = {
        "name": "thingId",
        "in": "path",
        "required": True,
        "description": "Id.",
        "schema": {"type": "string"},
        "example": "t1",
    }
    paths = {
        plural: {
            "get": {
                "operationId": f"list{name}",
                "tags": ["things"],
                "summary": "List",
                "parameters": [{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Page"}],
                "responses": {
                    "200": {
                        "description": "A page.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{name}Page"},
                                "example": {"items": [example], "page": 1, "limit": 20},
                            }
                        },
                    },
                    **errors,
                },
            },
            "post": {
                "operationId": f"create{name}",
                "tags": ["things"],
                "summary": "Create",
                "requestBody": {"required": True, **{k: v for k, v in one.items() if k != "description"}},
                "responses": {"201": one, **errors},
            },
        },
        f"{plural}/{{thingId}}": {
            "parameters": [ident],
            "get": {
                "operationId": f"get{name}",
                "tags": ["things"],
                "summary": "Read",
                "responses": {"200": one, **errors, "404": {"$ref": "#/components/responses/Problem"}},
            },
            "put": {
                "operationId": f"replace{name}",
                "tags": ["things"],
                "summary": "Replace",
                "requestBody": {"required": True, **{k: v for k, v in one.items() if k != "description"}},
                "responses": {"200": one, **errors},
            },
            "delete": {
                "operationId": f"delete{name}",
                "tags": ["things"],
                "summary": "Delete",
                "deprecated": changed and i % 10 == 0,
                **({"x-sunset": "2027-01-01"} if changed and i % 10 == 0 else {}),
                "responses": {"204": {"description": "Gone."}, **errors},
            },
        },
    }
    return paths, {name: schema, f"{name}Page": page}


def generated_spec(changed: bool = False) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "Status": {
            "type": "string",
            "description": "State.",
            "enum": ["active", "retired"] + (["paused"] if changed else []),
        },
        "Owner": {
            "type": "object",
            "description": "Who owns it.",
            "required": ["id"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457.",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
            },
        },
    }
    for i in range(RESOURCES):
        p, s = _resource(i, changed)
        paths.update(p)
        schemas.update(s)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Generated",
            "version": "1.1.0" if changed else "1.0.0",
            "description": "Benchmark.",
            "contact": {"name": "Bench", "email": "bench@example.org"},
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": "https://api.example.org/v1"}],
        "tags": [{"name": "things", "description": "Things."}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "parameters": {
                "Limit": {
                    "name": "limit",
                    "in": "query",
                    "description": "Page size.",
                    "example": 20,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
                "Page": {
                    "name": "page",
                    "in": "query",
                    "description": "Page.",
                    "example": 1,
                    "schema": {"type": "integer", "minimum": 1, "default": 1},
                },
            },
            "responses": {
                "Problem": {
                    "description": "Error.",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"},
                            "example": {"type": "urn:x", "title": "Bad", "status": 400},
                        }
                    },
                }
            },
            "schemas": schemas,
        },
    }


def _time(action: Callable[[], object]) -> list[float]:
    durations = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        durations.append(time.perf_counter() - started)
    return durations


def _row(label: str, durations: list[float], target: float | None = None) -> str:
    median = statistics.median(durations)
    verdict = "" if target is None else ("yes" if max(durations) < target else "NO")
    return f"| {label} | {median * 1000:.0f} ms | {max(durations) * 1000:.0f} ms | {verdict} |"


def run() -> str:
    from openapi_spec_validator import validate as osv_validate  # measured, not used by the lint itself

    latest = releases.latest()
    ours = releases.WORKING / "openapi.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        big, big_changed = Path(tmp) / "big.yaml", Path(tmp) / "big-changed.yaml"
        big.write_text(yaml.safe_dump(generated_spec(), sort_keys=False), encoding="utf-8")
        big_changed.write_text(yaml.safe_dump(generated_spec(changed=True), sort_keys=False), encoding="utf-8")
        operations = sum(len([m for m in item if m != "parameters"]) for item in generated_spec()["paths"].values())
        big_doc = loader.load(big)
        findings = lint.lint(big_doc)
        errors = lint.counts(findings)["error"]
        changes = diff.diff(big_doc, loader.load(big_changed))
        rows = [
            _row("lint, our spec", _time(lambda: lint.lint(loader.load(ours))), 1.0),
            _row(
                f"diff, release {latest[0] if latest else '-'} → our working spec",
                _time(lambda: diff.diff(loader.load(latest[1] / "openapi.yaml"), loader.load(ours)))
                if latest
                else [0.0],
                1.0,
            ),
            _row(f"lint, generated spec ({operations} operations)", _time(lambda: lint.lint(loader.load(big))), 5.0),
            _row(
                f"diff, generated spec ({operations} operations, {len(changes)} changes)",
                _time(lambda: diff.diff(loader.load(big), loader.load(big_changed))),
                5.0,
            ),
            _row("reading the generated spec (YAML)", _time(lambda: loader.load(big))),
            _row(
                "OpenAPI 3.1 validity, native (jsonschema-rs + semantic checks)",
                _time(lambda: lint.lint(big_doc, only=VALIDITY_RULES)),
            ),
            _row("OpenAPI 3.1 validity, openapi-spec-validator", _time(lambda: osv_validate(big_doc.root))),
        ]
        size_kb = big.stat().st_size // 1024
    return "\n".join(
        [
            "## Spec governance: lint and diff",
            "",
            f"`bokbid spec lint` and `bokbid spec diff` in-process, {RUNS} runs each, reading the files every run. "
            f"The generated spec has {operations} operations on {RESOURCES} resources ({size_kb} KiB of YAML; "
            f"lint finds {errors} errors in it). Targets: under 1 s for our spec, under 5 s for 500 operations "
            "(met when the slowest run is under the target).",
            "",
            "| measure | median | slowest | target met |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
