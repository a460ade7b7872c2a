"""Checks of the `events` class: the feed of committed changes (GET /events).

Every check builds its venue in a municipality the other classes' checks leave alone, chosen by the
seed, and first reads that municipality's feed to its end: what comes after that cursor is what the
check itself did. Changes are driven through the API (bookings, which every profile has) and the
feed is compared with the harness's own list of what it changed: every change once, nothing for a
refused one (EVT-001), in the order the changes were made and continued by cursor without a gap or
a repeat, also under 20 simultaneous bookings (EVT-002), nothing but the change and the reference
(EVT-003), and only to the readers the standard names (EVT-004).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from conformance import booking_data as bd
from conformance import grant_data as gd
from conformance import webhook_receiver
from conformance.booking_data import Venue, iso
from conformance.checks.attendance import attendance_report, send_report, simple_card
from conformance.checks.season_allocation import YOUTH, allocate, apply_for, decision_of, new_season, weekly_slot
from conformance.concurrency import simultaneously
from conformance.context import CheckContext
from conformance.expect import ensure, expect, forbidden, require
from conformance.http import RecordingClient, Response
from conformance.personnummer import find_personnummer, mask
from conformance.registry import check
from conformance.webhook_receiver import Delivery
from spec import webhook_signatures

# Municipalities no other class's checks book in, so the feed after a check's starting cursor holds
# only what that check did (each check still reads from its own cursor).
QUIET_MUNICIPALITIES = ("2584", "2523", "2514", "2506", "2521")
OTHER_MUNICIPALITY = "1480"
GRANT_WORLD = 60  # the grants checks' worlds are numbered below this (conformance/grant_data.py)
PAGE = 100
MAX_PAGES = 500  # 50 000 events: far more than a sandbox's municipality holds
CONCURRENT_BOOKINGS = 20
POLL_SECONDS = 60.0
# What an event may hold (EVT-003): the members the standard defines, nothing else.
EVENT_MEMBERS = {"id", "type", "occurredAt", "municipalityCode", "resource", "cursor"}
RESOURCE_MEMBERS = {"type", "id", "href"}


def _reader(ctx: CheckContext, municipality_code: str) -> RecordingClient:
    """The municipality's integration platform: a system client that may read every event of it."""
    return ctx.as_persona(
        "system-client", clientId="integrationsplattform", scopes=["events:read"], municipalityCode=municipality_code
    )


def _page(client: RecordingClient, after: str | None, limit: int = PAGE) -> Response:
    params: dict[str, Any] = {"limit": limit}
    if after is not None:
        params["after"] = after
    return client.get("/events", params=params)


def _read(
    client: RecordingClient, after: str | None, *, limit: int = PAGE, requirement: str = "EVT-002"
) -> tuple[list[dict[str, Any]], str]:
    """The events after `after` up to the end of the feed, and the cursor to continue from."""
    found: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        response = _page(client, after, limit)
        body = expect(response, requirement).status(200).json()
        items, after = body.get("items", []), body.get("next")
        ensure(
            isinstance(after, str) and bool(after),
            "the feed's answer has no next cursor to continue from",
            expected="a cursor",
            actual=after,
            response=response,
            requirement=requirement,
        )
        found += items
        if len(items) < limit:
            assert isinstance(after, str)
            return found, after
    raise AssertionError(f"the feed did not end within {MAX_PAGES} pages of {limit}")


def _start(client: RecordingClient, requirement: str) -> str:
    """The cursor at the end of the feed as `client` sees it now."""
    return _read(client, None, requirement=requirement)[1]


def _setup(ctx: CheckContext, citizens: int = 2) -> tuple[Venue, datetime, RecordingClient, str]:
    """A venue in a quiet municipality under a frozen clock, its event reader and the feed's end."""
    now = bd.frozen_now(ctx)
    venue = bd.build_venue(ctx, citizens=citizens, municipality_code=ctx.random.choice(QUIET_MUNICIPALITIES))
    reader = _reader(ctx, venue.municipality_code)
    return venue, now, reader, _start(reader, "EVT-001")


def _booked(response: Response) -> dict[str, Any]:
    body: dict[str, Any] = require(response, "BOOK-002").status(201).json()
    return body


def _changes(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e.get("type", ""), (e.get("resource") or {}).get("id", "")) for e in events]


def _declared(ctx: CheckContext) -> set[str]:
    """The classes the server implements: the changes of an undeclared one are not for the feed to show."""
    return set(require(ctx.anonymous.get("/conformance"), "CORE-002").status(200).json().get("conformsTo", []))


