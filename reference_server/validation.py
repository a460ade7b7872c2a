"""Checking a request against its operation in the spec before any handler sees it.

Parameters arrive as strings; they are coerced to the type their schema names (so `limit=abc`
fails as "not of type integer" rather than crashing a handler) and then validated with the very
schemas of the spec. Every offending parameter and body member is reported at once, so a client
fixes them in one round. Query parameters the operation does not define are ignored.

Dates and instants are narrowed here, for every parameter and body member at once, to what the
server can compute with (`timestamps.supported_date`, `supported_instant`): the formats allow
year 0000 and instants at the very ends of the calendar, which would otherwise crash a handler's
date arithmetic long after validation passed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from jsonschema_rs import ValidationErrorKind
from starlette.datastructures import Headers, QueryParams

import spec
from reference_server import problems
from reference_server.problems import FieldError
from reference_server.settings import Settings
from reference_server.timestamps import EARLIEST_DATE, LATEST_DATE, supported_date, supported_instant
from spec.identifiers import municipality_code_error

_INTEGER = re.compile(r"-?[0-9]+")
_UNKNOWN_MEMBER_KINDS = (ValidationErrorKind.AdditionalProperties, ValidationErrorKind.UnevaluatedProperties)

# The formats as the spec defines them (RFC 3339), to tell a malformed value from one out of range.
_WELL_FORMED = {
    name: jsonschema_rs.validator_for({"format": name}, validate_formats=True) for name in ("date", "date-time")
}
# What a value out of the server's range is told, by format.
_OUT_OF_RANGE = {
    "date": f"must be a date from {EARLIEST_DATE} to {LATEST_DATE}",
    "date-time": "must be an instant from year 0001 to 9999 both in UTC and in Europe/Stockholm",
}


def _checker(name: str, supported: Callable[[str], bool]) -> Callable[[str], bool]:
    """The spec's check of format `name`, narrowed by `supported` (called only on well-formed values)."""
    well_formed = _WELL_FORMED[name]

    def check(value: str) -> bool:
        return bool(well_formed.is_valid(value)) and bool(supported(value))

    return check


# The checkers every request is validated with: the spec's format, narrowed to the supported range.
SERVER_FORMATS: spec.FormatCheckers = {
    "date": _checker("date", supported_date),
    "date-time": _checker("date-time", supported_instant),
}


def _message(err: Any) -> str:
    """The error's message; for a well-formed date or instant out of range, what the range is."""
    kind = err.kind
    if (
        isinstance(kind, ValidationErrorKind.Format)
        and kind.format in _OUT_OF_RANGE
        and isinstance(err.instance, str)
        and _WELL_FORMED[kind.format].is_valid(err.instance)
    ):
        return _OUT_OF_RANGE[kind.format]
    return str(err.message)


def _formats(parameter: spec.Parameter, settings: Settings) -> spec.FormatCheckers | None:
    """The format checkers for `parameter` (None: the spec's own)."""
    if settings.fault_active("year-zero-date-500") and parameter.location == "query":
        # Query dates are trusted once they look like dates: the handler's date parser meets year 0000.
        return None
    return SERVER_FORMATS


@dataclass(frozen=True)
class ValidatedRequest:
    path: dict[str, Any]
    query: dict[str, Any]  # with the schema's default for each parameter not given
    provided: frozenset[str]  # names of the query parameters the client actually sent
    body: Any
    # Only under the fault refused-body-still-applied: the 415 the handler's answer is replaced with.
    late_refusal: problems.Problem | None = None


def unknown_municipality_code(query: Mapping[str, Any]) -> FieldError | None:
    """The `municipalityCode` filter's schema asks for four digits; whether they are one of the 290
    kommunkoder is a list the schema does not carry, so it is checked here."""
    code = query.get("municipalityCode")
    reason = None if code is None else municipality_code_error(code)
    return None if reason is None else FieldError("query", reason, name="municipalityCode")


def _schema_type(schema: dict[str, Any], release: spec.Release) -> str | None:
    kind = spec.resolve(schema, release).get("type")
    return kind if isinstance(kind, str) else None


