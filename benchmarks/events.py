"""Event delivery: how soon a webhook arrives after its booking commits, and that a crash loses none.

Each run starts the reference server (embedded SQLite with one worker, PostgreSQL with four) on
127.0.0.1, seeds a facility with 50 units and 50 citizens as the booking benchmark does, and
subscribes the harness's webhook receiver (`conformance/webhook_receiver.py`, in this process on a
free port of 127.0.0.1) to `booking.created`. Then, in the same run:

1. Latency. Bookings are sent open-loop at a steady RATE per second for LOAD_SECONDS: each at its
   scheduled time whether or not the earlier ones were answered, so a server that falls behind
   cannot slow the load down and hide its own delay. Each booking is for a slot of its own
   (`confirm: true`), so every one should get 201. The commit lies between sending and the 201, a
   few milliseconds before the 201 on loopback, so the delivery's arrival at the receiver is timed
   from the 201 (the commit, as the client learns of it) and from the booking's scheduled send (an
   upper bound, which adds the booking's own wait at a busy server: send → 201 is shown too). The
   target, p95 below TARGET_SECONDS, is judged on both.
2. Crash. A new subscription; bookings at the same pace; after KILL_AFTER_SECONDS the whole server
   (`bokbid serve` and every worker: one process group) gets SIGKILL with bookings and deliveries in
   flight, and bookings go on failing until CRASH_SECONDS. The server is restarted on the same
   database and given up to the delivery lease plus RECOVERY_SECONDS: every `booking.created` the
   feed holds after the subscription began (all that committed, whether or not its 201 got out)
   must have arrived at least once. Duplicates are counted, not faulted: delivery is at least once.

Every wait is bounded in count and time; nothing leaves 127.0.0.1; the servers are stopped by their
own process ids.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks.booking import PG_ADMIN, UNITS, postgres_database, seed, slot
from conformance.webhook_receiver import Receiver
from reference_server.events.webhooks import LEASE_SECONDS
from reference_server.launcher import ServerProcess, server_process

RATE = 50  # bookings per second
LOAD_SECONDS = 20.0
DRAIN_SECONDS = 30.0  # how long the last deliveries of the load are waited for
CRASH_SECONDS = 4.0
KILL_AFTER_SECONDS = 3.0
RECOVERY_SECONDS = 30.0  # beyond the lease a dead worker's claims wait out
TARGET_SECONDS = 1.0
STARTUP_SECONDS = 90.0
EVENT = "booking.created"


@dataclass
class Sent:
    """One booking as the client saw it; times are time.monotonic(), the receiver's clock too."""

    scheduled: float
    answered: float | None = None
    status: int | None = None  # None: no answer (the server was killed)
    booking_id: str | None = None


@dataclass(frozen=True)
class Venue:
    """What `booking.seed` made: the units to book and the citizens' tokens."""

    units: list[str]
    tokens: list[str]


async def _paced(root: str, venue: Venue, first: int, seconds: float, crash: ServerProcess | None = None) -> list[Sent]:
    """Book slots number `first`, `first + 1`, … (each unit's hours in turn) at RATE per second for
    `seconds`, open-loop; with `crash`, SIGKILL that server KILL_AFTER_SECONDS in, while requests
    are in flight, and keep sending."""

    async def book(client: httpx.AsyncClient, n: int, sent: Sent) -> Sent:
        start, end = slot(n // UNITS)
        unit, token = venue.units[n % UNITS], venue.tokens[n % len(venue.tokens)]
        body = {"unitId": unit, "start": start, "end": end, "customerCategory": "private-person", "confirm": True}
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        try:
            response = await client.post("/bookings", json=body, headers=headers)
        except httpx.TransportError:
            return sent
        sent.answered, sent.status = time.monotonic(), response.status_code
        if response.status_code == 201:
            sent.booking_id = response.json()["id"]
        return sent

    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=root, timeout=30.0, limits=limits) as client:
        began = time.monotonic()
        tasks = []
        for i in range(int(seconds * RATE)):
            at = began + i / RATE
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            if crash is not None and at - began >= KILL_AFTER_SECONDS:
                crash.crash()
                crash = None
            tasks.append(asyncio.create_task(book(client, first + i, Sent(at))))
        return list(await asyncio.gather(*tasks))


