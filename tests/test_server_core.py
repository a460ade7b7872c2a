"""The reference server's class `core`: API info, conformance, errors, validation, pagination, documents."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_server_support import (
    TestClient,
    assert_problem,
    bearer,
    client_for,
    create,
    error_names,
    facility,
    sqlite_url,
    token,
)

import spec
from reference_server.app import create_app
from reference_server.core import api as core
from reference_server.settings import Settings, parse_classes


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with client_for(sqlite_url(tmp_path)) as c:
        yield c


def test_api_info_names_the_standard_version_and_the_product(client: TestClient) -> None:
    response = client.get("/v1/api-info")
    assert response.status_code == 200
    body = response.json()
    assert spec.schema_errors(spec.openapi()["components"]["schemas"]["ApiInfo"], body) == []
    assert body["apiVersion"] == spec.version()
    assert body["product"]["supplier"] == "BoB stewardship body"
    assert body["documentation"] == "http://testserver/docs"


def test_conformance_lists_the_implemented_classes(client: TestClient) -> None:
    body = client.get("/v1/conformance").json()
    assert body["apiVersion"] == spec.version()
    # In the standard's order; classes other work adds may come on top of these.
    assert body["conformsTo"] == [c for c in spec.class_ids() if c in body["conformsTo"]]
    booking_side = {"booking", "access", "payments", "activities", "season-allocation"}
    assert {"core", "discovery", "test-interface", *booking_side} <= set(body["conformsTo"])


def test_production_mode_hides_the_test_interface(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path), production=True) as client:
        declared = client.get("/v1/conformance").json()["conformsTo"]
        assert "test-interface" not in declared and {"core", "discovery", "booking"} <= set(declared)
        for method, path in [("POST", "/v1/test/reset"), ("GET", "/v1/test/clock"), ("POST", "/v1/test/tokens")]:
            assert_problem(client.request(method, path, json={}), 404, "not-found")
        page = client.get("/docs").text
        assert all(f'id="op-{op.operation_id}"' not in page for op in spec.operations() if op.path.startswith("/test/"))
        assert 'id="op-getFacility"' in page


def test_openapi_document_and_docs_page_are_served(client: TestClient) -> None:
    document = client.get("/v1/openapi.yaml")
    assert document.status_code == 200
    assert document.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(document.text)["info"]["version"] == spec.version()
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for op in spec.operations():
        assert f'id="op-{op.operation_id}"' in page.text
    assert 'id="schema-Facility"' in page.text
    # The one script is the page's inline search, which its Content-Security-Policy admits by hash.
    assert re.findall(r"<script[^>]*>", page.text) == ["<script>"] and " src=" not in page.text
    assert '<meta http-equiv="Content-Security-Policy"' in page.text
    as_json = client.get("/v1/openapi.json")
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json() == yaml.safe_load(document.text)


def test_every_response_names_the_full_version_errors_included(client: TestClient) -> None:
    answers = [
        client.get("/v1/api-info"),
        client.get("/v1/facilities", params={"limit": "0"}),  # 400
        client.get("/v1/me"),  # 401
        client.get("/v1/nothing-here"),  # 404 from routing
        client.delete("/v1/facilities"),  # 405
        client.get("/v1/openapi.yaml"),
        client.get("/docs"),
    ]
    assert [a.headers.get("API-Version") for a in answers] == [spec.version()] * len(answers)


def test_a_release_without_the_version_header_requirement_is_served_without_it(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path), spec_version="1.1.0") as client:
        assert client.get("/v1/api-info").json()["apiVersion"] == "1.1.0"
        assert "API-Version" not in client.get("/v1/api-info").headers


def test_unknown_path_is_a_not_found_problem(client: TestClient) -> None:
    assert_problem(client.get("/v1/no-such-thing"), 404, "not-found")
    assert_problem(client.get("/v1/facilities/"), 404, "not-found")  # no redirects, no guessing
    assert_problem(client.get("/elsewhere"), 404, "not-found")


def test_wrong_method_is_a_problem_with_allow(client: TestClient) -> None:
    response = client.delete("/v1/facilities")
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET, HEAD"
    assert client.patch("/v1/test/clock").headers["allow"] == "DELETE, GET, HEAD, PUT"


def test_head_is_answered_like_get(client: TestClient) -> None:
    response = client.head("/v1/api-info")
    assert response.status_code == 200 and response.content == b""


def test_invalid_query_parameters_are_all_named(client: TestClient) -> None:
    problem = assert_problem(
        client.get("/v1/facilities", params={"limit": "abc", "page": "0", "municipalityCode": "180"}),
        400,
        "validation-error",
    )
    assert error_names(problem) == {"limit", "page", "municipalityCode"}
    assert all(e["in"] == "query" for e in problem["errors"])
    for name in ("limit", "page", "municipalityCode"):
        assert name in problem["detail"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"page": "-1"}, "page"),
        ({"page": ""}, "page"),
        ({"near": "59.3"}, "near"),
        ({"near": "95.0,18.0"}, "near"),
        ({"radius": "100"}, "radius"),  # radius without near
        ({"near": "59.3,18.0", "radius": "0"}, "radius"),
        ({"openAt": "2026-12-01T18:30:00"}, "openAt"),  # no offset
        ({"openAt": "tomorrow"}, "openAt"),
        ({"activityType": "quidditch"}, "activityType"),
        ({"municipalityCode": "9999"}, "municipalityCode"),  # four digits, but no municipality's
        ({"activityType": "Not An Id"}, "activityType"),
        ({"accessibility": ["lift", "teleporter"]}, "accessibility"),
        ({"ownership": "borrowed"}, "ownership"),
        ({"q": ""}, "q"),
        ({"limit": ["5", "6"]}, "limit"),
    ],
)
def test_each_invalid_search_parameter_gives_400_naming_it(client: TestClient, params: dict, name: str) -> None:
    problem = assert_problem(client.get("/v1/facilities", params=params), 400, "validation-error")
    assert error_names(problem) == {name}


@pytest.mark.parametrize("path", ["/v1/organisations", "/v1/seasons", "/v1/grant-programmes", "/v1/grant-decisions"])
def test_every_municipality_filter_takes_only_the_290_codes(client: TestClient, path: str) -> None:
    problem = assert_problem(client.get(path, params={"municipalityCode": "9999"}), 400, "validation-error")
    assert error_names(problem) == {"municipalityCode"}
    assert client.get(path, params={"municipalityCode": "2584"}).status_code == 200


def test_unknown_query_parameters_are_ignored(client: TestClient) -> None:
    assert client.get("/v1/facilities", params={"colour": "blue"}).status_code == 200


def test_invalid_path_parameter_is_400_and_unknown_id_404(client: TestClient) -> None:
    problem = assert_problem(client.get("/v1/facilities/bad id!"), 400, "validation-error")
    assert problem["errors"] == [{"in": "path", "name": "facilityId", "detail": problem["errors"][0]["detail"]}]
    assert_problem(client.get("/v1/facilities/8a3c1f27-9e4b-4d2a-b7c6-5e8f9a0b1c2d"), 404, "not-found")
    assert_problem(client.get("/v1/units/nope"), 404, "not-found")
    assert_problem(client.get("/v1/organisations/nope"), 404, "not-found")
    assert_problem(client.get("/v1/facilities/nope/units"), 404, "not-found")


def test_body_that_is_not_json_gives_415_and_changes_nothing(client: TestClient) -> None:
    response = client.post("/v1/test/fixtures", content=b"persons=1", headers={"content-type": "text/plain"})
    assert_problem(response, 415, "unsupported-media-type")
    no_type = client.post("/v1/test/fixtures", content=b'{"persons": []}', headers={"content-type": ""})
    assert_problem(no_type, 415, "unsupported-media-type")
    assert client.get("/v1/facilities").json()["totalItems"] == 0


@pytest.mark.parametrize("raw", [b"{", b"", b"\xff\xfe", b'{"facilities": [NaN]}', b'{"a": 1e999}', b"[" * 100000])
def test_malformed_json_gives_400(client: TestClient, raw: bytes) -> None:
    response = client.post("/v1/test/fixtures", content=raw, headers={"content-type": "application/json"})
    problem = assert_problem(response, 400, "validation-error")
    assert problem["errors"][0]["in"] == "body"


def test_missing_body_gives_400(client: TestClient) -> None:
    problem = assert_problem(client.post("/v1/test/tokens"), 400, "validation-error")
    assert problem["errors"][0]["in"] == "body"


def test_charset_parameter_is_fine(client: TestClient) -> None:
    response = client.post(
        "/v1/test/tokens",
        content=b'{"persona": "case-officer", "municipalityCode": "0180"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201


def test_unknown_fields_are_refused_at_their_own_pointer(client: TestClient) -> None:
    body = {
        "facilities": [{**facility("f"), "colour": "red", "address": {**facility("f")["address"], "floor": 2}}],
        "extra": True,
    }
    problem = assert_problem(client.post("/v1/test/fixtures", json=body), 400, "validation-error")
    assert error_names(problem) == {"/facilities/0/colour", "/facilities/0/address/floor", "/extra"}
    assert client.get("/v1/facilities").json()["totalItems"] == 0


def test_missing_required_field_points_at_it(client: TestClient) -> None:
    problem = assert_problem(client.put("/v1/test/clock", json={"frozen": True}), 400, "validation-error")
    assert error_names(problem) == {"/now"}


def test_unexpected_error_is_a_500_problem_without_internals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(call: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setitem(core.HANDLERS, "getApiInfo", explode)
    with client_for(sqlite_url(tmp_path)) as client:
        response = client.get("/v1/api-info")
    problem = assert_problem(response, 500, "internal-error")
    assert response.headers["API-Version"] == spec.version()
    assert "secret" not in response.text and "Traceback" not in response.text
    assert problem["instance"] == "/v1/api-info"


def test_pagination_defaults_limits_and_walks(client: TestClient) -> None:
    every = [t["id"] for t in spec.activity_types()]
    first = client.get("/v1/activity-types").json()
    assert (first["page"], first["limit"], first["totalItems"]) == (1, 20, len(every))
    assert first["totalPages"] == -(-len(every) // 20)
    walked = []
    for page in range(1, len(every) // 7 + 2):
        body = client.get("/v1/activity-types", params={"limit": 7, "page": page}).json()
        walked += [t["id"] for t in body["items"]]
    assert walked == every  # each exactly once, in the taxonomy file's order
    beyond = client.get("/v1/activity-types", params={"limit": 7, "page": 99}).json()
    assert beyond["items"] == [] and beyond["totalItems"] == len(every)
    assert len(client.get("/v1/activity-types", params={"limit": 100}).json()["items"]) == len(every)


def test_empty_list_has_zero_pages(client: TestClient) -> None:
    assert client.get("/v1/facilities").json() == {
        "items": [],
        "page": 1,
        "limit": 20,
        "totalItems": 0,
        "totalPages": 0,
    }


def test_timestamps_are_utc_with_z(client: TestClient) -> None:
    create(client, facilities=[facility("f", units=[{"ref": "u", "name": "Hall A"}])])
    item = client.get("/v1/facilities").json()["items"][0]
    for stamp in (item["createdAt"], item["updatedAt"], item["units"][0]["createdAt"]):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)


def test_every_response_matches_its_documented_schema(client: TestClient) -> None:
    """A walk over the anonymous operations, validating bodies against the spec's response schemas."""
    ids = create(
        client,
        facilities=[facility("f", units=[{"ref": "u", "name": "Hall A"}])],
        organisations=[
            {"ref": "o", "name": "O", "organisationNumber": "8020001239", "type": "company", "municipalityCode": "0180"}
        ],
    )
    paths = {
        "getApiInfo": "/v1/api-info",
        "getConformance": "/v1/conformance",
        "listActivityTypes": "/v1/activity-types",
        "listFacilities": "/v1/facilities?near=59.33,18.06",
        "getFacility": f"/v1/facilities/{ids['f']}",
        "listFacilityUnits": f"/v1/facilities/{ids['f']}/units",
        "getUnit": f"/v1/units/{ids['u']}",
        "listOrganisations": "/v1/organisations",
        "getOrganisation": f"/v1/organisations/{ids['o']}",
        "getTestClock": "/v1/test/clock",
    }
    for operation_id, path in paths.items():
        response = client.get(path)
        documented = spec.operation(operation_id).response_spec(response.status_code)
        assert documented is not None, (operation_id, response.status_code)
        schema = documented["content"]["application/json"]["schema"]
        assert spec.schema_errors(schema, response.json()) == [], operation_id


