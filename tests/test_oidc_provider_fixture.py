"""The OIDC provider fixture itself works, before any test of the reference server relies on it.

A fixture that silently issued the wrong audience, no kid, or kept signing with the old key after a
rotation would make the server's OIDC tests pass or fail for the wrong reason. These tests check the
tokens with PyJWT against the provider's own published keys, independently of the reference server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from oidc_provider import OidcProvider

pytestmark = pytest.mark.timeout(600)  # the first run installs oidc-provider from npm

ADMIN_CLAIMS = {"persona": "facility-administrator", "personId": "p-123", "scopes": ["bookings:read"]}
CLIENTS = [
    {"client_id": "admin-app", "client_secret": "admin-secret", "claims": ADMIN_CLAIMS},
    {
        "client_id": "other-app",
        "client_secret": "other secret/with+odd:chars",
        "claims": {"persona": "renter"},
        "token_endpoint_auth_method": "client_secret_post",
    },
]


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider(CLIENTS) as op:
        yield op


def _verify(op: OidcProvider, token: str, audience: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a token checked against the JWKS the provider publishes now."""
    header = jwt.get_unverified_header(token)
    keys = {k["kid"]: k for k in op.jwks()["keys"]}
    assert header["kid"] in keys, f"kid {header['kid']} is not in the JWKS {sorted(keys)}"
    key = jwt.PyJWK(keys[header["kid"]])
    claims = jwt.decode(
        token,
        key,
        algorithms=[header["alg"]],
        audience=audience,
        issuer=op.issuer,
        options={"require": ["iss", "sub", "aud", "exp", "iat"]},
    )
    return header, claims


def test_discovery_names_the_issuer_and_its_keys(provider: OidcProvider) -> None:
    document = provider.discovery()
    assert document["issuer"] == provider.issuer
    assert provider.issuer.startswith("http://127.0.0.1:")
    assert document["jwks_uri"].startswith(provider.issuer)
    assert "client_credentials" in document["grant_types_supported"]


def test_token_is_a_signed_jwt_with_default_audience_and_extra_claims(provider: OidcProvider) -> None:
    header, claims = _verify(provider, provider.token("admin-app"), "bob")
    assert header["alg"] == "RS256"
    assert header["typ"] == "at+jwt"
    assert claims["aud"] == "bob"
    assert claims["sub"] == claims["client_id"] == "admin-app"
    assert {k: claims[k] for k in ADMIN_CLAIMS} == ADMIN_CLAIMS
    assert 295 <= claims["exp"] - claims["iat"] <= 305
    assert abs(claims["iat"] - time.time()) < 60


def test_requested_audience_and_scope_are_carried(provider: OidcProvider) -> None:
    _, claims = _verify(provider, provider.token("admin-app", audience="urn:other", scope="a b"), "urn:other")
    assert claims["aud"] == "urn:other"
    assert claims["scope"] == "a b"
    _, plain = _verify(provider, provider.token("admin-app", audience="bob"), "bob")
    assert plain["aud"] == "bob"
    assert "scope" not in plain


def test_client_secret_post_client_gets_its_own_claims(provider: OidcProvider) -> None:
    _, claims = _verify(provider, provider.token("other-app"), "bob")
    assert claims["client_id"] == "other-app"
    assert claims["persona"] == "renter"
    assert "personId" not in claims


def test_wrong_audience_is_rejected_by_the_verifier(provider: OidcProvider) -> None:
    """Not a vacuous check: the aud really is what PyJWT compares."""
    with pytest.raises(jwt.InvalidAudienceError):
        _verify(provider, provider.token("admin-app", audience="urn:other"), "bob")


def test_rotation_signs_with_the_new_key_and_keeps_the_old_ones_published() -> None:
    with OidcProvider(CLIENTS, ttl_seconds=120) as op:
        first, _ = _verify(op, op.token("admin-app"), "bob")
        assert first["alg"] == "RS256"
        seen = {first["kid"]}
        for alg in ("ES256", "EdDSA"):
            kid = op.rotate(alg)
            assert kid not in seen
            header, claims = _verify(op, op.token("admin-app"), "bob")
            assert (header["kid"], header["alg"]) == (kid, alg)
            assert claims["persona"] == "facility-administrator"
            assert claims["exp"] - claims["iat"] == 120
            seen.add(kid)
        published = {k["kid"]: k["alg"] for k in op.jwks()["keys"]}
        assert published[first["kid"]] == "RS256"
        assert set(published) == seen
        assert op.discovery()["issuer"] == op.issuer


def test_unknown_rotation_algorithm_is_refused(provider: OidcProvider) -> None:
    with pytest.raises(RuntimeError, match="alg must be one of"):
        provider.rotate("HS256")


def test_stop_ends_the_process() -> None:
    op = OidcProvider(CLIENTS[:1], alg="ES256").start()
    try:
        header, _ = _verify(op, op.token("admin-app"), "bob")
        assert header["alg"] == "ES256"
        process = op._process
        assert process is not None
    finally:
        op.close()
    assert process.poll() is not None