def _not_foreign_expiry(event: dict[str, Any], ours: set[str]) -> bool:
    """False for a hold another check left running out: moving the clock may do that, not ours to judge."""
    return event.get("type") != "booking.expired" or (event.get("resource") or {}).get("id") in ours


@check(
    "every-change-once",
    "Each booking change is in the feed exactly once, with a resolvable reference; refused bookings are not",
    requirements=["EVT-001"],
)
def every_change_once(ctx: CheckContext) -> None:
    venue, now, reader, start = _setup(ctx)
    day = bd.future_day(ctx, now)
    held = _booked(venue.book(venue.citizen(), *bd.slot(day, "08:00", 60), "private-person"))
    require(venue.citizen().post(f"/bookings/{held['id']}/confirm"), "BOOK-002").status(200)
    confirmed = _booked(venue.book(venue.citizen(1), *bd.slot(day, "10:00", 60), "private-person", confirm=True))
    require(venue.citizen(1).post(f"/bookings/{confirmed['id']}/cancel", json={}), "BOOK-007").status(200)
    # Refused: the first booking's time (409) and a time before the clock's "now" (422).
    refused = venue.book(venue.citizen(1), *bd.slot(day, "08:30", 60), "private-person")
    require(refused, "BOOK-004").status(409)
    past = now - timedelta(days=2)
    require(venue.book(venue.citizen(1), past, past + timedelta(hours=1), "private-person"), "BOOK-005").status(422)
    expiring = _booked(venue.book(venue.citizen(), *bd.slot(day, "14:00", 60), "private-person"))
    ends = bd.parse(expiring["holdExpiresAt"])
    ctx.test.set_clock(ends + timedelta(minutes=1), frozen=True)
    reader = _reader(ctx, venue.municipality_code)  # tokens do not outlive a moved clock
    ours = {held["id"], confirmed["id"], expiring["id"]}
    events = [e for e in _read(reader, start, requirement="EVT-001")[0] if _not_foreign_expiry(e, ours)]
    wanted = [
        ("booking.created", held["id"]),
        ("booking.confirmed", held["id"]),
        ("booking.created", confirmed["id"]),
        ("booking.cancelled", confirmed["id"]),
        ("booking.created", expiring["id"]),
        ("booking.expired", expiring["id"]),
    ]
    got = _changes(events)
    ensure(
        Counter(got) == Counter(wanted),
        "the feed does not hold each change once and nothing for refused bookings",
        expected=sorted(wanted),
        actual=sorted(got),
    )
    ids = [e.get("id") for e in events]
    ensure(len(set(ids)) == len(ids), "two events share an id", expected="unique ids", actual=ids)
    when = {change: iso(now) for change in wanted} | {("booking.expired", expiring["id"]): iso(ends)}
    admin = venue.admin()
    for event in events:
        change = (event["type"], event["resource"]["id"])
        ensure(
            event.get("occurredAt") == when[change],
            f"{change[0]} of {change[1]} did not occur when the server clock says it did",
            expected=when[change],
            actual=event.get("occurredAt"),
        )
        href = str(event["resource"].get("href", ""))
        ensure(
            href == f"/v1/bookings/{change[1]}" and event["resource"].get("type") == "booking",
            "the event's resource is not the booking it reports",
            expected=f"booking at /v1/bookings/{change[1]}",
            actual=event["resource"],
        )
        expect(admin.get(href.removeprefix("/v1")), "EVT-001").status(200).field("id", change[1])


