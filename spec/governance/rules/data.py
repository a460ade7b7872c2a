"""Data conventions: RFC 3339 dates and timestamps, and paginated lists with limit and page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from spec.governance import pointer
from spec.governance.lint import Issue, LintContext, rule

DATE_NAME = re.compile(r"^(date|dateTime|timestamp)$|[a-z0-9](At|Date|DateTime|Timestamp)$")
DATE_FORMATS = {"date", "date-time"}


def _date_issue(ctx: LintContext, name: str, schema: Any) -> str | None:
    if not DATE_NAME.search(name) or ctx.schema_type(schema) == {"array"}:
        return None
    if ctx.schema_formats(schema) & DATE_FORMATS:
        return None
    return (
        f"`{name}` names a date or an instant but is not `format: date` or `format: date-time`: declare "
        "`type: string, format: date-time` (RFC 3339, returned in UTC) or `format: date`."
    )


@rule(
    "date-format",
    "error",
    "Date-like properties and parameters (`*At`, `*Date`, `date`) are RFC 3339 date or date-time.",
)
def date_format(ctx: LintContext) -> Iterator[Issue]:
    for schema, at in ctx.schemas:
        for name, prop in (schema.get("properties") or {}).items():
            message = _date_issue(ctx, str(name), prop)
            if message:
                yield pointer.join(at, "properties", name), message
    for param, at in ctx.parameter_objects:
        message = _date_issue(ctx, str(param.get("name", "")), param.get("schema", {}))
        if message:
            yield at, message


def _list_schema(ctx: LintContext, op: Any) -> bool:
    """A list operation is on a collection (not `/…/{id}`) and answers 200 with an object whose `items` is an array."""
    if op.path.rstrip("/").rsplit("/", 1)[-1].startswith("{"):
        return False
    for status, response, _ in op.responses(ctx.document):
        if status != "200":
            continue
        for media, content in (response.get("content") or {}).items():
            if "json" in media and "schema" in content:
                items = ctx.properties(content["schema"]).get("items")
                if items is not None and ctx.schema_type(items) == {"array"}:
                    return True
    return False


# The names a cursor parameter goes by: `after` reads as "the items after this one" (the event feed).
CURSORS = {"cursor", "after"}


@rule(
    "pagination-params",
    "error",
    "List operations take `limit` (with a default and a maximum) and `page` (default 1) or `cursor` (or `after`).",
)
def pagination_params(ctx: LintContext) -> Iterator[Issue]:
    for op in ctx.operations:
        if op.method != "get" or not _list_schema(ctx, op):
            continue
        query = {p.name: p for p in op.parameters if p.location == "query"}
        at = pointer.join(op.pointer, "parameters")
        limit = query.get("limit")
        if limit is None:
            yield (
                at,
                f"{op.label} returns a list but has no `limit`: "
                "add `$ref: '#/components/parameters/Limit'` (default 20).",
            )
        else:
            schema = _schema(ctx, limit.node)
            if "default" not in schema or "maximum" not in schema:
                yield limit.pointer, f"`limit` of {op.label} needs `default` (20) and `maximum` (100) in its schema."
        if "page" not in query and not CURSORS & set(query):
            yield (
                at,
                f"{op.label} returns a list but has no `page` (or a cursor, `cursor` or `after`): "
                "add `$ref: '#/components/parameters/Page'`.",
            )
        elif "page" in query and _schema(ctx, query["page"].node).get("default") != 1:
            yield (
                query["page"].pointer,
                f"`page` of {op.label} counts from 1: give its schema `default: 1, minimum: 1`.",
            )


def _schema(ctx: LintContext, parameter: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema as an object; a boolean schema (`true`, `false`) or junk holds no keywords."""
    schema = ctx.resolve(parameter.get("schema", {}))
    return schema if isinstance(schema, dict) else {}