def _coerce(raw: str, schema: dict[str, Any], name: str, settings: Settings) -> Any:
    """The value the string stands for under the schema's type; left a string when it is not one."""
    kind = _schema_type(schema, settings.release)
    if kind == "integer":
        if name in ("limit", "page") and settings.fault_active("validation-500"):
            return int(raw)  # parsed by hand, trusting the client: a ValueError becomes a 500
        return int(raw) if _INTEGER.fullmatch(raw) else raw
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return number if math.isfinite(number) else raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def _parameter_value(parameter: spec.Parameter, values: list[str], settings: Settings) -> tuple[Any, FieldError | None]:
    schema = parameter.schema
    if _schema_type(schema, settings.release) == "array":
        items = spec.resolve(schema, settings.release).get("items", {})
        raw_items = values if parameter.explode else [v for value in values for v in value.split(",")]
        return [_coerce(v, items, parameter.name, settings) for v in raw_items], None
    if len(values) > 1:
        return None, FieldError(parameter.location, "may be given only once", name=parameter.name)
    return _coerce(values[0], schema, parameter.name, settings), None


def _parameters(
    operation: spec.Operation,
    path_params: Mapping[str, str],
    query_params: QueryParams,
    headers: Headers,
    settings: Settings,
) -> tuple[dict[str, Any], dict[str, Any], set[str], list[FieldError]]:
    path: dict[str, Any] = {}
    query: dict[str, Any] = {}
    provided: set[str] = set()
    errors: list[FieldError] = []
    for parameter in operation.parameters:
        if parameter.location == "path":
            values = [path_params[parameter.name]] if parameter.name in path_params else []
        elif parameter.location == "query":
            values = query_params.getlist(parameter.name)
        elif parameter.location == "header":
            values = headers.getlist(parameter.name)
        else:
            continue
        target = path if parameter.location == "path" else query
        if not values:
            if parameter.required:
                errors.append(FieldError(parameter.location, "is required", name=parameter.name))
            elif "default" in spec.resolve(parameter.schema, operation.release):
                target[parameter.name] = spec.resolve(parameter.schema, operation.release)["default"]
            continue
        value, error = _parameter_value(parameter, values, settings)
        if error is not None:
            errors.append(error)
            continue
        formats = _formats(parameter, settings)
        for err in spec.validator(parameter.schema, operation.release, formats).iter_errors(value):
            errors.append(FieldError(parameter.location, _message(err), name=parameter.name))
        target[parameter.name] = value
        provided.add(parameter.name)
    return path, query, provided, errors


