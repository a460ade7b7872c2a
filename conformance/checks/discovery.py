"""Checks of the `discovery` class: facilities, units, search, taxonomy, organisations registry.

All checks share one seeded data set (`dataset.build_discovery_data`) created once per run; the
expected answer to every search is computed here from that data, independently of any server.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, time
from typing import Any

import spec
from conformance import dataset
from conformance.collation import swedish_key
from conformance.context import CheckContext
from conformance.dataset import DiscoveryData
from conformance.expect import ensure, expect, require
from conformance.listing import Listing, ids, total_items, walk
from conformance.outcomes import CheckFailure
from conformance.registry import check


def _data(ctx: CheckContext) -> DiscoveryData:
    def create() -> DiscoveryData:
        ctx.test.reset()
        data = dataset.build_discovery_data(ctx.seeded("discovery-data"), "d", ctx.release)
        data.ids = ctx.test.fixtures(data.body)
        return data

    result: DiscoveryData = ctx.shared.get_or_create("discovery-data", create)
    return result


def _search(ctx: CheckContext, params: dict[str, Any], expected: set[str], what: str) -> Listing:
    """Walk a facility search and compare it with the expected ids; failures name the facilities.

    A search that cannot be read is judged only when the unfiltered list answers: when that fails
    too, the product breaks DISC-001 and the search cannot be judged (a precondition)."""
    try:
        items = walk(ctx.anonymous, "/facilities", params)
    except CheckFailure:
        total_items(ctx.anonymous, "/facilities", precondition="DISC-001")
        raise
    found = ids(items)
    first = items.responses[0]
    ensure(
        len(found) == len(set(found)),
        f"{what}: a facility appears twice",
        expected="each once",
        actual=found,
        response=first,
    )
    missing, extra = expected - set(found), set(found) - expected
    names = {data_id: f["name"] for f in _data(ctx).facilities if (data_id := _data(ctx).ids.get(f["ref"]))}

    def named(facility_ids: set[str]) -> list[str]:
        return sorted(f"{names.get(i, '?')} ({i})" for i in facility_ids)

    ensure(
        not missing and not extra,
        f"{what}: wrong facilities (params {params})",
        expected=named(expected),
        actual={"missing": named(missing), "unexpected": named(extra)},
        response=first,
    )
    return items


def _iso(instant: datetime) -> str:
    return instant.isoformat()


@check("list-facilities", "GET /facilities lists every facility, in full representation", requirements=["DISC-001"])
def list_facilities(ctx: CheckContext) -> None:
    data = _data(ctx)
    listed = walk(ctx.anonymous, "/facilities", limit=7)
    ensure(
        set(ids(listed)) == data.facility_ids(),
        "walking the pages does not yield every facility",
        expected=sorted(data.facility_ids()),
        actual=sorted(ids(listed)),
    )
    # Full representation: a listed facility carries all a facility's own GET does (units, hours and all),
    # so a client never needs one request per facility to show a list.
    registered = {data.ids[f["ref"]]: f for f in data.facilities}
    partial = {
        f"{registered[item['id']]['name']} ({item['id']})": problems
        for item in listed
        if (problems := _facility_differences(registered[item["id"]], item, data))
    }
    ensure(
        not partial,
        "GET /facilities lists facilities that differ from the registered ones",
        expected="each facility in full, as registered",
        actual=partial,
        response=listed.responses[0],
    )


def _ordered_by_name(ctx: CheckContext, listed: Listing, names: dict[str, str], what: str) -> None:
    """CORE-008: "by name, then id" in Swedish alphabetical order ignoring case, by the registered names
    (before a release settled the collation, the text did not say which)."""
    if not ctx.settled("swedish-name-order"):
        return
    served = ids(listed)
    wanted = sorted(served, key=lambda i: (swedish_key(names.get(i, "")), i))
    ensure(
        served == wanted,
        f"{what} is not ordered by name (Swedish alphabetical order, ignoring case), then id",
        expected=[f"{names.get(i)} ({i})" for i in wanted],
        actual=[f"{names.get(i)} ({i})" for i in served],
        response=listed.responses[0] if listed.responses else None,
        requirement="CORE-008",
    )


@check(
    "pages-each-once",
    "Walking the pages of GET /facilities yields each facility exactly once, in the same order every time",
    requirements=["CORE-008"],
)
def pages_each_once(ctx: CheckContext) -> None:
    data = _data(ctx)
    total_items(ctx.anonymous, "/facilities", precondition="DISC-001")  # the list answers at all
    listed = walk(ctx.anonymous, "/facilities", limit=7)
    first, second = ids(listed), ids(walk(ctx.anonymous, "/facilities", limit=7))
    ensure(
        len(first) == len(set(first)), "walking the pages yields a facility twice", expected="each once", actual=first
    )
    ensure(
        set(first) == data.facility_ids(),
        "walking the pages does not yield every facility",
        expected=sorted(data.facility_ids()),
        actual=sorted(first),
    )
    ensure(first == second, "two walks over the same list give different orders", expected=first, actual=second)
    _ordered_by_name(ctx, listed, {data.ids[f["ref"]]: f["name"] for f in data.facilities}, "GET /facilities")


@check(
    "pagination-defaults",
    "Lists default to 20 items, honour limit and page, refuse out-of-range values",
    requirements=["CORE-007"],
)
def pagination_defaults(ctx: CheckContext) -> None:
    total = len(_data(ctx).facilities)
    response = ctx.anonymous.get("/facilities")
    require(response, "DISC-001").status(200)  # the list itself answers; its paging is this check's subject
    expect(response).field("page", 1).field("limit", 20).field("totalItems", total).field(
        "totalPages", math.ceil(total / 20)
    )
    ensure(
        len(response.json()["items"]) == min(20, total),
        "the default page does not hold 20 items",
        expected=min(20, total),
        actual=len(response.json()["items"]),
        response=response,
    )
    limit = ctx.random.randint(3, 9)
    response = ctx.anonymous.get("/facilities", params={"limit": limit, "page": 2})
    expect(response).status(200).field("page", 2).field("limit", limit).field("totalPages", math.ceil(total / limit))
    ensure(
        len(response.json()["items"]) == min(limit, total - limit),
        f"page 2 at limit {limit} holds the wrong count",
        expected=min(limit, total - limit),
        actual=len(response.json()["items"]),
        response=response,
    )
    # A page beyond the last is not out of range: empty, with the list's real totals (CORE-007). Before
    # that was settled, "out of range MUST give 400" allowed reading it as out of range.
    beyond = ctx.anonymous.get("/facilities", params={"page": 99})
    if ctx.settled("page-beyond-last-is-empty") or beyond.status_code != 400:
        expect(beyond).status(200).field("items", []).field("page", 99).field("totalItems", total).field(
            "totalPages", math.ceil(total / 20)
        )
    else:
        expect(beyond).problem(status=400, type_suffix="validation-error")
    for name, value in (("limit", 0), ("limit", 101), ("page", 0)):
        expect(ctx.anonymous.get("/facilities", params={name: value})).problem(
            status=400, type_suffix="validation-error"
        ).names_parameter(name)


@check(
    "invalid-parameter-types",
    "A parameter of the wrong type gives 400 naming it, never a 5xx",
    requirements=["CORE-005"],
)
def invalid_parameter_types(ctx: CheckContext) -> None:
    _data(ctx)
    for name, value in (("limit", "twenty"), ("page", "1.5"), ("radius", "far")):
        params = {name: value, "near": "59.33,18.06"} if name == "radius" else {name: value}
        expect(ctx.anonymous.get("/facilities", params=params)).problem(
            status=400, type_suffix="validation-error"
        ).names_parameter(name)


@check(
    "invalid-search-parameters", "Invalid search parameters give 400 naming the parameter", requirements=["DISC-011"]
)
def invalid_search_parameters(ctx: CheckContext) -> None:
    _data(ctx)
    cases = [
        ("near", {"near": "Stockholm"}),
        ("near", {"near": "95.1,18.06"}),
        ("radius", {"radius": 1000}),
        ("municipalityCode", {"municipalityCode": "180"}),
        ("openAt", {"openAt": "tomorrow evening"}),
        ("activityType", {"activityType": "quidditch"}),
        ("accessibility", {"accessibility": "teleporter"}),
    ]
    if ctx.settled("parameter-constraints"):  # what the schema cannot say, stated in the descriptions
        cases += [
            ("municipalityCode", {"municipalityCode": "9999"}),  # four digits, but no municipality's
            ("near", {"near": "59.33,181.5"}),
        ]
    for name, params in cases:
        expect(ctx.anonymous.get("/facilities", params=params)).problem(
            status=400, type_suffix="validation-error"
        ).names_parameter(name)


def _same_units(registered: list[dict[str, Any]], served: list[dict[str, Any]], data: DiscoveryData) -> list[str]:
    problems = []
    by_id = {u.get("id"): u for u in served}
    for unit in registered:
        got = by_id.get(data.ids[unit["ref"]])
        if got is None:
            problems.append(f"unit {unit['name']} is missing")
            continue
        for key in ("name", "capacity", "areaSquareMeters"):
            if key in unit and got.get(key) != unit[key]:
                problems.append(f"unit {unit['name']}: {key} is {got.get(key)!r}, registered {unit[key]!r}")
        for key in ("activityTypes", "accessibility", "amenities"):
            if sorted(got.get(key, [])) != sorted(unit.get(key, [])):
                problems.append(f"unit {unit['name']}: {key} is {got.get(key)!r}, registered {unit.get(key, [])!r}")
    if len(served) != len(registered):
        problems.append(f"{len(served)} units served, {len(registered)} registered")
    return problems


def _facility_differences(registered: dict[str, Any], served: dict[str, Any], data: DiscoveryData) -> list[str]:
    problems = []
    for key in ("name", "description", "municipalityCode", "address", "ownership"):
        if served.get(key) != registered.get(key):
            problems.append(f"{key} is {served.get(key)!r}, registered {registered.get(key)!r}")
    for axis in ("latitude", "longitude"):
        if abs(served.get("position", {}).get(axis, 1e9) - registered["position"][axis]) > 1e-6:
            problems.append(f"position.{axis} differs from the registered {registered['position'][axis]}")
    for key in ("accessibility", "amenities", "activityTypes"):
        if sorted(served.get(key, [])) != sorted(registered.get(key, [])):
            problems.append(f"{key} is {served.get(key)!r}, registered {registered.get(key)!r}")
    hours = served.get("openingHours", {})
    if sorted(map(str, hours.get("weekly", []))) != sorted(map(str, registered["openingHours"]["weekly"])):
        problems.append("weekly opening hours differ from those registered")
    if len(hours.get("exceptions", [])) != len(registered["openingHours"]["exceptions"]):
        problems.append("opening-hour exceptions differ from those registered")
    return problems + _same_units(registered["units"], served.get("units", []), data)


@check(
    "facility-detail", "A facility, its units and each unit read back exactly as registered", requirements=["DISC-002"]
)
def facility_detail(ctx: CheckContext) -> None:
    data = _data(ctx)
    for registered in ctx.random.sample(data.facilities, 4):
        fid = data.ids[registered["ref"]]
        response = ctx.anonymous.get(f"/facilities/{fid}")
        served = expect(response).status(200).field("id", fid).json()
        problems = _facility_differences(registered, served, data)
        ensure(
            not problems,
            f"facility {registered['name']} is not served as registered",
            expected=registered,
            actual=problems,
            response=response,
        )
        units = walk(ctx.anonymous, f"/facilities/{fid}/units")
        problems = _same_units(registered["units"], units, data)
        ensure(
            not problems,
            f"GET /facilities/{fid}/units differs from the registered units",
            expected=registered["units"],
            actual=problems,
        )
        for unit in registered["units"]:
            uid = data.ids[unit["ref"]]
            expect(ctx.anonymous.get(f"/units/{uid}")).status(200).field("id", uid).field("facilityId", fid).field(
                "name", unit["name"]
            )


@check(
    "unknown-ids",
    "Unknown facility, unit and organisation ids give 404 problems",
    requirements=["CORE-006", "CORE-004"],
)
def unknown_ids(ctx: CheckContext) -> None:
    _data(ctx)
    missing = str(uuid.UUID(int=ctx.random.getrandbits(128), version=4))
    for path in (
        f"/facilities/{missing}",
        f"/facilities/{missing}/units",
        f"/units/{missing}",
        f"/organisations/{missing}",
    ):
        response = ctx.anonymous.get(path)
        expect(response, "CORE-006").status(404)
        expect(response, "CORE-004").problem(status=404, type_suffix="not-found")


@check("timestamps-utc", "Timestamps are RFC 3339 in UTC", requirements=["CORE-009"])
def timestamps_utc(ctx: CheckContext) -> None:
    data = _data(ctx)
    registered = ctx.random.choice(data.facilities)
    response = ctx.anonymous.get(f"/facilities/{data.ids[registered['ref']]}")
    body = expect(response).status(200).json()
    stamps = [body.get("createdAt"), body.get("updatedAt")]
    stamps += [u.get(k) for u in body.get("units", []) for k in ("createdAt", "updatedAt")]
    org = ctx.random.choice(data.organisations)
    org_body = expect(ctx.anonymous.get(f"/organisations/{data.ids[org['ref']]}")).status(200).json()
    stamps += [org_body.get("createdAt"), org_body.get("updatedAt")]
    bad = [s for s in stamps if not (isinstance(s, str) and s.endswith("Z") and _parses(s))]
    ensure(not bad, "timestamps not in UTC", expected="YYYY-MM-DDTHH:MM:SSZ", actual=bad, response=response)


def _parses(stamp: str) -> bool:
    try:
        datetime.fromisoformat(stamp)
    except ValueError:
        return False
    return True


@check(
    "filter-municipality", "municipalityCode returns exactly that municipality's facilities", requirements=["DISC-003"]
)
def filter_municipality(ctx: CheckContext) -> None:
    data = _data(ctx)
    for code, *_ in dataset.MUNICIPALITIES:
        _search(
            ctx,
            {"municipalityCode": code},
            data.facility_ids(lambda f, c=code: f["municipalityCode"] == c),
            f"municipalityCode={code}",
        )
    _search(ctx, {"municipalityCode": "2584"}, set(), "a municipality without facilities")


@check("filter-activity-type", "activityType also finds facilities offering a narrower type", requirements=["DISC-004"])
def filter_activity_type(ctx: CheckContext) -> None:
    data = _data(ctx)
    offered = sorted({t for f in data.facilities for u in f["units"] for t in u["activityTypes"]})
    for type_id in ["football", "ball-sports", "swimming", *ctx.random.sample(offered, 3)]:
        _search(
            ctx,
            {"activityType": type_id},
            data.facility_ids(lambda f, t=type_id: data.offers(f, t)),
            f"activityType={type_id}",
        )


@check(
    "filter-near-radius",
    "near and radius return exactly the facilities within the radius, nearest first",
    requirements=["DISC-005"],
)
def filter_near_radius(ctx: CheckContext) -> None:
    data = _data(ctx)
    code, _, lat, lon = ctx.random.choice(dataset.MUNICIPALITIES[:3])
    centre = (lat, lon)
    distances = {
        data.ids[f["ref"]]: dataset.distance_m(centre, (f["position"]["latitude"], f["position"]["longitude"]))
        for f in data.facilities
    }
    # A radius no facility lies within 2 % of, so rounding and formula differences cannot matter.
    radius = next(
        r
        for r in (1000, 2000, 3500, 5000, 7500, 10000, 15000)
        if all(abs(d - r) > 0.02 * r for d in distances.values())
    )
    expected = {fid for fid, d in distances.items() if d <= radius}
    items = _search(ctx, {"near": f"{lat},{lon}", "radius": radius}, expected, f"near {code} centre, radius {radius}")
    got = [item.get("distanceMeters") for item in items]
    ensure(
        all(isinstance(d, int | float) for d in got),
        "distanceMeters missing on a result",
        expected="a number",
        actual=got,
    )
    wrong = [
        (i["id"], i["distanceMeters"], round(distances[i["id"]], 1))
        for i in items
        if abs(i["distanceMeters"] - distances[i["id"]]) > max(5.0, 0.005 * distances[i["id"]])
    ]
    ensure(
        not wrong,
        "distanceMeters is off",
        expected="the haversine distance on a sphere of 6 371 008.8 m, within 0.5 % or 5 m",
        actual=wrong,
    )
    ensure(got == sorted(got), "results are not ordered by distance", expected=sorted(got), actual=got)


@check(
    "filter-open-at",
    "openAt reads opening hours in Europe/Stockholm, with exceptions and across DST",
    requirements=["DISC-006"],
)
def filter_open_at(ctx: CheckContext) -> None:
    data = _data(ctx)
    instants = [
        dataset.DST_SPRING,
        dataset.DST_AUTUMN,
        dataset.EXCEPTION_CLOSED_MONDAY,
        dataset.EXCEPTION_OPEN_SUNDAY,
        dataset.EXCEPTION_SHORT_MONDAY,
        dataset.ORDINARY_MONDAY,
    ]
    instants += [
        datetime(2026, 11, ctx.random.randint(1, 28), ctx.random.randint(5, 23), 30, tzinfo=dataset.STOCKHOLM)
        for _ in range(3)
    ]
    # The edges on every run: open from the very minute of opening, closed from the minute of closing.
    monday = [w for f in data.facilities for w in f["openingHours"]["weekly"] if w["day"] == "monday"]
    for hours in monday[:2]:
        for edge in (hours["opens"], hours["closes"]):
            if edge != "24:00":
                at = datetime.combine(dataset.ORDINARY_MONDAY.date(), time.fromisoformat(edge))
                instants.append(at.replace(tzinfo=dataset.STOCKHOLM))
    for instant in instants:
        expected = data.facility_ids(lambda f, at=instant: dataset.is_open(f["openingHours"], at))
        _search(ctx, {"openAt": _iso(instant)}, expected, f"openAt={_iso(instant)}")


@check("filter-accessibility", "accessibility returns facilities with every listed feature", requirements=["DISC-007"])
def filter_accessibility(ctx: CheckContext) -> None:
    data = _data(ctx)
    present = sorted({a for f in data.facilities for a in f["accessibility"]})
    # A pair some facility has only one of, when the data holds one, so that "any of" cannot pass for "all of".
    pairs = [[a, b] for i, a in enumerate(present) for b in present[i + 1 :]]
    telling = [p for p in pairs if any(len(set(p) & set(f["accessibility"])) == 1 for f in data.facilities)]
    for wanted in ([ctx.random.choice(present)], ctx.random.choice(telling or pairs)):
        _search(
            ctx,
            {"accessibility": wanted},
            data.facility_ids(lambda f, w=wanted: set(w) <= set(f["accessibility"])),
            f"accessibility={wanted}",
        )


@check(
    "free-text", "q matches name, description and city case-insensitively, also å, ä and ö", requirements=["DISC-008"]
)
def free_text(ctx: CheckContext) -> None:
    data = _data(ctx)

    def matches(f: dict[str, Any], q: str) -> bool:
        return (
            any(q.casefold() in str(f.get(k, "")).casefold() for k in ("name", "description"))
            or q.casefold() in f["address"]["city"].casefold()
        )

    for q in (
        "östra ärlans",
        "älvsbyns futsal",
        "GÖTEBORG",
        "omklädningsrum",
        ctx.random.choice(dataset.NAME_STEMS).upper(),
        ctx.random.choice(("true", "false", "null", "0")),  # text, though JSON would read it as something else
    ):
        _search(ctx, {"q": q}, data.facility_ids(lambda f, text=q: matches(f, text)), f"q={q}")


@check("filter-ownership", "ownership separates owned from rented premises", requirements=["DISC-009"])
def filter_ownership(ctx: CheckContext) -> None:
    data = _data(ctx)
    for value in ("owned", "rented"):
        _search(
            ctx, {"ownership": value}, data.facility_ids(lambda f, v=value: f["ownership"] == v), f"ownership={value}"
        )


@check(
    "filter-capacity",
    "minCapacity matches facilities with one unit large enough, counting capacities from the unit's value",
    requirements=["DISC-015"],
)
def filter_capacity(ctx: CheckContext) -> None:
    data = _data(ctx)

    def capacities(f: dict[str, Any]) -> list[int]:
        return [u.get("capacity") or 0 for u in f["units"]]

    # Just above a facility's largest unit but within the sum of its units, when the data has one: a server
    # that adds the units up then includes that facility. And exactly one unit's capacity: the bound is inclusive.
    above_largest = sorted(max(c) + 1 for f in data.facilities if (c := capacities(f)) and max(c) + 1 <= sum(c))
    exact = sorted(c for f in data.facilities for c in capacities(f) if c)
    # And 1, which every unit with a capacity holds: a unit that states none holds nobody as far as anyone knows.
    for people in (ctx.random.choice(above_largest or exact), ctx.random.choice(exact), 1):
        expected = data.facility_ids(lambda f, n=people: any(c >= n for c in capacities(f)))
        _search(ctx, {"minCapacity": people}, expected, f"minCapacity={people}")


@check("filters-combine", "Several filters combine with AND", requirements=["DISC-010"])
def filters_combine(ctx: CheckContext) -> None:
    data = _data(ctx)
    at = dataset.ORDINARY_MONDAY
    searched = data.facility_ids(lambda f: dataset.is_open(f["openingHours"], at) and data.offers(f, "ball-sports"))
    places = {
        (code, ownership): data.facility_ids(
            lambda f, c=code, o=ownership: f["municipalityCode"] == c and f["ownership"] == o
        )
        for code, *_ in dataset.MUNICIPALITIES
        for ownership in ("owned", "rented")
    }
    # A municipality and ownership where each half of the filters narrows the other's result, when the data
    # holds one: a server that drops either half, or ORs them, then gives other facilities.
    telling = sorted(key for key, found in places.items() if (found & searched) not in (found, searched))
    code, ownership = ctx.random.choice(telling or sorted(places))
    params = {"municipalityCode": code, "ownership": ownership, "openAt": _iso(at), "activityType": "ball-sports"}
    _search(ctx, params, places[(code, ownership)] & searched, "combined filters")


@check("activity-types", "GET /activity-types exposes exactly the standard taxonomy", requirements=["DISC-012"])
def activity_types(ctx: CheckContext) -> None:
    served = {t.get("id"): t for t in walk(ctx.anonymous, "/activity-types", limit=10)}
    standard = {t["id"]: t for t in spec.activity_types(ctx.release)}
    ensure(
        set(served) == set(standard),
        "the taxonomy differs from the standard's",
        expected=sorted(standard),
        actual={"missing": sorted(set(standard) - set(served)), "unexpected": sorted(set(served) - set(standard))},
    )
    wrong = [
        i
        for i, t in standard.items()
        if served[i].get("parentId") != t["parentId"] or served[i].get("name") != t["name"]
    ]
    ensure(
        not wrong,
        "activity types with wrong names or parent",
        expected=[standard[i] for i in wrong],
        actual=[served[i] for i in wrong],
    )


@check(
    "organisations-registry",
    "The organisations registry is readable and filterable anonymously, ordered by name",
    requirements=["DISC-013", "CORE-008"],
)
def organisations_registry(ctx: CheckContext) -> None:
    data = _data(ctx)
    orgs = data.organisations

    def expect_orgs(params: dict[str, Any], predicate: Any, what: str) -> None:
        found = ids(walk(ctx.anonymous, "/organisations", params, requirement="DISC-013"))
        wanted = {data.ids[o["ref"]] for o in orgs if predicate(o)}
        ensure(
            len(found) == len(set(found)) and set(found) == wanted,
            f"organisations for {what}",
            expected=sorted(wanted),
            actual=found,
            requirement="DISC-013",
        )

    expect_orgs({}, lambda o: True, "no filter")
    names = {data.ids[o["ref"]]: o["name"] for o in orgs}
    _ordered_by_name(
        ctx, walk(ctx.anonymous, "/organisations", limit=4, requirement="CORE-008"), names, "GET /organisations"
    )
    code = ctx.random.choice(orgs)["municipalityCode"]
    expect_orgs({"municipalityCode": code}, lambda o: o["municipalityCode"] == code, f"municipalityCode={code}")
    expect_orgs({"type": "company"}, lambda o: o["type"] == "company", "type=company")
    type_id = ctx.random.choice(orgs)["activityTypes"][0]
    expect_orgs(
        {"activityType": type_id},
        lambda o: bool(spec.narrower_or_same(type_id, ctx.release) & set(o["activityTypes"])),
        f"activityType={type_id}",
    )
    word = ctx.random.choice(orgs)["name"].split()[0].upper()
    expect_orgs({"q": word}, lambda o: word.casefold() in o["name"].casefold(), f"q={word}")
    org = ctx.random.choice(orgs)
    oid = data.ids[org["ref"]]
    expect(ctx.anonymous.get(f"/organisations/{oid}"), "DISC-013").status(200).field("id", oid).field(
        "name", org["name"]
    ).field("organisationNumber", org["organisationNumber"]).field("type", org["type"]).field(
        "municipalityCode", org["municipalityCode"]
    )


def _other_municipality(code: str) -> str:
    return next(c for c, *_ in dataset.MUNICIPALITIES if c != code)


@check(
    "representatives-access",
    "Representatives are shown only to the municipality's staff and the organisation",
    requirements=["DISC-014", "CORE-011"],
)
def representatives_access(ctx: CheckContext) -> None:
    data = _data(ctx)
    org, other = ctx.random.sample(data.organisations, 2)
    path = f"/organisations/{data.ids[org['ref']]}/representatives"
    code = org["municipalityCode"]
    expect(ctx.anonymous.get(path), "DISC-014").problem(status=401, type_suffix="unauthorized")
    persons = {p["ref"]: p for p in data.body["persons"]}
    outsider = next(p for p in persons.values() if p["ref"] not in {r["personRef"] for r in org["representatives"]})
    refused = [
        ctx.as_persona("citizen", personId=data.ids[outsider["ref"]]),
        ctx.as_persona(
            "organisation-representative",
            personId=data.ids[other["representatives"][0]["personRef"]],
            organisationId=data.ids[other["ref"]],
            role="chair",
        ),
        ctx.as_persona("facility-administrator", municipalityCode=_other_municipality(code)),
        ctx.as_persona("case-officer", municipalityCode=_other_municipality(code)),
        ctx.as_persona("system-client", clientId="door-locks", scopes=["access"]),
    ]
    for client in refused:
        response = client.get(path)
        expect(response, "DISC-014").status(403)
        expect(response, "CORE-011").problem(status=403, type_suffix="forbidden")
    own = org["representatives"][0]
    allowed = [
        ctx.as_persona("facility-administrator", municipalityCode=code),
        ctx.as_persona("case-officer", municipalityCode=code),
        ctx.as_persona(
            "organisation-representative",
            personId=data.ids[own["personRef"]],
            organisationId=data.ids[org["ref"]],
            role=own["role"],
        ),
    ]
    shown = ("givenName", "familyName", "email", "phone")  # as registered; email and phone only when given
    wanted = sorted(
        [data.ids[r["personRef"]], r["role"], *(persons[r["personRef"]].get(k) for k in shown)]
        for r in org["representatives"]
    )
    for client in allowed:
        found = sorted([r.get("personId"), r.get("role"), *(r.get(k) for k in shown)] for r in walk(client, path))
        ensure(
            found == wanted,
            "the representatives listed are not the organisation's, as registered",
            expected=wanted,
            actual=found,
        )


@check(
    "no-role-escalation",
    "Claims of another persona or another scope grant nothing: representatives stay behind 403",
    requirements=["CORE-022", "CORE-011"],
)
def no_role_escalation(ctx: CheckContext) -> None:
    data = _data(ctx)
    org, other = ctx.random.sample(data.organisations, 2)
    code = org["municipalityCode"]
    path = f"/organisations/{data.ids[org['ref']]}/representatives"
    persons = {p["ref"]: p for p in data.body["persons"]}
    outsider = next(p for p in persons.values() if p["ref"] not in {r["personRef"] for r in org["representatives"]})
    other_rep = other["representatives"][0]
    escalations = {
        "a citizen token carrying the organisation's municipalityCode": ctx.as_persona(
            "citizen", personId=data.ids[outsider["ref"]], municipalityCode=code
        ),
        "a system client token carrying the municipalityCode": ctx.as_persona(
            "system-client", clientId="door-locks", scopes=["access"], municipalityCode=code
        ),
        "another organisation's representative carrying the municipalityCode": ctx.as_persona(
            "organisation-representative",
            personId=data.ids[other_rep["personRef"]],
            organisationId=data.ids[other["ref"]],
            role="chair",
            municipalityCode=code,
        ),
        "a case officer of another municipality": ctx.as_persona(
            "case-officer", municipalityCode=_other_municipality(code)
        ),
        "a facility administrator of another municipality": ctx.as_persona(
            "facility-administrator", municipalityCode=_other_municipality(code)
        ),
        "a representative of another organisation": ctx.as_persona(
            "organisation-representative",
            personId=data.ids[other_rep["personRef"]],
            organisationId=data.ids[other["ref"]],
            role=other_rep["role"],
        ),
    }
    for what, client in escalations.items():
        response = client.get(path)
        ensure(
            response.status_code == 403,
            f"{what} read the representatives of {org['name']} ({code})",
            expected=403,
            actual=response.status_code,
            response=response,
            requirement="CORE-022",
        )
        expect(response, "CORE-011").problem(status=403, type_suffix="forbidden")


@check("personnummer-masked", "Personnummer are masked even for authorised callers", requirements=["CORE-015"])
def personnummer_masked(ctx: CheckContext) -> None:
    data = _data(ctx)
    org = ctx.random.choice(data.organisations)
    persons = {data.ids[p["ref"]]: p for p in data.body["persons"]}
    client = ctx.as_persona("case-officer", municipalityCode=org["municipalityCode"])
    for rep in walk(client, f"/organisations/{data.ids[org['ref']]}/representatives"):
        full = persons[rep["personId"]]["personalIdentityNumber"]
        ensure(
            rep.get("personalIdentityNumber") == f"{full[:8]}-****",
            "personnummer not masked as YYYYMMDD-****",
            expected=f"{full[:8]}-****",
            actual=rep.get("personalIdentityNumber"),
        )