@check(
    "payments-and-registrations",
    "Payments, refunds, registrations and moves from the waiting list are in the feed once each, where declared",
    requirements=["EVT-001"],
)
def payments_and_registrations(ctx: CheckContext) -> None:
    """The changes of the optional booking-side classes the server declares (nothing to do without them)."""
    declared = _declared(ctx)
    now = bd.frozen_now(ctx)
    day = bd.future_day(ctx, now)
    start, end = bd.slot(day + timedelta(days=1), "17:00", 45)
    lesson = {"ref": "lesson", "name": "Simskola", "activityType": "swimming", "start": iso(start), "end": iso(end)}
    venue = bd.build_venue(
        ctx,
        municipality_code=ctx.random.choice(QUIET_MUNICIPALITIES),
        terms={"prices": [{"customerCategory": "private-person", "pricePerHourOre": 24000}]},
        unit_extra={"activities": [lesson | {"capacity": 1}]} if "activities" in declared else None,
    )
    reader = _reader(ctx, venue.municipality_code)
    after = _start(reader, "EVT-001")
    wanted: list[tuple[str, str]] = []
    if "payments" in declared:
        booking = _booked(venue.book(venue.citizen(), *bd.slot(day, "09:00", 60), "private-person", confirm=True))
        paid = venue.citizen().post(
            "/payments",
            json={"bookingIds": [booking["id"]], "method": "card"},
            headers={"Idempotency-Key": bd.idempotency_key(ctx.random)},
        )
        payment = require(paid, "PAY-001").status(201).field("status", "settled").json()
        require(venue.citizen().post(f"/bookings/{booking['id']}/cancel", json={}), "BOOK-007").status(200)
        wanted += [
            ("booking.created", booking["id"]),
            ("payment.completed", payment["id"]),
            ("booking.cancelled", booking["id"]),
            ("payment.refunded", payment["id"]),
        ]
    if "activities" in declared:
        activity = venue.extra["lesson"]
        first, queued = (
            require(
                venue.citizen(i).post(
                    f"/activities/{activity}/registrations",
                    json={"joinWaitingList": True},
                    headers={"Idempotency-Key": bd.idempotency_key(ctx.random)},
                ),
                "ACT-002",
            )
            .status(201)
            .json()
            for i in (0, 1)
        )
        require(venue.citizen(0).post(f"/registrations/{first['id']}/cancel"), "ACT-004").status(200)
        wanted += [
            ("registration.created", first["id"]),
            ("registration.created", queued["id"]),
            ("registration.moved-from-waiting-list", queued["id"]),
        ]
    got = _changes(_read(reader, after, requirement="EVT-001")[0])
    ensure(
        Counter(got) == Counter(wanted),
        "the feed does not hold each payment, refund and registration change once",
        expected=sorted(wanted),
        actual=sorted(got),
    )


@check(
    "season-changes",
    "Publishing a season's allocation and each booking it makes are in the feed once; a refused second one is not",
    requirements=["EVT-001"],
)
def season_changes(ctx: CheckContext) -> None:
    """The season-allocation class's changes, in a quiet municipality (nothing to do without the class).
    The allocation's bookings are booking.created too: the spec's EventType says so."""
    if "season-allocation" not in _declared(ctx):
        return
    season = new_season(ctx, municipality_code=ctx.random.choice(QUIET_MUNICIPALITIES))
    venue = season.venue
    slot = weekly_slot(venue.unit_id, "tuesday", "18:00", "19:30")
    applied = apply_for(ctx, venue.association(), season, YOUTH, slot)
    application = require(applied, "SEAS-002").status(201).json()
    ctx.test.set_clock(season.deadline + timedelta(days=1), frozen=True)
    reader = _reader(ctx, venue.municipality_code)
    after = _start(reader, "EVT-001")
    require(allocate(ctx, venue.admin(), season), "SEAS-003").status(201)
    require(allocate(ctx, venue.admin(), season), "SEAS-005").problem(409, "already-allocated")
    booked = decision_of(venue.association(), application).get("decision", {}).get("bookingIds", [])
    wanted = [("season.allocated", season.id), *(("booking.created", b) for b in booked)]
    events = [e for e in _read(reader, after, requirement="EVT-001")[0] if _not_foreign_expiry(e, set(booked))]
    got = _changes(events)
    ensure(
        Counter(got) == Counter(wanted),
        "the feed does not hold the season's allocation and each booking it made once, and nothing for the refused "
        "second allocation",
        expected=sorted(wanted),
        actual=sorted(got),
    )


