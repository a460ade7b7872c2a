"""Names: lowercase kebab-case paths, lowerCamelCase parameters and properties, PascalCase schemas, operationIds."""

from __future__ import annotations

import re
from collections.abc import Iterator

from spec.governance import pointer
from spec.governance.lint import Issue, LintContext, rule

KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
PASCAL = re.compile(r"^[A-Z][a-zA-Z0-9]*$")


def _kebab(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name).lower()).strip("-")


def _camel(name: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    if not words:
        return name
    return words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])


@rule("path-kebab-case", "error", "Path segments are plural, lowercase kebab-case (`/activity-types`).")
def path_kebab_case(ctx: LintContext) -> Iterator[Issue]:
    for path in ctx.root.get("paths") or {}:
        for segment in path.strip("/").split("/"):
            if "{" in segment or not path.strip("/"):
                continue
            if not KEBAB.match(segment):
                yield (
                    pointer.join("#/paths", path),
                    f"segment `{segment}` of {path} is not kebab-case: write `{_kebab(segment)}`.",
                )


@rule("path-no-trailing-slash", "error", "Paths do not end in `/`.")
def path_no_trailing_slash(ctx: LintContext) -> Iterator[Issue]:
    for path in ctx.root.get("paths") or {}:
        if path != "/" and path.endswith("/"):
            yield pointer.join("#/paths", path), f"{path} ends in `/`: write `{path.rstrip('/')}`."


@rule("parameter-camel-case", "error", "Path, query and cookie parameter names are lowerCamelCase.")
def parameter_camel_case(ctx: LintContext) -> Iterator[Issue]:
    for param, at in ctx.parameter_objects:
        name = str(param.get("name", ""))
        if param.get("in") in ("path", "query", "cookie") and not CAMEL.match(name):
            yield (
                pointer.join(at, "name"),
                f"{param.get('in')} parameter `{name}` is not lowerCamelCase: write `{_camel(name)}`.",
            )


@rule("property-camel-case", "error", "Schema property names are lowerCamelCase.")
def property_camel_case(ctx: LintContext) -> Iterator[Issue]:
    for schema, at in ctx.schemas:
        for name in schema.get("properties") or {}:
            if not CAMEL.match(str(name)):
                yield (
                    pointer.join(at, "properties", name),
                    f"property `{name}` is not lowerCamelCase: write `{_camel(str(name))}`.",
                )


@rule("schema-name-pascal-case", "error", "Component schema names are PascalCase.")
def schema_name_pascal_case(ctx: LintContext) -> Iterator[Issue]:
    for name in (ctx.root.get("components") or {}).get("schemas") or {}:
        if not PASCAL.match(str(name)):
            fixed = _camel(str(name))
            yield (
                pointer.join("#/components/schemas", name),
                f"schema `{name}` is not PascalCase: write `{fixed[:1].upper() + fixed[1:]}`.",
            )


@rule("operation-id-present", "error", "Every operation has an operationId (handlers and checks refer to it).")
def operation_id_present(ctx: LintContext) -> Iterator[Issue]:
    for op in ctx.operations:
        if not op.node.get("operationId"):
            yield op.pointer, f"{op.label} has no operationId: add a lowerCamelCase verb phrase, e.g. `listFacilities`."


@rule("operation-id-unique", "error", "operationIds are unique in the document.")
def operation_id_unique(ctx: LintContext) -> Iterator[Issue]:
    first: dict[str, str] = {}
    for op in ctx.operations:
        op_id = op.node.get("operationId")
        if not op_id:
            continue
        if op_id in first:
            yield (
                pointer.join(op.pointer, "operationId"),
                f"operationId `{op_id}` is also used by {first[op_id]}: rename one.",
            )
        else:
            first[op_id] = op.label
