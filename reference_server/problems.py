"""RFC 9457 problem details: the one shape every error of the API takes.

Handlers and the request pipeline raise `Problem`; only `problem_response` turns it into HTTP, so
the content type, the `urn:bob:problem:<code>` type and the `status` member can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from reference_server.settings import Settings

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    "validation-error": "The request is invalid",
    "unauthorized": "Authentication required",
    "forbidden": "Not allowed",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "payload-too-large": "Payload too large",
    "unsupported-media-type": "Unsupported media type",
    "internal-error": "Internal server error",
}


@dataclass(frozen=True)
class FieldError:
    """One offending parameter (`name`) or body member (`pointer`), as listed in `errors`."""

    location: str  # path | query | header | body
    detail: str
    name: str | None = None
    pointer: str | None = None

    def as_json(self) -> dict[str, str]:
        out = {"in": self.location}
        if self.name is not None:
            out["name"] = self.name
        if self.pointer is not None:
            out["pointer"] = self.pointer
        out["detail"] = self.detail
        return out

    def summary(self) -> str:
        if self.location == "body":
            return f"body member '{self.pointer}': {self.detail}" if self.pointer else f"body: {self.detail}"
        return f"{self.location} parameter '{self.name}': {self.detail}"


@dataclass
class Problem(Exception):
    status: int
    code: str
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail}"


def validation_error(errors: list[FieldError]) -> Problem:
    return Problem(400, "validation-error", "; ".join(e.summary() for e in errors), errors)


def body_error(pointer: str, detail: str) -> Problem:
    return validation_error([FieldError("body", detail, pointer=pointer)])


def unauthorized(detail: str, *, token_presented: bool) -> Problem:
    # RFC 6750: a bare challenge when no credentials came, invalid_token when bad ones did.
    challenge = 'Bearer error="invalid_token"' if token_presented else "Bearer"
    return Problem(401, "unauthorized", detail, headers={"WWW-Authenticate": challenge})


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", detail)


def not_found(detail: str) -> Problem:
    return Problem(404, "not-found", detail)


def method_not_allowed(method: str, allowed: list[str]) -> Problem:
    return Problem(
        405,
        "method-not-allowed",
        f"{method} is not supported here; use {', '.join(allowed)}.",
        headers={"Allow": ", ".join(allowed)},
    )


def payload_too_large(limit: int) -> Problem:
    return Problem(413, "payload-too-large", f"The request body is larger than {limit} bytes.")


def unsupported_media_type(detail: str) -> Problem:
    return Problem(415, "unsupported-media-type", detail)


def internal_error() -> Problem:
    return Problem(500, "internal-error", "The server met an unexpected condition; the error has been logged.")


def problem_response(problem: Problem, request: Request, settings: Settings) -> Response:
    if settings.fault_active("plain-text-errors"):
        # A framework's default error page, as many servers ship it.
        return PlainTextResponse(HTTPStatus(problem.status).phrase, problem.status, headers=problem.headers)
    instance = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body: dict[str, Any] = {
        "type": f"urn:bob:problem:{problem.code}",
        "title": _TITLES.get(problem.code, HTTPStatus(problem.status).phrase),
        "status": problem.status,
        "detail": problem.detail,
        "instance": instance,
    }
    if problem.errors:
        body["errors"] = [e.as_json() for e in problem.errors]
    return JSONResponse(body, problem.status, headers=problem.headers, media_type=PROBLEM_JSON)
