"""Webhook subscriptions and their delivery (EVT-005 … EVT-007).

A subscription follows the outbox the way a feed consumer does: `last_seq` is the last event it has
queued deliveries for, and events are numbered in commit order (storage._append_events), so
queuing "the events above last_seq" never passes over one that commits later. The delivery worker
(`DeliveryWorker`, one per server process, started in the app's lifespan) queues, claims due
deliveries, signs them as Standard Webhooks specifies and POSTs them. A claim is a lease
(`claimed_until`) taken in a write transaction that selected the rows `FOR UPDATE SKIP LOCKED` on
PostgreSQL (SQLite serialises writers anyway), so with several workers a delivery is never sent by
two at once; a worker that dies mid-send leaves a lease that runs out, and the delivery is sent
again (at least once, de-duplicated by the receiver with `webhook-id`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Row
from starlette.responses import Response

from reference_server import problems
from reference_server.auth import Identity
from reference_server.events.api import SCOPE, event_json
from reference_server.pagination import page_response
from reference_server.problems import FieldError
from reference_server.routing import Call, Handler, json_response
from reference_server.settings import Settings
from reference_server.storage import Storage, event_sequence, events, webhook_deliveries, webhook_subscriptions
from reference_server.timestamps import utc_text
from spec.webhook_signatures import sign

log = logging.getLogger("reference_server.webhooks")

RETRY_BASE_SECONDS = 5.0  # before the first retry; doubled before each next one (EVT-007)
MAX_RETRY_DELAY_SECONDS = 3600.0
GIVE_UP_SECONDS = 3 * 24 * 3600.0  # a delivery is retried this long; a subscription failing this long is disabled
SEND_TIMEOUT_SECONDS = 10.0  # twice the retry base; in a sandbox, twice testRetryBaseSeconds (EVT-007)
# A claim's lease. A claimed delivery is sent only while what is left of the lease covers a send and
# its bookkeeping (SEND_TIMEOUT_SECONDS + BOOKKEEPING_SECONDS), so a slow receiver never makes a
# worker send a delivery whose lease another worker may already have taken; the rest of the batch
# is released. The lease is also how long the deliveries of a worker that died stay unsent.
LEASE_SECONDS = 15.0
BOOKKEEPING_SECONDS = 2.0
BATCH = 20
IDLE_SECONDS = 0.1
LOOPBACK_HOSTS = {"localhost"}


def _owner(identity: Identity | None) -> tuple[str, str]:
    """The system client (clientId, municipality) managing subscriptions: the feed's readers of every event."""
    assert identity is not None  # the operations require a token
    code, client = identity.claim("municipalityCode"), identity.claim("clientId") or identity.subject
    if (
        identity.persona == "system-client"
        and SCOPE in (identity.claim("scopes") or [])
        and isinstance(code, str)
        and isinstance(client, str)
    ):
        return client, code
    raise problems.forbidden(
        f"Webhook subscriptions are for system clients with the scope {SCOPE} and a municipalityCode."
    )


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, settings: Settings) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    sandbox_http = parts.scheme == "http" and not settings.production and _loopback(host)
    if not host or (parts.scheme != "https" and not sandbox_http):
        raise problems.validation_error(
            [FieldError("body", "must be an https URL (http only to a loopback address in a sandbox)", name="url")]
        )


def _subscription_json(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "eventTypes": list(row.event_types),
        "status": "disabled" if row.status == "disabled" else "active",
        "createdAt": utc_text(row.created_at),
    }


def create_subscription(call: Call) -> Response:
    client, code = _owner(call.identity)
    body = call.body
    _check_url(body["url"], call.settings)
    base = RETRY_BASE_SECONDS
    if not call.settings.production and "testRetryBaseSeconds" in body:
        base = float(body["testRetryBaseSeconds"])
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    with call.services.storage.write() as conn:
        last = conn.execute(sa.select(event_sequence.c.last).where(event_sequence.c.id == 1)).scalar_one()
        row = {
            "id": str(uuid.uuid4()),
            "client_id": client,
            "municipality_code": code,
            "url": body["url"],
            "event_types": list(body["eventTypes"]),
            "secret": secret,
            "status": "active",
            "retry_base_seconds": base,
            "last_seq": last,
            "failing_since": None,
            "created_at": call.now(),
        }
        conn.execute(webhook_subscriptions.insert().values(**row))
        created = conn.execute(sa.select(webhook_subscriptions).where(webhook_subscriptions.c.id == row["id"])).one()
    return json_response({**_subscription_json(created), "secret": secret}, 201)


def _owned(client: str, code: str) -> list[sa.ColumnElement[bool]]:
    return [
        webhook_subscriptions.c.client_id == client,
        webhook_subscriptions.c.municipality_code == code,
        webhook_subscriptions.c.status != "deleted",
    ]


def list_subscriptions(call: Call) -> Response:
    client, code = _owner(call.identity)
    with call.services.storage.read() as conn:
        rows = conn.execute(
            sa.select(webhook_subscriptions)
            .where(*_owned(client, code))
            .order_by(webhook_subscriptions.c.created_at, webhook_subscriptions.c.id)
        ).all()
    return page_response(call, rows, _subscription_json)


