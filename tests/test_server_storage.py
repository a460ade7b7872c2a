"""Storage on both databases, shared state across workers, and the launcher.

Everything here runs on SQLite and, when BOKBID_TEST_PG names a reachable server, on PostgreSQL
(each test in a schema of its own). Set BOKBID_REQUIRE_PG=1 to make an unreachable server fail
the run instead of skipping these cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from test_server_support import (
    assert_problem,
    bearer,
    client_for,
    create,
    facility,
    organisation,
    person,
    postgres_url,
    sqlite_url,
    token,
)

from reference_server.launcher import background_server
from reference_server.storage import Storage


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_url() as url:
            yield url


def test_round_trip_on_each_database(db: str) -> None:
    with client_for(db) as client:
        ids = create(
            client,
            persons=[person("asa")],
            organisations=[organisation("ifk", representatives=[{"personRef": "asa", "role": "chair"}])],
            facilities=[
                facility(
                    "f",
                    "Åby sporthall",
                    units=[{"ref": "u", "name": "Hall A", "capacity": 30, "areaSquareMeters": 612.5}],
                )
            ],
        )
        found = client.get("/v1/facilities", params={"q": "ÅBY", "activityType": "ball-sports"}).json()
        assert found["totalItems"] == 0  # the facility offers no ball sports
        found = client.get("/v1/facilities", params={"q": "ÅBY", "near": "59.3326,18.0649"}).json()
        assert found["items"][0]["units"][0]["areaSquareMeters"] == 612.5
        assert found["items"][0]["distanceMeters"] == 0.0
        staff = token(client, "facility-administrator", municipalityCode="0180")
        reps = client.get(f"/v1/organisations/{ids['ifk']}/representatives", headers=bearer(staff)).json()
        assert reps["items"][0]["personalIdentityNumber"] == "19800412-****"
        bad = {"facilities": [facility("g"), facility("h", activityTypes=["quidditch"])]}
        assert_problem(client.post("/v1/test/fixtures", json=bad), 400, "validation-error")
        assert client.get("/v1/facilities").json()["totalItems"] == 1
        client.put("/v1/test/clock", json={"now": "2030-06-01T12:00:00Z", "frozen": True})
        assert client.get("/v1/test/clock").json()["now"] == "2030-06-01T12:00:00Z"
        assert client.post("/v1/test/reset").status_code == 204
        assert client.get("/v1/organisations").json()["totalItems"] == 0
        assert client.get("/v1/test/clock").json()["frozen"] is False


def test_two_instances_on_one_database_share_clock_and_key(db: str) -> None:
    with client_for(db) as one, client_for(db) as two:
        value = token(one, "case-officer", municipalityCode="0180")
        assert two.get("/v1/me", headers=bearer(value)).status_code == 200
        one.put("/v1/test/clock", json={"now": "2029-02-03T04:05:06Z", "frozen": True})
        assert two.get("/v1/test/clock").json() == {"now": "2029-02-03T04:05:06Z", "frozen": True}


def test_preparing_tables_concurrently_is_safe(db: str) -> None:
    def prepare() -> None:
        storage = Storage(db)
        try:
            storage.prepare()
        finally:
            storage.dispose()

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(prepare) for _ in range(4)]:
            future.result()


@pytest.mark.timeout(120)
def test_two_workers_serve_one_state_in_parallel(db: str) -> None:
    with background_server(db=db, workers=2) as root, httpx.Client(base_url=root, timeout=20) as http:
        created = http.post("/test/fixtures", json={"facilities": [facility(str(i)) for i in range(25)]})
        assert created.status_code == 201, created.text
        http.put("/test/clock", json={"now": "2027-07-07T07:07:07Z", "frozen": True})
        issued = http.post("/test/tokens", json={"persona": "case-officer", "municipalityCode": "0180"}).json()

        def call(i: int) -> tuple[int, object]:
            with httpx.Client(base_url=root, timeout=20) as own:
                if i % 3 == 0:
                    response = own.get("/facilities", params={"limit": 7, "page": i % 4 + 1})
                    return response.status_code, response.json()["totalItems"]
                if i % 3 == 1:
                    response = own.get("/test/clock")
                    return response.status_code, response.json()["now"]
                response = own.get("/me", headers=bearer(issued["accessToken"]))
                return response.status_code, response.json()["expiresAt"]

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(call, range(60)))
        assert {status for status, _ in results} == {200}
        assert {value for i, (_, value) in enumerate(results) if i % 3 == 0} == {25}
        assert {value for i, (_, value) in enumerate(results) if i % 3 == 1} == {"2027-07-07T07:07:07Z"}
        assert {value for i, (_, value) in enumerate(results) if i % 3 == 2} == {"2027-07-07T08:07:07Z"}

        def write(i: int) -> int:
            with httpx.Client(base_url=root, timeout=20) as own:
                body = {"persons": [person(f"p{i}")], "facilities": [facility(f"w{i}")]}
                return own.post("/test/fixtures", json=body).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(write, range(16))) == {201}
        assert http.get("/facilities").json()["totalItems"] == 25 + 16


def test_background_server_reports_why_it_did_not_start(tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError, match="exited"),
        background_server(db=f"sqlite:///{tmp_path}/x.db", fault="no-such-fault"),
    ):
        pass


def test_background_server_in_production_mode(tmp_path: Path) -> None:
    with background_server(db=sqlite_url(tmp_path), production=True) as root:
        declared = httpx.get(f"{root}/conformance").json()["conformsTo"]
        assert "test-interface" not in declared and {"core", "discovery"} <= set(declared)
        assert httpx.post(f"{root}/test/reset").status_code == 404


def test_awkward_text_is_stored_exactly_or_refused_cleanly(db: str) -> None:
    with client_for(db) as client:
        awkward = {
            **person("p", given="Zoë 🏒", family="O'Brien-Åkesson"),
            "email": "a" * 64 + "@" + "b" * 60 + ".example.org",
            "phone": "+46 70-123 45 67 8901",  # 21 characters, the most the pattern allows
        }
        ids = create(
            client,
            persons=[awkward],
            organisations=[organisation("o", name="Ö" * 200, representatives=[{"personRef": "p", "role": "chair"}])],
        )
        staff = token(client, "case-officer", municipalityCode="0180")
        stored = client.get(f"/v1/organisations/{ids['o']}/representatives", headers=bearer(staff)).json()["items"][0]
        assert (stored["givenName"], stored["familyName"], stored["email"], stored["phone"]) == (
            awkward["givenName"],
            awkward["familyName"],
            awkward["email"],
            awkward["phone"],
        )
        assert client.get(f"/v1/organisations/{ids['o']}").json()["name"] == "Ö" * 200
        for raw in (b'{"persons": [{"ref": "x\\u0000"}]}', b'{"persons": [{"ref": "\\udc00"}]}'):
            response = client.post("/v1/test/fixtures", content=raw, headers={"content-type": "application/json"})
            assert_problem(response, 400, "validation-error")
