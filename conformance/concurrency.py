"""Firing requests at the same moment, each on its own connection, still recorded and validated.

A server that checks for a conflict and then writes in a separate step lets two simultaneous
requests through; only requests that really arrive together show it. So every request gets its
own `httpx.Client` (its own connection, opened beforehand with a warm-up call) and the threads are
released together by a barrier. Each client is a view of the check's `RecordingClient`, so the
exchanges land in the evidence log and are judged against the spec like any other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

import httpx

from .http import RecordingClient, Response


def simultaneously(
    clients: Sequence[RecordingClient], send: Callable[[RecordingClient, int], Response]
) -> list[Response]:
    """`send(client, i)` for every client at once; the responses in the clients' order."""
    own = [
        replace(client, http=httpx.Client(base_url=client.http.base_url, timeout=client.http.timeout))
        for client in clients
    ]
    barrier = threading.Barrier(len(own))
    results: list[Response | None] = [None] * len(own)
    failures: list[BaseException] = []

    def run(i: int) -> None:
        try:
            own[i].get("/api-info")  # open the connection now, so that only the request itself is left
            barrier.wait(timeout=30)
            results[i] = send(own[i], i)
        except BaseException as exc:  # re-raised in the calling thread below
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(own))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for client in own:
            client.close()
    real = [f for f in failures if not isinstance(f, threading.BrokenBarrierError)]
    if real or failures:
        raise (real or failures)[0]
    return [r for r in results if r is not None]
