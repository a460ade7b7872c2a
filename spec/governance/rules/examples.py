"""Examples everywhere, and every example (and default) valid against its schema.

Validators are built from the document being linted, not from `spec.openapi()`: the lint works on
any file. All schemas are compiled in one go with jsonschema-rs (`validator_map_for` over a
synthetic root that mirrors the document, so `#/components/...` references resolve unchanged).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from spec.governance import pointer, walk
from spec.governance.lint import Issue, LintContext, rule

DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class Sample:
    at: str  # pointer of the example value
    schema_at: str  # pointer of the schema it must satisfy
    value: Any


def _owner_samples(ctx: LintContext, owner: dict[str, Any], at: str) -> Iterator[Sample]:
    schema_at = pointer.join(at, "schema")
    if "example" in owner:
        yield Sample(pointer.join(at, "example"), schema_at, owner["example"])
    for name, example in (owner.get("examples") or {}).items():
        resolved = ctx.resolve(example)
        if isinstance(resolved, dict) and "value" in resolved:
            yield Sample(pointer.join(at, "examples", name, "value"), schema_at, resolved["value"])


def _is_json(media: str) -> bool:
    return media == "*/*" or "json" in media


def samples(ctx: LintContext) -> list[Sample]:
    found: list[Sample] = []
    for media, node, at in ctx.media_types:
        if "schema" in node and _is_json(media):
            found.extend(_owner_samples(ctx, node, at))
    for owner, at in [*ctx.parameter_objects, *walk.header_objects(ctx.document)]:
        if "schema" in owner:
            found.extend(_owner_samples(ctx, owner, at))
    for schema, at in ctx.schemas:
        if isinstance(schema.get("examples"), list):
            found.extend(Sample(pointer.join(at, "examples", i), at, v) for i, v in enumerate(schema["examples"]))
        if "example" in schema:
            found.append(Sample(pointer.join(at, "example"), at, schema["example"]))
    return found


def validators(ctx: LintContext, schema_pointers: set[str]) -> dict[str, Any]:
    """A compiled validator per schema pointer; schemas that cannot compile are left out (oas3-json-schema)."""
    known: dict[str, Any] = ctx.shared.setdefault("validators", {})
    wanted = sorted(schema_pointers - known.keys())
    if not wanted:
        return known
    mirror = {k: v for k, v in ctx.root.items() if k in ("paths", "components", "webhooks")}

    def synthetic(pointers: list[str]) -> dict[str, Any]:
        return {"$schema": DIALECT, **mirror, "$defs": {f"s{i}": {"$ref": p} for i, p in enumerate(pointers)}}

    try:
        compiled = jsonschema_rs.validator_map_for(synthetic(wanted), validate_formats=True)
        known.update({p: compiled.get(f"#/$defs/s{i}") for i, p in enumerate(wanted)})
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
        for p in wanted:
            try:
                known[p] = jsonschema_rs.validator_map_for(synthetic([p]), validate_formats=True).get("#/$defs/s0")
            except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
                known[p] = None
    return known


def defaults(ctx: LintContext) -> list[Sample]:
    return [Sample(pointer.join(at, "default"), at, s["default"]) for s, at in ctx.schemas if "default" in s]


def _check(ctx: LintContext, items: list[Sample], what: str) -> Iterator[Issue]:
    # Examples and defaults share one compilation: it is most of the lint's time on a large document.
    everything = ctx.shared.setdefault("schema-pointers", {s.schema_at for s in [*samples(ctx), *defaults(ctx)]})
    compiled = validators(ctx, everything)
    for sample in items:
        validator = compiled.get(sample.schema_at)
        if validator is None:
            continue
        try:
            errors = [] if validator.is_valid(sample.value) else list(validator.iter_errors(sample.value))
        except (ValueError, TypeError) as exc:
            yield sample.at, f"the {what} cannot be checked ({exc}); write it as plain JSON data."
            continue
        for error in errors[:3]:
            where = "".join(f"/{p}" for p in error.instance_path) or "the value"
            yield (
                sample.at,
                (
                    f"the {what} does not match its schema ({sample.schema_at}): at {where}, {error.message}. "
                    f"Correct the {what} or the schema."
                ),
            )


@rule("examples-valid", "error", "Every example validates against its schema.")
def examples_valid(ctx: LintContext) -> Iterator[Issue]:
    yield from _check(ctx, samples(ctx), "example")


@rule("schema-default-valid", "error", "Every `default` validates against its schema.")
def schema_default_valid(ctx: LintContext) -> Iterator[Issue]:
    yield from _check(ctx, defaults(ctx), "default")


@rule("examples-present", "error", "Every request and response body has an example.")
def examples_present(ctx: LintContext) -> Iterator[Issue]:
    owners = [*walk.request_body_objects(ctx.document), *walk.response_objects(ctx.document)]
    for owner, at in owners:
        for media, node in (owner.get("content") or {}).items():
            if isinstance(node, dict) and "schema" in node and "example" not in node and not node.get("examples"):
                yield (
                    pointer.join(at, "content", media),
                    (
                        f"the {media} body has no example: add `example:` (or `examples:`) beside its schema, "
                        "valid against it."
                    ),
                )


@rule("parameter-examples-present", "warn", "Every parameter has an example.")
def parameter_examples_present(ctx: LintContext) -> Iterator[Issue]:
    for param, at in ctx.parameter_objects:
        schema = ctx.resolve(param.get("schema", {}))
        has_schema_example = isinstance(schema, dict) and ("examples" in schema or "example" in schema)
        if "example" not in param and not param.get("examples") and not has_schema_example:
            yield at, f"parameter `{param.get('name')}` has no example: add `example:` with a realistic value."
