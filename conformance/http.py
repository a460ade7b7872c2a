"""The one way checks talk to the server: an HTTP client that records and judges every exchange.

Going through this client is what makes "every response conforms to the spec" enforceable: each
response is validated (`validation.py`) and recorded (`evidence.py`) before the check even looks at
it. One `httpx.Client` with keep-alive serves the whole run; `RecordingClient` values are cheap
views on it that differ only in the check they record for and the token they present.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from json import loads as parse_json  # `json` is the body argument of the request methods
from typing import Any

import httpx

from .evidence import BODY_LIMIT, REDACTED, Exchange, redact_headers
from .validation import media_type, privacy_violations, spec_violations

QueryParams = Mapping[str, str | int | float | bool | list[str]]


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

    def __init__(self, raw: httpx.Response, exchange: Exchange) -> None:
        self._raw = raw
        self.exchange = exchange

    @property
    def status_code(self) -> int:
        return self._raw.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self._raw.headers

    @property
    def text(self) -> str:
        return self._raw.text

    @property
    def media_type(self) -> str | None:
        return media_type(self._raw.headers.get("content-type"))

    def json(self) -> Any:
        """The parsed body; raises ValueError when it is not JSON (`expect(...).json()` reports that)."""
        return self._raw.json()

    def __repr__(self) -> str:
        return f"<Response {self.exchange.request_line} -> {self.status_code}>"


@dataclass(frozen=True)
class RecordingClient:
    """Requests relative to the API root (`client.get("/facilities")`), recorded for one check."""

    http: httpx.Client
    recorder: Recorder
    api_root: str
    check_id: str = ""
    credential: Credential | None = None

    @classmethod
    def open(
        cls, api_root: str, *, timeout: float, recorder: Recorder, verify: bool | ssl.SSLContext = True
    ) -> RecordingClient:
        http = httpx.Client(base_url=api_root, timeout=timeout, follow_redirects=False, verify=verify)
        return cls(http=http, recorder=recorder, api_root=api_root)

    def close(self) -> None:
        self.http.close()

    def for_check(self, check_id: str) -> RecordingClient:
        return replace(self, check_id=check_id)

    def with_credential(self, credential: Credential | None) -> RecordingClient:
        return replace(self, credential=credential)

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
        try:
            raw = self.http.send(request)
        except httpx.TimeoutException:
            raise Unreachable(f"{method} {request.url}: no response within {self.http.timeout.read} s") from None
        except httpx.TransportError as exc:
            raise Unreachable(f"{method} {request.url}: {str(exc) or type(exc).__name__}") from None
        return Response(raw, self._record(request, raw, off_spec=off_spec))

    def _record(self, request: httpx.Request, raw: httpx.Response, *, off_spec: bool) -> Exchange:
        relative = _relative_path(request.url.path, self.http.base_url.path)
        response_headers = dict(raw.headers)
        body = raw.text
        token = _issued_token(body)
        recorded = body.replace(token, REDACTED) if token else body
        exchange = Exchange(
            check_id=self.check_id,
            method=request.method,
            url=str(request.url),
            request_headers=redact_headers(dict(request.headers)),
            request_body=_request_text(request.content),
            status=raw.status_code,
            response_headers=response_headers,
            response_body=recorded[:BODY_LIMIT],
            response_truncated=len(recorded) > BODY_LIMIT,
            elapsed_ms=raw.elapsed.total_seconds() * 1000,
            violations=spec_violations(
                request.method, relative, raw.status_code, response_headers, body, off_spec=off_spec
            ),
            token_request=self.credential.token_request if self.credential else None,
        )
        if exchange.anonymous:
            exchange.violations += privacy_violations(request.method, relative, body)
        self.recorder.record(exchange)
        return exchange


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
        token = parse_json(body).get("accessToken")
    except (ValueError, AttributeError):
        return None
    return token if isinstance(token, str) and token else None


def _relative_path(path: str, root: str) -> str:
    """`/v1/facilities` under root `/v1/` is `/facilities`, the form the spec's paths take."""
    root = root.rstrip("/")
    if not path.startswith(root):
        return path
    return path[len(root) :] or "/"