def _reader(root: str) -> dict[str, str]:
    """A system client that reads the municipality's feed and manages its webhook subscriptions."""
    claims = {"persona": "system-client", "clientId": "bench", "scopes": ["events:read"], "municipalityCode": "0180"}
    token = httpx.post(f"{root}/test/tokens", json={**claims, "expiresIn": 86400}).raise_for_status().json()
    return {"Authorization": f"Bearer {token['accessToken']}"}


def _subscribe(root: str, reader: dict[str, str], receiver: Receiver) -> tuple[str, str]:
    """A new subscription to EVENT: its URL at the receiver, and the feed's end just before it began."""
    _, start = _feed(root, reader, None)
    url = receiver.hook_url()
    body = {"url": url, "eventTypes": [EVENT]}
    httpx.post(f"{root}/webhook-subscriptions", json=body, headers=reader, timeout=30.0).raise_for_status()
    return url, start


def _feed(root: str, reader: dict[str, str], after: str | None) -> tuple[list[str], str]:
    """The ids of the EVENT events the feed holds after `after` (from its start: None), and its end."""
    found: list[str] = []
    with httpx.Client(base_url=root, timeout=30.0, headers=reader) as http:
        for _ in range(1000):  # pages of 100: far more than a run makes
            params = {"limit": 100} | ({"after": after} if after else {})
            body = http.get("/events", params=params).raise_for_status().json()
            found += [e["id"] for e in body["items"] if e["type"] == EVENT]
            after = body["next"]
            if len(body["items"]) < 100:
                break
    assert after is not None  # the feed always answers with `next`
    return found, after


def _arrivals(receiver: Receiver, url: str) -> dict[str, float]:
    """Booking id → when its first delivery arrived."""
    first: dict[str, float] = {}
    for delivery in receiver.deliveries(url):
        first.setdefault(json.loads(delivery.body)["resource"]["id"], delivery.received_at)
    return first


def _percentiles(spans: list[float]) -> str:
    if len(spans) < 2:
        return "–"
    cuts = statistics.quantiles(spans, n=100)
    return f"{cuts[49] * 1000:.0f} / {cuts[94] * 1000:.0f} / {max(spans) * 1000:.0f}"


def _target(spans: list[float], everything_delivered: bool) -> str:
    met = everything_delivered and len(spans) >= 2 and statistics.quantiles(spans, n=100)[94] < TARGET_SECONDS
    return "pass" if met else "MISS"


def _latency(root: str, venue: Venue, reader: dict[str, str], receiver: Receiver) -> dict[str, Any]:
    url, _ = _subscribe(root, reader, receiver)
    sent = asyncio.run(_paced(root, venue, 0, LOAD_SECONDS))
    wanted = {s.booking_id for s in sent if s.booking_id}
    deadline = time.monotonic() + DRAIN_SECONDS
    while not wanted <= _arrivals(receiver, url).keys() and time.monotonic() < deadline:
        time.sleep(0.1)
    arrived = _arrivals(receiver, url)
    delivered = [(arrived[s.booking_id], s) for s in sent if s.booking_id in arrived]
    return {
        "sent": len(sent),
        "created": len(wanted),
        "delivered": len(wanted & arrived.keys()),
        "booking": [s.answered - s.scheduled for s in sent if s.answered],
        "from_send": [at - s.scheduled for at, s in delivered],
        "from_201": [at - s.answered for at, s in delivered if s.answered],
        "all": wanted <= arrived.keys(),
    }


def _measure(db: str, workers: int) -> dict[str, Any]:
    """Both phases against one database: the latency, then the crash and the restart."""
    with Receiver() as receiver:
        with server_process(db=db, workers=workers, startup_timeout=STARTUP_SECONDS) as server:
            units, tokens, _ = seed(server.root)
            venue = Venue(units, tokens)
            reader = _reader(server.root)
            latency = _latency(server.root, venue, reader, receiver)
            url, start = _subscribe(server.root, reader, receiver)
            sent = asyncio.run(_paced(server.root, venue, latency["sent"], CRASH_SECONDS, crash=server))
        before = {d.headers["webhook-id"] for d in receiver.deliveries(url)}
        with server_process(db=db, workers=workers, startup_timeout=STARTUP_SECONDS) as server:
            restarted = time.monotonic()
            committed = set(_feed(server.root, reader, start)[0])
            deadline = restarted + LEASE_SECONDS + RECOVERY_SECONDS
            while time.monotonic() < deadline:
                if committed <= {d.headers["webhook-id"] for d in receiver.deliveries(url)}:
                    break
                time.sleep(0.1)
            recovered = time.monotonic() - restarted
        ids = Counter(d.headers["webhook-id"] for d in receiver.deliveries(url))
    crash = {
        "answered": sum(1 for s in sent if s.status == 201),
        "unanswered": sum(1 for s in sent if s.status is None),
        "committed": len(committed),
        "before": len(committed & before),
        "after": len(committed - before),
        "lost": len(committed - ids.keys()),
        "duplicates": sum(ids.values()) - len(ids),
        "recovered": recovered,
    }
    return {"latency": latency, "crash": crash}


