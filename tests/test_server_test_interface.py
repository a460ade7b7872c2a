"""The reference server's class `test-interface`: fixtures, reset and the server clock."""

from __future__ import annotations

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


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with client_for(sqlite_url(tmp_path)) as c:
        yield c


def _counts(client: TestClient) -> tuple[int, int]:
    return (client.get("/v1/facilities").json()["totalItems"], client.get("/v1/organisations").json()["totalItems"])


def test_fixtures_return_an_id_per_ref(client: TestClient) -> None:
    ids = create(
        client,
        persons=[person("p")],
        organisations=[organisation("o", representatives=[{"personRef": "p", "role": "chair"}])],
        facilities=[facility("f", units=[{"ref": "u1", "name": "A"}, {"ref": "u2", "name": "B"}])],
    )
    assert set(ids) == {"p", "o", "f", "u1", "u2"}
    assert len(set(ids.values())) == 5
    assert client.post("/v1/test/fixtures", json={}).json() == {"ids": {}}


VALID = {
    "persons": [person("p")],
    "organisations": [organisation("o", representatives=[{"personRef": "p", "role": "chair"}])],
    "facilities": [facility("f", units=[{"ref": "u", "name": "Hall"}])],
}


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    """VALID with one member replaced (a deep copy, so cases do not leak into each other)."""
    import copy

    body = copy.deepcopy(VALID)
    node: Any = body
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("body", "pointers"),
    [
        (_with(["facilities", 0, "ref"], "p"), {"/facilities/0/ref"}),
        (_with(["facilities", 0, "units", 0, "ref"], "f"), {"/facilities/0/units/0/ref"}),
        (
            _with(["organisations", 0, "representatives", 0, "personRef"], "nobody"),
            {"/organisations/0/representatives/0/personRef"},
        ),
        (
            _with(["organisations", 0, "activityTypes"], ["floorball", "quidditch"]),
            {"/organisations/0/activityTypes/1"},
        ),
        (
            _with(["facilities", 0, "units", 0, "activityTypes"], ["quidditch"]),
            {"/facilities/0/units/0/activityTypes/0"},
        ),
        (
            _with(
                ["facilities", 0, "openingHours"], {"weekly": [{"day": "monday", "opens": "22:00", "closes": "06:00"}]}
            ),
            {"/facilities/0/openingHours/weekly/0/closes"},
        ),
        (
            _with(
                ["facilities", 0, "openingHours"], {"weekly": [{"day": "monday", "opens": "10:00", "closes": "10:00"}]}
            ),
            {"/facilities/0/openingHours/weekly/0/closes"},
        ),
        (
            _with(
                ["facilities", 0, "openingHours"],
                {"weekly": [], "exceptions": [{"date": "2026-12-24", "closed": False, "opens": "10:00"}]},
            ),
            {"/facilities/0/openingHours/exceptions/0/closes"},
        ),
        (
            _with(
                ["facilities", 0, "openingHours"],
                {
                    "weekly": [],
                    "exceptions": [{"date": "2026-12-24", "closed": True}, {"date": "2026-12-24", "closed": True}],
                },
            ),
            {"/facilities/0/openingHours/exceptions/1/date"},
        ),
        (_with(["facilities", 0, "municipalityCode"], "180"), {"/facilities/0/municipalityCode"}),
        (_with(["persons", 0, "personalIdentityNumber"], "19800412-0007"), {"/persons/0/personalIdentityNumber"}),
        # Valid identifiers only (TEST-003): a check digit that is wrong, a date that does not exist.
        (_with(["persons", 0, "personalIdentityNumber"], "198004120007"), {"/persons/0/personalIdentityNumber"}),
        (_with(["persons", 0, "personalIdentityNumber"], "198002300005"), {"/persons/0/personalIdentityNumber"}),
        (_with(["organisations", 0, "organisationNumber"], "8020001234"), {"/organisations/0/organisationNumber"}),
        (_with(["organisations", 0, "organisationNumber"], "8012345674"), {"/organisations/0/organisationNumber"}),
    ],
)
def test_an_invalid_fixture_request_creates_nothing(client: TestClient, body: dict, pointers: set[str]) -> None:
    problem = assert_problem(client.post("/v1/test/fixtures", json=body), 400, "validation-error")
    assert error_names(problem) == pointers
    assert _counts(client) == (0, 0)
    assert client.post("/v1/test/tokens", json={"persona": "citizen", "personId": "p"}).status_code == 400


def test_several_fixture_errors_are_reported_together(client: TestClient) -> None:
    body = {"facilities": [facility("x", activityTypes=["nope"]), facility("x")]}
    problem = assert_problem(client.post("/v1/test/fixtures", json=body), 400, "validation-error")
    assert error_names(problem) == {"/facilities/0/activityTypes/0", "/facilities/1/ref"}