def _pointer(parts: list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text} is out of range")
    return number


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float)
    except UnicodeDecodeError as exc:
        raise problems.body_error("", f"The body is not UTF-8: {exc.reason}.") from exc
    except json.JSONDecodeError as exc:
        raise problems.body_error(
            "", f"The body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise problems.body_error("", f"The body is not valid JSON: {exc}.") from exc


def _unstorable_text(value: str) -> str | None:
    """Why a string cannot be stored and echoed as it was given, if it cannot.

    JSON allows both a NUL character and a lone UTF-16 surrogate (`"\\ud800"`); neither survives a
    round trip through PostgreSQL text or a UTF-8 response, so they are refused up front.
    """
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate, which is not Unicode text"
    return None


def _text_errors(node: Any, path: list[str | int]) -> list[FieldError]:
    found: list[FieldError] = []
    if isinstance(node, str):
        reason = _unstorable_text(node)
        if reason:
            found.append(FieldError("body", f"the string {reason}", pointer=_pointer(path)))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += _text_errors(item, [*path, i])
    elif isinstance(node, dict):
        for key, value in node.items():
            reason = _unstorable_text(key)
            if reason:
                readable = key.encode("utf-8", "backslashreplace").decode("utf-8")
                found.append(FieldError("body", f"the member name {reason}", pointer=_pointer([*path, readable])))
            else:
                found += _text_errors(value, [*path, key])
    return found


def _drop_members(instance: Any, path: list[str | int], names: list[str]) -> None:
    node = instance
    for part in path:
        node = node[part]
    for name in names:
        node.pop(name, None)


def body_errors(schema: dict[str, Any], instance: Any, settings: Settings) -> list[FieldError]:
    """Every way the body breaks its schema, each pointing at the member concerned.

    An unknown member is reported at its own pointer (not at the object holding it), and a
    missing required member at the pointer it should have had, so `errors` names the field.
    """
    found: list[FieldError] = []
    for err in list(spec.validator(schema, settings.release, SERVER_FORMATS).iter_errors(instance)):
        path = list(err.instance_path)
        kind = err.kind
        if isinstance(kind, _UNKNOWN_MEMBER_KINDS):
            if settings.fault_active("server-owned-field-writable") and set(kind.unexpected) <= {"id"}:
                continue  # kept in the body, and the fixtures store it
            if settings.fault_active("unknown-fields-ignored"):
                _drop_members(instance, path, kind.unexpected)  # "be liberal in what you accept"
                continue
            found.extend(
                FieldError("body", f"unknown field '{name}'", pointer=_pointer([*path, name]))
                for name in kind.unexpected
            )
        elif isinstance(kind, ValidationErrorKind.Required):
            found.append(
                FieldError(
                    "body",
                    f"required field '{kind.property}' is missing",
                    pointer=_pointer([*path, kind.property]),
                )
            )
        elif isinstance(kind, ValidationErrorKind.MaxLength) and settings.fault_active("oversized-strings-accepted"):
            continue
        else:
            found.append(FieldError("body", _message(err), pointer=_pointer(path)))
    unique: dict[tuple[str | None, str], FieldError] = {}
    for error in found:
        unique.setdefault((error.pointer, error.detail), error)
    return list(unique.values())


def _body(
    operation: spec.Operation, headers: Headers, raw: bytes, settings: Settings
) -> tuple[Any, list[FieldError], problems.Problem | None]:
    """The parsed body, what is wrong with it, and (under one fault) a 415 to give after handling it."""
    request_body = operation.request_body
    late_refusal = None
    if request_body is None:
        return None, [], None
    content_type = headers.get("content-type")
    if not raw and content_type is None:
        if request_body.get("required", False):
            return None, [FieldError("body", "a JSON request body is required", pointer="")], None
        return None, [], None
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    accepted = operation.request_media_types()
    if media_type not in accepted:
        sent = media_type or "no content type"
        refusal = problems.unsupported_media_type(f"Send the body as {' or '.join(accepted)}, not {sent}.")
        if settings.fault_active("refused-body-still-applied"):
            late_refusal = refusal
        elif not settings.fault_active("wrong-content-type-accepted"):
            raise refusal
        media_type = accepted[0]
    if media_type != "application/json" and not media_type.endswith("+json"):
        # Another declared media type (a DAK file, application/xml) is the handler's to parse.
        return raw, [], late_refusal
    # Under malformed-json-500 the body is parsed trusting the client: a JSONDecodeError becomes a 500.
    instance = json.loads(raw) if settings.fault_active("malformed-json-500") else parse_json(raw)
    try:
        unstorable = [] if settings.fault_active("lone-surrogate-500") else _text_errors(instance, [])
        if unstorable:
            return instance, unstorable, late_refusal
        schema = request_body["content"][media_type]["schema"]
        return instance, body_errors(schema, instance, settings), late_refusal
    except RecursionError:
        # Parsed within the JSON parser's depth limit, but too deep to walk again.
        return instance, [FieldError("body", "the body is nested too deeply", pointer="")], late_refusal


def validate_request(
    operation: spec.Operation,
    *,
    path_params: Mapping[str, str],
    query_params: QueryParams,
    headers: Headers,
    body: bytes,
    settings: Settings,
) -> ValidatedRequest:
    path, query, provided, errors = _parameters(operation, path_params, query_params, headers, settings)
    instance, errors_in_body, late_refusal = _body(operation, headers, body, settings)
    errors += errors_in_body
    if errors:
        raise problems.validation_error(errors)
    return ValidatedRequest(
        path=path, query=query, provided=frozenset(provided), body=instance, late_refusal=late_refusal
    )
