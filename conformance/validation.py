"""Judging a response against the standard, whatever the check that caused it was looking at.

Checks assert the behaviour a requirement describes; this module enforces what holds for every
response (CORE-003, CORE-016) so no check has to repeat it and no response slips through: the
operation exists, the status is documented, the content type is declared, the body validates
against the schema, required headers are present, and nothing personal reaches anonymous callers.
"""

from __future__ import annotations

from typing import Any

import spec

from . import json_bodies
from .evidence import Violation
from .personnummer import find_personnummer, mask

# A body that breaks a schema often breaks it in many places; a handful tells the story.
MAX_SCHEMA_ERRORS = 10
TEST_INTERFACE = "test-interface"


def media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower()


def charset(content_type: str | None) -> str | None:
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower() or None
    return None


def is_json_media(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _declared_media(declared: dict[str, Any], media: str) -> str | None:
    """The declared media-type key that covers `media` (exact, `type/*` or `*/*`)."""
    for key in declared:
        base = key.split(";", 1)[0].strip().lower()
        if base == media or base == "*/*" or (base.endswith("/*") and media.startswith(base[:-1])):
            return key
    return None


def _problem_content(release: spec.Release) -> dict[str, Any] | None:
    """What any error must look like, for responses to paths the spec does not know."""
    schema = spec.openapi(release).get("components", {}).get("schemas", {}).get("Problem")
    return None if schema is None else {spec.PROBLEM_JSON: {"schema": schema}}


def spec_violations(
    method: str,
    path: str,
    status: int,
    headers: dict[str, str],
    body: str,
    *,
    release: spec.Release = spec.WORKING,
    off_spec: bool = False,
) -> list[Violation]:
    """How one response (to `method path`, path relative to the API root) breaks `release` of the spec.

    `off_spec` marks a request that deliberately leaves the documented surface (an unknown path or
    method, to see the server answer properly): then only the rule for errors applies.
    """
    found = spec.find_operation(method, path, release)
    if found is None:
        if not off_spec:
            return [Violation("spec", f"{method} {path} is not an operation of the standard")]
        if status < 400:
            return [Violation("spec", f"{method} {path} is not in the standard, yet answered {status}")]
        content = _problem_content(release)
        return [] if content is None else _content_violations(content, status, headers, body, release)
    operation, _ = found
    response = operation.response_spec(status)
    if response is None:
        documented = ", ".join(operation.responses) or "none"
        return [
            Violation(
                "spec",
                f"status {status} is not documented for {operation.operation_id} (documented: {documented})",
            )
        ]
    violations = _content_violations(response.get("content") or {}, status, headers, body, release)
    for name, header in (response.get("headers") or {}).items():
        if spec.resolve(header, release).get("required") and name.lower() not in headers:
            violations.append(Violation("spec", f"required header {name} is missing"))
    return violations


def _content_violations(
    declared: dict[str, Any], status: int, headers: dict[str, str], body: str, release: spec.Release
) -> list[Violation]:
    if not declared:
        if body:
            return [Violation("spec", f"status {status} documents no body, yet one was sent")]
        return []
    if not body:
        return [Violation("spec", f"empty body; status {status} documents {', '.join(declared)}")]
    media = media_type(headers.get("content-type"))
    if media is None:
        return [Violation("spec", "no Content-Type on a response with a body")]
    key = _declared_media(declared, media)
    if key is None:
        return [
            Violation(
                "spec",
                f"content type {media} is not declared for status {status} (declared: {', '.join(declared)})",
            )
        ]
    if not is_json_media(media):
        return []
    try:
        instance = json_bodies.loads(body)
    except json_bodies.TooDeep as exc:
        return [Violation("spec", f"body cannot be validated: {exc}")]
    except ValueError as exc:
        return [Violation("spec", f"body is not valid JSON: {exc}")]
    schema = declared[key].get("schema")
    if schema is None:
        return []
    errors = spec.schema_errors(schema, instance, release)
    violations = [Violation("spec", f"body {pointer}: {message}") for pointer, message in errors[:MAX_SCHEMA_ERRORS]]
    if len(errors) > MAX_SCHEMA_ERRORS:
        violations.append(Violation("spec", f"… and {len(errors) - MAX_SCHEMA_ERRORS} more schema errors"))
    return violations


def encoding_violations(headers: dict[str, str], content: bytes) -> list[Violation]:
    """A JSON body that is not UTF-8 (RFC 8259 §8.1), which decoding would otherwise paper over."""
    media = media_type(headers.get("content-type"))
    if not content or media is None or not is_json_media(media):
        return []
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [Violation("spec", f"body is not valid UTF-8 (byte {exc.start}); JSON must be UTF-8")]
    return []


def privacy_violations(method: str, path: str, body: str, release: spec.Release) -> list[Violation]:
    """Personnummer in a response to an anonymous request (CORE-016).

    The test interface is exempt: it is sandbox-only, and what it answers is what the harness
    itself sent as fixtures.
    """
    found = spec.find_operation(method, path, release)
    if found is not None and found[0].conformance_class == TEST_INTERFACE:
        return []
    return [
        Violation("privacy", f"personnummer {mask(number)} in a response to an anonymous request")
        for number in find_personnummer(body)
    ]


# ----------------------------------------------------------------------------------------------
# Requests (client-app certification): what a client sent, judged against the operation


def _coerce(raw: str, schema: dict[str, Any], release: spec.Release) -> Any:
    """A query or header string as the type its schema names; left a string when it is not one."""
    kind = spec.resolve(schema, release).get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def _parameter_violations(operation: spec.Operation, query: dict[str, list[str]], headers: dict[str, str]) -> list[str]:
    found = []
    documented = {p.name for p in operation.parameters if p.location == "query"}
    found += [
        f"query parameter {name!r} is not a parameter of {operation.operation_id}" for name in query.keys() - documented
    ]
    for parameter in operation.parameters:
        if parameter.location == "query":
            values = query.get(parameter.name, [])
        elif parameter.location == "header":
            value = headers.get(parameter.name.lower())
            values = [] if value is None else [value]
        else:
            continue
        if not values:
            if parameter.required:
                found.append(f"required {parameter.location} parameter {parameter.name} is missing")
            continue
        release = operation.release
        schema = spec.resolve(parameter.schema, release)
        if schema.get("type") == "array":
            raw = values if parameter.explode else [v for value in values for v in value.split(",")]
            instance: Any = [_coerce(v, schema.get("items", {}), release) for v in raw]
        else:
            instance = _coerce(values[0], schema, release)
        found += [
            f"{parameter.location} parameter {parameter.name}: {m}"
            for _, m in spec.schema_errors(schema, instance, release)
        ]
    return found


def _body_violations(operation: spec.Operation, headers: dict[str, str], body: bytes) -> list[str]:
    declared = (operation.request_body or {}).get("content") or {}
    if not declared:
        return [f"{operation.operation_id} takes no body, yet one was sent"] if body else []
    if not body:
        return ["the request body is required"] if (operation.request_body or {}).get("required") else []
    media = media_type(headers.get("content-type"))
    key = _declared_media(declared, media) if media else None
    if key is None:
        return [f"content type {media or 'none'} is not accepted (send {', '.join(declared)})"]
    if not is_json_media(media or ""):
        return []
    try:
        instance = json_bodies.loads(body)
    except json_bodies.TooDeep as exc:
        return [f"the body cannot be validated: {exc}"]
    except ValueError as exc:
        return [f"the body is not valid JSON: {exc}"]
    schema = declared[key].get("schema") or {}
    return [
        f"body {pointer}: {message}"
        for pointer, message in spec.schema_errors(schema, instance, operation.release)[:MAX_SCHEMA_ERRORS]
    ]


def request_violations(
    method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
) -> tuple[spec.Operation | None, list[Violation]]:
    """The operation a client's request (path relative to the API root) calls, and how it breaks the spec.

    `headers` have lower-case names. A personnummer in the path or the query is a privacy
    violation whatever the operation: URLs end up in logs, proxies and browser histories.
    """
    in_url = find_personnummer(path + " " + " ".join(v for values in query.values() for v in values))
    violations = [Violation("privacy", f"personnummer {mask(n)} in the URL") for n in in_url]
    found = spec.find_operation(method, path)
    if found is None:
        return None, [*violations, Violation("spec", f"{method} {path} is not an operation of the standard")]
    operation, _ = found
    messages = _parameter_violations(operation, query, headers)
    messages += _body_violations(operation, headers, body)
    if not operation.anonymous_allowed and "authorization" not in headers:
        messages.append(f"{operation.operation_id} needs a Bearer token, yet none was sent")
    return operation, violations + [Violation("spec", m) for m in messages]