def test_reset_removes_everything_and_returns_to_real_time(client: TestClient) -> None:
    ids = create(client, **VALID)
    value = token(client, "citizen", personId=ids["p"])
    client.put("/v1/test/clock", json={"now": "2030-01-01T00:00:00Z", "frozen": True})
    assert client.post("/v1/test/reset").status_code == 204
    assert _counts(client) == (0, 0)
    assert_problem(client.get(f"/v1/units/{ids['u']}"), 404, "not-found")
    clock = client.get("/v1/test/clock").json()
    assert clock["frozen"] is False
    assert abs(datetime.fromisoformat(clock["now"]) - datetime.now(UTC)) < timedelta(seconds=5)
    # The signing key is not data: tokens issued before stay valid (until they expire).
    assert client.get("/v1/api-info", headers=bearer(value)).status_code == 200
    assert create(client, **VALID)  # the same refs can be used again


def test_clock_runs_on_from_the_set_instant_unless_frozen(client: TestClient) -> None:
    frozen = client.put("/v1/test/clock", json={"now": "2026-03-29T00:30:00+01:00", "frozen": True})
    assert frozen.json() == {"now": "2026-03-28T23:30:00Z", "frozen": True}
    assert client.get("/v1/test/clock").json() == {"now": "2026-03-28T23:30:00Z", "frozen": True}
    running = client.put("/v1/test/clock", json={"now": "2026-03-29T00:30:00Z"}).json()
    assert running["frozen"] is False
    later = client.get("/v1/test/clock").json()
    moved = datetime.fromisoformat(later["now"]) - datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert timedelta(0) <= moved < timedelta(seconds=5)
    assert client.delete("/v1/test/clock").status_code == 204
    back = client.get("/v1/test/clock").json()
    assert back["frozen"] is False
    assert abs(datetime.fromisoformat(back["now"]) - datetime.now(UTC)) < timedelta(seconds=5)


def test_created_timestamps_follow_the_server_clock(client: TestClient) -> None:
    client.put("/v1/test/clock", json={"now": "2031-05-06T07:08:09Z", "frozen": True})
    ids = create(client, facilities=[facility("f", units=[{"ref": "u", "name": "A"}])])
    body = client.get(f"/v1/facilities/{ids['f']}").json()
    assert body["createdAt"] == body["updatedAt"] == "2031-05-06T07:08:09Z"
    assert body["units"][0]["createdAt"] == "2031-05-06T07:08:09Z"


def test_clock_setting_is_validated(client: TestClient) -> None:
    problem = assert_problem(client.put("/v1/test/clock", json={"now": "yesterday"}), 400, "validation-error")
    assert error_names(problem) == {"/now"}
    problem = assert_problem(
        client.put("/v1/test/clock", json={"now": "2026-01-01T00:00:00Z", "speed": 2}), 400, "validation-error"
    )
    assert error_names(problem) == {"/speed"}


def test_a_samordningsnummer_is_a_valid_personal_identity_number(client: TestClient) -> None:
    assert create(client, persons=[person("s", "198004720002")])  # born on the 12th: day 12 + 60


def test_data_of_a_class_the_server_does_not_implement_is_refused(tmp_path: Path) -> None:
    """A product with only discovery and booking cannot show seasons, grant programmes or activities, so a
    fixture request holding them is refused with 400 naming each, and creates nothing (TEST-003)."""
    unit = {
        "ref": "u",
        "name": "Hall",
        "bookingTerms": {"holdMinutes": 10},
        "activities": [
            {
                "ref": "a",
                "name": "Simskola",
                "activityType": "swimming-lessons",
                "start": "2026-12-01T16:00:00Z",
                "end": "2026-12-01T17:00:00Z",
                "capacity": 8,
            }
        ],
    }
    season = {
        "ref": "s",
        "municipalityCode": "0180",
        "name": "Hösttermin",
        "startDate": "2026-08-24",
        "endDate": "2026-12-13",
        "applicationDeadline": "2026-05-31T21:59:59Z",
    }
    body = {"facilities": [facility("f", units=[unit])], "seasons": [season]}
    with client_for(sqlite_url(tmp_path), classes=("discovery", "booking")) as client:
        problem = assert_problem(client.post("/v1/test/fixtures", json=body), 400, "validation-error")
        assert error_names(problem) == {"/seasons", "/facilities/0/units/0/activities"}
        assert _counts(client) == (0, 0)
        unit.pop("activities")
        assert create(client, facilities=[facility("f", units=[unit])], seasons=[])
