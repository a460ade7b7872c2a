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
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from client_app_receiver import AppReceiver, Flaws
from typer.testing import CliRunner

import spec
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


@contextmanager
def _proxy(upstream: str, log: Path) -> Iterator[str]:
    """The proxy in a thread in front of `upstream`, recording to `log`: its API root."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(ValidatingProxy(upstream, log), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the proxy did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def proxied(upstream: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The proxy in front of the reference server: (its API root, its log)."""
    log = tmp_path / "traffic.jsonl"
    with _proxy(upstream, log) as root:
        yield root, log


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


# --- the app's webhook receiver (EVT-008 … EVT-010) ------------------------------------------------


@pytest.fixture(scope="module")
def subscribed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, AppReceiver]]:
    """An e-service that walked through its flows and then subscribed its receiver to booking events,
    all through the proxy: (the log, the receiver). One for the module: each test resets the receiver."""
    folder = tmp_path_factory.mktemp("subscribed-app")
    log = folder / "traffic.jsonl"
    with background_server(db=f"sqlite:///{folder / 'bokbid.db'}") as upstream, _proxy(upstream, log) as root:
        world = _world(upstream)
        conforming_app(root, world)
        claims = {"clientId": "e-tjanst", "scopes": ["events:read"], "municipalityCode": "0180"}
        system = httpx.post(f"{upstream}/test/tokens", json={"persona": "system-client", **claims}).json()
        receiver = AppReceiver(root, world["token"])
        try:
            created = httpx.post(
                f"{root}/webhook-subscriptions",
                json={"url": receiver.url, "eventTypes": ["booking.confirmed", "booking.cancelled"]},
                headers={"Authorization": f"Bearer {system['accessToken']}"},
            )
            receiver.secret = created.raise_for_status().json()["secret"]
            yield log, receiver
        finally:
            receiver.stop()


def _certify_receiver(log: Path, receiver: AppReceiver, out: Path, *more: str) -> tuple[int, str, dict[str, Any]]:
    """`bokbid certify-client` with the receiver, as a supplier runs it: (exit code, output, report)."""
    arguments = ["certify-client", str(log), "--out", str(out), "--webhook-url", receiver.url, "--webhook-wait", "0.5"]
    result = CliRunner().invoke(app, [*arguments, *more], env={"BOKBID_WEBHOOK_SECRET": receiver.secret})
    report = json.loads((out / "client-report.json").read_text()) if (out / "client-report.json").exists() else {}
    return result.exit_code, result.output, report


def test_a_subscribed_app_is_certified_only_with_its_receiver(
    subscribed_app: tuple[Path, AppReceiver], tmp_path: Path
) -> None:
    log, receiver = subscribed_app
    assert receiver.secret.removeprefix("whsec_") not in log.read_text(encoding="utf-8")  # the log masks it
    result = CliRunner().invoke(app, ["certify-client", str(log), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "--webhook-url" in result.output, result.output
    half = ["certify-client", str(log), "--webhook-url", receiver.url]
    assert CliRunner().invoke(app, half, env={"BOKBID_WEBHOOK_SECRET": None}).exit_code == 2
    junk = CliRunner().invoke(app, [*half, "--webhook-secret", "geheim"])
    assert junk.exit_code == 2 and "whsec_" in junk.output
    nobody = f"http://127.0.0.1:{_free_port()}/hooks"
    gone = CliRunner().invoke(
        app, ["certify-client", str(log), "--webhook-url", nobody, "--webhook-secret", receiver.secret]
    )
    assert gone.exit_code == 3 and "cannot be reached" in gone.output


def test_a_conforming_receiver_passes(subscribed_app: tuple[Path, AppReceiver], tmp_path: Path) -> None:
    log, receiver = subscribed_app
    receiver.reset(Flaws())
    code, output, report = _certify_receiver(log, receiver, tmp_path / "r")
    assert code == 0, output
    judged = report["webhookReceiver"]
    assert judged["requirements"] == {"EVT-008": "passed", "EVT-009": "passed", "EVT-010": "passed"}
    assert report["conforms"] is True and report["findings"] == []
    assert [d["case"] for d in judged["deliveries"]] == [
        "delivery",
        "repeat",
        "wrong-secret",
        "unsigned",
        "stale",
        "future",
    ]
    event_schema = spec.openapi()["components"]["schemas"]["Event"]
    for delivery in judged["deliveries"]:
        assert spec.schema_errors(event_schema, json.loads(delivery["request"]["body"])) == []
    suite = ET.parse(tmp_path / "r" / "client-junit.xml").getroot()
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert all(cases[f"webhook receiver: {rid}"].find("failure") is None for rid in judged["requirements"])


@pytest.mark.parametrize(
    ("flaws", "broken"),
    [
        (Flaws(any_signature=True), "EVT-008"),
        (Flaws(any_timestamp=True), "EVT-009"),
        (Flaws(acts_on_repeats=True), "EVT-010"),
    ],
    ids=["accepts-any-signature", "accepts-stale-timestamps", "processes-repeats"],
)
def test_a_flawed_receiver_is_reported_on_the_requirement_it_breaks(
    subscribed_app: tuple[Path, AppReceiver], tmp_path: Path, flaws: Flaws, broken: str
) -> None:
    log, receiver = subscribed_app
    receiver.reset(flaws)
    code, output, report = _certify_receiver(log, receiver, tmp_path / "r")
    assert code == 1, output
    judged = report["webhookReceiver"]["requirements"]
    assert {rid for rid, state in judged.items() if state == "failed"} == {broken}, judged
    findings = [f for f in report["findings"] if f["kind"] == "webhook"]
    assert findings and {f["requirement"] for f in findings} == {broken}
    assert all(f["kind"] == "webhook" for f in report["findings"]), report["findings"]
    sent = findings[0]["exchange"]
    assert sent["request"]["method"] == "POST" and "webhook-id" in sent["request"]["headers"]
    assert sent["request"]["body"] and sent["response"]["status"]
    assert f"[webhook {broken}]" in output
    suite = ET.parse(tmp_path / "r" / "client-junit.xml").getroot()
    failed = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert failed == {f"webhook receiver: {broken}"}
    page = (tmp_path / "r" / "client-report.html").read_text(encoding="utf-8")
    assert "does not conform" in page and "webhook-signature" in page and broken in page


def test_de_duplication_that_leaves_no_trace_is_not_claimed(
    subscribed_app: tuple[Path, AppReceiver], tmp_path: Path
) -> None:
    log, receiver = subscribed_app
    receiver.reset(Flaws(never_fetches=True))
    code, output, report = _certify_receiver(log, receiver, tmp_path / "r")
    assert code == 0, output
    assert report["webhookReceiver"]["requirements"]["EVT-010"] == "not-observable"
    assert "EVT-010 not observable" in output
    suite = ET.parse(tmp_path / "r" / "client-junit.xml").getroot()
    skipped = {c.get("name") for c in suite.iter("testcase") if c.find("skipped") is not None}
    assert skipped == {"webhook receiver: EVT-010"}
