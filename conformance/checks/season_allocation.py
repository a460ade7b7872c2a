"""Checks of the `season-allocation` class: seasons, applying before the deadline, the allocation by
the published rules, the bookings it makes (across the autumn daylight-saving change), who may
allocate and see what, and idempotent applications.

The allocation scenario is built so that each rule decides something: a youth application
submitted later wins a contested slot over an adult one submitted earlier, an application whose
first choice is taken falls back to its second, which a blocked period spoils on one date
(partially granted), and one with nothing left is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from conformance import booking_data as bd
from conformance.booking_data import Venue, iso, local
from conformance.context import CheckContext
from conformance.expect import ensure, ensure_status, expect, require
from conformance.http import RecordingClient, Response
from conformance.listing import walk
from conformance.registry import check

YOUTH, ADULT = "association-youth", "association-adult"
PRICE_PER_HOUR = 15001  # öre; odd, so that a granted 90 minutes costs 22 501.5 öre before rounding (halves up)


@dataclass
class Season:
    id: str
    start: date
    end: date
    deadline: datetime
    venue: Venue
    rival: Venue  # a second association of the same municipality
    blocked: str | None  # the Thursday with a blocked period, if any

    def dates(self, weekday: int) -> list[date]:
        day = self.start + timedelta(days=(weekday - self.start.weekday()) % 7)
        found = []
        while day <= self.end:
            found.append(day)
            day += timedelta(days=7)
        return found


def new_season(ctx: CheckContext, *, blocked_thursday: bool = False, municipality_code: str = "0180") -> Season:
    """An autumn season of 2027 that spans the change back to standard time on 31 October."""
    start = date(2027, 9, 27) - timedelta(days=7 * ctx.random.randint(0, 3))
    end = date(2027, 11, 14)
    now = datetime(2027, 8, 16, 9, 0, tzinfo=UTC)
    ctx.test.set_clock(now, frozen=True)
    thursday = start + timedelta(days=3 + 7 * ctx.random.randint(1, 3))
    block = (local(thursday, "16:30"), local(thursday, "18:30"))
    prices = {"prices": [{"customerCategory": c, "pricePerHourOre": PRICE_PER_HOUR} for c in (YOUTH, ADULT, "company")]}
    venue = bd.build_venue(
        ctx,
        terms=prices,
        municipality_code=municipality_code,
        blocked=[{"start": iso(block[0]), "end": iso(block[1]), "reason": "Skolavslutning"}]
        if blocked_thursday
        else [],
    )
    rival = bd.build_venue(ctx, terms=prices, municipality_code=municipality_code)
    deadline = datetime(2027, 8, 31, 21, 59, 59, tzinfo=UTC)
    label = f"s{ctx.random.getrandbits(32):08x}"
    ids = ctx.test.fixtures(
        {
            "seasons": [
                {
                    "ref": label,
                    "municipalityCode": venue.municipality_code,
                    "name": f"Hösttermin 2027 {label}",
                    "startDate": start.isoformat(),
                    "endDate": end.isoformat(),
                    "applicationDeadline": iso(deadline),
                }
            ]
        }
    )
    return Season(ids[label], start, end, deadline, venue, rival, thursday.isoformat() if blocked_thursday else None)


def weekly_slot(unit_id: str, weekday: str, start: str, end: str) -> dict[str, str]:
    return {"unitId": unit_id, "weekday": weekday, "startTime": start, "endTime": end}


def apply_for(
    ctx: CheckContext,
    client: RecordingClient,
    season: Season,
    category: str,
    *slots: dict[str, str],
    key: str | None = None,
) -> Response:
    return client.post(
        f"/seasons/{season.id}/applications",
        json={"customerCategory": category, "alternatives": list(slots)},
        headers={"Idempotency-Key": key or bd.idempotency_key(ctx.random)},
    )


def allocate(ctx: CheckContext, client: RecordingClient, season: Season) -> Response:
    return client.post(f"/seasons/{season.id}/allocation", headers={"Idempotency-Key": bd.idempotency_key(ctx.random)})


@dataclass
class Contest:
    season: Season
    adult: dict[str, Any]  # X, adult, submitted first: Tuesday only
    youth: dict[str, Any]  # Y, youth, submitted second: Tuesday, else Wednesday
    fallback: dict[str, Any]  # X, youth, submitted last: Tuesday later, else Thursday (one Thursday blocked)
    allocation: dict[str, Any]


def _contest(ctx: CheckContext) -> Contest:
    season = new_season(ctx, blocked_thursday=True)
    unit = season.venue.unit_id
    x, y = season.venue.association, season.rival.association
    submitted = datetime(2027, 8, 16, 9, 0, tzinfo=UTC)
    responses = []
    for i, (client, category, slots) in enumerate(
        (
            (x, ADULT, [weekly_slot(unit, "tuesday", "18:00", "19:30")]),
            (
                y,
                YOUTH,
                [weekly_slot(unit, "tuesday", "18:00", "19:30"), weekly_slot(unit, "wednesday", "18:00", "19:30")],
            ),
            (
                x,
                YOUTH,
                [weekly_slot(unit, "tuesday", "18:30", "20:00"), weekly_slot(unit, "thursday", "17:00", "18:00")],
            ),
        )
    ):
        ctx.test.set_clock(submitted + timedelta(minutes=i), frozen=True)
        applied = apply_for(ctx, client(), season, category, *slots)
        responses.append(require(applied, "SEAS-002").status(201).field("status", "submitted").json())
    ctx.test.set_clock(season.deadline + timedelta(days=5), frozen=True)
    allocation = expect(allocate(ctx, season.venue.admin(), season)).status(201).json()
    return Contest(season, *responses, allocation)


def decision_of(client: RecordingClient, application: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/season-applications/{application['id']}")
    body: dict[str, Any] = require(response, "SEAS-005").status(200).json()  # its decision is what is judged
    return body


@check("listing", "Seasons are listed anonymously with their dates, deadline and status", requirements=["SEAS-001"])
def listing(ctx: CheckContext) -> None:
    season = new_season(ctx)
    items = walk(ctx.anonymous, "/seasons", {"municipalityCode": season.venue.municipality_code})
    mine = [s for s in items if s.get("id") == season.id]
    ensure(
        len(mine) == 1,
        "the season is not listed for its municipality",
        expected=season.id,
        actual=[s.get("id") for s in items],
    )
    wanted = {
        "startDate": season.start.isoformat(),
        "endDate": season.end.isoformat(),
        "applicationDeadline": iso(season.deadline),
        "status": "open",
    }
    served = {k: mine[0].get(k) for k in wanted}
    ensure(served == wanted, "the season is not served as registered", expected=wanted, actual=served)
    elsewhere = [s.get("id") for s in walk(ctx.anonymous, "/seasons", {"municipalityCode": "2584"})]
    ensure(
        season.id not in elsewhere, "the season is listed for another municipality", expected="absent", actual=elsewhere
    )
    ctx.test.set_clock(season.deadline + timedelta(seconds=1), frozen=True)
    expect(ctx.anonymous.get(f"/seasons/{season.id}")).status(200).field("status", "closed")


@check(
    "applying",
    "Associations apply until the deadline on the server clock; others are refused",
    requirements=["SEAS-002"],
)
def applying(ctx: CheckContext) -> None:
    season = new_season(ctx)
    venue = season.venue
    slot = weekly_slot(venue.unit_id, "monday", "17:00", "18:00")
    ctx.test.set_clock(season.deadline - timedelta(minutes=1), frozen=True)
    expect(apply_for(ctx, venue.association(), season, YOUTH, slot)).status(201).field("status", "submitted")
    ensure_status(apply_for(ctx, venue.citizen(), season, YOUTH, slot), 403, "a citizen could apply for season times")
    expect(apply_for(ctx, venue.company(), season, YOUTH, slot)).problem(422, "customer-category-not-allowed")
    ctx.test.set_clock(season.deadline, frozen=True)
    response = apply_for(ctx, venue.association(1), season, ADULT, slot)
    ensure_status(response, 409, "an application at the deadline was accepted").problem(409, "deadline-passed")


@check(
    "allocation-rules",
    "The allocation takes youth first, then earlier submissions, granting, partly granting or rejecting by the rules",
    requirements=["SEAS-003"],
)
def allocation_rules(ctx: CheckContext) -> None:
    contest = _contest(ctx)
    season = contest.season
    blocked = [season.blocked]
    expected = {
        contest.youth["id"]: ("granted", 0, []),
        contest.fallback["id"]: ("partially-granted", 1, blocked),
        contest.adult["id"]: ("rejected", None, []),
    }
    served = {
        r.get("applicationId"): (r.get("status"), r.get("alternativeIndex"), sorted(r.get("excludedDates", [])))
        for r in contest.allocation.get("results", [])
    }
    ensure(served == expected, "the allocation did not follow the published rules", expected=expected, actual=served)
    order = [r.get("applicationId") for r in contest.allocation["results"]]
    wanted_order = [contest.youth["id"], contest.fallback["id"], contest.adult["id"]]
    ensure(
        order == wanted_order,
        "applications were not allocated youth first, then by submission",
        expected=wanted_order,
        actual=order,
    )
    rejected = decision_of(season.venue.association(), contest.adult)
    ensure(
        bool(rejected.get("decision", {}).get("reason")),
        "a rejection gives no reason",
        expected="a reason",
        actual=rejected.get("decision"),
    )
    expect(ctx.anonymous.get(f"/seasons/{season.id}")).status(200).field("status", "allocated")


@check(
    "allocated-bookings",
    "Every granted date becomes a confirmed booking at the local time, also after the clocks change",
    requirements=["SEAS-004"],
)
def allocated_bookings(ctx: CheckContext) -> None:
    contest = _contest(ctx)
    season = contest.season
    wanted = sorted((iso(local(d, "18:00")), iso(local(d, "19:30"))) for d in season.dates(1))
    decision = decision_of(season.rival.association(), contest.youth).get("decision", {})
    listed = [
        b
        for b in walk(season.rival.association(), "/bookings", precondition="BOOK-009")
        if b.get("id") in set(decision.get("bookingIds", []))
    ]
    served = sorted((b.get("start"), b.get("end")) for b in listed)
    ensure(
        served == wanted,
        "the granted Tuesdays are not booked at 18:00–19:30 local time",
        expected=wanted,
        actual=served,
    )
    ensure(
        len(decision.get("bookingIds", [])) == len(wanted),
        "the decision does not name one booking per date",
        expected=len(wanted),
        actual=len(decision.get("bookingIds", [])),
    )
    if ctx.settled("season-bookings-priced"):  # before, the text did not say what a season booking costs
        wanted_price = {"amountOre": bd.price(PRICE_PER_HOUR, 90), "currency": "SEK"}
        prices = [b.get("price") for b in listed]
        ensure(
            prices == [wanted_price] * len(listed),
            "the granted 90-minute bookings are not priced as BOOK-006 says",
            expected=wanted_price,
            actual=prices,
        )
    statuses = {b.get("status") for b in listed} | {b.get("seasonApplicationId") for b in listed}
    ensure(
        statuses == {"confirmed", contest.youth["id"]},
        "allocated bookings are not confirmed bookings of the application",
        expected=["confirmed", contest.youth["id"]],
        actual=sorted(map(str, statuses)),
    )
    partial = decision_of(season.venue.association(), contest.fallback).get("decision", {})
    excluded = set(partial.get("excludedDates", []))
    thursdays = sorted(
        (iso(local(d, "17:00")), iso(local(d, "18:00"))) for d in season.dates(3) if d.isoformat() not in excluded
    )
    mine = {b["id"]: b for b in walk(season.venue.association(), "/bookings", precondition="BOOK-009")}
    got = sorted((mine[i]["start"], mine[i]["end"]) for i in partial.get("bookingIds", []) if i in mine)
    ensure(
        excluded and got == thursdays,
        "the partly granted Thursdays are not booked on exactly the free dates",
        expected=thursdays,
        actual=got,
    )


@check(
    "allocation-authority",
    "Only the municipality's facility administrators allocate, once; applications are private to their organisation",
    requirements=["SEAS-005"],
)
def allocation_authority(ctx: CheckContext) -> None:
    season = new_season(ctx)
    venue = season.venue
    application = (
        expect(
            apply_for(ctx, venue.association(), season, YOUTH, weekly_slot(venue.unit_id, "friday", "17:00", "18:00"))
        )
        .status(201)
        .json()
    )
    path = f"/season-applications/{application['id']}"
    expect(venue.association(1).get(path)).status(200)
    expect(venue.admin().get(path)).status(200)
    for who, client in (
        ("another association", season.rival.association()),
        ("another municipality", venue.admin("1480")),
    ):
        ensure_status(client.get(path), 404, f"{who} can read the application")
    ctx.test.set_clock(season.deadline + timedelta(days=1), frozen=True)
    for who, client in (
        ("a representative", venue.association()),
        ("a citizen", venue.citizen()),
        ("another municipality", venue.admin("1480")),
    ):
        ensure_status(allocate(ctx, client, season), 403, f"{who} could allocate the season").problem(403, "forbidden")
    expect(allocate(ctx, venue.admin(), season)).status(201)
    expect(allocate(ctx, venue.admin(), season)).problem(409, "already-allocated")


@check(
    "idempotency",
    "Applications need an Idempotency-Key; a replay returns the first response, another body 422",
    requirements=["SEAS-006"],
)
def idempotency(ctx: CheckContext) -> None:
    season = new_season(ctx)
    venue = season.venue
    slot = weekly_slot(venue.unit_id, "monday", "17:00", "18:00")
    body = {"customerCategory": YOUTH, "alternatives": [slot]}
    other = {**body, "customerCategory": ADULT}
    path = f"/seasons/{season.id}/applications"
    first = bd.idempotent_create(ctx, venue.association(), path, body, other, "application")
    listed = [a["id"] for a in walk(venue.association(), "/season-applications", {"seasonId": season.id})]
    ensure(listed == [first["id"]], "replays created applications", expected=[first["id"]], actual=listed)
