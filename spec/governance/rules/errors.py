"""Errors are RFC 9457 problem details, and every operation declares the statuses a client must handle."""

from __future__ import annotations

from collections.abc import Iterator

from spec.governance import pointer
from spec.governance.lint import Issue, LintContext, rule

PROBLEM_JSON = "application/problem+json"
PROBLEM_MEMBERS = {"type": "string", "title": "string", "status": "integer", "detail": "string", "instance": "string"}
PROBLEM_REQUIRED = ("type", "title", "status")


def _is_error(status: str) -> bool:
    return status[:1] in ("4", "5") or status == "default"


@rule("error-problem-json", "error", "Every 4xx/5xx (and default) response is `application/problem+json`.")
def error_problem_json(ctx: LintContext) -> Iterator[Issue]:
    for op in ctx.operations:
        for status, response, at in op.responses(ctx.document):
            content = response.get("content") or {}
            if _is_error(status) and PROBLEM_JSON not in content:
                found = ", ".join(content) or "no content"
                yield (
                    at,
                    (
                        f"{op.label} answers {status} with {found}: describe the error as "
                        f"`content: {{{PROBLEM_JSON}: {{schema: {{$ref: '#/components/schemas/Problem'}}}}}}`."
                    ),
                )


@rule(
    "problem-schema-rfc9457",
    "error",
    "Problem schemas define the RFC 9457 members type, title, status, detail and instance; "
    "type, title and status are required.",
)
def problem_schema(ctx: LintContext) -> Iterator[Issue]:
    seen: set[str] = set()
    for media, node, at in ctx.media_types:
        if media != PROBLEM_JSON or "schema" not in node:
            continue
        schema, schema_at = ctx.document.resolve_with_pointer(node["schema"], pointer.join(at, "schema"))
        if schema_at in seen:
            continue
        seen.add(schema_at)
        properties = ctx.properties(schema)
        for member, kind in PROBLEM_MEMBERS.items():
            if member not in properties:
                yield schema_at, f"the problem schema lacks the RFC 9457 member `{member}`: add it as `type: {kind}`."
            elif ctx.schema_type(properties[member]) not in ({kind}, set()):
                yield (
                    pointer.join(schema_at, "properties", member),
                    f"RFC 9457 `{member}` is a {kind}; declare `type: {kind}`.",
                )
        required = set(ctx.resolve(schema).get("required") or []) if isinstance(ctx.resolve(schema), dict) else set()
        for member in PROBLEM_REQUIRED:
            if member in properties and member not in required:
                yield schema_at, f"list `{member}` under `required`: every BoB problem carries it."


@rule("bad-request-declared", "error", "An operation that takes input (parameters or a body) declares 400.")
def bad_request_declared(ctx: LintContext) -> Iterator[Issue]:
    for op in ctx.operations:
        has_input = "requestBody" in op.node or any(p.location != "header" for p in op.parameters)
        statuses = {str(s) for s in (op.node.get("responses") or {})}
        if has_input and not statuses & {"400", "4XX"}:
            yield (
                pointer.join(op.pointer, "responses"),
                (
                    f"{op.label} takes input but declares no 400: add "
                    "`'400': {$ref: '#/components/responses/BadRequest'}` for invalid parameters or bodies."
                ),
            )


@rule("unauthorized-declared", "warn", "An operation that accepts a token declares 401.")
def unauthorized_declared(ctx: LintContext) -> Iterator[Issue]:
    for op in ctx.operations:
        secured = any(requirement for requirement in op.security or ())
        statuses = {str(s) for s in (op.node.get("responses") or {})}
        if secured and not statuses & {"401", "4XX"}:
            yield (
                pointer.join(op.pointer, "responses"),
                (
                    f"{op.label} accepts a token but declares no 401: add "
                    "`'401': {$ref: '#/components/responses/Unauthorized'}`."
                ),
            )


@rule("success-response-declared", "error", "Every operation declares at least one 2xx response.")
def success_response_declared(ctx: LintContext) -> Iterator[Issue]:
    for op in ctx.operations:
        if not any(str(s).startswith("2") for s in (op.node.get("responses") or {})):
            yield pointer.join(op.pointer, "responses"), f"{op.label} has no 2xx response: document the success case."
