"""Checks of the `activities` class: sessions with places left, registration, the waiting list,
the race for the last place, idempotency and whose registrations are whose."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conformance import booking_data as bd
from conformance.booking_data import Venue, iso
from conformance.concurrency import simultaneously
from conformance.context import CheckContext
from conformance.expect import ensure, ensure_status, expect, require
from conformance.far_dates import LAST_DAY, YEAR_ZERO, refused_or_read
from conformance.http import RecordingClient, Response
from conformance.listing import walk
from conformance.registry import check

RACERS = 20


def _venue(
    ctx: CheckContext, capacities: list[int], citizens: int = 4, types: list[str] | None = None
) -> tuple[Venue, list[str], list[dict[str, Any]]]:
    """A venue whose unit holds one activity per capacity, on consecutive days after a frozen now."""
    day = bd.future_day(ctx, bd.frozen_now(ctx))
    sessions = []
    for i, capacity in enumerate(capacities):
        start, end = bd.slot(day + timedelta(days=i), "17:00", 45)
        sessions.append(
            {
                "ref": f"a{i}",
                "name": f"Ridlektion grupp {i + 1}",
                "activityType": (types or ["riding-lessons"] * len(capacities))[i],
                "start": iso(start),
                "end": iso(end),
                "capacity": capacity,
            }
        )
    venue = bd.build_venue(ctx, citizens=citizens, unit_extra={"activities": sessions})
    return venue, [venue.extra[s["ref"]] for s in sessions], sessions


def _register(
    ctx: CheckContext, client: RecordingClient, activity_id: str, wait: bool = False, key: str | None = None
) -> Response:
    body = {"joinWaitingList": True} if wait else {}
    return client.post(
        f"/activities/{activity_id}/registrations",
        json=body,
        headers={"Idempotency-Key": key or bd.idempotency_key(ctx.random)},
    )


def _activity(ctx: CheckContext, activity_id: str) -> dict[str, Any]:
    body: dict[str, Any] = require(ctx.anonymous.get(f"/activities/{activity_id}"), "ACT-001").status(200).json()
    return body


def _counts(ctx: CheckContext, activity_id: str) -> tuple[int, int, int]:
    body = _activity(ctx, activity_id)
    return body.get("registeredCount"), body.get("waitingCount"), body.get("placesLeft")


def _ensure_counts(ctx: CheckContext, activity_id: str, wanted: tuple[int, int, int], message: str) -> None:
    """Registered, waiting and places left as the public reads them: where a lost or doubled place shows."""
    ensure(_counts(ctx, activity_id) == wanted, message, expected=wanted, actual=_counts(ctx, activity_id))


@check(
    "listing",
    "Activities are listed as registered, with places left, and filters combine with AND",
    requirements=["ACT-001"],
)
def listing(ctx: CheckContext) -> None:
    capacities = [ctx.random.randint(1, 12) for _ in range(3)]
    venue, ids, sessions = _venue(ctx, capacities, types=["riding-lessons", "swimming-lessons", "riding-lessons"])
    items = walk(ctx.anonymous, "/activities", {"unitId": venue.unit_id}, limit=2)
    ensure(
        [i["id"] for i in items] == ids,
        "GET /activities?unitId does not list the unit's activities in start order",
        expected=ids,
        actual=[i["id"] for i in items],
    )
    for item, session in zip(items, sessions, strict=True):
        wanted = {
            "name": session["name"],
            "activityType": session["activityType"],
            "start": session["start"],
            "end": session["end"],
            "capacity": session["capacity"],
            "registeredCount": 0,
            "waitingCount": 0,
            "placesLeft": session["capacity"],
            "unitId": venue.unit_id,
        }
        served = {k: item.get(k) for k in wanted}
        ensure(
            served == wanted, f"activity {session['name']} is not served as registered", expected=wanted, actual=served
        )
    riding = [
        i["id"] for i in walk(ctx.anonymous, "/activities", {"unitId": venue.unit_id, "activityType": "equestrian"})
    ]
    ensure(
        riding == [ids[0], ids[2]],
        "activityType does not find narrower types or combine with unitId",
        expected=[ids[0], ids[2]],
        actual=riding,
    )
    second_day = sessions[1]["start"][:10]
    found = [
        i["id"]
        for i in walk(ctx.anonymous, "/activities", {"unitId": venue.unit_id, "from": second_day, "to": second_day})
    ]
    ensure(
        found == [ids[1]],
        "from/to do not select the activities starting on those dates",
        expected=[ids[1]],
        actual=found,
    )
    require(_register(ctx, venue.citizen(), ids[0]), "ACT-002").status(201)
    _ensure_counts(ctx, ids[0], (1, 0, capacities[0] - 1), "counts do not follow a registration")
    expect(ctx.anonymous.get("/activities/no-such-activity")).problem(404, "not-found")


@check(
    "far-dates",
    "from and to at the ends of the calendar (year 0000, 9999-12-31) give 400 naming them or are read as dates",
    requirements=["CORE-005"],
)
def far_dates(ctx: CheckContext) -> None:
    """The descriptions of from and to let a server refuse dates before 1970-01-02 or after 8999-12-30
    with 400; a server that takes them must filter by them like by any date."""
    venue, ids, _ = _venue(ctx, [ctx.random.randint(1, 9) for _ in range(2)], citizens=1)
    everything, nothing = sorted(ids), []
    for name, day, wanted in (
        ("from", YEAR_ZERO, everything),
        ("to", YEAR_ZERO, nothing),
        ("from", LAST_DAY, nothing),
        ("to", LAST_DAY, everything),
    ):

        def normal(body: Any, wanted: list[str] = wanted) -> str | None:
            items = body.get("items") if isinstance(body, dict) else None
            found = sorted(i.get("id") for i in items if isinstance(i, dict)) if isinstance(items, list) else None
            return None if found == wanted else f"listed {found}, the unit's activities from/to that date are {wanted}"

        response = ctx.anonymous.get("/activities", params={"unitId": venue.unit_id, name: day, "limit": 100})
        refused_or_read(response, name, normal)


@check(
    "registration-and-queue",
    "Registrations get places while any are left; then 409 activity-full or, if asked, the waiting list",
    requirements=["ACT-002"],
)
def registration_and_queue(ctx: CheckContext) -> None:
    venue, (activity, late), (_, session) = _venue(ctx, [2, 3], citizens=4)
    for i in range(2):
        expect(_register(ctx, venue.citizen(i), activity)).status(201).field("status", "registered")
    expect(_register(ctx, venue.citizen(2), activity)).problem(409, "activity-full")
    expect(_register(ctx, venue.citizen(2), activity, wait=True)).status(201).field("status", "waiting").field(
        "waitingPosition", 1
    )
    expect(_register(ctx, venue.citizen(3), activity, wait=True)).status(201).field("status", "waiting").field(
        "waitingPosition", 2
    )
    expect(_register(ctx, venue.citizen(0), activity, wait=True)).problem(409, "already-registered")
    _ensure_counts(ctx, activity, (2, 2, 0), "the activity's counts are wrong")
    # At its very start an activity has started (intervals are half-open): no registration, even for the queue.
    ctx.test.set_clock(bd.parse(session["start"]), frozen=True)
    expect(_register(ctx, venue.citizen(3), late, wait=True)).problem(409, "invalid-state")


@check(
    "last-place-race",
    f"{RACERS} simultaneous registrations for the last place: exactly one gets it, the rest 409, no trace",
    requirements=["ACT-003"],
)
def last_place_race(ctx: CheckContext) -> None:
    venue, (activity,), _ = _venue(ctx, [3], citizens=RACERS + 2)
    for i in range(2):
        require(_register(ctx, venue.citizen(i), activity), "ACT-002").status(201)
    racers = [venue.citizen(2 + i) for i in range(RACERS)]
    keys = [bd.idempotency_key(ctx.random) for _ in racers]
    responses = simultaneously(racers, lambda client, i: _register(ctx, client, activity, key=keys[i]))
    winners = [i for i, r in enumerate(responses) if r.status_code == 201]
    ensure(
        len(winners) == 1,
        f"{len(winners)} of {RACERS} got the last place",
        expected=1,
        actual=[r.status_code for r in responses],
    )
    for i, response in enumerate(responses):
        if i not in winners:
            expect(response).problem(409, "activity-full")
    _ensure_counts(ctx, activity, (3, 0, 0), "the activity is overbooked")
    for i, client in enumerate(racers):
        mine = walk(client, "/registrations", precondition="ACT-006")
        ensure(
            len(mine) == (1 if i in winners else 0),
            f"racer {i} has {len(mine)} registrations",
            expected=1 if i in winners else 0,
            actual=len(mine),
        )


@check(
    "waiting-list-advances",
    "A cancelled place goes to the first in the queue at once, and the queue moves up",
    requirements=["ACT-004"],
)
def waiting_list_advances(ctx: CheckContext) -> None:
    venue, (activity,), _ = _venue(ctx, [1], citizens=4)
    first = require(_register(ctx, venue.citizen(0), activity), "ACT-002").status(201).json()
    waiting = [_register(ctx, venue.citizen(i), activity, wait=True) for i in (1, 2, 3)]
    queued = [require(response, "ACT-002").status(201).json() for response in waiting]
    expect(venue.citizen(0).post(f"/registrations/{first['id']}/cancel")).status(200).field("status", "cancelled")
    expect(venue.citizen(1).get(f"/registrations/{queued[0]['id']}")).status(200).field("status", "registered")
    for i, position in ((2, 1), (3, 2)):
        expect(venue.citizen(i).get(f"/registrations/{queued[i - 1]['id']}")).status(200).field(
            "status", "waiting"
        ).field("waitingPosition", position)
    expect(venue.citizen(1).post(f"/registrations/{queued[0]['id']}/cancel")).status(200)
    expect(venue.citizen(2).get(f"/registrations/{queued[1]['id']}")).status(200).field("status", "registered")
    expect(venue.citizen(3).get(f"/registrations/{queued[2]['id']}")).status(200).field("waitingPosition", 1)
    _ensure_counts(ctx, activity, (1, 1, 0), "counts after the queue moved are wrong")


@check(
    "idempotency",
    "Registration needs an Idempotency-Key; a replay returns the first response, another body 422",
    requirements=["ACT-005"],
)
def idempotency(ctx: CheckContext) -> None:
    venue, (activity,), _ = _venue(ctx, [5])
    path = f"/activities/{activity}/registrations"
    bd.idempotent_create(ctx, venue.citizen(), path, {}, {"joinWaitingList": True}, "response")
    ensure(
        _counts(ctx, activity)[0] == 1,
        "replays registered the person again",
        expected=1,
        actual=_counts(ctx, activity)[0],
    )


@check(
    "authorisation",
    "Only citizens register; a registration is visible to and cancellable by its own person only",
    requirements=["ACT-006"],
)
def authorisation(ctx: CheckContext) -> None:
    venue, (activity,), _ = _venue(ctx, [5])
    for who, client in (
        ("an organisation representative", venue.association()),
        ("a facility administrator", venue.admin()),
    ):
        ensure_status(_register(ctx, client, activity), 403, f"{who} could register").problem(403, "forbidden")
    mine = expect(_register(ctx, venue.citizen(0), activity)).status(201).json()  # a citizen may: ACT-006 itself
    for method, suffix in (("GET", ""), ("POST", "/cancel")):
        response = venue.citizen(1).request(method, f"/registrations/{mine['id']}{suffix}")
        message = f"another citizen: {method} on the registration gave {response.status_code}"
        ensure_status(response, 404, message).problem(404, "not-found")
        # Other personas never have registrations: 403, not the 404 meant for other citizens.
        others = (("an organisation representative", venue.association()), ("an administrator", venue.admin()))
        for who, client in others:
            response = client.request(method, f"/registrations/{mine['id']}{suffix}")
            message = f"{who}: {method} on a citizen's registration gave {response.status_code}"
            ensure_status(response, 403, message).problem(403, "forbidden")
    ensure(
        walk(venue.citizen(1), "/registrations") == [],
        "another citizen lists the registration",
        expected=[],
        actual="listed",
    )
    expect(venue.admin().get("/registrations")).problem(403, "forbidden")
    expect(venue.citizen(0).get(f"/registrations/{mine['id']}")).status(200).field("status", "registered")
