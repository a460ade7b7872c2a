"""The webhook receiver the harness hosts while it certifies the `events` class (EVT-005 … EVT-007).

A small threaded HTTP server, by default on a free port of 127.0.0.1. Each check subscribes its own
URL (`hook_url()`, ending in `/hooks/<token>`), so deliveries of one check never mix with
another's, and may ask the receiver to answer the first few deliveries of that URL with 500
(`fail_first`) to see the server retry. Every request is recorded with its arrival time, headers
and exact body bytes, since the signature is over those bytes. A URL may also be answered slowly
(`answer_after`), which keeps a delivery in flight for that long: what a server does while it waits
is then observable.

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
        self._delays: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("content-length") or 0), MAX_BODY)
                body = self.rfile.read(length)
                status = receiver._answer(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    receiver._deliveries.append(Delivery(_token(self.path), time.monotonic(), headers, body, status))
                    delay = receiver._delays.get(_token(self.path), 0.0)
                time.sleep(delay)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

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

    def answer_after(self, url: str, seconds: float) -> None:
        """Answer each delivery to `url` only `seconds` after it arrived (it is recorded on arrival)."""
        with self._lock:
            self._delays[_token(url)] = seconds

    def _answer(self, path: str) -> int:
        token = _token(path)
        with self._lock:
            left = self._failures.get(token, 0)
            if left > 0:
                self._failures[token] = left - 1
                return 500
        return 204

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
