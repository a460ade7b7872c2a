"""Signing in through a real OpenID Connect provider (`bokbid serve --production --oidc-issuer`).

The provider is panva's oidc-provider, run on loopback (tests/oidc_provider.py), issuing JWT
access tokens by the client credentials grant: tokens nobody in this project signed. Its tokens
work, also after it rotates its keys to other algorithms; tokens of the sandbox's test interface,
of another provider, for another audience, or past their lifetime on the server clock get 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from oidc_provider import OidcProvider
from test_production import _sandbox_leaves_a_token_and_a_frozen_clock

from reference_server.launcher import background_server, free_port
from reference_server.oidc import CLOCK_SKEW, REFETCH_INTERVAL, OidcVerifier, Refused

pytestmark = pytest.mark.timeout(600)

CLIENTS = [
    {
        "client_id": "hallbokning",
        "client_secret": "hemligt-1",
        "claims": {"persona": "facility-administrator", "municipalityCode": "0180"},
    },
    # A system client named by RFC 9068's client_id and scope, as providers write them.
    {"client_id": "laassystem", "client_secret": "hemligt-2", "claims": {"persona": "system-client"}},
    {"client_id": "utan-persona", "client_secret": "hemligt-3", "claims": {}},
]


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider(CLIENTS, alg="RS256") as started:
        yield started


def _me(root: str, token: str) -> httpx.Response:
    return httpx.get(f"{root}/me", headers={"Authorization": f"Bearer {token}"}, timeout=20)


def test_provider_tokens_work_in_production_and_the_sandbox_tokens_do_not(
    provider: OidcProvider, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'bob.db'}"
    sandbox_token, _ = _sandbox_leaves_a_token_and_a_frozen_clock(db)
    with background_server(db=db, production=True, oidc_issuer=provider.issuer) as root:
        me = _me(root, provider.token("hallbokning"))
        assert me.status_code == 200, me.text
        assert me.json()["persona"] == "facility-administrator" and me.json()["municipalityCode"] == "0180"
        bookings = httpx.get(
            f"{root}/bookings", headers={"Authorization": f"Bearer {provider.token('hallbokning')}"}, timeout=20
        )
        assert bookings.status_code == 200, bookings.text

        system = _me(root, provider.token("laassystem", scope="access:verify"))
        assert system.status_code == 200, system.text
        assert system.json()["clientId"] == "laassystem" and system.json()["scopes"] == ["access:verify"]

        refused = _me(root, sandbox_token)
        assert refused.status_code == 401 and provider.issuer in refused.json()["detail"], refused.text
        assert refused.headers["www-authenticate"].startswith("Bearer")

        nameless = _me(root, provider.token("utan-persona"))
        assert nameless.status_code == 401 and "persona" in nameless.json()["detail"], nameless.text

        elsewhere = _me(root, provider.token("hallbokning", audience="urn:annat-system"))
        assert elsewhere.status_code == 401 and "audience" in elsewhere.json()["detail"].lower(), elsewhere.text


def test_a_rotated_key_is_fetched_once_and_works(provider: OidcProvider, tmp_path: Path) -> None:
    with background_server(db=f"sqlite:///{tmp_path / 'bob.db'}", production=True, oidc_issuer=provider.issuer) as root:
        before = provider.token("hallbokning")
        assert _me(root, before).status_code == 200
        for alg in ("ES256", "EdDSA"):
            kid = provider.rotate(alg)
            time.sleep(REFETCH_INTERVAL)  # the server refetches keys at most this often
            rotated = provider.token("hallbokning")
            assert jwt.get_unverified_header(rotated).items() >= {"kid": kid, "alg": alg}.items()
            me = _me(root, rotated)
            assert me.status_code == 200, (alg, me.text)
        assert _me(root, before).status_code == 200  # the old key is still published, so still good


def test_another_provider_and_forged_algorithms_get_401(provider: OidcProvider, tmp_path: Path) -> None:
    with (
        OidcProvider(CLIENTS, alg="ES256") as other,
        background_server(db=f"sqlite:///{tmp_path / 'bob.db'}", production=True, oidc_issuer=provider.issuer) as root,
    ):
        foreign = _me(root, other.token("hallbokning"))
        assert foreign.status_code == 401, foreign.text

        token = provider.token("hallbokning")
        kid = jwt.get_unverified_header(token)["kid"]
        public = next(k for k in provider.jwks()["keys"] if k["kid"] == kid)
        # The provider's published key used as an HMAC secret (the classic key confusion; PyJWT
        # refuses to sign that way, so by hand), and no signature at all.
        forgeries = {
            "HS256": _hmac_token(token, "HS256", json.dumps(public).encode()),
            "none": jwt.encode(jwt.decode(token, options={"verify_signature": False}), None, algorithm="none"),
        }
        for alg, forged in forgeries.items():
            answer = _me(root, forged)
            assert answer.status_code == 401 and alg in answer.json()["detail"], (alg, answer.text)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hmac_token(genuine: str, alg: str, secret: bytes) -> str:
    """`genuine`'s header (with `alg`) and claims, signed with HMAC-SHA256 under `secret`."""
    header = {**jwt.get_unverified_header(genuine), "alg": alg}
    signed = f"{_b64(json.dumps(header).encode())}.{genuine.split('.')[1]}"
    return f"{signed}.{_b64(hmac.new(secret, signed.encode(), hashlib.sha256).digest())}"


def test_lifetimes_are_judged_on_the_server_clock_with_a_small_skew(provider: OidcProvider, tmp_path: Path) -> None:
    """A sandbox may trust a provider too; its test clock then decides whether a token has expired."""
    with background_server(db=f"sqlite:///{tmp_path / 'bob.db'}", oidc_issuer=provider.issuer) as root:
        token = provider.token("hallbokning")
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]
        for offset, status in ((CLOCK_SKEW - 5, 200), (CLOCK_SKEW + 5, 401)):
            moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires + offset))
            assert httpx.put(f"{root}/test/clock", json={"now": moment, "frozen": True}).status_code == 200
            answer = _me(root, token)
            assert answer.status_code == status, (offset, answer.text)
        assert "expired" in answer.json()["detail"]


def test_not_before_allows_the_same_skew() -> None:
    claims = {"exp": 2_000_000_000, "nbf": 1_000_000_000}
    OidcVerifier.judge_times(claims, 1_000_000_000 - CLOCK_SKEW + 1)
    with pytest.raises(Refused, match="not valid yet"):
        OidcVerifier.judge_times(claims, 1_000_000_000 - CLOCK_SKEW - 1)


def _serve(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli", "serve", "--port", str(free_port()), "--db", f"sqlite:///{tmp_path}/b.db"]
    return subprocess.run([*command, *arguments], capture_output=True, text=True, timeout=60, check=False)


def test_serve_refuses_a_provider_it_cannot_use_in_one_line(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    unreachable = _serve(tmp_path, "--production", "--oidc-issuer", closed)
    assert unreachable.returncode == 2 and "cannot reach the identity provider" in unreachable.stderr
    assert len(unreachable.stderr.strip().splitlines()) == 1, unreachable.stderr

    plain = _serve(tmp_path, "--production", "--oidc-issuer", "http://login.example.org")
    assert plain.returncode == 2 and "https" in plain.stderr, plain.stderr

    lonely = _serve(tmp_path, "--production", "--audience", "bob")
    assert lonely.returncode == 2 and "--oidc-issuer" in lonely.stderr, lonely.stderr
