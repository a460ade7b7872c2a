"""A client app's webhook receiver, conforming or with one flaw, for the tests of `certify-client`.

It stands in for a supplier's app: it verifies a delivery's signature with its subscription's
secret, refuses a timestamp beyond the spec's tolerance, acknowledges a repeated `webhook-id` without
acting on it again, and acts on an event by fetching its resource at `href` through the app's API
root (the recording proxy) with the app's token. Each flaw switches one of those duties off, as a
careless app would, so the tests can show `certify-client` reports it on the requirement it breaks.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

from spec import webhook_signatures


@dataclass(frozen=True)
class Flaws:
    any_signature: bool = False  # acts on deliveries whatever their signature (EVT-008)
    any_timestamp: bool = False  # acts on stale and future timestamps (EVT-009)
    acts_on_repeats: bool = False  # processes every delivery of a webhook-id (EVT-010)
    never_fetches: bool = False  # acts on events without fetching anything: de-duplication unobservable


class AppReceiver:
    """The receiver on a free port of 127.0.0.1; `flaws` may be changed between runs."""

    def __init__(self, api_root: str, token: str) -> None:
        parts = urlsplit(api_root)
        self.origin = f"{parts.scheme}://{parts.netloc}"  # an event's href is a path from the server's root
        self.token = token
        self.secret = ""
        self.flaws = Flaws()
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                status = receiver._handle({k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/bob-hooks"

    def reset(self, flaws: Flaws) -> None:
        """A fresh app for the next run: these flaws, nothing processed yet."""
        with self._lock:
            self.flaws, self._seen = flaws, set()

    def _handle(self, headers: dict[str, str], body: bytes) -> int:
        message_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
        signature = headers.get("webhook-signature", "")
        flaws = self.flaws
        if not flaws.any_signature and not webhook_signatures.verifies(self.secret, message_id, stamp, body, signature):
            return 401
        tolerance = webhook_signatures.timestamp_tolerance()
        if not flaws.any_timestamp and not (stamp.isdigit() and abs(int(stamp) - time.time()) <= tolerance):
            return 400
        with self._lock:
            repeat = message_id in self._seen
            self._seen.add(message_id)
        if repeat and not flaws.acts_on_repeats:
            return 204
        if not flaws.never_fetches:
            href = json.loads(body)["resource"]["href"]
            httpx.get(self.origin + href, headers={"Authorization": f"Bearer {self.token}"}, timeout=10)
        return 204

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
