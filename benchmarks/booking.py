"""Booking under load: confirmed bookings and availability queries with 50 concurrent clients.

Each run starts the reference server (embedded SQLite with one worker, PostgreSQL with four) on
127.0.0.1, seeds a facility with 50 units and 50 citizens through the test interface, freezes the
clock, and then, all in the same run:

1. a bare endpoint on the same ASGI stack (GET /api-info: routing, validation, no database),
2. availability queries (a week of one unit each),
3. bookings: every one-hour slot is asked for by two clients at once (`confirm: true`), so each
   slot must end with exactly one 201 and one 409.

Each phase is bounded by a request count and a time budget. Afterwards the bookings of every unit
are read back: a booking that answered 201 but is missing is *lost*, a slot booked twice (or two
overlapping bookings) is *doubled*. Both must be zero.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg

from conformance.dataset import luhn_digit
from reference_server.launcher import background_server

CLIENTS = 50
UNITS = 50
PHASE_REQUESTS = 3000
PHASE_SECONDS = 15.0
SLOTS_PER_UNIT = 16  # one-hour slots from 06:00 UTC on the booking day
FROZEN = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
DAY = FROZEN.date() + timedelta(days=7)
PG_ADMIN = os.environ.get("BOKBID_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def throughput(self, status: int | None = None) -> float:
        count = len(self.latencies) if status is None else self.statuses.get(status, 0)
        return count / self.elapsed if self.elapsed else 0.0

    def p95_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=20)[-1] * 1000 if len(self.latencies) >= 20 else 0.0


async def _phase(
    name: str, requests: list[Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]], root: str
) -> Phase:
    """Send `requests` with CLIENTS concurrent clients (each its own connection) until done or out of time."""
    phase = Phase(name)
    todo = iter(requests)
    deadline = time.perf_counter() + PHASE_SECONDS

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=root, timeout=30.0) as client:
            for request in todo:
                if time.perf_counter() > deadline:
                    return
                started = time.perf_counter()
                response = await request(client)
                phase.latencies.append(time.perf_counter() - started)
                phase.statuses[response.status_code] = phase.statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(CLIENTS)))
    phase.elapsed = time.perf_counter() - started
    return phase


def _personnummer(i: int) -> str:
    body = f"8001{1 + i % 28:02d}{i:03d}"
    return "19" + body + str(luhn_digit(body))


def seed(root: str) -> tuple[list[str], list[str], str]:
    """Units, citizen tokens and an administrator token; the clock frozen at FROZEN."""
    every_day = [
        {"day": d, "opens": "00:00", "closes": "24:00"}
        for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    ]
    body = {
        "persons": [
            {
                "ref": f"p{i}",
                "personalIdentityNumber": _personnummer(i),
                "givenName": "Bänk",
                "familyName": f"Mätare{i}",
            }
            for i in range(CLIENTS)
        ],
        "facilities": [
            {
                "ref": "f",
                "name": "Belastningshallen",
                "municipalityCode": "0180",
                "address": {"street": "Testgatan 1", "postalCode": "111 11", "city": "Stockholm"},
                "position": {"latitude": 59.33, "longitude": 18.06},
                "ownership": "owned",
                "openingHours": {"weekly": every_day},
                "units": [{"ref": f"u{i}", "name": f"Bana {i}"} for i in range(UNITS)],
            }
        ],
    }
    with httpx.Client(base_url=root, timeout=30.0) as client:
        client.post("/test/reset").raise_for_status()
        ids = client.post("/test/fixtures", json=body).raise_for_status().json()["ids"]
        client.put(
            "/test/clock", json={"now": FROZEN.isoformat().replace("+00:00", "Z"), "frozen": True}
        ).raise_for_status()
        tokens = [
            client.post("/test/tokens", json={"persona": "citizen", "personId": ids[f"p{i}"], "expiresIn": 86400})
            .raise_for_status()
            .json()["accessToken"]
            for i in range(CLIENTS)
        ]
        admin = (
            client.post(
                "/test/tokens",
                json={"persona": "facility-administrator", "municipalityCode": "0180", "expiresIn": 86400},
            )
            .raise_for_status()
            .json()["accessToken"]
        )
    return [ids[f"u{i}"] for i in range(UNITS)], tokens, admin


def slot(hour: int) -> tuple[str, str]:
    """(start, end) of the one-hour slot `hour` hours after 06:00 UTC on DAY (later hours run into the next days)."""
    start = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=6 + hour)
    return start.isoformat().replace("+00:00", "Z"), (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z")


@dataclass
class Ledger:
    """What the clients were told, to compare with what the server kept."""

    created: dict[str, tuple[str, str]] = field(default_factory=dict)  # booking id -> (unit, start)
    refused: int = 0


def _booking_requests(units: list[str], tokens: list[str], ledger: Ledger, rng: random.Random) -> list[Any]:
    asks = [(unit, hour) for unit in units for hour in range(SLOTS_PER_UNIT) for _ in range(2)]
    rng.shuffle(asks)

    def make(i: int, unit: str, hour: int) -> Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]:
        start, end = slot(hour)
        headers = {
            "Authorization": f"Bearer {tokens[i % len(tokens)]}",
            "Idempotency-Key": str(uuid.UUID(int=rng.getrandbits(128))),
        }
        body = {"unitId": unit, "start": start, "end": end, "customerCategory": "private-person", "confirm": True}

        async def send(client: httpx.AsyncClient) -> httpx.Response:
            response = await client.post("/bookings", json=body, headers=headers)
            if response.status_code == 201:
                ledger.created[response.json()["id"]] = (unit, start)
            elif response.status_code == 409:
                ledger.refused += 1
            return response

        return send

    return [make(i, unit, hour) for i, (unit, hour) in enumerate(asks)][:PHASE_REQUESTS]


def _verify(root: str, units: list[str], admin: str, ledger: Ledger) -> tuple[int, int]:
    """(lost, doubled): 201s the server no longer has, and slots or overlaps booked more than once."""
    stored: dict[str, tuple[str, str, str]] = {}
    with httpx.Client(base_url=root, timeout=30.0, headers={"Authorization": f"Bearer {admin}"}) as client:
        for unit in units:
            page = 1
            while True:
                body = (
                    client.get("/bookings", params={"unitId": unit, "limit": 100, "page": page})
                    .raise_for_status()
                    .json()
                )
                for item in body["items"]:
                    stored[item["id"]] = (unit, item["start"], item["end"])
                if page >= body["totalPages"]:
                    break
                page += 1
    lost = sum(1 for booking_id in ledger.created if booking_id not in stored)
    doubled = 0
    by_unit: dict[str, list[tuple[str, str]]] = {}
    for unit, start, end in stored.values():
        by_unit.setdefault(unit, []).append((start, end))
    for intervals in by_unit.values():
        intervals.sort()
        doubled += sum(1 for a, b in itertools.pairwise(intervals) if b[0] < a[1])
    doubled += len(stored) - len(set(stored.values()))
    return lost, doubled


def _measure(db: str, workers: int) -> dict[str, Any]:
    rng = random.Random(20261127)
    with background_server(db=db, workers=workers, startup_timeout=90.0) as root:
        units, tokens, admin = seed(root)
        days = f"from={DAY.isoformat()}&to={(DAY + timedelta(days=6)).isoformat()}"

        def bare(_: int) -> Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]:
            return lambda client: client.get("/api-info")

        def availability(i: int) -> Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]:
            unit = units[i % len(units)]
            return lambda client: client.get(f"/units/{unit}/availability?{days}")

        ledger = Ledger()
        phases = {
            "bare": asyncio.run(_phase("bare", [bare(i) for i in range(PHASE_REQUESTS)], root)),
            "availability": asyncio.run(_phase("availability", [availability(i) for i in range(PHASE_REQUESTS)], root)),
            "booking": asyncio.run(_phase("booking", _booking_requests(units, tokens, ledger, rng), root)),
        }
        lost, doubled = _verify(root, units, admin, ledger)
    return {"phases": phases, "lost": lost, "doubled": doubled, "ledger": ledger}


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for one run, dropped afterwards; None when no server answers at PG_ADMIN."""
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        yield None
        return
    name = f"bokbid_bench_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _row(label: str, result: dict[str, Any]) -> str:
    p = result["phases"]
    ratio = p["availability"].throughput() / p["bare"].throughput() if p["bare"].throughput() else 0.0
    booking = p["booking"]
    met = ratio >= 0.5 and not result["lost"] and not result["doubled"]
    return (
        f"| {label} | {p['bare'].throughput():.0f} ({p['bare'].p95_ms():.0f} ms) "
        f"| {p['availability'].throughput():.0f} ({p['availability'].p95_ms():.0f} ms) | {ratio:.2f} "
        f"| {booking.throughput(201):.0f} ({booking.p95_ms():.0f} ms) "
        f"| {booking.statuses.get(201, 0)} / {booking.statuses.get(409, 0)} / "
        f"{sum(v for k, v in booking.statuses.items() if k not in (201, 409))} "
        f"| {result['lost']} | {result['doubled']} | {'yes' if met else 'NO'} |"
    )


def run() -> str:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(_row("SQLite, 1 worker", _measure(f"sqlite:///{tmp}/bench.db", 1)))
    with postgres_database() as pg:
        rows.append(
            _row("PostgreSQL, 4 workers", _measure(pg, 4))
            if pg
            else f"| PostgreSQL, 4 workers | not measured: no server at {PG_ADMIN} | | | | | | | |"
        )
    return "\n".join(
        [
            "## Booking under load (booking, availability, a bare endpoint)",
            "",
            f"{CLIENTS} concurrent clients on 127.0.0.1, each phase at most {PHASE_REQUESTS} requests or "
            f"{PHASE_SECONDS:.0f} s. Bookings: every one-hour slot of {UNITS} units is asked for twice at once "
            "(`confirm: true`), so half must get 201 and half 409. Throughput in requests per second "
            "(bookings: confirmed bookings per second), p95 latency in brackets. *Lost*: a 201 whose booking "
            "the server no longer has; *doubled*: a slot booked twice or two overlapping bookings of a unit. "
            "Target: availability at least half the bare endpoint's throughput, nothing lost or doubled.",
            "",
            "| server | bare GET /api-info | availability (a week) | ratio | confirmed bookings | 201 / 409 / other "
            "| lost | doubled | target met |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