@check(
    "grant-changes",
    "Submitting, deciding and paying out a grant application and evaluating an attendance report are in the feed "
    "once each, where declared",
    requirements=["EVT-001"],
)
def grant_changes(ctx: CheckContext) -> None:
    """The grants and attendance classes' changes, in a municipality of the check's own (nothing to do
    without grants, which attendance implies)."""
    declared = _declared(ctx)
    if "grants" not in declared:
        return
    world = gd.build_world(ctx, GRANT_WORLD, organisations=("a",), roles=("chair",))
    # Before the spring 2026 deadline, so the draft can be submitted whatever the real date is.
    ctx.test.set_clock(gd.deadline_instant(date(2026, 8, 25)) - timedelta(days=30), frozen=True)
    reader, officer, chair = _reader(ctx, world.code), world.officer(ctx), world.rep(ctx, "a")
    after = _start(reader, "EVT-001")
    body = {"programmeId": world.ids["lok"], "applicationPeriod": "2026-spring", "requestedAmount": 300000}
    application = require(chair.post("/grant-applications", json=body), "GRANT-002").status(201).json()
    path = f"/grant-applications/{application['id']}"
    require(chair.post(f"{path}/submission"), "GRANT-003").status(200)
    require(officer.post(f"{path}/review"), "GRANT-006").status(200)
    decision = {"outcome": "approved", "amount": 300000, "motivation": "Enligt reglerna för bidraget."}
    require(officer.post(f"{path}/decision", json=decision), "GRANT-006").status(200)
    key = f"evt-{ctx.random.getrandbits(32):08x}"
    payout = require(officer.post("/grant-payouts", json={"idempotencyKey": key}), "GRANT-009").status(201).json()
    wanted = [
        ("grant-application.submitted", application["id"]),
        ("grant-application.decided", application["id"]),
        ("grant-payout.created", payout["id"]),
    ]
    if "attendance" in declared:
        report = attendance_report(world, simple_card(ctx, 1))
        require(send_report(chair, world, {**report, "municipalityCode": "9999"}), "ATT-004").status(400)
        evaluated = require(send_report(chair, world, report), "ATT-001").status(201).json()
        wanted.append(("attendance-report.evaluated", evaluated["id"]))
    got = _changes(_read(reader, after, requirement="EVT-001")[0])
    ensure(
        Counter(got) == Counter(wanted),
        "the feed does not hold each grant and attendance change once, and nothing for the refused report",
        expected=sorted(wanted),
        actual=sorted(got),
    )


@check(
    "commit-order",
    "The feed lists changes in the order they were made and any page size continues from its cursor alike",
    requirements=["EVT-002"],
)
def commit_order(ctx: CheckContext) -> None:
    venue, now, reader, start = _setup(ctx)
    day = bd.future_day(ctx, now)
    made: list[tuple[str, str]] = []
    for hour in ctx.random.sample(range(7, 21), 6):
        booking = _booked(venue.book(venue.citizen(hour % 2), *bd.slot(day, f"{hour:02d}:00", 60), "private-person"))
        made.append(("booking.created", booking["id"]))
        if hour % 3 == 0:
            require(venue.citizen(hour % 2).post(f"/bookings/{booking['id']}/confirm"), "BOOK-002").status(200)
            made.append(("booking.confirmed", booking["id"]))
    whole, end = _read(reader, start)
    # Each change in the place of its first event: a repeated event is EVT-001's to judge.
    order = list(dict.fromkeys(_changes(whole)))
    ensure(order == made, "the feed is not in the order the changes were made", expected=made, actual=order)
    small = ctx.random.randint(1, 3)
    paged, paged_end = _read(reader, start, limit=small)
    ensure(
        [e.get("id") for e in paged] == [e.get("id") for e in whole] and paged_end == end,
        f"reading {small} at a time from the same cursor gives other events than one read",
        expected=[e.get("id") for e in whole],
        actual=[e.get("id") for e in paged],
    )
    if whole:
        middle = ctx.random.randrange(len(whole))
        rest, _ = _read(reader, whole[middle]["cursor"])
        ensure(
            [e.get("id") for e in rest] == [e.get("id") for e in whole[middle + 1 :]],
            "continuing from an event's cursor does not give the events after it",
            expected=[e.get("id") for e in whole[middle + 1 :]],
            actual=[e.get("id") for e in rest],
        )
    again, _ = _read(reader, end)
    ensure(again == [], "the end of the feed is not the end when read again", expected=[], actual=_changes(again))
    for junk in ("x", "not-a-cursor", "ZXZ0Oi0x"):
        expect(_page(reader, junk)).problem(400, "validation-error").names_parameter("after")


def _poll(client: RecordingClient, after: str, done: threading.Event, seen: list[dict[str, Any]]) -> None:
    """Follow the feed as a consumer does, each answer's `next` the next `after`, until the feed has
    been read to its end once after `done` is set (bounded in time and in requests)."""
    deadline = time.monotonic() + POLL_SECONDS
    while time.monotonic() < deadline:
        finishing = done.is_set()
        body = _page(client, after).json()
        seen += body.get("items", [])
        after = body.get("next") or after
        if finishing and len(body.get("items", [])) < PAGE:
            return


