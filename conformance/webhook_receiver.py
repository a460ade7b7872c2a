"""The webhook receiver the harness hosts while it certifies the `events` class (EVT-005 … EVT-007).

A small threaded HTTP server, by default on a free port of 127.0.0.1. Each check subscribes its own
URL (`hook_url()`, ending in `/hooks/<token>`), so deliveries of one check never mix with
another's, and may ask the receiver to answer the first few deliveries of that URL with 500
(`fail_first`) to see the server retry, or to hold deliveries before answering them 204
(`answer_after`): held past the sender's timeout, a delivery must be retried; held briefly, it keeps
deliveries in flight, so what a server does meanwhile is observable. Every request is recorded with
its arrival time, headers and exact body bytes, since the signature is over those bytes.

A sandbox that can only call public addresses is given URLs under a public `callback_url` that a
tunnel or reverse proxy forwards to the address the receiver listens on. Deliveries are told apart
by the token at the end of their path, so a proxy may add or strip a prefix on the way.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from spec import webhook_signatures

MAX_BODY = 1_000_000  # a delivery is one event; more is not a delivery


@dataclass(frozen=True)
class Delivery:
    token: str  # the subscription's, from the end of the path
    received_at: float  # time.monotonic()
    headers: dict[str, str]  # names in lower case
    body: bytes
    answered: int
    held: float = 0.0  # seconds the receiver kept the sender waiting before answering (answer_after)


def _token(url_or_path: str) -> str:
    """The subscription's token: what follows the last `/hooks/` of a hook URL or a delivery's path."""
    return url_or_path.partition("?")[0].rpartition("/hooks/")[2]


class Receiver:
    def __init__(self, listen: tuple[str, int] = ("127.0.0.1", 0), callback_url: str | None = None) -> None:
        """Listen on `listen` (port 0: a free one); hand out hook URLs under `callback_url` if given,
        else under the receiver's own address."""
        self._callback_url = callback_url.rstrip("/") if callback_url else None
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._failures: dict[str, int] = {}
        self._holds: dict[str, tuple[float, int | None]] = {}  # token -> (seconds, how many more; None: all)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("content-length") or 0), MAX_BODY)
                body = self.rfile.read(length)
                token = _token(self.path)
                status, hold = receiver._answer(token)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    delivery = Delivery(token, time.monotonic(), headers, body, status, hold)
                    receiver._deliveries.append(delivery)
                time.sleep(hold)
                try:
                    self.send_response(status)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up on a held delivery, as it should

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the evidence is what the checks record."""

        self._server = ThreadingHTTPServer(listen, Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        """Where subscriptions point: the public callback URL, or the address the receiver listens on."""
        if self._callback_url:
            return self._callback_url
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def hook_url(self) -> str:
        """A fresh URL for one subscription."""
        return f"{self.base_url}/hooks/{uuid.uuid4()}"

    def fail_first(self, url: str, count: int) -> None:
        """Answer the first `count` deliveries to `url` with 500."""
        with self._lock:
            self._failures[_token(url)] = count

    def answer_after(self, url: str, seconds: float, first: int | None = None) -> None:
        """Hold the first `first` deliveries to `url` (None: every one) for `seconds`, then answer 204.
        Success, however late: a sender that waits longer than the standard lets it sees a delivered
        event, so only giving up in time makes it retry. A held delivery is not one of `fail_first`'s.
        Each is recorded on arrival."""
        with self._lock:
            self._holds[_token(url)] = (seconds, first)

    def _answer(self, token: str) -> tuple[int, float]:
        """The status to answer a delivery of subscription `token` with, and how long to hold it first."""
        with self._lock:
            seconds, left = self._holds.get(token, (0.0, 0))
            if seconds and (left is None or left > 0):
                if left is not None:
                    self._holds[token] = (seconds, left - 1)
                return 204, seconds
            failures = self._failures.get(token, 0)
            if failures > 0:
                self._failures[token] = failures - 1
                return 500, 0.0
        return 204, 0.0

    def deliveries(self, url: str) -> list[Delivery]:
        token = _token(url)
        with self._lock:
            return [d for d in self._deliveries if d.token == token]

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
    headers = delivery.headers
    return webhook_signatures.verifies(
        secret,
        headers.get("webhook-id", ""),
        headers.get("webhook-timestamp", ""),
        delivery.body,
        headers.get("webhook-signature", ""),
    )
