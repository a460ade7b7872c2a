"""Calls from browser apps on other origins (CORE-030).

Starlette's CORS middleware speaks the protocol; what it allows comes from the release served:
every method the standard uses, every request header it defines (the token, the body's media
type, Idempotency-Key), and every response header it defines exposed, so that an app can read
API-Version and the Bearer challenge. A preflight asking for more than that, or from an origin the
operator did not allow, is refused as a problem (403) rather than with Starlette's plain-text 400.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import spec
from reference_server import problems
from reference_server.settings import Settings

PREFLIGHT_MAX_AGE = 600  # seconds a browser may reuse a preflight's answer


class Cors(CORSMiddleware):
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        operations = spec.operations(settings.release)
        allowed_headers = {name for op in operations for name in op.request_headers}
        if settings.fault_active("cors-idempotency-key-not-allowed"):
            # The custom header forgotten in a hand-kept list: browsers cannot create anything.
            allowed_headers.discard("Idempotency-Key")
        super().__init__(
            app,
            allow_origins=settings.cors_origins,
            allow_methods=sorted({op.method for op in operations}),
            allow_headers=sorted(allowed_headers),
            expose_headers=spec.response_headers(settings.release),
            max_age=PREFLIGHT_MAX_AGE,
        )
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        preflight = scope["method"] == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers
        if preflight and self.settings.fault_active("cors-preflight-unanswered"):
            # CORS headers added to answers, but OPTIONS routed like any method: the router's 405.
            await self.app(scope, receive, send)
        elif preflight:
            response = self.preflight_response(request_headers=headers)
            if response.status_code >= 400:
                refused = response.body.decode().removeprefix("Disallowed CORS ")
                detail = f"This cross-origin request is not allowed here (refused: {refused})."
                response = problems.problem_response(problems.forbidden(detail), Request(scope), self.settings)
                response.headers["Vary"] = "Origin"
            await response(scope, receive, send)
        else:
            await self.simple_response(scope, receive, send, request_headers=headers)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        if (
            message["type"] == "http.response.start"
            and message["status"] >= 400
            and self.settings.fault_active("cors-errors-without-headers")
        ):
            # CORS headers set by the handlers of successful answers only: an app sees a CORS
            # error instead of the 401 or 409 the problem describes.
            await send(message)
            return
        await super().send(message, send, request_headers)
