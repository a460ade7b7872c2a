"""The application: wiring storage, clock, identity provider and the spec-driven routes together.

`create_app(settings)` is what tests call; `app_from_env` is the factory uvicorn imports in each
worker process (settings come through the environment, see settings.py).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache, partial

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, Router

import spec
from reference_server import problems
from reference_server.access import api as access_api
from reference_server.activities import api as activities
from reference_server.attendance import api as attendance
from reference_server.auth import TokenService
from reference_server.booking import api as booking_api
from reference_server.clock import ServerClock
from reference_server.core import api as core
from reference_server.cors import Cors
from reference_server.discovery import api as discovery
from reference_server.events import api as events_api
from reference_server.events import webhooks
from reference_server.grants import api as grants
from reference_server.payments import api as payments_api
from reference_server.response_headers import ResponseHeaders, response_headers
from reference_server.routing import Handler, Services, api_routes
from reference_server.season_allocation import api as season
from reference_server.settings import Settings
from reference_server.storage import Storage
from reference_server.test_interface import api as test_interface
from spec.governance.docs_site import render_reference

log = logging.getLogger("reference_server")


def _handlers(settings: Settings) -> dict[str, Handler]:
    """The handlers of the operations this instance implements: those of its classes, and of the
    operations that presuppose other classes (`x-only-with`) only when it implements those too."""
    every = {**core.HANDLERS, **discovery.HANDLERS, **booking_api.HANDLERS, **access_api.HANDLERS}
    every |= payments_api.HANDLERS | payments_api.TEST_HANDLERS | activities.HANDLERS | season.HANDLERS
    every |= grants.HANDLERS | attendance.HANDLERS | events_api.HANDLERS | webhooks.HANDLERS
    every |= test_interface.HANDLERS
    return {
        op.operation_id: every[op.operation_id]
        for op in spec.operations(settings.release)
        if op.operation_id in every and all(settings.implements(c) for c in (op.conformance_class, *op.only_with))
    }


def _served_classes(handlers: dict[str, Handler], release: spec.Release) -> tuple[str, ...]:
    """The classes whose every operation has a handler here, in the standard's order; an operation
    that presupposes other classes counts only when those are served too."""
    ops = spec.operations(release)

    def complete(cls: str, served: set[str]) -> bool:
        ids = {op.operation_id for op in ops if op.conformance_class == cls and set(op.only_with) <= served}
        return bool(ids) and ids <= set(handlers)

    classes = spec.class_ids(release)
    unconditional = {cls for cls in classes if complete(cls, set())}
    return tuple(cls for cls in classes if cls in unconditional and complete(cls, unconditional))


async def _http_exception(settings: Settings, request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no route) and 405 (method not routed), as problems."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        problem = problems.not_found(f"There is nothing at {request.url.path}.")
    elif exc.status_code == 405:
        # Starlette lists the allowed methods in set order; sort them for a stable header.
        allowed = sorted((exc.headers or {}).get("Allow", "").split(", "))
        problem = problems.method_not_allowed(request.method, allowed)
    else:
        problem = problems.Problem(exc.status_code, "error", exc.detail)
    return problems.problem_response(problem, request, settings)


async def _unexpected(settings: Settings, request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    response = problems.problem_response(problems.internal_error(), request, settings)
    response.headers.update(response_headers(settings, request.headers, response.status_code))
    return response


@cache
def _reference_html(served: frozenset[str], release: spec.Release) -> str:
    """GET /docs: the same rendering `bokbid spec docs` publishes, limited to what this instance serves."""
    return render_reference(
        spec.openapi(release),
        spec.requirements(release),
        spec.conformance(release),
        operation_ids=set(served),
        label=spec.version(release),
    )


def create_app(settings: Settings) -> Starlette:
    storage = Storage(settings.db)
    storage.prepare()
    clock = ServerClock(storage, settings)
    handlers = _handlers(settings)
    services = Services(
        settings=settings,
        storage=storage,
        clock=clock,
        tokens=TokenService(storage, clock, settings),
        classes=_served_classes(handlers, settings.release),
    )
    docs_html = _reference_html(frozenset(handlers), settings.release)

    async def openapi_document(request: Request) -> Response:
        return FileResponse(spec.spec_file(settings.release), media_type="application/yaml")

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(spec.openapi(settings.release))

    async def docs(request: Request) -> Response:
        return HTMLResponse(docs_html)

    api = Router(
        routes=[
            *api_routes(services, handlers),
            Route("/openapi.yaml", openapi_document, methods=["GET"]),
            Route("/openapi.json", openapi_json, methods=["GET"]),
        ],
        redirect_slashes=False,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Each process delivers webhooks (EVT-006) from its own worker; claims keep them from colliding.
        worker = webhooks.DeliveryWorker(storage, settings) if "events" in services.classes else None
        if worker is not None:
            worker.start()
        yield
        if worker is not None:
            worker.stop()
        storage.dispose()

    app = Starlette(
        routes=[Mount("/v1", app=api), Route("/docs", docs, methods=["GET"], name="docs")],
        exception_handlers={
            HTTPException: partial(_http_exception, settings),
            Exception: partial(_unexpected, settings),
        },
        middleware=[Middleware(ResponseHeaders, settings=settings), Middleware(Cors, settings=settings)],
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.services = services
    return app


def app_from_env() -> Starlette:
    return create_app(Settings.from_env())
