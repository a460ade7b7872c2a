"""Where the standard leaves a choice open, the harness accepts every choice – and nothing beyond it.

Each test runs one check of the harness against the reference server behind a thin ASGI layer that
answers one kind of request the way another product might: a choice the text allows must pass, a
step past it must fail. The reference server itself is untouched (no variant switch in a clean
server); the layer only rewrites responses, so everything else behaves as the text says.

A reading a release settled is held only against that release and later ones: certified against an
earlier release, a product may take any reading that release's text allowed (`settles` in the
catalogue).

The choices (docs/suppliers.md, "Decisions where the text was ambiguous"):
- GET /me may show claims of another persona as the token carries them, or leave them out (CORE-012);
- distanceMeters may differ from the haversine distance on the mean-radius sphere by 0.5 % or 5 m,
  whichever is larger, so a server may round or measure on the WGS84 ellipsoid (DISC-005);
- a persona that may never perform an operation, sending a malformed id, may get 400 or 403 first:
  both are judged from the request alone (CORE-027), while 404 must come after both.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import uvicorn
from test_server_support import sqlite_url

import spec
from conformance.config import Budget
from conformance.registry import all_checks
from conformance.runner import run_certification
from reference_server.app import create_app
from reference_server.settings import Settings

# (method, path below /v1, query, status, body) -> (status, body) as the other product answers.
Rewrite = Callable[[str, str, dict[str, list[str]], int, Any], tuple[int, Any]]

OWN_CLAIMS = {
    "citizen": {"personId"},
    "organisation-representative": {"personId", "organisationId", "role"},
    "facility-administrator": {"municipalityCode"},
    "case-officer": {"municipalityCode"},
    "system-client": {"clientId", "scopes"},
}
IDENTITY = {"persona", "subject", "expiresAt"}


class Rewriting:
    """ASGI middleware: the wrapped app's JSON answers, passed through `rewrite` before they leave."""

    def __init__(self, app: Any, rewrite: Rewrite) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, keep)
        body, status = b"".join(chunks), start["status"]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if b"json" in dict(headers).get(b"content-type", b""):
            query = parse_qs(scope.get("query_string", b"").decode())
            path = scope["path"].removeprefix("/v1")
            answered = status
            status, parsed = self.rewrite(scope["method"], path, query, status, json.loads(body))
            body = json.dumps(parsed).encode()
            if (status >= 400) != (answered >= 400):  # an error turned into a success or back: its media type too
                headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
                headers.append((b"content-type", b"application/problem+json" if status >= 400 else b"application/json"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def product(tmp_path: Path, rewrite: Rewrite) -> Iterator[str]:
    """The reference server answering through `rewrite`, on a free local port; yields the API root."""
    app = Rewriting(create_app(Settings(db=sqlite_url(tmp_path))), rewrite)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(10)


def verdict(tmp_path: Path, rewrite: Rewrite, check_id: str, spec_version: str | None = None) -> tuple[str, str]:
    """Certify with one check (and the run's own judgement of every response), against the release the
    server states or `spec_version`: passed or failed, and why."""
    checks = [c for c in all_checks() if c.id == check_id]
    assert checks, check_id
    with product(tmp_path, rewrite) as url:
        run_certification(
            base_url=url,
            profile=None,
            report_dir=tmp_path / "report",
            seed=20261127,
            timeout=10.0,
            quiet=True,
            checks=checks,
            budget=Budget(0, 0),
            spec_version=spec_version,
        )
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    failed = [f"{r['id']}: {r.get('message')}" for r in report["results"] if r["status"] != "passed"]
    return ("failed" if failed else "passed"), "\n".join(failed)


def judged(tmp_path: Path, rewrite: Rewrite, check_id: str, *, allowed: bool, choice: str) -> None:
    """The check passes a choice the text allows and fails, itself, one it does not."""
    status, message = verdict(tmp_path, rewrite, check_id)
    if allowed:
        assert status == "passed", (choice, message)
    else:
        assert status == "failed" and message.startswith(f"{check_id}: "), (choice, message)


def unchanged(method: str, path: str, query: dict[str, list[str]], status: int, body: Any) -> tuple[int, Any]:
    return status, body


# --- CORE-012: claims of another persona on GET /me ---------------------------------------------------------


def _me(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Rewrite:
    def rewrite(method: str, path: str, query: dict[str, list[str]], status: int, body: Any) -> tuple[int, Any]:
        return (status, change(body)) if (method, path, status) == ("GET", "/me", 200) else (status, body)

    return rewrite


def _foreign(body: dict[str, Any]) -> set[str]:
    return set(body) - IDENTITY - OWN_CLAIMS[body["persona"]]


def _left_out(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in _foreign(body)}


def _altered(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, **dict.fromkeys(_foreign(body), "9999")}


@pytest.mark.parametrize(
    ("choice", "rewrite", "allowed"),
    [
        ("claims of another persona shown as carried", unchanged, True),
        ("claims of another persona left out", _me(_left_out), True),
        ("claims of another persona shown altered", _me(_altered), False),
    ],
)
def test_me_may_show_or_leave_out_claims_of_another_persona(
    tmp_path: Path, choice: str, rewrite: Rewrite, allowed: bool
) -> None:
    judged(tmp_path, rewrite, "test-interface.tokens-for-personas", allowed=allowed, choice=choice)


# --- DISC-005: how exactly distanceMeters is measured ---------------------------------------------------------


def _distances(change: Callable[[float], float]) -> Rewrite:
    def rewrite(method: str, path: str, query: dict[str, list[str]], status: int, body: Any) -> tuple[int, Any]:
        if (method, path, status) == ("GET", "/facilities", 200) and "near" in query:
            body = {**body, "items": [{**i, "distanceMeters": change(i["distanceMeters"])} for i in body["items"]]}
        return status, body

    return rewrite


@pytest.mark.parametrize(
    ("choice", "rewrite", "allowed"),
    [
        ("the haversine distance on the mean-radius sphere", unchanged, True),
        ("rounded to whole metres", _distances(lambda d: float(round(d))), True),
        ("0.4 % longer, as on the ellipsoid towards the equator", _distances(lambda d: d * 1.004), True),
        ("0.4 % shorter", _distances(lambda d: d * 0.996), True),
        ("0.7 % longer, beyond the tolerance", _distances(lambda d: d * 1.007), False),
    ],
)
def test_distances_are_accepted_within_the_stated_tolerance(
    tmp_path: Path, choice: str, rewrite: Rewrite, allowed: bool
) -> None:
    judged(tmp_path, rewrite, "discovery.filter-near-radius", allowed=allowed, choice=choice)


# --- CORE-027: 400 and 403 judged from the request alone, in either order -------------------------------------

MALFORMED = "x" * 65  # the id core.error-precedence sends: longer than an id may be


def _malformed_answered(status_now: int, code: str) -> Rewrite:
    def rewrite(method: str, path: str, query: dict[str, list[str]], status: int, body: Any) -> tuple[int, Any]:
        if MALFORMED in path and status == 400:
            return status_now, {"type": f"urn:bob:problem:{code}", "title": code, "status": status_now, "detail": "No."}
        return status, body

    return rewrite


@pytest.mark.parametrize(
    ("choice", "rewrite", "allowed"),
    [
        ("the schema first: 400", unchanged, True),
        ("the persona first: 403", _malformed_answered(403, "forbidden"), True),
        ("a lookup first: 404", _malformed_answered(404, "not-found"), False),
    ],
)
def test_a_persona_never_allowed_with_a_malformed_id_may_get_400_or_403(
    tmp_path: Path, choice: str, rewrite: Rewrite, allowed: bool
) -> None:
    judged(tmp_path, rewrite, "core.error-precedence", allowed=allowed, choice=choice)


# --- readings a later release settled --------------------------------------------------------------------


def _page_beyond_last_refused(
    method: str, path: str, query: dict[str, list[str]], status: int, body: Any
) -> tuple[int, Any]:
    """1.2.0's "out of range MUST give 400", read as covering a page beyond the last."""
    if (method, path, status) == ("GET", "/facilities", 200) and not body["items"] and body["totalItems"]:
        detail = f"page {body['page']} is beyond the last page, {body['totalPages']}"
        problem = {"type": "urn:bob:problem:validation-error", "title": "Bad Request", "status": 400}
        return 400, {**problem, "detail": detail}
    return status, body


def _unknown_municipality_empty(
    method: str, path: str, query: dict[str, list[str]], status: int, body: Any
) -> tuple[int, Any]:
    """A four-digit municipalityCode that is no municipality's, read as a filter that matches nothing."""
    if (method, path, status) == ("GET", "/facilities", 400) and query.get("municipalityCode") == ["9999"]:
        return 200, {"items": [], "page": 1, "limit": 20, "totalItems": 0, "totalPages": 0}
    return status, body


@pytest.mark.parametrize(
    ("reading", "rewrite", "check_id"),
    [
        ("page-beyond-last-is-empty", _page_beyond_last_refused, "discovery.pagination-defaults"),
        ("parameter-constraints", _unknown_municipality_empty, "discovery.invalid-search-parameters"),
    ],
)
def test_a_reading_is_held_only_against_the_releases_that_settle_it(
    tmp_path: Path, reading: str, rewrite: Rewrite, check_id: str
) -> None:
    settled_in = [r for r in spec.known_releases() if reading in spec.settled_readings(r)]
    earlier = [r for r in spec.known_releases() if r not in settled_in and spec.version(r) != "0.1.0"]
    assert settled_in and earlier, reading
    before = spec.version(earlier[-1])
    (tmp_path / "before").mkdir()
    (tmp_path / "settled").mkdir()
    status, message = verdict(tmp_path / "before", rewrite, check_id, spec_version=before)
    assert status == "passed", (before, message)
    status, message = verdict(tmp_path / "settled", rewrite, check_id)
    assert status == "failed" and message.startswith(f"{check_id}: "), message
