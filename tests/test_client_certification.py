"""Client-app certification: a scripted app drives the reference server through `bokbid proxy`.

A conforming app passes `certify-client`; an app that makes five distinct mistakes gets each of
them reported, and the required operations it never exercised are named.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from cli import app
from conformance import dataset
from conformance.client_certification import judge
from conformance.proxy import ValidatingProxy
from reference_server.launcher import background_server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def upstream(sqlite_url: str) -> Iterator[str]:
    with background_server(db=sqlite_url) as url:
        yield url


@pytest.fixture
def proxied(upstream: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The proxy in a thread in front of the reference server: (its API root, its log)."""
    log = tmp_path / "traffic.jsonl"
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(ValidatingProxy(upstream, log), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the proxy did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/v1", log
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _world(upstream: str) -> dict[str, Any]:
    """A citizen with a token and a bookable unit, set up through the sandbox (not client traffic)."""
    rng = random.Random(5)
    data = dataset.build_discovery_data(rng, "c")
    facility = data.body["facilities"][0]
    facility["openingHours"] = {
        "weekly": [{"day": d, "opens": "06:00", "closes": "22:00"} for d in dataset.WEEKDAYS],
    }
    body = {"persons": data.body["persons"][:1], "facilities": [facility]}
    with httpx.Client(base_url=upstream) as sandbox:
        ids = sandbox.post("/test/fixtures", json=body).raise_for_status().json()["ids"]
        person = ids[body["persons"][0]["ref"]]
        token = sandbox.post("/test/tokens", json={"persona": "citizen", "personId": person}).json()["accessToken"]
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    return {
        "token": token,
        "facility": ids[facility["ref"]],
        "unit": ids[facility["units"][0]["ref"]],
        "start": start,
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def conforming_app(root: str, world: dict[str, Any]) -> None:
    """Search, look at a unit, book, confirm, read back, list, cancel: every request as documented."""
    auth = {"Authorization": f"Bearer {world['token']}"}
    with httpx.Client(base_url=root, headers=auth) as app_client:
        app_client.get("/api-info").raise_for_status()
        app_client.get("/me").raise_for_status()
        app_client.get("/facilities", params={"q": "hall", "limit": 10}).raise_for_status()
        app_client.get(f"/facilities/{world['facility']}").raise_for_status()
        app_client.get(f"/units/{world['unit']}").raise_for_status()
        start: datetime = world["start"]
        window = {"from": start.date().isoformat(), "to": start.date().isoformat()}
        app_client.get(f"/units/{world['unit']}/availability", params=window).raise_for_status()
        slot = {"unitId": world["unit"], "start": _iso(start), "end": _iso(start + timedelta(minutes=90))}
        created = app_client.post(
            "/bookings",
            json={**slot, "customerCategory": "private-person"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        booking = created.raise_for_status().json()["id"]
        app_client.post(f"/bookings/{booking}/confirm").raise_for_status()
        app_client.get(f"/bookings/{booking}").raise_for_status()
        app_client.get("/bookings").raise_for_status()
        app_client.post(f"/bookings/{booking}/cancel", json={"reason": "Vi kan inte komma"}).raise_for_status()


def careless_app(root: str, world: dict[str, Any]) -> None:
    """Five distinct mistakes, and it never books anything."""
    auth = {"Authorization": f"Bearer {world['token']}"}
    with httpx.Client(base_url=root, headers=auth) as app_client:
        # 1. a personnummer in the URL
        app_client.get("/facilities", params={"q": dataset.personnummer(random.Random(3))})
        # 2. a create without the Idempotency-Key the spec requires, with a body of the wrong shape
        start: datetime = world["start"]
        app_client.post("/bookings", json={"unitId": world["unit"], "start": _iso(start), "customerCategory": "vip"})
        # 3. an undocumented operation
        app_client.delete(f"/units/{world['unit']}")
        # 4. a body that is not JSON
        app_client.post("/bookings", content="unit=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
        # 5. the same refused request again, unchanged
        app_client.get("/facilities", params={"limit": 500})
        app_client.get("/facilities", params={"limit": 500})
        # 6. an operation that needs a token, without one
        httpx.get(f"{root}/me")


def test_a_conforming_client_passes(upstream: str, proxied: tuple[str, Path], tmp_path: Path) -> None:
    root, log = proxied
    conforming_app(root, _world(upstream))
    verdict = judge(log)
    assert verdict.findings == []
    assert verdict.unexercised == []
    assert verdict.ok
    result = CliRunner().invoke(app, ["certify-client", str(log), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r" / "client-report.json").read_text())["conforms"] is True


def test_every_mistake_of_a_careless_client_is_reported(
    upstream: str, proxied: tuple[str, Path], tmp_path: Path
) -> None:
    root, log = proxied
    world = _world(upstream)
    careless_app(root, world)
    verdict = judge(log)
    messages = [f"{f.kind}: {f.message}" for f in verdict.findings]
    expected = [
        "privacy: personnummer",
        "spec: required header parameter Idempotency-Key is missing",
        "spec: body /customerCategory",
        "spec: DELETE /units/",
        "spec: content type application/x-www-form-urlencoded is not accepted",
        "ignored-error: repeated the identical request after a 400",
        "spec: getMe needs a Bearer token",
    ]
    for fragment in expected:
        assert any(m.startswith(fragment) for m in messages), (fragment, messages)
    assert "createBooking" in verdict.unexercised and "getMe" in verdict.unexercised
    assert not verdict.ok
    # The log never holds the token or the personnummer the client leaked.
    text = log.read_text(encoding="utf-8")
    assert "Bearer <redacted>" in text and world["token"] not in text
    assert dataset.personnummer(random.Random(3)) not in text

    # The same verdict in the three forms of a server's run: JSON, JUnit for CI, HTML for people.
    result = CliRunner().invoke(app, ["certify-client", str(log), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    suite = ET.parse(tmp_path / "r" / "client-junit.xml").getroot()
    failed = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert {"exercised createBooking", "requests: spec", "requests: privacy", "requests: ignored-error"} <= failed
    assert int(suite.get("failures", "0")) == len(failed) and "exercised getFacilities" not in failed
    page = (tmp_path / "r" / "client-report.html").read_text(encoding="utf-8")
    assert "does not conform" in page and "getMe needs a Bearer token" in page and "createBooking" in page


def test_certify_client_refuses_an_unknown_profile(tmp_path: Path) -> None:
    log = tmp_path / "empty.jsonl"
    log.write_text("")
    result = CliRunner().invoke(app, ["certify-client", str(log), "--profile", "kommunens-processtod-bas"])
    assert result.exit_code == 2
