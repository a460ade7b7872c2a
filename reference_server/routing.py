"""From the spec to Starlette routes, and the pipeline every API request goes through.

Routes are not written by hand: each path template of `openapi.yaml` becomes a route, and each of
its operations is served by the handler registered under its operationId. A request then passes,
in this order: method check (405, by Starlette), authentication (401), validation against the operation's
schemas (400/415), and only then the handler. Whatever goes wrong on the way ends as problem+json;
an unexpected exception is logged and answered with a 500 that reveals nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import spec
from reference_server import problems
from reference_server.auth import Identity, TokenService, authenticate
from reference_server.clock import ServerClock
from reference_server.settings import Settings
from reference_server.storage import Storage
from reference_server.validation import validate_request

log = logging.getLogger("reference_server")
MAX_BODY_BYTES = 1024 * 1024  # CORE-023


@dataclass(frozen=True)
class Services:
    """What a handler may use besides its request; one per application."""

    settings: Settings
    storage: Storage
    clock: ServerClock
    tokens: TokenService
    classes: tuple[str, ...]  # the conformance classes this instance serves


@dataclass(frozen=True)
class Call:
    """One validated request, as a handler sees it."""

    services: Services
    request: Request
    operation: spec.Operation
    identity: Identity | None
    path: dict[str, Any]
    query: dict[str, Any]
    provided: frozenset[str]
    body: Any

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def now(self) -> datetime:
        return self.services.clock.now()


Handler = Callable[[Call], Response]


def json_response(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status)


def _handle(
    services: Services, handler: Handler, operation: spec.Operation, request: Request, body: bytes, oversized: bool
) -> Response:
    settings = services.settings
    # The faulty shortcut: leave authentication of operations on one resource to the handler,
    # which looks the resource up first.
    deferred = settings.fault_active("not-found-before-unauthorized") and "{" in operation.path
    try:
        identity = authenticate(
            request.headers,
            anonymous_allowed=operation.anonymous_allowed or deferred,
            tokens=services.tokens,
            settings=settings,
        )
        if oversized:
            raise problems.payload_too_large(body_limit(operation))
        valid = validate_request(
            operation,
            path_params=request.path_params,
            query_params=request.query_params,
            headers=request.headers,
            body=body,
            settings=settings,
        )
        call = Call(services, request, operation, identity, valid.path, valid.query, valid.provided, valid.body)
        if deferred and identity is None and not operation.anonymous_allowed:
            return _looked_up_before_authenticating(handler, call)
        response = handler(call)
        if valid.late_refusal is not None:
            raise valid.late_refusal
        return response
    except problems.Problem as problem:
        return problems.problem_response(problem, request, settings)
    except Exception:
        log.exception("%s %s (%s) failed", request.method, request.url.path, operation.operation_id)
        return problems.problem_response(problems.internal_error(), request, settings)


def _looked_up_before_authenticating(handler: Handler, call: Call) -> Response:
    """The fault not-found-before-unauthorized for an anonymous caller: the handler's 404 for an
    unknown resource comes out; whatever else it would do (it has no identity to work with) ends
    in the 401 that should have come first."""
    try:
        handler(call)
    except problems.Problem as problem:
        if problem.status == 404:
            raise
    except Exception:  # the handler needed the identity it does not have: it got past the lookup
        pass
    raise problems.unauthorized("This operation needs a Bearer token.", token_presented=False)


def body_limit(operation: spec.Operation) -> int:
    """MAX_BODY_BYTES, unless the operation declares a larger `x-max-request-bytes` (a DAK file import)."""
    return int(operation.raw.get("x-max-request-bytes", MAX_BODY_BYTES))


async def _bounded_body(request: Request, settings: Settings, limit: int) -> tuple[bytes, bool]:
    """The body, or (b"", True) once it exceeds `limit` (CORE-023): read no further than that.

    A declared Content-Length over the limit is refused without reading a byte; a chunked body is
    counted as it arrives, so nobody can make the server buffer more than the limit.
    """
    if settings.fault_active("oversized-body-accepted"):
        return await request.body(), False
    if settings.fault_active("body-limit-exclusive"):
        limit -= 1
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
    return b"".join(chunks), False


def _endpoint(
    services: Services, operations: dict[str, spec.Operation], handlers: Mapping[str, Handler]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        # Starlette routes only the methods given below (405 otherwise) and HEAD along with GET.
        operation = operations["GET" if request.method == "HEAD" else request.method]
        body, oversized = b"", False
        if operation.request_body is not None:
            body, oversized = await _bounded_body(request, services.settings, body_limit(operation))
        # Handlers and storage are synchronous; keep them off the event loop.
        return await run_in_threadpool(
            _handle, services, handlers[operation.operation_id], operation, request, body, oversized
        )

    return endpoint


def api_routes(services: Services, handlers: Mapping[str, Handler]) -> list[Route]:
    """A route per path template of the spec that has at least one operation served here."""
    operations = spec.operations(services.settings.release)
    unknown = set(handlers) - {op.operation_id for op in operations}
    if unknown:
        raise RuntimeError(f"handlers for operations the spec does not define: {sorted(unknown)}")
    by_path: dict[str, dict[str, spec.Operation]] = {}
    for operation in operations:
        if operation.operation_id in handlers:
            by_path.setdefault(operation.path, {})[operation.method] = operation
    # Literal segments before templated ones, as the spec's own path matching does.
    ordered = sorted(by_path, key=lambda path: (path.count("{"), path))
    return [Route(path, _endpoint(services, by_path[path], handlers), methods=[*by_path[path]]) for path in ordered]
