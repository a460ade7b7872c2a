"""Tokens from the test identity provider, their verification, and who may read representatives."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from test_server_support import (
    TestClient,
    assert_problem,
    bearer,
    client_for,
    create,
    error_names,
    organisation,
    person,
    sqlite_url,
    token,
)

from reference_server.storage import signing_keys


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with client_for(sqlite_url(tmp_path)) as c:
        yield c


@pytest.fixture
def registry(client: TestClient) -> dict[str, str]:
    """Two organisations in two municipalities; Åsa represents the first, Bo the second."""
    return create(
        client,
        persons=[person("asa"), person("bo", "199001011239", "Bo", "Ek"), person("cia", "200002020006", "Cia", "Al")],
        organisations=[
            organisation(
                "ifk",
                "0180",
                representatives=[{"personRef": "asa", "role": "chair"}, {"personRef": "cia", "role": "treasurer"}],
            ),
            organisation("gbg", "1480", representatives=[{"personRef": "bo", "role": "chair"}]),
        ],
    )


def _unsigned(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_tokens_for_every_persona_are_accepted(client: TestClient, registry: dict[str, str]) -> None:
    requests = {
        "citizen": {"personId": registry["asa"]},
        "organisation-representative": {
            "personId": registry["asa"],
            "organisationId": registry["ifk"],
            "role": "chair",
        },
        "facility-administrator": {"municipalityCode": "0180"},
        "case-officer": {"municipalityCode": "1480"},
        "system-client": {"clientId": "e-tjanst", "scopes": ["facilities:read"]},
    }
    for persona, claims in requests.items():
        issued = client.post("/v1/test/tokens", json={"persona": persona, **claims, "expiresIn": 600})
        assert issued.status_code == 201, issued.text
        body = issued.json()
        assert body["tokenType"] == "Bearer" and body["expiresIn"] == 600
        me = client.get("/v1/me", headers=bearer(body["accessToken"]))
        assert me.status_code == 200, me.text
        identity = me.json()
        assert identity["persona"] == persona
        assert identity["expiresAt"] == body["expiresAt"]
        for name, value in claims.items():
            assert identity[name] == value
        header = jwt.get_unverified_header(body["accessToken"])
        assert header["alg"] == "EdDSA"
        claims_in_token = jwt.decode(body["accessToken"], options={"verify_signature": False})
        assert claims_in_token["iss"] == "bob-test-idp" and claims_in_token["aud"] == "bob"


@pytest.mark.parametrize(
    ("request_body", "missing"),
    [
        ({"persona": "citizen"}, {"/personId"}),
        ({"persona": "organisation-representative", "personId": "x"}, {"/organisationId", "/role"}),
        ({"persona": "facility-administrator"}, {"/municipalityCode"}),
        ({"persona": "case-officer", "personId": "x"}, {"/municipalityCode"}),
        ({"persona": "system-client", "clientId": "x"}, {"/scopes"}),
        ({"persona": "system-client"}, {"/clientId", "/scopes"}),
    ],
)
def test_incomplete_claims_give_400(client: TestClient, request_body: dict, missing: set[str]) -> None:
    problem = assert_problem(client.post("/v1/test/tokens", json=request_body), 400, "validation-error")
    assert error_names(problem) == missing


def test_claims_must_name_existing_person_and_organisation(client: TestClient, registry: dict[str, str]) -> None:
    problem = assert_problem(
        client.post("/v1/test/tokens", json={"persona": "citizen", "personId": "no-such-person"}),
        400,
        "validation-error",
    )
    assert error_names(problem) == {"/personId"}
    problem = assert_problem(
        client.post(
            "/v1/test/tokens",
            json={
                "persona": "organisation-representative",
                "personId": registry["asa"],
                "organisationId": "no-such-org",
                "role": "chair",
            },
        ),
        400,
        "validation-error",
    )
    assert error_names(problem) == {"/organisationId"}
    problem = assert_problem(client.post("/v1/test/tokens", json={"persona": "wizard"}), 400, "validation-error")
    assert error_names(problem) == {"/persona"}


def test_me_needs_a_token(client: TestClient) -> None:
    response = client.get("/v1/me")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer garbage",
        "Bearer ",
        "Bearer a.b.c",
        "Basic dXNlcjpwYXNz",
        "bearer-ish token",
        "Bearer "
        + _unsigned(
            {"sub": "x", "persona": "citizen", "iss": "bob-test-idp", "aud": "bob", "iat": 1, "exp": 9999999999}
        ),
        "Bearer "
        + jwt.encode(
            {"sub": "x", "persona": "citizen", "iss": "bob-test-idp", "aud": "bob", "iat": 1, "exp": 9999999999},
            Ed25519PrivateKey.generate(),
            algorithm="EdDSA",
        ),
        "Bearer "
        + jwt.encode(
            {"sub": "x", "persona": "citizen", "iss": "bob-test-idp", "aud": "bob", "iat": 1, "exp": 9999999999},
            "a-shared-secret-long-enough-for-hs256!",
            algorithm="HS256",
        ),
    ],
)
def test_a_bad_token_gives_401_even_where_anonymous_is_allowed(client: TestClient, authorization: str) -> None:
    for path in ("/v1/api-info", "/v1/facilities", "/v1/me"):
        response = client.get(path, headers={"Authorization": authorization})
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_token_expires_on_the_server_clock(client: TestClient) -> None:
    issued = client.post(
        "/v1/test/tokens", json={"persona": "case-officer", "municipalityCode": "0180", "expiresIn": 60}
    ).json()
    assert client.get("/v1/me", headers=bearer(issued["accessToken"])).status_code == 200
    now = client.get("/v1/test/clock").json()["now"]
    later = issued["expiresAt"]  # exp itself is already too late
    client.put("/v1/test/clock", json={"now": later, "frozen": True})
    expired = client.get("/v1/api-info", headers=bearer(issued["accessToken"]))
    problem = assert_problem(expired, 401, "unauthorized")
    assert "expired" in problem["detail"]
    client.put("/v1/test/clock", json={"now": now, "frozen": True})
    assert client.get("/v1/me", headers=bearer(issued["accessToken"])).status_code == 200


def test_expiry_is_counted_from_the_server_clock(client: TestClient) -> None:
    client.put("/v1/test/clock", json={"now": "2030-01-01T12:00:00Z", "frozen": True})
    issued = client.post(
        "/v1/test/tokens", json={"persona": "facility-administrator", "municipalityCode": "0180", "expiresIn": 3600}
    ).json()
    assert issued["expiresAt"] == "2030-01-01T13:00:00Z"
    assert client.get("/v1/me", headers=bearer(issued["accessToken"])).json()["expiresAt"] == "2030-01-01T13:00:00Z"


def test_the_signing_key_survives_a_restart(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as first:
        value = token(first, "case-officer", municipalityCode="0180")
    with client_for(sqlite_url(tmp_path)) as second:
        assert second.get("/v1/me", headers=bearer(value)).status_code == 200


REPRESENTATIVE_MATRIX = [
    # (persona, claims builder, organisation, expected status)
    ("facility-administrator", lambda ids: {"municipalityCode": "0180"}, "ifk", 200),
    ("case-officer", lambda ids: {"municipalityCode": "0180"}, "ifk", 200),
    ("facility-administrator", lambda ids: {"municipalityCode": "1480"}, "ifk", 403),
    ("case-officer", lambda ids: {"municipalityCode": "1480"}, "gbg", 200),
    (
        "organisation-representative",
        lambda ids: {"personId": ids["asa"], "organisationId": ids["ifk"], "role": "chair"},
        "ifk",
        200,
    ),
    (
        "organisation-representative",
        lambda ids: {"personId": ids["asa"], "organisationId": ids["ifk"], "role": "chair"},
        "gbg",
        403,
    ),
    ("citizen", lambda ids: {"personId": ids["asa"]}, "ifk", 403),
    ("system-client", lambda ids: {"clientId": "x", "scopes": []}, "ifk", 403),
]


@pytest.mark.parametrize(("persona", "claims", "org", "status"), REPRESENTATIVE_MATRIX)
def test_who_may_read_representatives(
    client: TestClient, registry: dict[str, str], persona: str, claims, org: str, status: int
) -> None:
    value = token(client, persona, **claims(registry))
    response = client.get(f"/v1/organisations/{registry[org]}/representatives", headers=bearer(value))
    if status == 403:
        assert_problem(response, 403, "forbidden")
    else:
        assert response.status_code == 200, response.text


def test_representatives_are_masked_and_ordered(client: TestClient, registry: dict[str, str]) -> None:
    value = token(client, "case-officer", municipalityCode="0180")
    body = client.get(f"/v1/organisations/{registry['ifk']}/representatives", headers=bearer(value)).json()
    assert [(r["familyName"], r["personalIdentityNumber"], r["role"]) for r in body["items"]] == [
        ("Al", "20000202-****", "treasurer"),
        ("Öberg", "19800412-****", "chair"),
    ]
    assert "198004120005" not in json.dumps(body)


def test_anonymous_callers_get_401_for_representatives(client: TestClient, registry: dict[str, str]) -> None:
    response = client.get(f"/v1/organisations/{registry['ifk']}/representatives")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_organisations_hold_no_personal_data(client: TestClient, registry: dict[str, str]) -> None:
    for response in (client.get("/v1/organisations"), client.get(f"/v1/organisations/{registry['ifk']}")):
        text = response.text
        assert "198004120005" not in text and "19800412" not in text and "Åsa" not in text


def _server_key(tmp_path: Path) -> Ed25519PrivateKey:
    """The server's own signing key, read from its database: tokens signed with it pass the
    signature check, so what is tested is how the server reads the claims themselves."""
    engine = sa.create_engine(sqlite_url(tmp_path))
    try:
        with engine.connect() as conn:
            pem = conn.execute(sa.select(signing_keys.c.private_key_pem)).scalar_one()
    finally:
        engine.dispose()
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _signed(tmp_path: Path, **overrides: object) -> str:
    """A token signed by the server's key with sane claims, `overrides` replacing (None: removing) some."""
    claims: dict[str, object] = {
        "sub": "case-officer",
        "persona": "case-officer",
        "municipalityCode": "0180",
        "iss": "bob-test-idp",
        "aud": "bob",
        "iat": 1_700_000_000,
        "exp": 4_000_000_000,
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, _server_key(tmp_path), algorithm="EdDSA", headers={"kid": "test-idp"})