def get_subscription(call: Call) -> Response:
    client, code = _owner(call.identity)
    with call.services.storage.read() as conn:
        row = conn.execute(
            sa.select(webhook_subscriptions).where(
                webhook_subscriptions.c.id == call.path["subscriptionId"], *_owned(client, code)
            )
        ).first()
    if row is None:
        raise problems.not_found("No webhook subscription of yours has this id.")
    return json_response(_subscription_json(row))


def delete_subscription(call: Call) -> Response:
    """Marks the subscription deleted and drops its pending deliveries, retries included."""
    client, code = _owner(call.identity)
    subscription_id = call.path["subscriptionId"]
    with call.services.storage.write() as conn:
        ended = conn.execute(
            webhook_subscriptions.update()
            .where(webhook_subscriptions.c.id == subscription_id, *_owned(client, code))
            .values(status="deleted")
        ).rowcount
        if ended:
            conn.execute(
                webhook_deliveries.delete().where(
                    webhook_deliveries.c.subscription_id == subscription_id, webhook_deliveries.c.status == "pending"
                )
            )
    if not ended:
        raise problems.not_found("No webhook subscription of yours has this id.")
    return Response(status_code=204)


HANDLERS: dict[str, Handler] = {
    "createWebhookSubscription": create_subscription,
    "listWebhookSubscriptions": list_subscriptions,
    "getWebhookSubscription": get_subscription,
    "deleteWebhookSubscription": delete_subscription,
}


def retry_delay(base: float, attempts: int) -> float:
    """The wait before retry number `attempts` (EVT-007): base × 2^(attempts−1), at most an hour."""
    return min(base * 2 ** (attempts - 1), MAX_RETRY_DELAY_SECONDS)