@check(
    "cursor-under-concurrency",
    f"A consumer following the feed during {CONCURRENT_BOOKINGS} simultaneous bookings sees every event once",
    requirements=["EVT-002"],
)
def cursor_under_concurrency(ctx: CheckContext) -> None:
    """A feed numbered in the order events are created rather than committed lets a reader see a later
    event while an earlier one is still uncommitted, and continue past it: a gap only a reader who
    follows the feed while changes commit can see."""
    venue, now, reader, start = _setup(ctx, citizens=CONCURRENT_BOOKINGS)
    day = bd.future_day(ctx, now)
    customers = [venue.citizen(i) for i in range(CONCURRENT_BOOKINGS)]
    minutes = [30 * i for i in range(CONCURRENT_BOOKINGS)]
    ctx.random.shuffle(minutes)
    keys = [bd.idempotency_key(ctx.random) for _ in customers]
    follower = replace(reader, http=httpx.Client(base_url=reader.http.base_url, timeout=reader.http.timeout))
    done = threading.Event()
    seen: list[dict[str, Any]] = []
    poller = threading.Thread(target=_poll, args=(follower, start, done, seen), daemon=True)
    poller.start()
    try:
        opening = bd.local(day, "06:00")
        responses = simultaneously(
            customers,
            lambda client, i: venue.book(
                client,
                opening + timedelta(minutes=minutes[i]),
                opening + timedelta(minutes=minutes[i] + 30),
                "private-person",
                key=keys[i],
            ),
        )
    finally:
        done.set()
        poller.join(timeout=POLL_SECONDS + 10)
        follower.http.close()
    booked = {_booked(response)["id"] for response in responses}
    whole, _ = _read(reader, start)
    created = {e["resource"]["id"] for e in whole if e.get("type") == "booking.created"}
    ensure(created == booked, "the feed does not hold the simultaneous bookings", expected=booked, actual=created)
    followed = [e.get("id") for e in seen]
    ensure(
        followed == [e.get("id") for e in whole],
        "a consumer following the feed with each next cursor missed or repeated events that a later read from "
        "the same cursor lists",
        expected=[e.get("id") for e in whole],
        actual=followed,
    )


@check(
    "no-personal-data",
    "An event holds the change and a reference to the resource, nothing about the people in it",
    requirements=["EVT-003"],
)
def no_personal_data(ctx: CheckContext) -> None:
    venue, now, reader, start = _setup(ctx)
    day = bd.future_day(ctx, now)
    booking = _booked(venue.book(venue.citizen(), *bd.slot(day, "09:00", 60), "private-person", confirm=True))
    association = _booked(
        venue.book(venue.association(), *bd.slot(day, "11:00", 60), "association-youth", confirm=True)
    )
    require(venue.citizen().post(f"/bookings/{booking['id']}/cancel", json={}), "BOOK-007").status(200)
    response = _page(reader, start)
    events = expect(response).status(200).json().get("items", [])
    ensure(len(events) >= 3, "the bookings' events are not in the feed", expected=">= 3 events", actual=len(events))
    for event in events:
        extra = set(event) - EVENT_MEMBERS
        extra |= {f"resource.{m}" for m in set(event.get("resource") or {}) - RESOURCE_MEMBERS}
        ensure(
            not extra,
            f"an event carries {', '.join(sorted(extra))}: an event holds only the change and the reference, "
            "the consumer fetches the rest with its own token",
            expected=sorted(EVENT_MEMBERS),
            actual=sorted(event),
            response=response,
        )
    numbers = find_personnummer(response.text)
    ensure(
        not numbers,
        "the feed shows personal identity numbers",
        expected="none",
        actual=[mask(n) for n in numbers],
        response=response,
    )
    people = {booking["bookedBy"]["personId"], association["bookedBy"]["personId"]}
    leaked = sorted(p for p in people if p in response.text)
    ensure(
        not leaked, "the feed names the people who booked", expected="no person ids", actual=leaked, response=response
    )


