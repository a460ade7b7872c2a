"""What one request and its response looked like, kept as evidence for the report.

Every exchange the harness makes is recorded so that a failure can show exactly what was sent and
received, and so that `evidence.jsonl` pins a whole run. Records are redacted on the way in
(Authorization header, issued tokens) because reports are shared with suppliers and kept in CI.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from . import json_bodies

BODY_LIMIT = 64 * 1024
REDACTED = "<redacted>"
TOKEN_PLACEHOLDER = "$TOKEN"
# A reproduced request carries a key of its own (see Exchange.curl), drawn by this line.
FRESH_IDEMPOTENCY_KEY = "IDEMPOTENCY_KEY=$(python3 -c 'import uuid; print(uuid.uuid4())')"

# Headers httpx adds by itself: noise when reproducing a request by hand.
_TRANSPORT_HEADERS = frozenset({"host", "content-length", "accept-encoding", "connection", "user-agent"})


@dataclass(frozen=True)
class Violation:
    """One way a response breaks the standard, found without the check asking for it."""

    kind: Literal["spec", "privacy"]
    message: str


@dataclass
class Exchange:
    """One request and its response as recorded (redacted), with what the automatic checks found."""

    check_id: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int
    response_headers: dict[str, str]
    response_body: str
    response_truncated: bool
    elapsed_ms: float
    violations: list[Violation] = field(default_factory=list)
    # The body POSTed to /test/tokens for the token this request carried, so a reader can mint an
    # equivalent token to reproduce the request (the token itself is never recorded).
    token_request: dict[str, Any] | None = None

    @property
    def anonymous(self) -> bool:
        return "authorization" not in self.request_headers

    @property
    def request_line(self) -> str:
        return f"{self.method} {self.url}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "checkId": self.check_id,
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": self.request_headers,
                "body": self.request_body,
            },
            "response": {
                "status": self.status,
                "headers": self.response_headers,
                "body": self.response_body,
                "truncated": self.response_truncated,
                "elapsedMs": round(self.elapsed_ms, 1),
            },
            "violations": [asdict(v) for v in self.violations],
            "tokenRequest": self.token_request,
        }

    def request_summary(self) -> dict[str, Any]:
        return self.to_dict()["request"]

    def response_summary(self) -> dict[str, Any]:
        return self.to_dict()["response"]

    def request_text(self) -> str:
        """The request as HTTP-like text, body pretty-printed when it is JSON."""
        lines = [self.request_line]
        lines += [f"{name}: {value}" for name, value in self.request_headers.items()]
        if self.request_body:
            lines += ["", pretty_body(self.request_body)]
        return "\n".join(lines)

    def response_text(self) -> str:
        """The response as HTTP-like text, body pretty-printed when it is JSON."""
        lines = [f"HTTP {self.status}  ({self.elapsed_ms:.0f} ms)"]
        lines += [f"{name}: {value}" for name, value in self.response_headers.items()]
        if self.response_body:
            lines += ["", pretty_body(self.response_body)]
        if self.response_truncated:
            lines.append(f"… (truncated at {BODY_LIMIT // 1024} KiB)")
        return "\n".join(lines)

    def curl(self, api_root: str) -> str:
        """A shell command that repeats the request; the token is `$TOKEN`, minted first if we know how.

        A recorded Idempotency-Key is never sent again: the server would replay the answer it stored
        for that key instead of handling the request, so the command would show that first answer,
        not the behaviour that failed. The command draws a fresh key into `$IDEMPOTENCY_KEY` first,
        with python3 (minting a token needs it anyway; `uuidgen` is missing from many minimal systems
        and /proc/sys/kernel/random/uuid from all but Linux); running its last line again is a retry
        with that same key.
        """
        parts = ["curl", "-sS", "-i", "-X", self.method, shlex.quote(self.url)]
        lines: list[str] = []
        if self.token_request is not None:
            lines.append(_mint_token(api_root, self.token_request))
        for name, value in self.request_headers.items():
            if name in _TRANSPORT_HEADERS or (name == "accept" and value == "*/*"):
                continue
            if name == "authorization":
                parts += ["-H", f'"authorization: Bearer {TOKEN_PLACEHOLDER}"']
            elif name.lower() == "idempotency-key":
                lines.append(FRESH_IDEMPOTENCY_KEY)
                parts += ["-H", f'"{name}: $IDEMPOTENCY_KEY"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.request_body is not None:
            parts += ["--data-raw", shlex.quote(self.request_body)]
        return "\n".join([*lines, " ".join(parts)])


def _mint_token(api_root: str, token_request: dict[str, Any]) -> str:
    """The line that asks the sandbox's /test/tokens for a token like the one the harness used."""
    mint = " ".join(
        [
            "curl",
            "-sS",
            "-X",
            "POST",
            shlex.quote(f"{api_root}/test/tokens"),
            "-H",
            shlex.quote("content-type: application/json"),
            "--data-raw",
            shlex.quote(json.dumps(token_request, ensure_ascii=False)),
        ]
    )
    extract = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"accessToken\"])'"
    return f"TOKEN=$({mint} | {extract})"


def pretty_body(text: str) -> str:
    """JSON re-indented for people; anything else (or JSON too deep to inspect) as it came."""
    try:
        return json.dumps(json_bodies.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Authorization keeps its scheme so a reader sees which kind of credential was sent."""
    out = dict(headers)
    if "authorization" in out:
        scheme = out["authorization"].split(" ", 1)[0] or "Bearer"
        out["authorization"] = f"{scheme} {REDACTED}"
    return out