class DeliveryWorker:
    """Queues, claims and sends the deliveries; one per server process, in a daemon thread."""

    def __init__(self, storage: Storage, settings: Settings) -> None:
        self.storage = storage
        self.settings = settings
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="webhook-delivery", daemon=True)
        self.http = httpx.Client(timeout=SEND_TIMEOUT_SECONDS, follow_redirects=False)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=SEND_TIMEOUT_SECONDS + 5)
        self.http.close()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                busy = self.queue() + self.send_due()
            except Exception:  # a database hiccup must not end delivery for the process's lifetime
                log.exception("webhook delivery round failed")
                busy = 0
            self.stopping.wait(0 if busy else IDLE_SECONDS)

    def _visible_statuses(self) -> tuple[str, ...]:
        if self.settings.fault_active("webhook-delivered-after-delete"):
            return ("active", "deleted")  # a soft delete the delivery side never learnt of
        return ("active",)

    def queue(self) -> int:
        """Queue deliveries for the events committed since each subscription's `last_seq`."""
        subs = webhook_subscriptions
        with self.storage.read_latest() as conn:
            last = conn.execute(sa.select(event_sequence.c.last).where(event_sequence.c.id == 1)).scalar() or 0
            behind = conn.execute(
                sa.select(subs.c.id).where(subs.c.status.in_(self._visible_statuses()), subs.c.last_seq < last)
            ).first()
        if behind is None:
            return 0
        queued = 0
        with self.storage.write() as conn:
            rows = conn.execute(
                sa.select(subs)
                .where(subs.c.status.in_(self._visible_statuses()), subs.c.last_seq < last)
                .with_for_update(skip_locked=True)
            ).all()
            now = time.time()
            for sub in rows:
                found = conn.execute(
                    sa.select(events.c.seq, events.c.type, events.c.resource_id)
                    .where(
                        events.c.seq > sub.last_seq,
                        events.c.seq <= last,
                        events.c.municipality_code == sub.municipality_code,
                    )
                    .order_by(events.c.seq)
                    .limit(500)
                ).all()
                # Without events of its municipality up to `last`, the subscription has seen them all.
                seen = found[-1].seq if len(found) == 500 else max(last, sub.last_seq)
                wanted = [e for e in found if e.type in sub.event_types]
                if wanted:
                    conn.execute(
                        webhook_deliveries.insert(),
                        [
                            {
                                "subscription_id": sub.id,
                                "event_seq": e.seq,
                                "resource_id": e.resource_id,
                                "status": "pending",
                                "attempts": 0,
                                "queued_at": now,
                                "next_attempt_at": now,
                                "claimed_until": None,
                            }
                            for e in wanted
                        ],
                    )
                conn.execute(subs.update().where(subs.c.id == sub.id).values(last_seq=seen))
                queued += len(wanted)
        return queued

    def _claim(self) -> tuple[list[Row[Any]], float]:
        """Lease the due deliveries no other worker holds, the earliest pending one of each resource only;
        with the time the lease ends."""
        d = webhook_deliveries
        now = time.time()
        lease_end = now + LEASE_SECONDS
        due = [d.c.status == "pending", d.c.next_attempt_at <= now]
        free = sa.or_(d.c.claimed_until.is_(None), d.c.claimed_until < now)
        with self.storage.read_latest() as conn:
            if conn.execute(sa.select(d.c.id).where(*due, free).limit(1)).first() is None:
                return [], lease_end
        earlier = d.alias("earlier")
        first_of_resource = ~sa.exists().where(
            earlier.c.subscription_id == d.c.subscription_id,
            earlier.c.resource_id == d.c.resource_id,
            earlier.c.status == "pending",
            earlier.c.event_seq < d.c.event_seq,
        )
        in_order = [] if self.settings.fault_active("webhook-order-ignored") else [first_of_resource]
        with self.storage.write() as conn:
            rows = conn.execute(
                sa.select(d)
                .where(*due, free, *in_order)
                .order_by(d.c.event_seq)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            if rows:
                conn.execute(d.update().where(d.c.id.in_([r.id for r in rows])).values(claimed_until=lease_end))
        return rows, lease_end

    def send_due(self) -> int:
        claimed, lease_end = self._claim()
        for i, delivery in enumerate(claimed):
            if self.stopping.is_set() or time.time() + SEND_TIMEOUT_SECONDS + BOOKKEEPING_SECONDS > lease_end:
                self._release(claimed[i:])
                break
            self._send(delivery)
        return len(claimed)

    def _release(self, deliveries: list[Row[Any]]) -> None:
        """Hand back claimed deliveries this worker will not send (stopping, or the lease too short for
        another send), so that any worker may claim them now rather than when the lease runs out."""
        d = webhook_deliveries
        with self.storage.write() as conn:
            conn.execute(d.update().where(d.c.id.in_([r.id for r in deliveries])).values(claimed_until=None))

    def _send(self, delivery: Row[Any]) -> None:
        with self.storage.read() as conn:
            sub = conn.execute(
                sa.select(webhook_subscriptions).where(webhook_subscriptions.c.id == delivery.subscription_id)
            ).one()
            event = conn.execute(sa.select(events).where(events.c.seq == delivery.event_seq)).one()
            body = json.dumps(event_json(conn, event, self.settings), separators=(",", ":")).encode()
        if sub.status not in self._visible_statuses():
            return  # deleted or disabled since the claim: its pending deliveries are gone or given up
        timestamp = int(time.time())
        headers = {"content-type": "application/json", "webhook-id": event.id, "webhook-timestamp": str(timestamp)}
        if not self.settings.fault_active("webhook-unsigned"):
            headers["webhook-signature"] = self._signature(sub.secret, event.id, timestamp, body)
        try:
            timeout = SEND_TIMEOUT_SECONDS * sub.retry_base_seconds / RETRY_BASE_SECONDS
            answer = self.http.post(sub.url, content=body, headers=headers, timeout=timeout)
            ok = 200 <= answer.status_code < 300
        except httpx.TimeoutException:
            # No answer in time is a failure to retry (EVT-007), not a silent success.
            ok = self.settings.fault_active("webhook-timeout-not-retried")
        except httpx.HTTPError:
            ok = False
        self._record(delivery, sub, ok)

    def _signature(self, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
        if self.settings.fault_active("webhook-signature-over-body-only"):
            digest = hmac.new(base64.b64decode(secret.removeprefix("whsec_")), body, hashlib.sha256).digest()
            return "v1," + base64.b64encode(digest).decode()
        return sign(secret, message_id, timestamp, body)

    def _record(self, delivery: Row[Any], sub: Row[Any], ok: bool) -> None:
        """The outcome: delivered, or rescheduled with backoff, or given up three days after it was queued
        (real time: an event's occurredAt follows the server clock, which a sandbox may move)."""
        now = time.time()
        attempts = delivery.attempts + 1
        d, subs = webhook_deliveries, webhook_subscriptions
        with self.storage.write() as conn:
            if ok:
                values: dict[str, Any] = {"status": "delivered"}
                conn.execute(subs.update().where(subs.c.id == sub.id).values(failing_since=None))
            elif self.settings.fault_active("webhook-not-retried") or now - delivery.queued_at > GIVE_UP_SECONDS:
                values = {"status": "failed"}
            elif self.settings.fault_active("webhook-retry-storm"):
                values = {"next_attempt_at": now}
            else:
                values = {"next_attempt_at": now + retry_delay(sub.retry_base_seconds, attempts)}
            if not ok:
                since = sub.failing_since if sub.failing_since is not None else now
                disabled = now - since > GIVE_UP_SECONDS
                conn.execute(
                    subs.update()
                    .where(subs.c.id == sub.id, subs.c.status == "active")
                    .values(failing_since=since, **({"status": "disabled"} if disabled else {}))
                )
                if disabled:  # nothing more is sent to it (EVT-007)
                    conn.execute(
                        d.update().where(d.c.subscription_id == sub.id, d.c.status == "pending").values(status="failed")
                    )
            conn.execute(
                d.update().where(d.c.id == delivery.id).values(attempts=attempts, claimed_until=None, **values)
            )
