"""The one way checks talk to the server: an HTTP client that records and judges every exchange.

Going through this client is what makes "every response conforms to the spec" enforceable: each
response is validated (`validation.py`) and recorded (`evidence.py`) before the check even looks at
it. One `httpx.Client` with keep-alive serves the whole run; `RecordingClient` values are cheap
views on it that differ only in the check they record for and the token they present.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

import spec

from . import json_bodies
from .evidence import BODY_LIMIT, REDACTED, Exchange, Violation, redact_headers
from .validation import charset, encoding_violations, media_type, privacy_violations, spec_violations

QueryParams = Mapping[str, str | int | float | bool | list[str]]
# No page of the standard comes near this; a server sending more is not read any further, so one
# endless or enormous body cannot exhaust the harness's memory and take the verdict with it.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024


class Unreachable(Exception):
    """No response at all (refused, reset, timed out): a fact about the server, not a check verdict."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Credential:
    """A Bearer token, and the /test/tokens request that minted it when the harness did."""

    token: str
    token_request: dict[str, Any] | None = None


@dataclass
class Recorder:
    """Every exchange of the run, in order: the evidence log and the source of aggregate verdicts.

    Observers see each exchange as it is recorded (the run state follows the sandbox's clock and
    resets that way, whichever request caused them).
    """

    exchanges: list[Exchange] = field(default_factory=list)
    observers: list[Callable[[Exchange], None]] = field(default_factory=list)

    def record(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        for observe in self.observers:
            observe(exchange)


class Response:
    """A received response together with the recorded exchange, so assertions can cite it."""

    def __init__(self, received: Received, text: str, exchange: Exchange) -> None:
        self.status_code = received.status_code
        self.headers = received.headers
        self.content = received.content
        self.text = text  # in the declared charset (UTF-8 by default), bad bytes as U+FFFD
        self.exchange = exchange

    @property
    def media_type(self) -> str | None:
        return media_type(self.headers.get("content-type"))

    def json(self) -> Any:
        """The parsed body; raises ValueError when it is not JSON, or nests too deep to inspect
        (`expect(...).json()` reports that)."""
        return json_bodies.loads(self.content)

    def __repr__(self) -> str:
        return f"<Response {self.exchange.request_line} -> {self.status_code}>"


@dataclass(frozen=True)
class RecordingClient:
    """Requests relative to the API root (`client.get("/facilities")`), recorded for one check.

    Responses are judged by `release`, the version of the standard the run certifies against. It is
    None only while the run reads /api-info to learn which release the server states: that response
    is recorded unjudged, and judged when the check of CORE-001 asks for it again.
    """

    http: httpx.Client
    recorder: Recorder
    api_root: str
    check_id: str = ""
    credential: Credential | None = None
    release: spec.Release | None = spec.WORKING

    @classmethod
    def open(
        cls,
        api_root: str,
        *,
        timeout: float,
        recorder: Recorder,
        release: spec.Release | None = spec.WORKING,
        verify: bool | ssl.SSLContext = True,
    ) -> RecordingClient:
        http = httpx.Client(base_url=api_root, timeout=timeout, follow_redirects=False, verify=verify)
        return cls(http=http, recorder=recorder, api_root=api_root, release=release)

    def close(self) -> None:
        self.http.close()

    def for_check(self, check_id: str) -> RecordingClient:
        return replace(self, check_id=check_id)

    def with_credential(self, credential: Credential | None) -> RecordingClient:
        return replace(self, credential=credential)

    def judging_by(self, release: spec.Release) -> RecordingClient:
        return replace(self, release=release)

    def responds(self) -> bool:
        """After a lost connection: is the server still there (then only that one request failed)?"""
        try:
            self.get("/api-info")
        except Unreachable:
            return False
        return True

    def get(self, path: str, *, params: QueryParams | None = None, **kwargs: Any) -> Response:
        return self.request("GET", path, params=params, **kwargs)

    def post(self, path: str, *, json: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, *, json: Any = None, **kwargs: Any) -> Response:
        return self.request("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        content: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        off_spec: bool = False,
    ) -> Response:
        """Send, record and validate one request.

        `path` is relative to the API root and starts with '/'. `content` sends a raw body (for
        malformed-JSON or wrong-media-type checks). `off_spec=True` declares that the request
        deliberately leaves the documented surface (see `validation.spec_violations`).
        """
        if not path.startswith("/"):
            raise ValueError(f"paths are relative to the API root and start with '/': {path!r}")
        sent_headers = dict(headers or {})
        if self.credential is not None:
            sent_headers["Authorization"] = f"Bearer {self.credential.token}"
        request = self.http.build_request(method, path, params=params, json=json, content=content, headers=sent_headers)
        received = receive(self.http, request)
        text = _decode(received.content, received.headers)
        return Response(received, text, self._record(request, received, text, off_spec=off_spec))

    def _record(self, request: httpx.Request, received: Received, body: str, *, off_spec: bool) -> Exchange:
        relative = _relative_path(request.url.path, self.http.base_url.path)
        response_headers = dict(received.headers)
        token = _issued_token(body)
        recorded = body.replace(token, REDACTED) if token else body
        violations = [Violation("spec", finding) for finding in received.findings]
        violations += encoding_violations(response_headers, received.content)
        if self.release is not None and not _preflight(request):
            violations += spec_violations(
                request.method,
                relative,
                received.status_code,
                response_headers,
                body,
                release=self.release,
                off_spec=off_spec,
            )
        exchange = Exchange(
            check_id=self.check_id,
            method=request.method,
            url=str(request.url),
            request_headers=redact_headers(dict(request.headers)),
            request_body=_request_text(request.content),
            status=received.status_code,
            response_headers=response_headers,
            response_body=recorded[:BODY_LIMIT],
            response_truncated=len(recorded) > BODY_LIMIT,
            elapsed_ms=received.elapsed_ms,
            violations=violations,
            token_request=self.credential.token_request if self.credential else None,
        )
        if exchange.anonymous and self.release is not None:
            exchange.violations += privacy_violations(request.method, relative, body, self.release)
        self.recorder.record(exchange)
        return exchange


@dataclass(frozen=True)
class Received:
    """A response as read off the wire, and what went wrong reading it (recorded as violations)."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    elapsed_ms: float
    findings: list[str]


def receive(http: httpx.Client, request: httpx.Request) -> Received:
    """The response to `request`, read to its end, to MAX_RESPONSE_BYTES or to the timeout, whichever
    comes first (the harness's requests and `bokbid replay`'s alike).

    httpx's timeout bounds each wait for the next bytes; the deadline bounds the whole response,
    so a server trickling a byte at a time cannot hold the run either.
    """
    timeout = http.timeout.read or 0.0
    deadline = time.monotonic() + timeout
    where = f"{request.method} {request.url}"
    findings: list[str] = []
    chunks: list[bytes] = []
    size = 0
    try:
        raw = http.send(request, stream=True)
        try:
            for chunk in raw.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    findings.append(f"body larger than {MAX_RESPONSE_BYTES // 2**20} MiB; not read any further")
                    break
                if timeout and time.monotonic() > deadline:
                    raise Unreachable(f"{where}: no complete response within {timeout} s")
        except httpx.DecodingError as exc:
            chunks = []
            findings.append(f"body cannot be decoded as its Content-Encoding says: {exc}")
        finally:
            raw.close()
    except httpx.TimeoutException:
        raise Unreachable(f"{where}: no response within {timeout} s") from None
    except httpx.TransportError as exc:
        raise Unreachable(f"{where}: {str(exc) or type(exc).__name__}") from None
    content = b"".join(chunks)[:MAX_RESPONSE_BYTES]
    elapsed = raw.elapsed.total_seconds() * 1000
    return Received(raw.status_code, raw.headers, content, elapsed, findings)


def _decode(content: bytes, headers: httpx.Headers) -> str:
    """The body as text, in its declared charset (UTF-8 when none or an unknown one); bad bytes become U+FFFD."""
    try:
        return content.decode(charset(headers.get("content-type")) or "utf-8", errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


def _request_text(content: bytes) -> str | None:
    """The request body as recorded: cut at BODY_LIMIT (an oversized-body check sends over 1 MiB)."""
    if not content:
        return None
    text = content[:BODY_LIMIT].decode("utf-8", "replace")
    if len(content) > BODY_LIMIT:
        text += f"… [truncated: {len(content)} bytes in all]"
    return text


def _issued_token(body: str) -> str | None:
    """The token in a token response (`{"accessToken": …}`), which must never reach the evidence."""
    if '"accessToken"' not in body:
        return None
    try:
        token = json_bodies.loads(body).get("accessToken")
    except (ValueError, AttributeError):
        return None
    return token if isinstance(token, str) and token else None


def _preflight(request: httpx.Request) -> bool:
    """A CORS preflight: the browser's question before a cross-origin call, which the standard
    governs by CORE-030 (judged by its checks), not as an operation."""
    return request.method == "OPTIONS" and "access-control-request-method" in request.headers


def _relative_path(path: str, root: str) -> str:
    """`/v1/facilities` under root `/v1/` is `/facilities`, the form the spec's paths take."""
    root = root.rstrip("/")
    if not path.startswith(root):
        return path
    return path[len(root) :] or "/"
