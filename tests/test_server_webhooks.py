"""Webhook subscriptions and deliveries of the reference server (class events, EVT-005 … EVT-007):
who manages them, what a delivery carries and how it is signed, the retry schedule, and that with
several worker processes every event is delivered once, on SQLite and on PostgreSQL, and that a
server killed mid-stream delivers every committed event once it is restarted."""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from fault_scenarios_booking import Venue
from fault_scenarios_events import _hour, _reader
from test_server_events import _follow_during_bookings, _HttpVenue
from test_server_support import TestClient, assert_problem, bearer, client_for, sqlite_url, token

from conformance.webhook_receiver import Receiver, verify
from reference_server.events.webhooks import LEASE_SECONDS, retry_delay
from reference_server.launcher import background_server, server_process
from reference_server.storage import Storage, webhook_subscriptions

HOOKS = "/v1/webhook-subscriptions"


def _subscribe(client: TestClient, url: str, types: list[str], **extra: Any) -> Any:
    return client.post(HOOKS, json={"url": url, "eventTypes": types, **extra}, headers=_reader(client))


def test_a_system_client_manages_its_subscriptions_and_no_one_else(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        created = _subscribe(client, "https://ekonomi.example.se/hooks", ["payment.completed"])
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["secret"].startswith("whsec_") and body["status"] == "active"
        one = f"{HOOKS}/{body['id']}"
        listed = client.get(HOOKS, headers=_reader(client)).json()
        assert [s["id"] for s in listed["items"]] == [body["id"]] and "secret" not in listed["items"][0]
        assert "secret" not in client.get(one, headers=_reader(client)).json()
        other = bearer(
            token(client, "system-client", clientId="annan", scopes=["events:read"], municipalityCode="0180")
        )
        assert client.get(one, headers=other).status_code == 404
        assert client.delete(one, headers=other).status_code == 404
        for persona, claims in (
            ("system-client", {"clientId": "lager", "scopes": ["finance:read"], "municipalityCode": "0180"}),
            ("facility-administrator", {"municipalityCode": "0180"}),
        ):
            refused = client.post(
                HOOKS,
                json={"url": "https://x.example/h", "eventTypes": ["booking.created"]},
                headers=bearer(token(client, persona, **claims)),
            )
            assert_problem(refused, 403, "forbidden")
        assert client.delete(one, headers=_reader(client)).status_code == 204
        assert client.get(one, headers=_reader(client)).status_code == 404
        assert client.get(HOOKS, headers=_reader(client)).json()["items"] == []


def test_a_callback_is_https_or_loopback_http_in_a_sandbox(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        for url in ("http://hooks.example.com/h", "ftp://127.0.0.1/h", "https:///nohost"):
            assert_problem(_subscribe(client, url, ["booking.created"]), 400, "validation-error")
        assert _subscribe(client, "http://127.0.0.1:9/h", ["booking.created"]).status_code == 201
        assert _subscribe(client, "http://[::1]:9/h", ["booking.created"]).status_code == 201


def test_deliveries_are_signed_events_of_the_subscribed_types(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client, Receiver() as receiver:
        url = receiver.hook_url()
        secret = _subscribe(client, url, ["booking.confirmed"]).json()["secret"]
        venue = Venue(client)
        booking = _hour(venue, 8).json()
        assert client.post(f"/v1/bookings/{booking['id']}/confirm", headers=venue.as_citizen()).status_code == 200
        (delivery,) = receiver.wait_for(url, 1, timeout=10)
        feed = client.get("/v1/events", headers=_reader(client)).json()["items"]
        confirmed = [e for e in feed if e["type"] == "booking.confirmed"]
        assert json.loads(delivery.body) == confirmed[0]
        assert delivery.headers["webhook-id"] == confirmed[0]["id"]
        assert abs(int(delivery.headers["webhook-timestamp"]) - time.time()) < 60
        assert verify(secret, delivery) and not verify("whsec_" + "A" * 32, delivery)
        time.sleep(0.5)
        assert len(receiver.deliveries(url)) == 1  # booking.created was not subscribed


def test_the_retry_schedule_doubles_up_to_an_hour() -> None:
    assert [retry_delay(5.0, n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert retry_delay(5.0, 30) == 3600.0


def test_a_failed_delivery_is_retried_with_backoff_and_the_same_id(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client, Receiver() as receiver:
        url = receiver.hook_url()
        receiver.fail_first(url, 2)
        assert _subscribe(client, url, ["booking.created"], testRetryBaseSeconds=0.3).status_code == 201
        assert _hour(Venue(client), 8).status_code == 201
        attempts = receiver.wait_for(url, 3, timeout=10)
        assert [a.answered for a in attempts] == [500, 500, 204]
        assert len({a.headers["webhook-id"] for a in attempts}) == 1
        gaps = [b.received_at - a.received_at for a, b in itertools.pairwise(attempts)]
        assert gaps[0] >= 0.3 and gaps[1] >= 0.6


def test_a_reset_ends_every_subscription(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        assert _subscribe(client, "https://x.example/h", ["booking.created"]).status_code == 201
        assert client.post("/v1/test/reset").status_code == 204
        assert client.get(HOOKS, headers=_reader(client)).json()["items"] == []


def _delivered_once_with_workers(root: str) -> None:
    """20 bookings at once against several workers: each booking.created arrives exactly once."""
    with Receiver() as receiver, httpx.Client(base_url=root, timeout=30) as http:
        claims = {
            "persona": "system-client",
            "clientId": "lager",
            "scopes": ["events:read"],
            "municipalityCode": "0180",
        }
        reader = bearer(http.post("/test/tokens", json=claims).json()["accessToken"])
        url = receiver.hook_url()
        body = {"url": url, "eventTypes": ["booking.created"]}
        assert http.post("/webhook-subscriptions", json=body, headers=reader).status_code == 201
        _, whole = _follow_during_bookings(root, 20)
        receiver.wait_for(url, 20, timeout=60)
        time.sleep(2)  # a second sending would come now
        ids = Counter(d.headers["webhook-id"] for d in receiver.deliveries(url))
    assert sorted(ids) == sorted(whole) and set(ids.values()) == {1}


@pytest.mark.timeout(300)
def test_each_event_is_delivered_once_with_four_workers_on_sqlite(sqlite_url: str) -> None:
    with background_server(db=sqlite_url, workers=4) as root:
        _delivered_once_with_workers(root)


@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_each_event_is_delivered_once_with_four_workers_on_postgresql(pg_url: str) -> None:
    with background_server(db=pg_url, workers=4) as root:
        _delivered_once_with_workers(root)


@pytest.mark.timeout(120)
def test_every_committed_event_is_delivered_after_the_server_is_killed_mid_stream(sqlite_url: str) -> None:
    """SIGKILL the server while deliveries are in flight (the receiver answers each after 0.3 s), restart
    it on the same database and book on: each booking.created the feed holds arrives at least once.
    A worker that marked what it claimed delivered before sending it would lose the rest of its batch."""
    with Receiver() as receiver:
        url = receiver.hook_url()
        receiver.answer_after(url, 0.3)
        with server_process(db=sqlite_url) as server, httpx.Client(base_url=server.root, timeout=30) as http:
            venue = _HttpVenue(http, 10)
            reader = venue.token("system-client", clientId="lager", scopes=["events:read"], municipalityCode="0180")
            start = http.get("/events", headers=reader).json()["next"]
            body = {"url": url, "eventTypes": ["booking.created"]}
            assert http.post("/webhook-subscriptions", json=body, headers=reader).status_code == 201
            assert [venue.book(http, i).status_code for i in range(6)] == [201] * 6
            receiver.wait_for(url, 1, timeout=10)  # the worker is sending the others now
            server.crash()
        before = {d.headers["webhook-id"] for d in receiver.deliveries(url)}
        with server_process(db=sqlite_url) as server, httpx.Client(base_url=server.root, timeout=30) as http:
            assert [venue.book(http, i).status_code for i in range(6, 10)] == [201] * 4
            feed = http.get("/events", params={"after": start, "limit": 100}, headers=reader).json()["items"]
            committed = {e["id"] for e in feed if e["type"] == "booking.created"}
            deadline = time.monotonic() + LEASE_SECONDS + 10  # a dead worker's claims wait out their lease
            while not committed <= {d.headers["webhook-id"] for d in receiver.deliveries(url)}:
                assert time.monotonic() < deadline, "committed events were not delivered after the restart"
                time.sleep(0.1)
    assert len(committed) == 10 and len(before) < 6  # the kill left deliveries to make


def test_a_subscription_failing_for_three_days_is_disabled(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path)
    with client_for(db) as client, Receiver() as receiver:
        url = receiver.hook_url()
        receiver.fail_first(url, 100)
        created = _subscribe(client, url, ["booking.created"], testRetryBaseSeconds=0.1).json()
        storage = Storage(db)
        try:
            with storage.write() as conn:
                since = time.time() - 3 * 24 * 3600 - 60  # failing for three days and a minute already
                conn.execute(webhook_subscriptions.update().values(failing_since=since))
        finally:
            storage.dispose()
        assert _hour(Venue(client), 8).status_code == 201
        receiver.wait_for(url, 1, timeout=10)
        deadline, status = time.monotonic() + 10, "active"
        while status == "active" and time.monotonic() < deadline:
            status = client.get(f"{HOOKS}/{created['id']}", headers=_reader(client)).json()["status"]
            time.sleep(0.1)
        assert status == "disabled"
        time.sleep(0.5)
        assert len(receiver.deliveries(url)) == 1
