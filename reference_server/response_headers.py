"""The headers every response carries: `API-Version` (CORE-026) and those that protect what a
response holds (CORE-028, CORE-029).

`X-Content-Type-Options: nosniff` keeps a browser from running a response as another type than
the one declared; `Cache-Control: no-store` keeps personal data and tokens out of shared and
local caches. Whether a response holds personal data is known only to its handler, so the rule is
the one the standard gives: every answer to a request that presented a token, and every answer
that hands out a token (the handler that does says so itself, with `no_store`).
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_server.settings import Settings
from reference_server.version_header import api_version

NO_STORE = "no-store"


def _stores_nothing(settings: Settings) -> bool:
    """Whether the served release asks for no-store (CORE-029) and this server gives it."""
    return settings.states("CORE-029") and not settings.fault_active("authenticated-responses-cacheable")


def _protective_headers(settings: Settings, request: Headers) -> dict[str, str]:
    """The headers for a response to a request with headers `request` (none where the release lacks them)."""
    found = {}
    if settings.states("CORE-028") and not settings.fault_active("content-type-options-missing"):
        found["X-Content-Type-Options"] = "nosniff"
    if "authorization" in request and _stores_nothing(settings):
        found["Cache-Control"] = NO_STORE
    return found


def no_store(response: Response, settings: Settings) -> Response:
    """Mark a response that hands out a token as never to be cached (CORE-029)."""
    if _stores_nothing(settings):
        response.headers["Cache-Control"] = NO_STORE
    return response


def response_headers(settings: Settings, request: Headers, status: int) -> dict[str, str]:
    """Every header this module adds to a response of `status` to a request with headers `request`."""
    found = _protective_headers(settings, request)
    version = api_version(settings, status)
    if version is not None:
        found["API-Version"] = version
    return found


class ResponseHeaders:
    """Adds the headers as the response starts. Starlette answers an unhandled exception outside
    every middleware, so `app._unexpected` sets them on that one response itself."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in response_headers(self.settings, request, message["status"]).items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
