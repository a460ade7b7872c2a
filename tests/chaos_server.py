"""A product under test that misbehaves on purpose: the harness must still reach a verdict.

It answers `/api-info` and `/conformance` like a sandbox of the standard (so the harness believes
it and runs its checks), and everything else with one of the misbehaviours of `misbehaviours`,
dealt at random under a fixed seed like cards from a shuffled deck (so every one of them comes up
within any run of that many requests): server errors, bodies of 10 MB, JSON nested 100,000 levels
deep (and 900, which Python's parser still reads but recursive code cannot walk), invalid UTF-8,
lone surrogates, wrong content types, stalls just under and just over the harness's timeout,
connection resets and bodies cut short. It is a raw asyncio HTTP/1.1 server, because the worst of
these (a reset, a body shorter than its Content-Length) cannot be produced through an ASGI app.
This is a test double, not a fault of the reference server: no real supplier's mistake looks
like all of these at once.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import spec

BIG = 10 * 1024 * 1024
DEEP = 100_000
DEEPISH = 900  # below the json module's recursion limit, far beyond what recursive walkers survive


@dataclass(frozen=True)
class Answer:
    """What to do with one request: wait `stall` seconds, then send `raw` (None: reset the connection)."""

    raw: bytes | None
    stall: float = 0.0


def _http(status: int, body: bytes, content_type: str | None, length: int | None = None) -> bytes:
    head = [f"HTTP/1.1 {status} Chaos", f"Content-Length: {len(body) if length is None else length}"]
    if content_type is not None:
        head.append(f"Content-Type: {content_type}")
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _json(status: int, body: object, content_type: str = "application/json") -> bytes:
    return _http(status, json.dumps(body).encode(), content_type)


def _problem(status: int, code: str) -> bytes:
    body = {"type": f"urn:bob:problem:{code}", "title": code, "status": status, "detail": "chaos"}
    return _json(status, body, "application/problem+json")


def _nested(depth: int, key: str | None = None) -> bytes:
    """`[[[…]]]` (or `{"key": {"key": …}}`) `depth` levels deep."""
    if key is None:
        return b"[" * depth + b"]" * depth
    opening = json.dumps(key).encode() + b":"
    return (b"{" + opening) * depth + b"null" + b"}" * depth


def misbehaviours(timeout: float) -> dict[str, Callable[[], Answer]]:
    """Every way this server answers a request that is not /api-info or /conformance."""
    big_json = json.dumps({"items": ["x" * 1000] * (BIG // 1006), "page": 1}).encode()
    return {
        "server-error": lambda: Answer(_problem(500, "internal-error")),
        "bare-500": lambda: Answer(_http(500, b"Internal Server Error", "text/plain")),
        "not-found": lambda: Answer(_problem(404, "not-found")),
        "big-json": lambda: Answer(_http(200, big_json, "application/json")),
        "big-binary": lambda: Answer(_http(200, bytes(BIG), "application/octet-stream")),
        "deep-array": lambda: Answer(_http(500, _nested(DEEP), "application/problem+json")),
        "deep-object": lambda: Answer(_http(200, _nested(DEEP, "items"), "application/json")),
        "deepish-array": lambda: Answer(_http(400, _nested(DEEPISH), "application/problem+json")),
        "deepish-object": lambda: Answer(_http(200, _nested(DEEPISH, "items"), "application/json")),
        "invalid-utf8": lambda: Answer(_http(200, b'{"items": ["\xff\xfe\xc3\x28"], "page": 1}', "application/json")),
        "lone-surrogate": lambda: Answer(_http(400, b'{"type": "\\ud800", "detail": "\\udfff"}', "application/json")),
        "html": lambda: Answer(_http(200, b"<html><body>It works!</body></html>", "text/html")),
        "json-as-text": lambda: Answer(_http(200, b'{"items": []}', "text/plain")),
        "no-content-type": lambda: Answer(_http(200, b'{"items": []}', None)),
        "control-chars": lambda: Answer(_http(400, b'{"detail": "\\u0000\\u001b]0;x\\u0007"}', "application/json")),
        "stall-under-timeout": lambda: Answer(_problem(404, "not-found"), stall=timeout * 0.6),
        "stall-over-timeout": lambda: Answer(_problem(404, "not-found"), stall=timeout * 1.5),
        "reset": lambda: Answer(None),
        "cut-short": lambda: Answer(_http(200, b'{"items": [', "application/json", length=4096)),
    }


def _api_info() -> bytes:
    product = {"supplier": "Chaos AB", "name": "Kaos", "version": "6.6.6"}
    return _json(200, {"name": "Kaos", "apiVersion": spec.version(), "product": product})


def _conformance() -> bytes:
    return _json(200, {"apiVersion": spec.version(), "conformsTo": ["core", "discovery", "test-interface"]})


class ChaosServer:
    """The server on a free port of 127.0.0.1, in a thread of its own; `seen` counts what it did."""

    def __init__(self, seed: int, timeout: float) -> None:
        self._random = random.Random(seed)
        self._answers = misbehaviours(timeout)
        self._deck: list[str] = []
        self.seen: dict[str, int] = dict.fromkeys(self._answers, 0)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._run, name="chaos-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the chaos server did not start")

    @property
    def root(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/v1"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0, limit=1024 * 1024)
        )
        self._ready.set()
        self._loop.run_forever()
        self._server.close()
        pending = asyncio.all_tasks(self._loop)  # connections still stalling
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    def _choose(self, method: str, path: str) -> Answer:
        if method == "GET" and path.rstrip("/") == "/v1/api-info":
            return Answer(_api_info())
        if method == "GET" and path.rstrip("/") == "/v1/conformance":
            return Answer(_conformance())
        if not self._deck:
            self._deck = sorted(self._answers)
            self._random.shuffle(self._deck)
        name = self._deck.pop()
        self.seen[name] += 1
        return self._answers[name]()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, target, _ = request_line.split(" ", 2)
            headers = dict(line.split(":", 1) for line in header_lines if ":" in line)
            length = int({k.strip().lower(): v for k, v in headers.items()}.get("content-length", "0"))
            if length:
                await reader.readexactly(length)
            answer = self._choose(method, target.split("?", 1)[0])
            if answer.stall:
                await asyncio.sleep(answer.stall)
            if answer.raw is None:
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            writer.write(answer.raw)
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        except asyncio.CancelledError:  # the server stops while this connection stalls: end it quietly
            pass
        finally:
            writer.close()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@contextmanager
def chaos_server(seed: int, timeout: float) -> Iterator[ChaosServer]:
    server = ChaosServer(seed, timeout)
    try:
        yield server
    finally:
        server.stop()
