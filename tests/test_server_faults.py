"""Every injectable fault really changes the server's behaviour, in the way its description says.

The harness's own tests prove that certification catches each fault; these prove the faults exist,
so a fault that silently stopped misbehaving cannot make the harness look better than it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fault_scenarios_booking import *  # noqa: F403 (the booking-side scenarios)
from fault_scenarios_booking import DAY, PRICED, Venue
from fault_scenarios_events import *  # noqa: F403 (the events scenarios)
from fault_scenarios_grants import *  # noqa: F403 (the grants and attendance scenarios)
from fault_scenarios_security import *  # noqa: F403 (the security and robustness scenarios)
from fault_scenarios_webhooks import *  # noqa: F403 (the webhook scenarios)
from test_server_support import BROWSER_ORIGIN as ORIGIN
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

import spec
from reference_server.faults import FAULTS


def _registry(client: TestClient) -> dict[str, str]:
    return create(
        client,
        persons=[person("asa")],
        organisations=[organisation("ifk", representatives=[{"personRef": "asa", "role": "chair"}])],
    )


def api_info_missing_version(client: TestClient) -> None:
    assert "apiVersion" not in client.get("/v1/api-info").json()


def api_version_unknown(client: TestClient) -> None:
    stated = client.get("/v1/api-info").json()["apiVersion"]
    assert stated == "0.9.0" and spec.find_release(stated) is None


def api_version_header_missing_on_errors(client: TestClient) -> None:
    assert client.get("/v1/api-info").headers["API-Version"] == spec.version()
    assert "API-Version" not in client.get("/v1/facilities/nope").headers


def api_version_header_major_only(client: TestClient) -> None:
    assert client.get("/v1/facilities/nope").headers["API-Version"] == spec.version().split(".")[0]


def plain_text_errors(client: TestClient) -> None:
    response = client.get("/v1/facilities/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain") and response.text == "Not Found"


def validation_500(client: TestClient) -> None:
    assert_problem(client.get("/v1/facilities", params={"limit": "ten"}), 500, "internal-error")
    assert_problem(client.get("/v1/facilities", params={"limit": "0"}), 400, "validation-error")


def pagination_ignores_limit(client: TestClient) -> None:
    create(client, facilities=[facility(str(i)) for i in range(30)])
    body = client.get("/v1/facilities", params={"limit": 5}).json()
    assert body["limit"] == 5 and len(body["items"]) == 30


def pagination_repeats_items(client: TestClient) -> None:
    create(client, facilities=[facility(str(i), f"Hall {i:02d}") for i in range(6)])
    first = client.get("/v1/facilities", params={"limit": 3}).json()["items"]
    second = client.get("/v1/facilities", params={"limit": 3, "page": 2}).json()["items"]
    assert second[0] == first[-1]


def local_timestamps(client: TestClient) -> None:
    create(client, facilities=[facility("f")])
    stamp = client.get("/v1/facilities").json()["items"][0]["createdAt"]
    assert stamp.endswith(("+01:00", "+02:00"))


def invalid_token_treated_as_anonymous(client: TestClient) -> None:
    assert client.get("/v1/api-info", headers=bearer("garbage")).status_code == 200
    assert_problem(client.get("/v1/me", headers=bearer("garbage")), 401, "unauthorized")


def expired_token_accepted(client: TestClient) -> None:
    issued = client.post(
        "/v1/test/tokens", json={"persona": "case-officer", "municipalityCode": "0180", "expiresIn": 1}
    ).json()
    client.put("/v1/test/clock", json={"now": "2099-01-01T00:00:00Z", "frozen": True})
    assert client.get("/v1/me", headers=bearer(issued["accessToken"])).status_code == 200


def representatives_readable_by_anyone_authenticated(client: TestClient) -> None:
    ids = _registry(client)
    stranger = token(client, "case-officer", municipalityCode="2480")
    assert client.get(f"/v1/organisations/{ids['ifk']}/representatives", headers=bearer(stranger)).status_code == 200


def unmasked_personnummer(client: TestClient) -> None:
    ids = _registry(client)
    staff = token(client, "case-officer", municipalityCode="0180")
    body = client.get(f"/v1/organisations/{ids['ifk']}/representatives", headers=bearer(staff)).json()
    assert body["items"][0]["personalIdentityNumber"] == "198004120005"


def organisation_leaks_representatives(client: TestClient) -> None:
    ids = _registry(client)
    assert "198004120005" in client.get(f"/v1/organisations/{ids['ifk']}").text


def conformance_lists_unknown_class(client: TestClient) -> None:
    declared = client.get("/v1/conformance").json()["conformsTo"]
    assert "bookings" in declared and "bookings" not in spec.class_ids()


def min_capacity_sums_units(client: TestClient) -> None:
    units = [{"ref": "a", "name": "A", "capacity": 20}, {"ref": "b", "name": "B", "capacity": 20}]
    create(client, facilities=[facility("f", units=units)])
    assert client.get("/v1/facilities", params={"minCapacity": 30}).json()["totalItems"] == 1
    assert client.get("/v1/facilities", params={"minCapacity": 41}).json()["totalItems"] == 0


def min_capacity_unstated_is_unlimited(client: TestClient) -> None:
    create(client, facilities=[facility("f", units=[{"ref": "a", "name": "A"}])])
    assert client.get("/v1/facilities", params={"minCapacity": 500}).json()["totalItems"] == 1


def radius_ignored(client: TestClient) -> None:
    create(client, facilities=[facility("far", position={"latitude": 57.7, "longitude": 11.97})])
    items = client.get("/v1/facilities", params={"near": "59.3326,18.0649", "radius": 1000}).json()["items"]
    assert len(items) == 1 and items[0]["distanceMeters"] > 100000


def openat_ignores_exceptions(client: TestClient) -> None:
    hours = {
        "weekly": [{"day": "thursday", "opens": "06:00", "closes": "22:00"}],
        "exceptions": [{"date": "2026-12-24", "closed": True}],
    }
    create(client, facilities=[facility("f", openingHours=hours)])
    assert client.get("/v1/facilities", params={"openAt": "2026-12-24T10:00:00+01:00"}).json()["totalItems"] == 1


def open_at_misses_opening_minute(client: TestClient) -> None:
    hours = {"weekly": [{"day": "monday", "opens": "06:00", "closes": "07:00"}]}
    create(client, facilities=[facility("f", openingHours=hours)])
    # 05:00 UTC is 06:00 in Stockholm, the minute it opens.
    assert client.get("/v1/facilities", params={"openAt": "2026-11-30T05:00:00Z"}).json()["totalItems"] == 0


def openat_in_utc(client: TestClient) -> None:
    create(
        client,
        facilities=[facility("f", openingHours={"weekly": [{"day": "monday", "opens": "06:00", "closes": "07:00"}]})],
    )
    # 06:30 UTC is 07:30 in Stockholm: closed, but open by the UTC wall clock.
    assert client.get("/v1/facilities", params={"openAt": "2026-11-30T06:30:00Z"}).json()["totalItems"] == 1


def search_case_sensitive(client: TestClient) -> None:
    create(client, facilities=[facility("f", "Östermalms IP")])
    assert client.get("/v1/facilities", params={"q": "östermalm"}).json()["totalItems"] == 0
    assert client.get("/v1/facilities", params={"q": "Östermalm"}).json()["totalItems"] == 1


def activity_type_ignores_narrower(client: TestClient) -> None:
    create(client, facilities=[facility("f", activityTypes=["floorball"])])
    assert client.get("/v1/facilities", params={"activityType": "ball-sports"}).json()["totalItems"] == 0
    assert client.get("/v1/facilities", params={"activityType": "floorball"}).json()["totalItems"] == 1


def fixtures_not_atomic(client: TestClient) -> None:
    body = {"facilities": [facility("ok"), facility("bad", activityTypes=["quidditch"])]}
    assert_problem(client.post("/v1/test/fixtures", json=body), 400, "validation-error")
    assert client.get("/v1/facilities").json()["totalItems"] == 1


def clock_not_applied(client: TestClient) -> None:
    answer = client.put("/v1/test/clock", json={"now": "2030-01-01T00:00:00Z", "frozen": True}).json()
    assert answer == {"now": "2030-01-01T00:00:00Z", "frozen": True}
    assert client.get("/v1/test/clock").json()["frozen"] is False


def reset_keeps_organisations(client: TestClient) -> None:
    _registry(client)
    create(client, facilities=[facility("f")])
    assert client.post("/v1/test/reset").status_code == 204
    assert client.get("/v1/organisations").json()["totalItems"] == 1
    assert client.get("/v1/facilities").json()["totalItems"] == 0


def unknown_fields_ignored(client: TestClient) -> None:
    body = {"facilities": [{**facility("f"), "colour": "red", "address": {**facility("f")["address"], "floor": 2}}]}
    ids = create(client, **body)
    stored = client.get(f"/v1/facilities/{ids['f']}").json()
    assert "colour" not in stored and "floor" not in stored["address"]


def missing_unit_facility_id(client: TestClient) -> None:
    ids = create(client, facilities=[facility("f", units=[{"ref": "u", "name": "A"}])])
    assert "facilityId" not in client.get(f"/v1/units/{ids['u']}").json()
    assert "facilityId" not in client.get(f"/v1/facilities/{ids['f']}").json()["units"][0]


def unknown_facility_units_empty(client: TestClient) -> None:
    response = client.get(f"/v1/facilities/{uuid.uuid4()}/units")
    assert response.status_code == 200 and response.json()["items"] == []


def me_drops_organisation_claims(client: TestClient) -> None:
    ids = _registry(client)
    claims = {"personId": ids["asa"], "organisationId": ids["ifk"], "role": "chair"}
    me = client.get("/v1/me", headers=bearer(token(client, "organisation-representative", **claims))).json()
    assert me["persona"] == "organisation-representative" and me["personId"] == ids["asa"]
    assert "organisationId" not in me and "role" not in me


def facility_list_without_units(client: TestClient) -> None:
    ids = create(client, facilities=[facility("f", units=[{"ref": "u", "name": "A"}])])
    assert client.get("/v1/facilities").json()["items"][0]["units"] == []
    assert [u["id"] for u in client.get(f"/v1/facilities/{ids['f']}").json()["units"]] == [ids["u"]]


def facility_list_needs_municipality(client: TestClient) -> None:
    create(client, facilities=[facility("sthlm"), facility("gbg", municipalityCode="1480")])
    refused = assert_problem(client.get("/v1/facilities", params={"limit": 1}), 400, "validation-error")
    assert error_names(refused) == {"municipalityCode"}
    assert client.get("/v1/facilities", params={"municipalityCode": "1480"}).json()["totalItems"] == 1


def municipality_filter_ignored(client: TestClient) -> None:
    create(client, facilities=[facility("sthlm"), facility("gbg", municipalityCode="1480")])
    assert client.get("/v1/facilities", params={"municipalityCode": "1480"}).json()["totalItems"] == 2


def accessibility_any_feature(client: TestClient) -> None:
    create(
        client,
        facilities=[
            facility("lift", accessibility=["lift"]),
            facility("both", accessibility=["lift", "hearing-loop"]),
        ],
    )
    both = client.get("/v1/facilities", params={"accessibility": ["lift", "hearing-loop"]}).json()
    assert both["totalItems"] == 2


def ownership_owned_not_filtered(client: TestClient) -> None:
    create(client, facilities=[facility("own"), facility("rent", ownership="rented")])
    assert client.get("/v1/facilities", params={"ownership": "rented"}).json()["totalItems"] == 1
    assert client.get("/v1/facilities", params={"ownership": "owned"}).json()["totalItems"] == 2


def database_filter_skips_search_filters(client: TestClient) -> None:
    create(client, facilities=[facility("f", activityTypes=["football"]), facility("s", activityTypes=["swimming"])])
    assert client.get("/v1/facilities", params={"activityType": "football"}).json()["totalItems"] == 1
    both = {"activityType": "football", "municipalityCode": "0180"}
    assert client.get("/v1/facilities", params=both).json()["totalItems"] == 2


def unknown_activity_type_empty_result(client: TestClient) -> None:
    create(client, facilities=[facility("f")])
    response = client.get("/v1/facilities", params={"activityType": "quidditch"})
    assert response.status_code == 200 and response.json()["items"] == []


def activity_types_without_parent(client: TestClient) -> None:
    items = client.get("/v1/activity-types", params={"limit": 100}).json()["items"]
    assert len(items) == len(spec.activity_types()) and all("parentId" not in t for t in items)


def organisation_type_filter_ignored(client: TestClient) -> None:
    create(client, organisations=[organisation("club"), organisation("firm", type="company")])
    assert client.get("/v1/organisations", params={"type": "company"}).json()["totalItems"] == 2


def fixture_ids_omit_units(client: TestClient) -> None:
    ids = create(client, facilities=[facility("f", units=[{"ref": "u", "name": "A"}])])
    assert sorted(ids) == ["f"]
    assert [u["name"] for u in client.get(f"/v1/facilities/{ids['f']}").json()["units"]] == ["A"]


def incomplete_token_claims_accepted(client: TestClient) -> None:
    ids = _registry(client)
    response = client.post("/v1/test/tokens", json={"persona": "organisation-representative", "personId": ids["asa"]})
    assert response.status_code == 201
    assert_problem(client.post("/v1/test/tokens", json={"persona": "citizen"}), 400, "validation-error")


def reset_keeps_payment_provider(client: TestClient) -> None:
    client.put("/v1/test/payment-provider", json={"outcome": "declined"})
    assert client.post("/v1/test/reset").status_code == 204
    venue = Venue(client, PRICED)
    booking = venue.book(venue.as_citizen(), f"{DAY}T10:00:00Z", f"{DAY}T11:00:00Z", confirm=True).json()
    payment = client.post(
        "/v1/payments",
        json={"bookingIds": [booking["id"]], "method": "card"},
        headers={**venue.as_citizen(), "Idempotency-Key": "pay"},
    ).json()
    assert payment["status"] == "declined"


def missing_token_without_challenge(client: TestClient) -> None:
    response = client.get("/v1/me")
    assert_problem(response, 401, "unauthorized")
    assert "www-authenticate" not in response.headers
    assert client.get("/v1/me", headers=bearer("garbage")).headers["www-authenticate"].startswith("Bearer")


def me_expiry_of_session(client: TestClient) -> None:
    client.put("/v1/test/clock", json={"now": "2030-01-01T00:00:00Z", "frozen": True})
    issued = client.post(
        "/v1/test/tokens", json={"persona": "case-officer", "municipalityCode": "0180", "expiresIn": 600}
    ).json()
    assert issued["expiresAt"] == "2030-01-01T00:10:00Z"
    assert client.get("/v1/me", headers=bearer(issued["accessToken"])).json()["expiresAt"] == "2030-01-01T01:00:00Z"


def pending_completion_always_settles(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    client.put("/v1/test/payment-provider", json={"outcome": "pending"})
    booking = venue.book(venue.as_citizen(), f"{DAY}T10:00:00Z", f"{DAY}T11:00:00Z", confirm=True).json()
    payment = client.post(
        "/v1/payments",
        json={"bookingIds": [booking["id"]], "method": "swish"},
        headers={**venue.as_citizen(), "Idempotency-Key": "pay"},
    ).json()
    assert payment["status"] == "pending"
    completed = client.post(f"/v1/test/payments/{payment['id']}/complete", json={"outcome": "declined"})
    assert completed.status_code == 200 and completed.json()["status"] == "settled"


def page_beyond_last_refused(client: TestClient) -> None:
    create(client, facilities=[facility("a"), facility("b")])
    assert_problem(client.get("/v1/facilities", params={"page": 2}), 400, "validation-error")


def names_ordered_by_code_point(client: TestClient) -> None:
    create(
        client, facilities=[facility("1", "alfa"), facility("2", "Beta"), facility("3", "Åby"), facility("4", "Äng")]
    )
    names = [item["name"] for item in client.get("/v1/facilities").json()["items"]]
    assert names == ["Beta", "alfa", "Äng", "Åby"]


def fixture_identifiers_unchecked(client: TestClient) -> None:
    assert create(
        client,
        persons=[person("p", "198004120007")],  # wrong check digit
        organisations=[organisation("o", organisationNumber="8020001234")],  # wrong check digit
    )


def opening_hours_past_midnight_accepted(client: TestClient) -> None:
    late = {"weekly": [{"day": "friday", "opens": "22:00", "closes": "02:00"}]}
    assert create(client, facilities=[facility("f", openingHours=late)])


def fixtures_of_unimplemented_classes_ignored(client: TestClient) -> None:
    assert client.get("/v1/conformance").json()["conformsTo"] == ["core", "discovery", "test-interface", "booking"]
    season = {
        "ref": "s",
        "municipalityCode": "0180",
        "name": "Hösttermin",
        "startDate": "2026-08-24",
        "endDate": "2026-12-13",
        "applicationDeadline": "2026-05-31T21:59:59Z",
    }
    assert create(client, seasons=[season])


def foreign_token_claims_refused(client: TestClient) -> None:
    ids = create(client, persons=[person("p")])
    claims = {"persona": "citizen", "personId": ids["p"], "municipalityCode": "0180"}
    assert_problem(client.post("/v1/test/tokens", json=claims), 400, "validation-error")


def unknown_municipality_filter_matches_nothing(client: TestClient) -> None:
    create(client, facilities=[facility("f")])
    found = client.get("/v1/facilities", params={"municipalityCode": "9999"})
    assert found.status_code == 200 and found.json()["items"] == []


def not_found_before_forbidden(client: TestClient) -> None:
    ids = create(client, persons=[person("p")])
    citizen = bearer(token(client, "citizen", personId=ids["p"]))
    unknown = "/v1/organisations/00000000-0000-4000-8000-000000000000/representatives"
    assert_problem(client.get(unknown, headers=citizen), 404, "not-found")


SCENARIOS: dict[str, Callable[[TestClient], Any]] = {name: globals()[name.replace("-", "_")] for name in FAULTS}


def test_every_fault_names_known_requirements() -> None:
    for fault in FAULTS.values():
        assert fault.requirements and set(fault.requirements) <= spec.requirement_ids(), fault.name
        assert fault.description


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_the_fault_misbehaves(tmp_path: Path, name: str) -> None:
    with client_for(sqlite_url(tmp_path), fault=name, classes=FAULTS[name].classes, cors_origins=(ORIGIN,)) as client:
        SCENARIOS[name](client)


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_without_the_fault_the_scenario_fails(tmp_path: Path, name: str) -> None:
    settings = {"classes": FAULTS[name].classes, "cors_origins": (ORIGIN,)}
    with client_for(sqlite_url(tmp_path), **settings) as client, pytest.raises(AssertionError):
        SCENARIOS[name](client)
