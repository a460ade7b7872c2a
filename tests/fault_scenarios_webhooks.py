"""What each webhook fault of the events class looks like from outside (see test_server_faults.py,
which runs every scenario with its fault on and, to prove it, with the fault off, where it must
fail). Deliveries go to the harness's receiver on a free port of 127.0.0.1, stopped by each scenario."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from fault_scenarios_booking import Venue
from fault_scenarios_events import _hour, _reader
from test_server_support import TestClient

from conformance.webhook_receiver import Receiver, verify

__all__ = [
    "webhook_delivered_after_delete",
    "webhook_not_retried",
    "webhook_order_ignored",
    "webhook_retry_storm",
    "webhook_signature_over_body_only",
    "webhook_timeout_not_retried",
    "webhook_unsigned",
]


def _subscribe(client: TestClient, url: str, retry_base: float = 0.1) -> dict[str, Any]:
    body = {"url": url, "eventTypes": ["booking.created"], "testRetryBaseSeconds": retry_base}
    response = client.post("/v1/webhook-subscriptions", json=body, headers=_reader(client))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def webhook_unsigned(client: TestClient) -> None:
    with Receiver() as receiver:
        url = receiver.hook_url()
        _subscribe(client, url)
        assert _hour(Venue(client), 8).status_code == 201
        (delivery,) = receiver.wait_for(url, 1, timeout=10)
        assert "webhook-signature" not in delivery.headers


def webhook_signature_over_body_only(client: TestClient) -> None:
    with Receiver() as receiver:
        url = receiver.hook_url()
        secret = _subscribe(client, url)["secret"]
        assert _hour(Venue(client), 8).status_code == 201
        (delivery,) = receiver.wait_for(url, 1, timeout=10)
        key = base64.b64decode(secret.removeprefix("whsec_"))
        body_only = "v1," + base64.b64encode(hmac.new(key, delivery.body, hashlib.sha256).digest()).decode()
        assert delivery.headers["webhook-signature"] == body_only and not verify(secret, delivery)


def webhook_not_retried(client: TestClient) -> None:
    with Receiver() as receiver:
        url = receiver.hook_url()
        receiver.fail_first(url, 1)
        _subscribe(client, url, retry_base=0.1)
        assert _hour(Venue(client), 8).status_code == 201
        assert len(receiver.wait_for(url, 2, timeout=3)) == 1


def webhook_timeout_not_retried(client: TestClient) -> None:
    """The receiver holds the first delivery past the server's send timeout: it is not sent again."""
    with Receiver() as receiver:
        url = receiver.hook_url()
        receiver.answer_after(url, 4, first=1)
        _subscribe(client, url, retry_base=0.5)  # the server gives up after twice that: 1 s
        assert _hour(Venue(client), 8).status_code == 201
        assert len(receiver.wait_for(url, 2, timeout=3.5)) == 1


def webhook_retry_storm(client: TestClient) -> None:
    """Three failures with a 1 s base: with backoff the fourth attempt comes after 7 s, here at once."""
    with Receiver() as receiver:
        url = receiver.hook_url()
        receiver.fail_first(url, 3)
        _subscribe(client, url, retry_base=1.0)
        assert _hour(Venue(client), 8).status_code == 201
        attempts = receiver.wait_for(url, 4, timeout=3)
        assert len(attempts) == 4 and attempts[3].received_at - attempts[0].received_at < 1


def webhook_delivered_after_delete(client: TestClient) -> None:
    with Receiver() as receiver:
        url = receiver.hook_url()
        subscription = _subscribe(client, url)
        deleted = client.delete(f"/v1/webhook-subscriptions/{subscription['id']}", headers=_reader(client))
        assert deleted.status_code == 204
        assert _hour(Venue(client), 8).status_code == 201
        assert len(receiver.wait_for(url, 1, timeout=3)) == 1


def webhook_order_ignored(client: TestClient) -> None:
    """booking.created fails once (retried after 2 s); booking.confirmed of the booking overtakes it."""
    with Receiver() as receiver:
        url = receiver.hook_url()
        receiver.fail_first(url, 1)
        body = {"url": url, "eventTypes": ["booking.created", "booking.confirmed"], "testRetryBaseSeconds": 2.0}
        assert client.post("/v1/webhook-subscriptions", json=body, headers=_reader(client)).status_code == 201
        venue = Venue(client)
        booking = _hour(venue, 8).json()
        assert client.post(f"/v1/bookings/{booking['id']}/confirm", headers=venue.as_citizen()).status_code == 200
        arrived = receiver.wait_for(url, 2, timeout=1.5)
        assert [json.loads(d.body)["type"] for d in arrived] == ["booking.created", "booking.confirmed"]
