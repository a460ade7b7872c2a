"""The reference server's class `discovery`: facilities, units, search filters and the registry."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_server_support import (
    TestClient,
    assert_problem,
    bearer,
    client_for,
    create,
    error_names,
    facility,
    organisation,
    person,
    sqlite_url,
    token,
)

EARTH_RADIUS_M = 6371008.8


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with client_for(sqlite_url(tmp_path)) as c:
        yield c


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def test_a_facility_comes_back_exactly_as_registered(client: TestClient) -> None:
    given = facility(
        "g",
        "Gärdets sporthall",
        description="Två hallar.",
        ownership="rented",
        accessibility=["step-free-access", "hearing-loop"],
        amenities=["showers"],
        activityTypes=["floorball"],
        position={"latitude": 59.3443, "longitude": 18.1012},
        openingHours={
            "weekly": [{"day": "monday", "opens": "06:00", "closes": "22:00"}],
            "exceptions": [{"date": "2026-12-24", "closed": True, "reason": "Julafton"}],
        },
        units=[
            {
                "ref": "b",
                "name": "Hall B",
                "activityTypes": ["handball"],
                "capacity": 40,
                "areaSquareMeters": 800,
                "description": "Stor.",
            },
            {
                "ref": "a",
                "name": "Hall A",
                "accessibility": ["lift"],
                "amenities": ["scoreboard"],
                "areaSquareMeters": 12.5,
            },
        ],
    )
    ids = create(client, facilities=[given])
    body = client.get(f"/v1/facilities/{ids['g']}").json()
    assert body["id"] == ids["g"]
    for key in (
        "name",
        "description",
        "municipalityCode",
        "address",
        "position",
        "ownership",
        "accessibility",
        "amenities",
        "activityTypes",
    ):
        assert body[key] == given[key], key
    assert body["openingHours"] == {"timeZone": "Europe/Stockholm", **given["openingHours"]}
    assert "distanceMeters" not in body
    assert [u["name"] for u in body["units"]] == ["Hall A", "Hall B"]  # by name, then id
    hall_b = body["units"][1]
    assert hall_b == {
        "id": ids["b"],
        "facilityId": ids["g"],
        "name": "Hall B",
        "description": "Stor.",
        "activityTypes": ["handball"],
        "accessibility": [],
        "amenities": [],
        "capacity": 40,
        "areaSquareMeters": 800,
        "createdAt": hall_b["createdAt"],
        "updatedAt": hall_b["updatedAt"],
    }
    units = client.get(f"/v1/facilities/{ids['g']}/units").json()
    assert units["items"] == body["units"] and units["totalItems"] == 2
    assert client.get(f"/v1/units/{ids['a']}").json() == body["units"][0]
    listed = client.get("/v1/facilities").json()["items"]
    assert listed == [body]


def test_facilities_are_ordered_by_name_then_id(client: TestClient) -> None:
    """Swedish alphabetical order ignoring case (CORE-008): å, ä, ö after z, names equal but for case by id."""
    ids = create(
        client,
        facilities=[
            facility("1", "Beta"),
            facility("2", "Alfa"),
            facility("3", "Beta"),
            facility("4", "Älvsjö"),
            facility("5", "alfa"),
            facility("6", "Åby"),
            facility("7", "zeta"),
            facility("8", "Öbo"),
            facility("9", "Émile"),
        ],
    )
    items = client.get("/v1/facilities").json()["items"]
    alfa = sorted([(ids["2"], "Alfa"), (ids["5"], "alfa")])
    beta = sorted([(ids["1"], "Beta"), (ids["3"], "Beta")])
    assert [(i["id"], i["name"]) for i in items[:4]] == [*alfa, *beta]
    assert [i["name"] for i in items[4:]] == ["zeta", "Åby", "Älvsjö", "Öbo", "Émile"]


def test_pages_of_facilities_cover_every_item_once(client: TestClient) -> None:
    create(client, facilities=[facility(str(i), f"Hall {i % 4}") for i in range(23)])
    seen = []
    for page in range(1, 6):
        seen += [i["id"] for i in client.get("/v1/facilities", params={"limit": 5, "page": page}).json()["items"]]
    assert len(seen) == 23 and len(set(seen)) == 23


def test_municipality_ownership_accessibility_filters_combine(client: TestClient) -> None:
    create(
        client,
        facilities=[
            facility("a", "A", municipalityCode="0180", ownership="owned", accessibility=["lift", "hearing-loop"]),
            facility("b", "B", municipalityCode="0180", ownership="rented", accessibility=["lift"]),
            facility("c", "C", municipalityCode="1480", ownership="owned", accessibility=["lift", "hearing-loop"]),
        ],
    )
    assert _names(client.get("/v1/facilities", params={"municipalityCode": "0180"})) == ["A", "B"]
    assert _names(client.get("/v1/facilities", params={"ownership": "rented"})) == ["B"]
    assert _names(client.get("/v1/facilities", params={"accessibility": ["lift", "hearing-loop"]})) == ["A", "C"]
    assert _names(client.get("/v1/facilities", params={"accessibility": "lift"})) == ["A", "B", "C"]
    assert _names(
        client.get(
            "/v1/facilities", params={"municipalityCode": "0180", "ownership": "owned", "accessibility": "hearing-loop"}
        )
    ) == ["A"]
    assert _names(client.get("/v1/facilities", params={"municipalityCode": "2480"})) == []


def test_activity_type_matches_facility_or_unit_and_narrower_types(client: TestClient) -> None:
    create(
        client,
        facilities=[
            facility("pool", "Pool", units=[{"ref": "lanes", "name": "Lanes", "activityTypes": ["lane-swimming"]}]),
            facility("hall", "Hall", activityTypes=["floorball"]),
            facility("arena", "Arena", activityTypes=["futsal"]),
            facility("room", "Room", activityTypes=["meetings"]),
        ],
    )
    assert _names(client.get("/v1/facilities", params={"activityType": "water-sports"})) == ["Pool"]
    assert _names(client.get("/v1/facilities", params={"activityType": "swimming"})) == ["Pool"]
    assert _names(client.get("/v1/facilities", params={"activityType": "ball-sports"})) == ["Arena", "Hall"]
    assert _names(client.get("/v1/facilities", params={"activityType": "football"})) == ["Arena"]
    assert _names(client.get("/v1/facilities", params={"activityType": "futsal"})) == ["Arena"]
    assert _names(client.get("/v1/facilities", params={"activityType": "tennis"})) == []


def test_free_text_is_case_insensitive_over_name_description_and_city(client: TestClient) -> None:
    create(
        client,
        facilities=[
            facility("1", "Östermalms IP"),
            facility("2", "Hallen", description="Nära ÅBY torg"),
            facility("3", "Annan", address={"street": "Storgatan 1", "postalCode": "90325", "city": "Umeå"}),
            facility("4", "STRASSE hall"),
        ],
    )
    assert _names(client.get("/v1/facilities", params={"q": "östermalm"})) == ["Östermalms IP"]
    assert _names(client.get("/v1/facilities", params={"q": "åby"})) == ["Hallen"]
    assert _names(client.get("/v1/facilities", params={"q": "UMEÅ"})) == ["Annan"]
    assert _names(client.get("/v1/facilities", params={"q": "straße"})) == ["STRASSE hall"]  # full case folding
    assert _names(client.get("/v1/facilities", params={"q": "zzz"})) == []


def _north_of(origin: tuple[float, float], metres: float) -> dict[str, float]:
    return {"latitude": origin[0] + math.degrees(metres / EARTH_RADIUS_M), "longitude": origin[1]}


def test_near_and_radius(client: TestClient) -> None:
    origin = (59.0, 18.0)
    create(
        client,
        facilities=[
            facility("far", "Far", position=_north_of(origin, 7000)),
            facility("mid", "Mid", position=_north_of(origin, 2999)),
            facility("here", "Here", position={"latitude": 59.0, "longitude": 18.0}),
            facility("east", "East", position={"latitude": 59.0, "longitude": 18.01}),
        ],
    )
    east = 2 * EARTH_RADIUS_M * math.asin(math.cos(math.radians(59.0)) * math.sin(math.radians(0.01) / 2))
    body = client.get("/v1/facilities", params={"near": "59.0,18.0", "radius": 3000}).json()
    assert [(i["name"], i["distanceMeters"]) for i in body["items"]] == [
        ("Here", 0.0),
        ("East", round(east, 1)),
        ("Mid", 2999.0),
    ]
    default_radius = client.get("/v1/facilities", params={"near": "59.0,18.0"}).json()
    assert [i["name"] for i in default_radius["items"]] == ["Here", "East", "Mid"]  # 5000 m
    wide = client.get("/v1/facilities", params={"near": "59,18", "radius": 200000}).json()
    assert [i["name"] for i in wide["items"]] == ["Here", "East", "Mid", "Far"]
    assert all("distanceMeters" not in i for i in client.get("/v1/facilities").json()["items"])


def _weekly(day: str, opens: str, closes: str) -> dict[str, Any]:
    return {"weekly": [{"day": day, "opens": opens, "closes": closes}]}


def _open_at(client: TestClient, instant: str) -> list[str]:
    return _names(client.get("/v1/facilities", params={"openAt": instant}))


def test_open_at_reads_local_time_across_the_spring_change(client: TestClient) -> None:
    # Sunday 2026-03-29: at 01:00 UTC, local time jumps from 02:00 CET to 03:00 CEST.
    create(
        client,
        facilities=[
            facility("early", "Early", openingHours=_weekly("sunday", "01:00", "02:00")),
            facility("gap", "Gap", openingHours=_weekly("sunday", "02:00", "03:00")),
            facility("late", "Late", openingHours=_weekly("sunday", "03:00", "04:00")),
        ],
    )
    assert _open_at(client, "2026-03-29T00:30:00Z") == ["Early"]  # 01:30 CET
    assert _open_at(client, "2026-03-29T00:59:59Z") == ["Early"]  # 01:59:59 CET
    assert _open_at(client, "2026-03-29T01:00:00Z") == ["Late"]  # 03:00 CEST
    assert _open_at(client, "2026-03-29T03:30:00+02:00") == ["Late"]
    assert _open_at(client, "2026-03-29T01:59:59Z") == ["Late"]  # 03:59:59 CEST
    assert _open_at(client, "2026-03-29T02:00:00Z") == []  # 04:00 CEST
    # No instant of that day has a local time from 02:00 to 03:00.
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # local midnight
    for step in range(0, 23 * 6):
        instant = start + timedelta(minutes=10 * step)
        assert "Gap" not in _open_at(client, instant.isoformat())


def test_open_at_reads_local_time_across_the_autumn_change(client: TestClient) -> None:
    # Sunday 2026-10-25: at 01:00 UTC, local time falls back from 03:00 CEST to 02:00 CET.
    create(client, facilities=[facility("twice", "Twice", openingHours=_weekly("sunday", "02:00", "03:00"))])
    assert _open_at(client, "2026-10-24T23:59:59Z") == []  # 01:59:59 CEST
    assert _open_at(client, "2026-10-25T00:00:00Z") == ["Twice"]  # 02:00 CEST
    assert _open_at(client, "2026-10-25T00:59:59Z") == ["Twice"]  # 02:59:59 CEST
    assert _open_at(client, "2026-10-25T01:00:00Z") == ["Twice"]  # 02:00 CET, the second time
    assert _open_at(client, "2026-10-25T02:30:00+01:00") == ["Twice"]
    assert _open_at(client, "2026-10-25T02:00:00Z") == []  # 03:00 CET
    assert _open_at(client, "2026-10-25T02:30:00Z") == []  # 03:30 CET, though 02:30 in UTC


def test_open_at_exceptions_replace_the_weekly_hours(client: TestClient) -> None:
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"]
    hours = {
        "weekly": [{"day": d, "opens": "06:00", "closes": "22:00"} for d in weekdays],
        "exceptions": [
            {"date": "2026-12-24", "closed": True, "reason": "Julafton"},
            {"date": "2026-12-31", "closed": False, "opens": "10:00", "closes": "14:00"},
            {"date": "2026-12-27", "closed": False, "opens": "12:00", "closes": "24:00"},  # a Sunday
        ],
    }
    create(client, facilities=[facility("f", "F", openingHours=hours)])
    assert _open_at(client, "2026-12-23T10:00:00+01:00") == ["F"]
    assert _open_at(client, "2026-12-24T10:00:00+01:00") == []
    assert _open_at(client, "2026-12-31T09:00:00+01:00") == []
    assert _open_at(client, "2026-12-31T13:59:59+01:00") == ["F"]
    assert _open_at(client, "2026-12-31T14:00:00+01:00") == []
    assert _open_at(client, "2026-12-27T23:59:59+01:00") == ["F"]  # 24:00 is the end of the day
    assert _open_at(client, "2026-12-28T00:00:00+01:00") == []  # Monday 00:00, before 06:00
    assert _open_at(client, "2026-12-26T12:00:00+01:00") == []  # Saturday, no hours


def test_several_weekly_entries_per_day(client: TestClient) -> None:
    hours = {
        "weekly": [
            {"day": "monday", "opens": "06:00", "closes": "09:00"},
            {"day": "monday", "opens": "17:00", "closes": "21:00"},
        ]
    }
    create(client, facilities=[facility("f", "F", openingHours=hours)])
    assert _open_at(client, "2026-11-30T07:00:00+01:00") == ["F"]
    assert _open_at(client, "2026-11-30T12:00:00+01:00") == []
    assert _open_at(client, "2026-11-30T20:59:00+01:00") == ["F"]


def test_all_filters_combine_with_and(client: TestClient) -> None:
    create(
        client,
        facilities=[
            facility("1", "Match", activityTypes=["floorball"], accessibility=["lift"], description="sporthall"),
            facility("2", "No lift", activityTypes=["floorball"], description="sporthall"),
            facility(
                "3",
                "Closed",
                activityTypes=["floorball"],
                accessibility=["lift"],
                description="sporthall",
                openingHours={"weekly": []},
            ),
            facility(
                "4",
                "Far",
                activityTypes=["floorball"],
                accessibility=["lift"],
                description="sporthall",
                position={"latitude": 57.7, "longitude": 11.97},
            ),
        ],
    )
    params = {
        "activityType": "ball-sports",
        "accessibility": "lift",
        "q": "SPORTHALL",
        "near": "59.3326,18.0649",
        "openAt": "2026-12-01T18:30:00+01:00",
        "municipalityCode": "0180",
        "ownership": "owned",
    }
    assert _names(client.get("/v1/facilities", params=params)) == ["Match"]


def test_organisations_registry_filters(client: TestClient) -> None:
    ids = create(
        client,
        organisations=[
            organisation("a", "0180", name="Ängby IF", activityTypes=["futsal"]),
            organisation("b", "0180", name="Backa BK", type="company", activityTypes=["tennis"]),
            organisation(
                "c",
                "1480",
                name="Göteborgs Simsällskap",
                activityTypes=["swimming-lessons"],
                email="kansli@example.org",
                website="https://example.org",
            ),
        ],
    )
    assert _names(client.get("/v1/organisations")) == ["Backa BK", "Göteborgs Simsällskap", "Ängby IF"]
    assert _names(client.get("/v1/organisations", params={"municipalityCode": "0180"})) == ["Backa BK", "Ängby IF"]
    assert _names(client.get("/v1/organisations", params={"type": "company"})) == ["Backa BK"]
    assert _names(client.get("/v1/organisations", params={"activityType": "ball-sports"})) == ["Ängby IF"]
    assert _names(client.get("/v1/organisations", params={"q": "SIMSÄLL"})) == ["Göteborgs Simsällskap"]
    one = client.get(f"/v1/organisations/{ids['c']}").json()
    assert one["email"] == "kansli@example.org" and one["website"] == "https://example.org"
    assert one["organisationNumber"] == "8020001239" and one["activityTypes"] == ["swimming-lessons"]
    problem = assert_problem(
        client.get("/v1/organisations", params={"activityType": "quidditch"}), 400, "validation-error"
    )
    assert error_names(problem) == {"activityType"}


def test_activity_types_are_the_standard_taxonomy(client: TestClient) -> None:
    items = client.get("/v1/activity-types", params={"limit": 100}).json()["items"]
    by_id = {i["id"]: i for i in items}
    assert by_id["floorball"] == {
        "id": "floorball",
        "parentId": "ball-sports",
        "name": {"sv": "Innebandy", "en": "Floorball"},
    }
    assert by_id["ball-sports"]["parentId"] is None


def test_min_capacity_needs_one_unit_large_enough(client: TestClient) -> None:
    halls = [{"ref": "a", "name": "A", "capacity": 20}, {"ref": "b", "name": "B", "capacity": 35}]
    create(client, facilities=[facility("two", "Two halls", units=halls), facility("none", "No capacity given")])

    def names(people: object) -> list[str]:
        return [f["name"] for f in client.get("/v1/facilities", params={"minCapacity": people}).json()["items"]]

    assert names(35) == ["Two halls"]  # inclusive
    assert names(36) == [] and names(50) == []  # 20 + 35 is not one hall of 55
    assert names(1) == ["Two halls"]  # a unit without a capacity never matches
    problem = client.get("/v1/facilities", params={"minCapacity": 0})
    assert problem.status_code == 400 and "minCapacity" in problem.text


def test_representatives_refuse_personas_that_never_read_them_before_looking_up(client: TestClient) -> None:
    """A citizen or a system client gets 403 whether the organisation exists or not (CORE-027); staff who may
    read representatives learn that an unknown organisation does not exist (404)."""
    ids = create(client, persons=[person("p")])
    unknown = "/v1/organisations/00000000-0000-4000-8000-000000000000/representatives"
    for persona, claims in (("citizen", {"personId": ids["p"]}), ("system-client", {"clientId": "x", "scopes": []})):
        assert_problem(client.get(unknown, headers=bearer(token(client, persona, **claims))), 403, "forbidden")
    officer = bearer(token(client, "case-officer", municipalityCode="0180"))
    assert_problem(client.get(unknown, headers=officer), 404, "not-found")