@check(
    "who-reads",
    "The municipality's system clients and staff read its events as the standard assigns them; no one else does",
    requirements=["EVT-004"],
)
def who_reads(ctx: CheckContext) -> None:
    venue, now, reader, start = _setup(ctx)
    code = venue.municipality_code
    elsewhere = _reader(ctx, OTHER_MUNICIPALITY)
    elsewhere_start = _start(elsewhere, "EVT-004")
    case_officer = ctx.as_persona("case-officer", municipalityCode=code)
    officer_start = _start(case_officer, "EVT-004")
    admin_start = _start(venue.admin(), "EVT-004")
    day = bd.future_day(ctx, now)
    booking = _booked(venue.book(venue.citizen(), *bd.slot(day, "12:00", 60), "private-person"))
    ours = ("booking.created", booking["id"])
    for client, after, who in (
        (reader, start, "a system client with events:read"),
        (venue.admin(), admin_start, "a facility administrator"),
    ):
        events, _ = _read(client, after, requirement="EVT-004")
        ensure(
            _changes(events) == [ours],
            f"{who} of the municipality does not read its booking events",
            expected=[ours],
            actual=_changes(events),
        )
    for client, after, who in (
        (elsewhere, elsewhere_start, f"a system client of {OTHER_MUNICIPALITY}"),
        (venue.admin(OTHER_MUNICIPALITY), None, f"a facility administrator of {OTHER_MUNICIPALITY}"),
        (case_officer, officer_start, "a case officer"),
    ):
        events, _ = _read(client, after, requirement="EVT-004")
        ensure(
            ours not in _changes(events),
            f"{who} reads a booking event of {code}",
            expected=f"no event of booking {booking['id']}",
            actual=_changes(events)[-5:],
        )
    refused = (
        venue.citizen(),
        venue.association(),
        ctx.as_persona("system-client", clientId="ekonomisystem", scopes=["finance:read"], municipalityCode=code),
        ctx.as_persona("system-client", clientId="integrationsplattform", scopes=["events:read"]),
    )
    for client in refused:
        forbidden(_page(client, None), "EVT-004")


# --- webhooks (EVT-005 … EVT-007) -----------------------------------------------------------------
# The harness hosts the receiver (conformance/webhook_receiver.py); each check subscribes a path of
# its own and asks the sandbox for a short retry schedule, so that it waits seconds, not minutes.
DELIVERY_SECONDS = 20.0  # how long a delivery may take to arrive
QUIET_SECONDS = 3.0  # how long the harness waits to be sure nothing more arrives
RETRY_BASE = 0.5  # the testRetryBaseSeconds the checks ask for
RETRY_SLACK = 0.8  # a retry may come this fraction of its delay early (the harness's own timing)
# EVT-007: a delivery not answered in time is retried; in a sandbox the time is twice testRetryBaseSeconds.
# The spec states it in prose only, so the rule is here. The receiver holds a delivery well longer, so that
# even a busy sender has given up on it; that costs little, since the check waits for the retry, not for
# the held answer.
NO_ANSWER_SECONDS = 2 * RETRY_BASE
HOLD_SECONDS = NO_ANSWER_SECONDS + 3.0


def _subscribe(reader: RecordingClient, url: str, types: list[str]) -> dict[str, Any]:
    """Subscribe `url` on the way to a check of deliveries (subscribing is EVT-005's)."""
    body = {"url": url, "eventTypes": types, "testRetryBaseSeconds": RETRY_BASE}
    created: dict[str, Any] = require(reader.post("/webhook-subscriptions", json=body), "EVT-005").status(201).json()
    return created


def _ours(deliveries: list[Delivery], resource_id: str) -> list[Delivery]:
    """The deliveries about `resource_id`, in the order they arrived."""
    found = []
    for delivery in deliveries:
        try:
            event = json.loads(delivery.body)
        except ValueError:
            continue
        if isinstance(event, dict) and (event.get("resource") or {}).get("id") == resource_id:
            found.append(delivery)
    return found