def test_classes_option_limits_what_the_server_implements(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`bokbid serve --classes`: only the named optional classes (core and test-interface always) are
    declared and routed; the payment test hooks go with payments (`x-only-with`)."""
    settings = Settings(db=sqlite_url(tmp_path), classes=("discovery",))
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/conformance").json()["conformsTo"] == ["core", "discovery", "test-interface"]
        assert client.get("/v1/facilities").status_code == 200
        assert_problem(client.get("/v1/bookings"), 404, "not-found")
        assert_problem(client.put("/v1/test/payment-provider", json={"outcome": "declined"}), 404, "not-found")
    with pytest.raises(ValueError, match="unknown conformance class"):
        Settings(classes=("bookings",))
    assert (
        parse_classes("*") is None
        and parse_classes("") == ()
        and parse_classes("booking, access")
        == (
            "booking",
            "access",
        )
    )
    for classes in (None, (), ("booking", "access")):
        monkeypatch.setattr(os, "environ", Settings(classes=classes).to_env())
        assert Settings.from_env().classes == classes  # workers read back exactly what was asked for


def test_protective_headers_on_every_answer(tmp_path: Path) -> None:
    """CORE-028 on every answer, errors included; CORE-029 where a token was presented or handed out."""
    with client_for(sqlite_url(tmp_path)) as client:
        public = client.get("/v1/api-info")
        missing = client.get("/v1/no-such-thing")
        issued = client.post("/v1/test/tokens", json={"persona": "case-officer", "municipalityCode": "0180"})
        refused = client.get("/v1/me", headers={"Authorization": "Bearer not-a-jwt"})
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {issued.json()['accessToken']}"})
    for response in (public, missing, issued, refused, me):
        assert response.headers["x-content-type-options"] == "nosniff"
    assert [r.headers.get("cache-control") for r in (issued, refused, me)] == ["no-store"] * 3
    assert "cache-control" not in public.headers  # public data may be cached


ORIGIN = "https://bokning.example.se"


def _preflight(client: TestClient, origin: str, method: str = "POST", headers: str = "") -> Any:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    return client.options(
        "/v1/bookings", headers=asked | ({"Access-Control-Request-Headers": headers} if headers else {})
    )


def test_browser_apps_on_an_allowed_origin_may_call_the_api(tmp_path: Path) -> None:
    """CORE-030: what a preflight allows and an answer exposes comes from the spec served."""
    with client_for(sqlite_url(tmp_path), cors_origins=(ORIGIN,)) as client:
        allowed = _preflight(client, ORIGIN, headers="authorization,content-type,idempotency-key")
        refused = _preflight(client, "https://annan.example.org")
        odd_header = _preflight(client, ORIGIN, headers="x-secret")
        answer = client.get("/v1/me", headers={"Origin": ORIGIN})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    assert {"POST", "PUT", "DELETE", "GET"} <= set(allowed.headers["access-control-allow-methods"].split(", "))
    assert {"Authorization", "Content-Type", "Idempotency-Key"} <= set(
        allowed.headers["access-control-allow-headers"].split(", ")
    )
    assert allowed.headers["api-version"] == spec.version()
    for problem, what in ((refused, "origin"), (odd_header, "headers")):
        assert_problem(problem, 403, "forbidden")
        assert what in problem.json()["detail"] and "access-control-allow-origin" not in problem.headers
    assert answer.status_code == 401 and answer.headers["access-control-allow-origin"] == ORIGIN
    assert answer.headers["access-control-expose-headers"] == ", ".join(spec.response_headers())


def test_without_allowed_origins_no_browser_may_call_and_any_origin_can_be_allowed(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        assert_problem(_preflight(client, ORIGIN), 403, "forbidden")
        assert "access-control-allow-origin" not in client.get("/v1/api-info", headers={"Origin": ORIGIN}).headers
    with client_for(sqlite_url(tmp_path), cors_origins=("*",)) as client:
        assert _preflight(client, ORIGIN).headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("origin", ["https://bokning.example.se/", "bokning.example.se", "HTTPS://X.SE", "ftp://x.se"])
def test_what_is_no_origin_is_refused_at_start(origin: str) -> None:
    with pytest.raises(ValueError, match="not an origin"):
        Settings(cors_origins=(origin,))


@pytest.mark.parametrize("day", ["0000-01-01", "0001-01-01", "1970-01-01", "8999-12-31", "9999-12-31"])
def test_dates_the_server_cannot_compute_with_give_400_naming_them(tmp_path: Path, day: str) -> None:
    """The `date` format allows years 0000 to 9999; the server refuses, in request validation and for
    every parameter and body member at once, what lies outside 1970-01-02..8999-12-30 (CORE-005),
    instead of crashing in a handler's date arithmetic."""
    with client_for(sqlite_url(tmp_path)) as client:
        ids = create(client, facilities=[facility("f", units=[{"ref": "u", "name": "Hall A"}])])
        staff = bearer(token(client, "facility-administrator", municipalityCode="0180"))
        for path, params, headers in (
            ("/v1/activities", {"from": day}, {}),
            ("/v1/activities", {"to": day}, {}),
            (f"/v1/units/{ids['u']}/availability", {"from": day, "to": day}, {}),
            ("/v1/payment-transactions", {"from": day, "to": day}, staff),
        ):
            problem = assert_problem(client.get(path, params=params, headers=headers), 400, "validation-error")
            assert set(params) <= error_names(problem), (path, problem)
        season = {
            "ref": "s",
            "municipalityCode": "0180",
            "name": "Höst",
            "startDate": day,
            "endDate": "2027-01-01",
            "applicationDeadline": "2026-08-31T22:00:00Z",
        }
        problem = assert_problem(client.post("/v1/test/fixtures", json={"seasons": [season]}), 400, "validation-error")
        assert "/seasons/0/startDate" in error_names(problem)


@pytest.mark.parametrize("instant", ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00", "0001-01-01T00:30:00+01:00"])
def test_instants_beyond_the_calendar_give_400_naming_them(tmp_path: Path, instant: str) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        problem = assert_problem(client.get("/v1/facilities", params={"openAt": instant}), 400, "validation-error")
        assert error_names(problem) == {"openAt"}
        problem = assert_problem(client.put("/v1/test/clock", json={"now": instant}), 400, "validation-error")
        assert error_names(problem) == {"/now"}