def test_a_token_signed_by_the_server_with_sane_claims_is_accepted(client: TestClient, tmp_path: Path) -> None:
    """The baseline the next test's tokens differ from in one claim each."""
    response = client.get("/v1/me", headers=bearer(_signed(tmp_path)))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": "4000000000"},
        {"exp": 10**20},
        {"exp": 1e300},
        {"exp": -(10**20)},
        {"exp": True},
        {"exp": None},
        {"exp": [4_000_000_000]},
        {"iat": "yesterday"},
        {"iat": 10**20},
        {"iat": 1e300},
        {"nbf": "now"},
        {"nbf": 10**20},
        {"nbf": -1e300},
        {"sub": 42},
        {"sub": {"id": "x"}},
        {"persona": ["case-officer"]},
        {"municipalityCode": 180},
        {"municipalityCode": ["0180"]},
        {"personId": {"id": "x"}},
        {"scopes": "finance:read"},
    ],
    ids=repr,
)
def test_a_signed_token_with_an_unusable_claim_gives_401(
    client: TestClient, tmp_path: Path, claims: dict[str, object]
) -> None:
    """CORE-010: a malformed token is refused with 401, whatever claim is malformed; a signature
    proves who wrote the claims, not that they are of the right type or in range."""
    value = _signed(tmp_path, **claims)
    for path in ("/v1/me", "/v1/api-info", "/v1/facilities"):
        response = client.get(path, headers=bearer(value))
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_exp_and_iat_json_nan_and_infinity_give_401(client: TestClient, tmp_path: Path) -> None:
    """Python's JSON reader takes NaN and Infinity, which JSON does not have: written by hand into a
    signed payload they must be refused like any other unusable time."""
    key = _server_key(tmp_path)
    for name, text in (("exp", "NaN"), ("exp", "Infinity"), ("iat", "-Infinity")):
        claims = {"sub": "x", "persona": "case-officer", "iss": "bob-test-idp", "aud": "bob", "iat": 1, "exp": 2}
        payload = json.dumps(claims).replace(f'"{name}": {claims[name]}', f'"{name}": {text}')
        signed = jwt.api_jws.encode(payload.encode(), key, algorithm="EdDSA", headers={"typ": "JWT"})
        assert_problem(client.get("/v1/me", headers=bearer(signed)), 401, "unauthorized")