@check(
    "webhook-subscriptions",
    "A system client subscribes, reads and deletes its subscriptions; others may not; deleted stops deliveries",
    requirements=["EVT-005"],
)
def webhook_subscriptions(ctx: CheckContext) -> None:
    venue, now, reader, _ = _setup(ctx)
    code = venue.municipality_code
    receiver = ctx.webhook_receiver()
    url = receiver.hook_url()
    body = {"url": url, "eventTypes": ["booking.created"], "testRetryBaseSeconds": RETRY_BASE}
    response = reader.post("/webhook-subscriptions", json=body)
    created = expect(response).status(201).json()
    secret = created.get("secret", "")
    ensure(
        isinstance(secret, str) and secret.startswith("whsec_") and len(secret) > len("whsec_") + 20,
        "the new subscription has no whsec_ secret",
        expected="whsec_ and the key in base64",
        actual=secret,
        response=response,
    )
    path = f"/webhook-subscriptions/{created.get('id')}"
    listed = expect(reader.get("/webhook-subscriptions", params={"limit": 100})).status(200).json()
    mine = [s for s in listed.get("items", []) if s.get("id") == created.get("id")]
    ensure(len(mine) == 1, "the new subscription is not listed", expected=created.get("id"), actual=listed)
    ensure("secret" not in mine[0], "the list shows the secret again", expected="no secret", actual=mine[0])
    shown = expect(reader.get(path)).status(200).json()
    ensure("secret" not in shown, "the subscription shows the secret again", expected="no secret", actual=shown)
    stranger = ctx.as_persona("system-client", clientId="annan-klient", scopes=["events:read"], municipalityCode=code)
    expect(stranger.get(path)).status(404)
    expect(stranger.delete(path)).status(404)
    for client in (
        venue.citizen(),
        venue.admin(),
        ctx.as_persona("system-client", clientId="ekonomisystem", scopes=["finance:read"], municipalityCode=code),
    ):
        forbidden(client.post("/webhook-subscriptions", json=body), "EVT-005")
    plain = reader.post("/webhook-subscriptions", json={**body, "url": "http://hooks.example.com/bob"})
    expect(plain).status(400)
    day = bd.future_day(ctx, now)
    first = _booked(venue.book(venue.citizen(), *bd.slot(day, "08:00", 60), "private-person"))
    arrived = _ours(receiver.wait_for(url, 1, DELIVERY_SECONDS), first["id"])
    # Without a delivery before the DELETE, no delivery after it would prove nothing.
    ensure(bool(arrived), "no delivery arrived for a booking made after subscribing", expected=1, actual=0)
    expect(reader.delete(path)).status(204)
    expect(reader.get(path)).status(404)
    before = len(receiver.deliveries(url))
    second = _booked(venue.book(venue.citizen(), *bd.slot(day, "10:00", 60), "private-person"))
    time.sleep(QUIET_SECONDS)
    after = _ours(receiver.deliveries(url)[before:], second["id"])
    ensure(
        not after,
        "events are still delivered to a deleted subscription",
        expected="no delivery after DELETE",
        actual=f"{len(after)} deliveries of booking {second['id']}",
    )


@check(
    "webhook-deliveries-signed",
    "Every subscribed change is delivered with the event id and a Standard Webhooks signature by the secret",
    requirements=["EVT-006"],
)
def webhook_deliveries_signed(ctx: CheckContext) -> None:
    venue, now, reader, start = _setup(ctx)
    receiver = ctx.webhook_receiver()
    url = receiver.hook_url()
    subscription = _subscribe(reader, url, ["booking.created", "booking.confirmed"])
    secret = subscription.get("secret", "")
    day = bd.future_day(ctx, now)
    booking = _booked(venue.book(venue.citizen(), *bd.slot(day, "09:00", 60), "private-person"))
    require(venue.citizen().post(f"/bookings/{booking['id']}/confirm"), "BOOK-002").status(200)
    feed = {
        e.get("id"): e
        for e in _read(reader, start, requirement="EVT-001")[0]
        if (e.get("resource") or {}).get("id") == booking["id"]
    }
    deadline = time.monotonic() + DELIVERY_SECONDS
    delivered: list[Delivery] = []
    while time.monotonic() < deadline:
        delivered = _ours(receiver.deliveries(url), booking["id"])
        if {d.headers.get("webhook-id") for d in delivered} >= set(feed):
            break
        time.sleep(0.1)
    wrong = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    tolerance = webhook_signatures.timestamp_tolerance(ctx.release)  # what a receiver accepts (EVT-009)
    for delivery in delivered:
        event = json.loads(delivery.body)
        ensure(
            delivery.headers.get("webhook-id") == event.get("id"),
            "webhook-id is not the event's id",
            expected=event.get("id"),
            actual=delivery.headers.get("webhook-id"),
        )
        stamp = delivery.headers.get("webhook-timestamp", "")
        ensure(
            stamp.isdigit() and abs(int(stamp) - time.time()) <= tolerance,
            "webhook-timestamp is not the time of sending in Unix seconds",
            expected=f"about {int(time.time())}",
            actual=stamp,
        )
        ensure(
            webhook_receiver.verify(secret, delivery),
            "the delivery's webhook-signature is not v1,base64(HMAC-SHA256) by the secret over id.timestamp.body",
            expected="a v1 signature that verifies",
            actual=delivery.headers.get("webhook-signature"),
        )
        ensure(not webhook_receiver.verify(wrong, delivery), "the signature verifies with any secret")
        ensure(
            event.get("id") in feed and event.get("type") == feed[event.get("id")].get("type"),
            "a delivery is not an event of the feed",
            expected=sorted(str(k) for k in feed),
            actual=event,
        )
    ensure(
        {d.headers.get("webhook-id") for d in delivered} >= set(feed) and len(feed) == 2,
        "not every subscribed change was delivered",
        expected=sorted(f"{e.get('type')} {i}" for i, e in feed.items()),
        actual=sorted(str(d.headers.get("webhook-id")) for d in delivered),
    )
    require(reader.delete(f"/webhook-subscriptions/{subscription.get('id')}"), "EVT-005").status(204)


