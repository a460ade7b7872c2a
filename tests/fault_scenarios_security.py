"""What each security and robustness fault looks like from outside (see test_server_faults.py, which
runs every scenario with its fault on and, to prove it, with the fault off, where it must fail)."""

from __future__ import annotations

import json
from typing import Any

from test_server_support import BROWSER_ORIGIN, TestClient, bearer, create, facility, organisation, person, token

from conformance.forged_tokens import forgeries

__all__ = [
    "alg_none_accepted",
    "authenticated_responses_cacheable",
    "body_limit_exclusive",
    "claims_grant_rights_regardless_of_persona",
    "content_type_options_missing",
    "cors_errors_without_headers",
    "cors_idempotency_key_not_allowed",
    "cors_preflight_unanswered",
    "embedded_jwk_trusted",
    "lone_surrogate_500",
    "malformed_json_500",
    "non_latin1_text_mangled",
    "not_found_before_unauthorized",
    "oversized_body_accepted",
    "oversized_strings_accepted",
    "refused_body_still_applied",
    "representative_reads_other_organisations",
    "server_owned_field_writable",
    "signature_not_verified",
    "staff_access_any_municipality",
    "wrong_content_type_accepted",
]


def _forged(client: TestClient, name: str) -> str:
    genuine = token(client, "case-officer", municipalityCode="0180")
    return next(f.token for f in forgeries(genuine) if name in f.name)


def alg_none_accepted(client: TestClient) -> None:
    assert client.get("/v1/me", headers=bearer(_forged(client, "alg 'none'"))).status_code == 200


def signature_not_verified(client: TestClient) -> None:
    assert client.get("/v1/me", headers=bearer(_forged(client, "does not trust"))).status_code == 200


def embedded_jwk_trusted(client: TestClient) -> None:
    me = client.get("/v1/me", headers=bearer(_forged(client, "'jwk' header")))
    assert me.status_code == 200 and me.json()["persona"] == "case-officer"
    assert client.get("/v1/me", headers=bearer(_forged(client, "does not trust"))).status_code == 401


def _two_organisations(client: TestClient) -> dict[str, str]:
    return create(
        client,
        persons=[person("asa"), person("bo", pnr="198112189876")],
        organisations=[
            organisation("ifk", representatives=[{"personRef": "asa", "role": "chair"}]),
            organisation("bk", code="1480", representatives=[{"personRef": "bo", "role": "chair"}]),
        ],
    )


def _representatives(client: TestClient, organisation_id: str, value: str) -> int:
    return int(client.get(f"/v1/organisations/{organisation_id}/representatives", headers=bearer(value)).status_code)


def claims_grant_rights_regardless_of_persona(client: TestClient) -> None:
    ids = _two_organisations(client)
    citizen = token(client, "citizen", personId=ids["bo"], municipalityCode="0180")
    assert _representatives(client, ids["ifk"], citizen) == 200


def staff_access_any_municipality(client: TestClient) -> None:
    ids = _two_organisations(client)
    assert _representatives(client, ids["ifk"], token(client, "case-officer", municipalityCode="2480")) == 200


def representative_reads_other_organisations(client: TestClient) -> None:
    ids = _two_organisations(client)
    rep = token(client, "organisation-representative", personId=ids["bo"], organisationId=ids["bk"], role="chair")
    assert _representatives(client, ids["ifk"], rep) == 200


def not_found_before_unauthorized(client: TestClient) -> None:
    ids = _two_organisations(client)
    unknown = client.get("/v1/organisations/00000000-0000-4000-8000-000000000000/representatives")
    assert unknown.status_code == 404
    assert client.get(f"/v1/organisations/{ids['ifk']}/representatives").status_code == 401


def _facility_count(client: TestClient) -> int:
    return int(client.get("/v1/facilities").json()["totalItems"])


def server_owned_field_writable(client: TestClient) -> None:
    chosen = "5b0d8c9e-4a8e-4c65-9d0a-2f1f3c7b9a10"
    ids = create(client, facilities=[{**facility("f"), "id": chosen}])
    assert ids["f"] == chosen and client.get(f"/v1/facilities/{chosen}").status_code == 200


def _post_raw(client: TestClient, content: bytes | str, content_type: str) -> Any:
    return client.post("/v1/test/fixtures", content=content, headers={"Content-Type": content_type})


def malformed_json_500(client: TestClient) -> None:
    assert _post_raw(client, '{"facilities": [', "application/json").status_code == 500


def wrong_content_type_accepted(client: TestClient) -> None:
    response = _post_raw(client, json.dumps({"facilities": [facility("f")]}), "text/plain")
    assert response.status_code == 201 and _facility_count(client) == 1


def refused_body_still_applied(client: TestClient) -> None:
    response = _post_raw(client, json.dumps({"facilities": [facility("f")]}), "text/plain")
    assert response.status_code == 415 and _facility_count(client) == 1


def body_limit_exclusive(client: TestClient) -> None:
    body = json.dumps({"facilities": [facility("f")]})
    exactly = body + " " * (1024 * 1024 - len(body.encode()))
    assert _post_raw(client, exactly, "application/json").status_code == 413


def oversized_body_accepted(client: TestClient) -> None:
    body = json.dumps({"facilities": [facility("f")]})
    assert _post_raw(client, body + " " * (1024 * 1024), "application/json").status_code == 201


def oversized_strings_accepted(client: TestClient) -> None:
    create(client, facilities=[facility("f", name="Å" * 300)])
    assert client.get("/v1/facilities").json()["items"][0]["name"] == "Å" * 300


def lone_surrogate_500(client: TestClient) -> None:
    body = json.dumps({"facilities": [facility("f", name="Sim\ud800hall")]})
    assert _post_raw(client, body, "application/json").status_code == 500


def non_latin1_text_mangled(client: TestClient) -> None:
    ids = create(client, facilities=[facility("f", name="Ájtte 🏊 ŋ")])
    assert client.get(f"/v1/facilities/{ids['f']}").json()["name"] == "Ájtte ? ?"


def content_type_options_missing(client: TestClient) -> None:
    assert "x-content-type-options" not in client.get("/v1/api-info").headers


def _preflight(client: TestClient, method: str, path: str, headers: str) -> Any:
    asked = {
        "Origin": BROWSER_ORIGIN,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }
    return client.options(path, headers=asked)


def cors_preflight_unanswered(client: TestClient) -> None:
    assert _preflight(client, "GET", "/v1/bookings", "authorization").status_code == 405
    assert client.get("/v1/api-info", headers={"Origin": BROWSER_ORIGIN}).headers["access-control-allow-origin"]


def cors_idempotency_key_not_allowed(client: TestClient) -> None:
    assert _preflight(client, "POST", "/v1/bookings", "authorization,content-type").status_code == 200
    refused = _preflight(client, "POST", "/v1/bookings", "authorization,content-type,idempotency-key")
    assert refused.status_code == 403 and "headers" in refused.json()["detail"]


def cors_errors_without_headers(client: TestClient) -> None:
    assert client.get("/v1/api-info", headers={"Origin": BROWSER_ORIGIN}).headers["access-control-allow-origin"]
    assert "access-control-allow-origin" not in client.get("/v1/me", headers={"Origin": BROWSER_ORIGIN}).headers


def authenticated_responses_cacheable(client: TestClient) -> None:
    issued = client.post("/v1/test/tokens", json={"persona": "case-officer", "municipalityCode": "0180"})
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {issued.json()['accessToken']}"})
    assert "cache-control" not in issued.headers and "cache-control" not in me.headers
