"""The webhook receiver the harness hosts while it certifies the `events` class (EVT-005 … EVT-007).

A small threaded HTTP server on a free port of 127.0.0.1. Each check subscribes its own path
(`hook_url()`), so deliveries of one check never mix with another's, and may ask the receiver to
answer the first few deliveries of that path with 500 (`fail_first`) or to hold the first one
unanswered past the sender's timeout (`stall_first`) to see the server retry.
Every request is recorded with its arrival time, headers and exact body bytes, since the signature
is over those bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1_000_000  # a delivery is one event; more is not a delivery


@dataclass(frozen=True)
class Delivery:
    path: str
    received_at: float  # time.monotonic()
    headers: dict[str, str]  # names in lower case
    body: bytes
    answered: int
    held: float = 0.0  # seconds the receiver kept the sender waiting before answering (stall_first)


class Receiver:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._failures: dict[str, int] = {}
        self._holds: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("content-length") or 0), MAX_BODY)
                body = self.rfile.read(length)
                status, hold = receiver._answer(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    receiver._deliveries.append(Delivery(self.path, time.monotonic(), headers, body, status, hold))
                time.sleep(hold)
                try:
                    self.send_response(status)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up on a held delivery, as it should

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the evidence is what the checks record."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def hook_url(self) -> str:
        """A fresh path for one subscription."""
        return f"{self.base_url}/hooks/{uuid.uuid4()}"

    def fail_first(self, url: str, count: int) -> None:
        """Answer the first `count` deliveries to `url` with 500."""
        with self._lock:
            self._failures[url.removeprefix(self.base_url)] = count

    def stall_first(self, url: str, seconds: float) -> None:
        """Hold the first delivery to `url` for `seconds` before answering it 204. Success, however late:
        a sender that waits longer than the standard lets it sees a delivered event, so only giving up
        in time makes it retry. The held delivery is not one of `fail_first`'s."""
        with self._lock:
            self._holds[url.removeprefix(self.base_url)] = seconds

    def _answer(self, path: str) -> tuple[int, float]:
        """The status to answer a delivery to `path` with, and how long to hold it before answering."""
        with self._lock:
            hold = self._holds.pop(path, 0.0)
            if hold:
                return 204, hold
            left = self._failures.get(path, 0)
            if left > 0:
                self._failures[path] = left - 1
                return 500, 0.0
        return 204, 0.0

    def deliveries(self, url: str) -> list[Delivery]:
        path = url.removeprefix(self.base_url)
        with self._lock:
            return [d for d in self._deliveries if d.path == path]

    def wait_for(self, url: str, count: int, timeout: float) -> list[Delivery]:
        """The deliveries to `url` once there are `count`, or all there are when `timeout` runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.deliveries(url)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.deliveries(url)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def verify(secret: str, delivery: Delivery) -> bool:
    """Whether the delivery carries a Standard Webhooks v1 signature by `secret` over id.timestamp.body."""
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        return False
    message_id = delivery.headers.get("webhook-id", "")
    timestamp = delivery.headers.get("webhook-timestamp", "")
    expected = hmac.new(key, f"{message_id}.{timestamp}.".encode() + delivery.body, hashlib.sha256).digest()
    wanted = base64.b64encode(expected).decode()
    offered = delivery.headers.get("webhook-signature", "").split()
    return any(
        version == "v1" and hmac.compare_digest(value, wanted)
        for version, _, value in (s.partition(",") for s in offered)
    )


_shared: Receiver | None = None
_shared_lock = threading.Lock()


def shared() -> Receiver:
    """The run's receiver, started on first use and left running for the run (a daemon thread)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Receiver()
        return _shared