def _event_type(delivery: Delivery) -> str:
    try:
        event = json.loads(delivery.body)
    except ValueError:
        return ""
    return str(event.get("type", "")) if isinstance(event, dict) else ""


def _accepted(delivery: Delivery) -> bool:
    """Answered 2xx in time: a held delivery's late 204 reaches a sender that (rightly) stopped waiting."""
    return delivery.answered < 300 and delivery.held < NO_ANSWER_SECONDS


def _attempts(deliveries: list[Delivery]) -> list[str]:
    """The deliveries as evidence: type and answer, or how long the receiver held it."""
    return [f"{_event_type(d)} {f'held {d.held:.0f} s' if d.held else d.answered}" for d in deliveries]


@check(
    "webhook-retries",
    f"A delivery not answered in {NO_ANSWER_SECONDS:g} s or answered 500 is retried with its id and backoff; "
    "the resource's next event waits for it",
    requirements=["EVT-007"],
)
def webhook_retries(ctx: CheckContext) -> None:
    """The receiver holds the first attempt past the timeout (one check pays that wait) and answers the
    second 500, so the one delivery shows both kinds of failure retried, and the backoff after the 500."""
    venue, now, reader, _ = _setup(ctx)
    receiver = ctx.webhook_receiver()
    url = receiver.hook_url()
    receiver.answer_after(url, HOLD_SECONDS, first=1)
    receiver.fail_first(url, 1)
    subscription = _subscribe(reader, url, ["booking.created", "booking.confirmed"])
    day = bd.future_day(ctx, now)
    booking = _booked(venue.book(venue.citizen(), *bd.slot(day, "11:00", 60), "private-person"))
    require(venue.citizen().post(f"/bookings/{booking['id']}/confirm"), "BOOK-002").status(200)
    deadline = time.monotonic() + NO_ANSWER_SECONDS + DELIVERY_SECONDS
    ours: list[Delivery] = []
    while time.monotonic() < deadline:
        ours = _ours(receiver.deliveries(url), booking["id"])
        if any(_event_type(d) == "booking.confirmed" and _accepted(d) for d in ours):
            break
        time.sleep(0.05)
    require(reader.delete(f"/webhook-subscriptions/{subscription.get('id')}"), "EVT-005").status(204)
    created = [d for d in ours if _event_type(d) == "booking.created"]
    ensure(
        len(created) >= 2,
        f"a delivery not answered within {NO_ANSWER_SECONDS:g} s (twice testRetryBaseSeconds) was not retried",
        expected=f"booking.created tried again after the receiver held it {HOLD_SECONDS:.0f} s",
        actual=_attempts(ours),
    )
    success = next((i for i, d in enumerate(created) if _accepted(d)), None)
    ensure(
        success is not None,
        "a delivery answered with 500 was not retried until it succeeded",
        expected=f"booking.created held {HOLD_SECONDS:.0f} s, answered 500, then delivered",
        actual=_attempts(ours),
    )
    assert success is not None
    early = [d for d in ours if _event_type(d) == "booking.confirmed" and d.received_at < created[success].received_at]
    ensure(
        not early,
        "booking.confirmed was delivered while booking.created of the same booking still waited for its retry",
        expected="booking.confirmed after booking.created was delivered",
        actual=_attempts(ours),
    )
    attempts = created[: success + 1]
    ensure(
        len(attempts) >= 3,
        "the first attempt was held past the timeout and the second answered 500, yet the delivery did not take three",
        expected=3,
        actual=_attempts(ours),
    )
    ids = {a.headers.get("webhook-id") for a in attempts}
    ensure(len(ids) == 1, "the retries carry another webhook-id than the first attempt", expected=1, actual=ids)
    # The first retry's wait is hidden in the sender's timeout; the second retry's is 2 × the base.
    gap = attempts[2].received_at - attempts[1].received_at
    ensure(
        gap >= 2 * RETRY_BASE * RETRY_SLACK,
        f"the retries do not back off exponentially from testRetryBaseSeconds {RETRY_BASE}",
        expected=f"a wait of at least {2 * RETRY_BASE} s before the second retry",
        actual=f"{gap:.2f} s",
    )
