"""A document a supplier can act on: contact and licence, summaries and descriptions, tags, sunsets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from spec.governance import lifecycle, pointer, walk
from spec.governance.lint import Issue, LintContext, rule


@rule("info-contact", "error", "`info.contact` names the stewardship body with an email or URL.")
def info_contact(ctx: LintContext) -> Iterator[Issue]:
    contact = (ctx.root.get("info") or {}).get("contact")
    if not isinstance(contact, dict) or not contact.get("name") or not (contact.get("email") or contact.get("url")):
        yield "#/info", "add `contact:` with the stewardship body's `name` and an `email` or `url` suppliers can reach."


@rule("info-license", "error", "`info.license` gives the licence with a name and an SPDX identifier or URL.")
def info_license(ctx: LintContext) -> Iterator[Issue]:
    licence = (ctx.root.get("info") or {}).get("license")
    if (
        not isinstance(licence, dict)
        or not licence.get("name")
        or not (licence.get("identifier") or licence.get("url"))
    ):
        yield "#/info", "add `license:` with `name` and an SPDX `identifier` (e.g. EUPL-1.2) or a `url`."


@rule("operation-summary", "warn", "Every operation has a summary.")
def operation_summary(ctx: LintContext) -> Iterator[Issue]:
    for op in ctx.operations:
        if not str(op.node.get("summary", "")).strip():
            yield op.pointer, f"{op.label} has no summary: add one line saying what it does."


@rule("parameter-description", "warn", "Every parameter has a description.")
def parameter_description(ctx: LintContext) -> Iterator[Issue]:
    for param, at in ctx.parameter_objects:
        if not str(param.get("description", "")).strip():
            yield at, f"parameter `{param.get('name')}` has no description: say what it filters or selects."


@rule("schema-description", "info", "Component schemas describe what they hold.")
def schema_description(ctx: LintContext) -> Iterator[Issue]:
    for name, schema in ((ctx.root.get("components") or {}).get("schemas") or {}).items():
        if isinstance(schema, dict) and "$ref" not in schema and not str(schema.get("description", "")).strip():
            yield pointer.join("#/components/schemas", name), f"schema `{name}` has no description."


@rule("tag-defined", "warn", "Operation tags are declared in the top-level `tags` with a description.")
def tag_defined(ctx: LintContext) -> Iterator[Issue]:
    declared = {t.get("name") for t in ctx.root.get("tags") or [] if isinstance(t, dict)}
    for op in ctx.operations:
        for i, tag in enumerate(op.node.get("tags") or []):
            if tag not in declared:
                yield (
                    pointer.join(op.pointer, "tags", i),
                    f"tag `{tag}` is not declared: add it to the top-level `tags`.",
                )


def _lifecycle_nodes(ctx: LintContext) -> Iterator[tuple[dict[str, Any], str]]:
    for op in ctx.operations:
        yield op.node, op.pointer
    yield from ctx.parameter_objects
    yield from walk.header_objects(ctx.document)
    yield from ctx.schemas


@rule(
    "deprecated-sunset", "error", "Whatever is `deprecated` carries an `x-sunset` date after which it may be removed."
)
def deprecated_sunset(ctx: LintContext) -> Iterator[Issue]:
    for node, at in _lifecycle_nodes(ctx):
        if lifecycle.is_deprecated(node) and lifecycle.sunset(node) is None:
            found = node.get(lifecycle.SUNSET)
            problem = "has no `x-sunset`" if found is None else f"has `x-sunset: {found}`, which is not a date"
            yield (
                at,
                (
                    f"deprecated but {problem}: add `x-sunset: YYYY-MM-DD`, the first day it may be removed "
                    "(give suppliers at least the notice the stewardship body promises)."
                ),
            )


@rule("sunset-requires-deprecated", "warn", "An `x-sunset` only appears on something marked `deprecated: true`.")
def sunset_requires_deprecated(ctx: LintContext) -> Iterator[Issue]:
    for node, at in _lifecycle_nodes(ctx):
        if lifecycle.SUNSET in node and not lifecycle.is_deprecated(node):
            yield (
                pointer.join(at, lifecycle.SUNSET),
                "an `x-sunset` without `deprecated: true`: mark it deprecated too.",
            )


# Subtrees whose values are data, where null is a value like any other.
_DATA_KEYS = frozenset({"example", "examples", "default", "const", "enum", "value"})


@rule("no-empty-keys", "error", "No key is left without a value (outside examples, defaults and enums).")
def no_empty_keys(ctx: LintContext) -> Iterator[Issue]:
    """In a YAML flow map (`{description: A, b}`) an unquoted comma ends the value and starts a key of
    its own with no value: the description is cut short silently, and YAML parsers accept it."""
    todo: list[tuple[Any, str]] = [(ctx.root, "#")]
    while todo:
        node, at = todo.pop()
        if isinstance(node, list):
            todo.extend((item, pointer.join(at, i)) for i, item in enumerate(node))
        elif isinstance(node, dict):
            for key, value in node.items():
                if str(key) in _DATA_KEYS or str(key).startswith("x-"):
                    continue
                if value is None:
                    yield (
                        pointer.join(at, key),
                        f"`{key}` has no value: if it is the rest of a text cut at a comma, quote the whole text "
                        '("…, …") or write it as a block.',
                    )
                else:
                    todo.append((value, pointer.join(at, key)))
