"""`bokbid proxy`: a validating reverse proxy that records a client app's traffic for certification.

Client apps (Kundens processtöd) cannot be called by a harness; they call servers. So they are
certified by what they send: the supplier points the app at this proxy, which forwards every
request unchanged to a real server (the reference server or any certified sandbox) and appends
each exchange to a JSON-lines log, together with how the request breaks the spec. The client sees
exactly the upstream's answers; `bokbid certify-client LOG` judges the log afterwards.

Secrets and personal data never reach the log: the Authorization header keeps only its scheme and
the token's persona, a webhook subscription's secret (`whsec_…`) is masked, and personnummer are
masked (after the URL has been checked for them).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from .evidence import BODY_LIMIT, REDACTED
from .personnummer import redact
from .validation import request_violations

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# A webhook subscription's signing secret, as POST /webhook-subscriptions answers it.
_WEBHOOK_SECRET = re.compile(r"whsec_[A-Za-z0-9+/]+={0,2}")
# Hop-by-hop headers (RFC 9110 §7.6.1) and those httpx sets itself are not forwarded.
_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length"})


def _persona(authorization: str | None) -> str | None:
    """The persona claim of a Bearer JWT, read without verification (the upstream verifies)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    try:
        payload = authorization.split(" ", 1)[1].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    persona = claims.get("persona") if isinstance(claims, dict) else None
    return persona if isinstance(persona, str) else None


def _text(body: bytes) -> str:
    text = _WEBHOOK_SECRET.sub(f"whsec_{REDACTED}", redact(body[:BODY_LIMIT].decode("utf-8", "replace")))
    return text + ("… [truncated]" if len(body) > BODY_LIMIT else "")


class ValidatingProxy:
    """The ASGI application: forward, record, validate."""

    def __init__(self, upstream: str, log: Path, *, timeout: float = 30.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.root = urlsplit(self.upstream).path.rstrip("/")  # e.g. /v1: the same root on both sides
        self.log = log
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._sequence = 0
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path: str = scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        target = self.upstream + path.removeprefix(self.root) + (f"?{query}" if query else "")
        forwarded = {k: v for k, v in headers.items() if k not in _HOP}
        started = time.perf_counter()
        try:
            upstream = await self._client.request(scope["method"], target, headers=forwarded, content=body)
            status, response_headers, content = upstream.status_code, dict(upstream.headers), upstream.content
        except httpx.HTTPError as exc:
            status, response_headers = 502, {"content-type": "text/plain"}
            content = f"bokbid proxy: the upstream did not answer: {exc}".encode()
        self._record(scope["method"], path, query, headers, body, status, response_headers, content, started)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (k.encode("latin-1"), v.encode("latin-1"))
                    for k, v in response_headers.items()
                    if k.lower() not in _HOP | {"content-encoding"}
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _record(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        status: int,
        response_headers: dict[str, str],
        content: bytes,
        started: float,
    ) -> None:
        relative = path.removeprefix(self.root) or "/"
        parameters = parse_qs(query, keep_blank_values=True)
        operation, violations = request_violations(method, relative, parameters, headers, body)
        shown_headers = {k: v for k, v in headers.items() if k not in _HOP}
        if "authorization" in shown_headers:
            shown_headers["authorization"] = shown_headers["authorization"].split(" ", 1)[0] + " " + REDACTED
        with self._lock:
            self._sequence += 1
            record = {
                "sequence": self._sequence,
                "elapsedMs": round((time.perf_counter() - started) * 1000, 1),
                "operationId": operation.operation_id if operation else None,
                "persona": _persona(headers.get("authorization")),
                "request": {
                    "method": method,
                    "path": redact(relative),
                    "query": redact(query),
                    "headers": shown_headers,
                    "body": _text(body) if body else None,
                    "bodyDigest": hash_body(method, relative, query, body),
                },
                "response": {
                    "status": status,
                    "contentType": response_headers.get("content-type"),
                    "body": _text(content) if content else None,
                },
                "violations": [{"kind": v.kind, "message": v.message} for v in violations],
            }
            with self.log.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")


def hash_body(method: str, path: str, query: str, body: bytes) -> str:
    """A fingerprint of the whole request, so a blind retry of the same request can be recognised."""
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), query.encode(), body])).hexdigest()[:16]