def _rows(label: str, result: dict[str, Any]) -> tuple[str, str]:
    latency, crash = result["latency"], result["crash"]
    return (
        f"| {label} | {latency['sent']} / {latency['created']} | {latency['delivered']} "
        f"| {_percentiles(latency['from_201'])} | {_percentiles(latency['booking'])} "
        f"| {_percentiles(latency['from_send'])} "
        f"| {_target(latency['from_201'], latency['all'])} / {_target(latency['from_send'], latency['all'])} |",
        f"| {label} | {crash['answered']} / {crash['unanswered']} | {crash['committed']} "
        f"| {crash['before']} + {crash['after']} | {crash['lost']} | {crash['duplicates']} "
        f"| {crash['recovered']:.1f} s | {'pass' if not crash['lost'] else 'MISS'} |",
    )


def run() -> str:
    started_load = os.getloadavg()[0]  # other work on the machine slows booking and delivery alike
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(_rows("SQLite, 1 worker", _measure(f"sqlite:///{tmp}/bench.db", 1)))
    with postgres_database() as pg:
        if pg:
            rows.append(_rows("PostgreSQL, 4 workers", _measure(pg, 4)))
        else:
            missing = f"| PostgreSQL, 4 workers | not measured: no server at {PG_ADMIN} |"
            rows.append((missing + " | | | | |", missing + " | | | | | |"))
    load = f"{started_load:.1f} → {os.getloadavg()[0]:.1f}"
    return "\n".join(
        [
            "## Event delivery (webhooks: latency under load, a crash)",
            "",
            f"The harness's webhook receiver, subscribed to `{EVENT}`, on 127.0.0.1. *Latency*: bookings sent "
            f"open-loop at {RATE} per second for {LOAD_SECONDS:.0f} s, each for a slot of its own, so all should "
            "get 201. Times in ms as p50 / p95 / max. The delivery's arrival is timed from the booking's 201 "
            "(the commit as the client learns of it, milliseconds after it on loopback) and from the booking's "
            "scheduled send (an upper bound, which adds the booking's own wait: send → 201; the booking section "
            "above shows how close the rate is to what the machine can book). Target: every booking delivered "
            f"and p95 below {TARGET_SECONDS * 1000:.0f} ms, judged from the 201 / from the send. The machine's "
            f"1-minute load average at the start and the end of the run: {load}.",
            "",
            "| server | bookings sent / 201 | delivered | 201 → arrival | send → 201 | send → arrival "
            "| target (201 / send) |",
            "|---|---|---|---|---|---|---|",
            *(latency for latency, _ in rows),
            "",
            f"*Crash*: a new subscription, bookings at the same pace for {CRASH_SECONDS:.0f} s; "
            f"{KILL_AFTER_SECONDS:.0f} s in, SIGKILL to the whole server (every worker) with bookings and "
            "deliveries in flight, then a restart on the same database. *Committed*: the events the feed holds "
            "after the subscription began, whether or not their 201 got out; each must arrive at least once "
            f"(*lost* = 0) within the delivery lease ({LEASE_SECONDS:.0f} s) and {RECOVERY_SECONDS:.0f} s more. "
            "Duplicates are allowed: delivery is at least once, de-duplicated by `webhook-id`.",
            "",
            "| server | 201 / no answer | committed | delivered before the kill + after the restart | lost "
            "| duplicates | all delivered after | target |",
            "|---|---|---|---|---|---|---|---|",
            *(crash for _, crash in rows),
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
