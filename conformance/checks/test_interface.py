"""Checks of the `test-interface` class, and of how bodies sent to it are judged (core rules).

The harness depends on the test interface for everything else, so these checks make sure it does
what it says: a reset really empties the sandbox, fixtures are all-or-nothing, the clock moves
every time rule, tokens carry their claims.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import spec
from conformance import booking_data as bd
from conformance import dataset
from conformance.context import CheckContext
from conformance.expect import ensure, ensure_status, expect
from conformance.listing import total_items
from conformance.registry import check

TOLERANCE = timedelta(minutes=5)


def _small_set(ctx: CheckContext, label: str) -> dict[str, Any]:
    data = dataset.build_discovery_data(ctx.random, label, ctx.release)
    return {
        "persons": data.body["persons"][:2],
        "organisations": [
            {**data.body["organisations"][0], "representatives": data.body["organisations"][0]["representatives"][:1]}
        ],
        "facilities": data.body["facilities"][:2],
    }


# The lists a check counts to see what the sandbox holds, with the requirement of each: reading
# them is a precondition, the count is what the check judges.
_COUNTED = {"/facilities": "DISC-001", "/organisations": "DISC-013"}


def _totals(ctx: CheckContext) -> dict[str, int]:
    return {path: total_items(ctx.anonymous, path, precondition=req) for path, req in _COUNTED.items()}


def _assert_real_time(ctx: CheckContext, message: str) -> None:
    now = ctx.test.clock().now
    ensure(
        abs(now - datetime.now(UTC)) < TOLERANCE,
        message,
        expected=datetime.now(UTC).isoformat(),
        actual=now.isoformat(),
    )


def _assert_empty(ctx: CheckContext, what: str) -> None:
    totals = _totals(ctx)
    ensure(
        totals == {"/facilities": 0, "/organisations": 0},
        f"{what}: data was left behind",
        expected={"/facilities": 0, "/organisations": 0},
        actual=totals,
    )


@check("reset", "POST /test/reset removes all data and returns the clock to real time", requirements=["TEST-001"])
def reset(ctx: CheckContext) -> None:
    ctx.test.fixtures(_small_set(ctx, "r"))
    ctx.test.set_clock(datetime(2031, 6, 1, 12, 0, tzinfo=UTC), frozen=True)
    expect(ctx.anonymous.post("/test/reset")).status(204)
    _assert_empty(ctx, "after a reset")
    taxonomy = expect(ctx.anonymous.get("/activity-types")).status(200).json()["totalItems"]
    ensure(
        taxonomy == len(spec.activity_types(ctx.release)),
        "a reset removed the standard taxonomy",
        expected=len(spec.activity_types(ctx.release)),
        actual=taxonomy,
    )
    _assert_real_time(ctx, "the clock was not returned to real time by the reset")


@check(
    "fixtures-visible", "Fixtures are created and visible through the API exactly as given", requirements=["TEST-002"]
)
def fixtures_visible(ctx: CheckContext) -> None:
    ctx.test.reset()
    body = _small_set(ctx, "v")
    response = ctx.anonymous.post("/test/fixtures", json=body)
    created = expect(response).status(201).json()["ids"]
    refs = [e["ref"] for kind in ("persons", "organisations", "facilities") for e in body[kind]]
    refs += [u["ref"] for f in body["facilities"] for u in f["units"]]
    ensure(
        sorted(created) == sorted(refs),
        "ids are not given for exactly the refs sent",
        expected=sorted(refs),
        actual=sorted(created),
        response=response,
    )
    ensure(
        len(set(created.values())) == len(created),
        "two refs got the same id",
        expected="distinct ids",
        actual=created,
        response=response,
    )
    for facility in body["facilities"]:
        expect(ctx.anonymous.get(f"/facilities/{created[facility['ref']]}")).status(200).field(
            "name", facility["name"]
        ).field("municipalityCode", facility["municipalityCode"])
    org = body["organisations"][0]
    expect(ctx.anonymous.get(f"/organisations/{created[org['ref']]}")).status(200).field("name", org["name"])


@check("fixtures-atomic", "An invalid fixture request gives 400 and creates nothing", requirements=["TEST-003"])
def fixtures_atomic(ctx: CheckContext) -> None:
    ctx.test.reset()
    body = _small_set(ctx, "a")
    broken = dict(body["facilities"][-1], municipalityCode="12345")
    body["facilities"] = [*body["facilities"][:-1], broken]
    index = len(body["facilities"]) - 1
    expect(ctx.anonymous.post("/test/fixtures", json=body)).problem(
        status=400, type_suffix="validation-error"
    ).names_parameter(f"/facilities/{index}/municipalityCode")
    _assert_empty(ctx, "after a refused fixture request")
    body = _small_set(ctx, "c")
    body["facilities"][-1]["activityTypes"] = ["quidditch"]
    expect(ctx.anonymous.post("/test/fixtures", json=body)).problem(
        status=400, type_suffix="validation-error"
    ).names_parameter(f"/facilities/{len(body['facilities']) - 1}/activityTypes/0")
    _assert_empty(ctx, "after a fixture request with an unknown activity type in its last facility")
    body = _small_set(ctx, "b")
    body["organisations"][0]["representatives"] = [{"personRef": "nobody", "role": "chair"}]
    expect(ctx.anonymous.post("/test/fixtures", json=body)).problem(
        status=400, type_suffix="validation-error"
    ).names_parameter("/organisations/0/representatives/0/personRef")
    _assert_empty(ctx, "after a fixture request naming an unknown person")
    for what, pointer, broken in _invalid_entities(ctx):
        expect(ctx.anonymous.post("/test/fixtures", json=broken)).problem(
            status=400, type_suffix="validation-error"
        ).names_parameter(pointer)
        _assert_empty(ctx, f"after a fixture request with {what}")


# A fixture of each optional class that a server without the class cannot create as given (TEST-003).
_SEASON = {
    "ref": "autumn",
    "municipalityCode": "0180",
    "name": "Hösttermin",
    "startDate": "2026-08-24",
    "endDate": "2026-12-13",
    "applicationDeadline": "2026-05-31T21:59:59Z",
}
_LESSON = {
    "ref": "lesson",
    "name": "Simskola",
    "activityType": "swimming-lessons",
    "start": "2026-12-01T16:00:00Z",
    "end": "2026-12-01T17:00:00Z",
    "capacity": 8,
}


def _invalid_entities(ctx: CheckContext) -> list[tuple[str, str, dict[str, Any]]]:
    """Fixture requests each wrong in one way the standard settles (what, the pointer to name, the body):
    identifiers that are not valid, opening hours that close before they open, data of an optional class
    the server does not declare. Each only where the release certified against settles it."""
    cases = []
    if ctx.settled("valid-identifiers"):
        body = _small_set(ctx, "i")
        number = body["persons"][0]["personalIdentityNumber"]
        body["persons"][0]["personalIdentityNumber"] = number[:-1] + str((int(number[-1]) + 1) % 10)
        cases.append(("a personnummer with a wrong check digit", "/persons/0/personalIdentityNumber", body))
        body = _small_set(ctx, "d")
        body["persons"][0]["personalIdentityNumber"] = _luhn_valid_without_a_date(ctx)
        cases.append(("a personnummer whose date does not exist", "/persons/0/personalIdentityNumber", body))
        body = _small_set(ctx, "n")
        number = body["organisations"][0]["organisationNumber"]
        body["organisations"][0]["organisationNumber"] = number[:-1] + str((int(number[-1]) + 1) % 10)
        cases.append(("an organisationsnummer with a wrong check digit", "/organisations/0/organisationNumber", body))
    if ctx.settled("opening-hours-within-a-day"):
        body = _small_set(ctx, "h")
        opens, closes = ctx.random.choice((("22:00", "02:00"), ("10:00", "10:00")))
        body["facilities"][0]["openingHours"] = {"weekly": [{"day": "friday", "opens": opens, "closes": closes}]}
        cases.append((f"opening hours {opens}–{closes}", "/facilities/0/openingHours/weekly/0/closes", body))
    if not ctx.settled("fixtures-of-undeclared-classes"):
        return cases
    declared = set(expect(ctx.anonymous.get("/conformance")).status(200).json().get("conformsTo", []))
    if "season-allocation" not in declared:
        body = _small_set(ctx, "s")
        body["seasons"] = [_SEASON]
        cases.append(("a season, though the server has no season-allocation", "/seasons", body))
    unit_members = (("booking", "bookingTerms", {"holdMinutes": 10}), ("activities", "activities", [_LESSON]))
    for cls, member, value in unit_members:
        if cls not in declared:
            body = _small_set(ctx, member[0])
            body["facilities"][0]["units"][0][member] = value
            pointer = f"/facilities/0/units/0/{member}"
            cases.append((f"a unit's {member}, though the server has no {cls}", pointer, body))
    return cases


def _luhn_valid_without_a_date(ctx: CheckContext) -> str:
    """Twelve digits with a right check digit whose date does not exist (the 30th of February, month 13)."""
    birth = ctx.random.choice(("19800230", "19801315", "20040231"))
    body = birth[2:] + f"{ctx.random.randint(0, 999):03d}"
    return birth[:2] + body + str(dataset.luhn_digit(body))


@check(
    "body-media-type",
    "A body that is not JSON gives 415, malformed JSON 400, and neither changes data",
    requirements=["CORE-013"],
)
def body_media_type(ctx: CheckContext) -> None:
    ctx.test.reset()
    expect(
        ctx.anonymous.post("/test/fixtures", content='{"facilities": []}', headers={"Content-Type": "text/plain"})
    ).problem(status=415, type_suffix="unsupported-media-type")
    expect(
        ctx.anonymous.post("/test/fixtures", content='{"facilities": [', headers={"Content-Type": "application/json"})
    ).problem(status=400, type_suffix="validation-error")
    _assert_empty(ctx, "after refused bodies")


@check(
    "unknown-fields-refused",
    "Unknown or server-owned fields in a body are refused with 400 naming them",
    requirements=["CORE-014"],
)
def unknown_fields_refused(ctx: CheckContext) -> None:
    ctx.test.reset()
    for field, value in (("id", "chosen-by-client"), ("createdAt", "2020-01-01T00:00:00Z"), ("favouriteColour", "blå")):
        body = _small_set(ctx, "u")
        body["facilities"][0][field] = value
        expect(ctx.anonymous.post("/test/fixtures", json=body)).problem(
            status=400, type_suffix="validation-error"
        ).names_parameter(f"/facilities/0/{field}")
        _assert_empty(ctx, f"after a body with the field {field}")


@check("clock", "The server clock can be moved, frozen, read and released", requirements=["TEST-004"])
def clock(ctx: CheckContext) -> None:
    target = datetime(2030, 2, 3, 4, 5, 6, tzinfo=UTC) + timedelta(minutes=ctx.random.randint(0, 10_000))
    ctx.test.set_clock(target, frozen=True)
    first, second = ctx.test.clock(), ctx.test.clock()
    ensure(
        first.now == target and second.now == target and first.frozen,
        "a frozen clock does not stay put",
        expected=target.isoformat(),
        actual=[first.now.isoformat(), second.now.isoformat()],
    )
    ctx.test.set_clock(target, frozen=False)
    running = ctx.test.clock().now
    ensure(
        target <= running < target + TOLERANCE,
        "a moved clock does not run on from the set time",
        expected=f">= {target.isoformat()}",
        actual=running.isoformat(),
    )
    ctx.test.set_clock(target, frozen=True)
    token = (
        expect(
            ctx.anonymous.post(
                "/test/tokens", json={"persona": "case-officer", "municipalityCode": "0180", "expiresIn": 600}
            )
        )
        .status(201)
        .json()
    )
    expires = datetime.fromisoformat(token["expiresAt"])
    ensure(
        expires == target + timedelta(seconds=600),
        "token expiry is not counted on the server clock",
        expected=(target + timedelta(seconds=600)).isoformat(),
        actual=token["expiresAt"],
    )
    expect(ctx.as_token(token["accessToken"]).get("/me")).status(200)
    ctx.test.reset_clock()
    _assert_real_time(ctx, "DELETE /test/clock did not return to real time")


@check(
    "tokens-for-personas",
    "Tokens for every persona carry their claims; incomplete claims give 400",
    requirements=["TEST-005", "CORE-012"],
)
def tokens_for_personas(ctx: CheckContext) -> None:
    ctx.test.reset()
    body = _small_set(ctx, "t")
    ids = ctx.test.fixtures(body)
    person = ids[body["persons"][0]["ref"]]
    org = ids[body["organisations"][0]["ref"]]
    personas: list[dict[str, Any]] = [
        {"persona": "citizen", "personId": person},
        {"persona": "organisation-representative", "personId": person, "organisationId": org, "role": "chair"},
        {"persona": "facility-administrator", "municipalityCode": "0380"},
        {"persona": "case-officer", "municipalityCode": "1480"},
        {"persona": "system-client", "clientId": "finance-system", "scopes": ["invoices:read"]},
    ]
    for claims in personas:
        me = ctx.as_persona(**claims).get("/me")
        served = expect(me, "TEST-005").status(200).json()
        wrong = {k: served.get(k) for k, v in claims.items() if served.get(k) != v}
        ensure(
            not wrong,
            f"/me does not reflect the {claims['persona']} token",
            expected=claims,
            actual=served,
            response=me,
            requirement="CORE-012",
        )
    # Claims of another persona are carried in the token (TEST-005), so CORE-022 can be certified; /me then
    # shows the persona's own claims as given and may show the others, unaltered, or leave them out (CORE-012).
    carried = (
        ({"persona": "citizen", "personId": person, "municipalityCode": "0180"}, ("municipalityCode",)),
        (
            {"persona": "case-officer", "municipalityCode": "1480", "organisationId": org, "role": "chair"},
            ("organisationId", "role"),
        ),
    )
    for claims, foreign in carried if ctx.settled("foreign-claims-carried") else ():
        issued = ctx.anonymous.post("/test/tokens", json=claims)
        refusal = f"a {claims['persona']} token with claims of another persona was refused"
        ensure_status(issued, 201, refusal, requirement="TEST-005")
        me = ctx.as_token(expect(issued).json()["accessToken"]).get("/me")
        served = expect(me, "TEST-005").status(200).json()
        wrong = {k: served.get(k) for k, v in claims.items() if k not in foreign and served.get(k) != v}
        wrong |= {k: served[k] for k in foreign if k in served and served[k] != claims[k]}
        ensure(
            not wrong,
            f"/me does not reflect the {claims['persona']} token carrying claims of another persona",
            expected={**claims, "(may be left out)": list(foreign)},
            actual=served,
            response=me,
            requirement="CORE-012",
        )
    for claims, missing in (
        ({"persona": "citizen"}, "personId"),
        ({"persona": "case-officer"}, "municipalityCode"),
        ({"persona": "organisation-representative", "personId": person, "role": "chair"}, "organisationId"),
        ({"persona": "system-client"}, "clientId"),
    ):
        expect(ctx.anonymous.post("/test/tokens", json=claims), "TEST-005").problem(
            status=400, type_suffix="validation-error"
        ).names_parameter(missing)


@check(
    "payment-provider-reset",
    "A reset returns the simulated payment provider to settling card and Swish payments",
    requirements=["TEST-010"],
)
def payment_provider_reset(ctx: CheckContext) -> None:
    """The outcome holds "until changed or the sandbox is reset": a reset must not leave it in force, or
    every check after one that declined payments would inherit its outcome."""
    outcome = ctx.random.choice(("declined", "pending"))
    expect(ctx.anonymous.put("/test/payment-provider", json={"outcome": outcome})).status(200).field("outcome", outcome)
    try:
        ctx.test.reset()
        now = bd.base_clock(ctx)
        ctx.test.set_clock(now, frozen=True)
        terms = {
            "prices": [{"customerCategory": "private-person", "pricePerHourOre": 100 * ctx.random.randint(50, 500)}]
        }
        venue = bd.build_venue(ctx, terms=terms)
        day = bd.future_day(ctx, now)
        for method, start in (("card", "09:00"), ("swish", "12:00")):
            begin = bd.local(day, start)
            booked = venue.book(venue.citizen(), begin, begin + timedelta(hours=1), "private-person", confirm=True)
            booking_id = expect(booked).status(201).json()["id"]
            response = venue.citizen().post(
                "/payments",
                json={"bookingIds": [booking_id], "method": method},
                headers={"Idempotency-Key": bd.idempotency_key(ctx.random)},
            )
            status = expect(response).status(201).json().get("status")
            ensure(
                status == "settled",
                f"after a reset the simulated provider still answers {method} payments '{status}'",
                expected="settled",
                actual=status,
                response=response,
            )
    finally:
        ctx.anonymous.put("/test/payment-provider", json={"outcome": "settled"})
