"""Checks of the `core` class: API information, identity, tokens, errors."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta

import spec
from conformance.context import CheckContext
from conformance.dataset import personnummer
from conformance.expect import ensure, expect, require
from conformance.http import Credential
from conformance.registry import check

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _citizen(ctx: CheckContext) -> str:
    """A person to mint citizen tokens for; created through the test interface."""
    pnr = personnummer(ctx.random)
    ids = ctx.test.fixtures(
        {"persons": [{"ref": "me", "personalIdentityNumber": pnr, "givenName": "Märta", "familyName": "Åkesson"}]}
    )
    return ids["me"]


def _refused(ctx: CheckContext, token: str, what: str) -> None:
    for path in ("/api-info", "/me"):
        response = ctx.as_token(token).get(path)
        ensure(
            response.status_code == 401,
            f"{what} was accepted on {path}",
            expected=401,
            actual=response.status_code,
            response=response,
        )
        expect(response).problem(status=401, type_suffix="unauthorized").header("WWW-Authenticate", startswith="Bearer")


@check("api-info", "API information names the product and the implemented version", requirements=["CORE-001"])
def api_info(ctx: CheckContext) -> None:
    response = ctx.anonymous.get("/api-info")
    body = (
        expect(response)
        .status(200)
        .field("name")
        .field("product.supplier")
        .field("product.name")
        .field("product.version")
        .field("apiVersion")
        .json()
    )
    version = str(body["apiVersion"])
    ensure(
        bool(SEMVER.match(version)),
        "apiVersion is not a semantic version",
        expected="MAJOR.MINOR.PATCH",
        actual=version,
        response=response,
    )
    ensure(
        spec.find_release(version) is not None,
        "apiVersion is no version of the standard",
        expected=[spec.version(r) for r in spec.known_releases()],
        actual=version,
        response=response,
    )
    url_major = re.search(r"/v(\d+)$", ctx.client.api_root.rstrip("/"))
    ensure(url_major is not None, "the API root does not end in /vN", expected=".../v1", actual=ctx.client.api_root)
    assert url_major is not None
    major = version.split(".")[0]
    # Major version 0 (pre-release of the standard) is served under /v1 as well.
    ensure(
        major == url_major.group(1) or (major == "0" and url_major.group(1) == "1"),
        "apiVersion's major version differs from the URL's",
        expected=f"{url_major.group(1)}.x.y",
        actual=version,
        response=response,
    )


@check("unknown-path-problem", "An unknown path answers 404 as problem+json", requirements=["CORE-004", "CORE-006"])
def unknown_path_problem(ctx: CheckContext) -> None:
    response = ctx.anonymous.request("GET", f"/no-such-resource-{ctx.random.randint(1000, 9999)}", off_spec=True)
    expect(response, "CORE-006").status(404)
    expect(response, "CORE-004").problem(status=404, type_suffix="not-found")


@check(
    "me-requires-token", "GET /me without a token is refused with 401 and a Bearer challenge", requirements=["CORE-010"]
)
def me_requires_token(ctx: CheckContext) -> None:
    response = ctx.anonymous.get("/me")
    expect(response).problem(status=401, type_suffix="unauthorized").header("WWW-Authenticate", startswith="Bearer")


@check("me-reflects-token", "GET /me returns the identity carried by the token", requirements=["CORE-012"])
def me_reflects_token(ctx: CheckContext) -> None:
    person = _citizen(ctx)
    # A lifetime well short of the usual hour, so that an expiry of the server's own making (a session renewed
    # by each request, a default lifetime) cannot pass for the one the token carries.
    request = {"persona": "citizen", "personId": person, "expiresIn": ctx.random.randint(300, 1800)}
    issued = require(ctx.anonymous.post("/test/tokens", json=request), "TEST-005").status(201).field("expiresAt").json()
    response = ctx.client.with_credential(Credential(issued["accessToken"], request)).get("/me")
    served = expect(response).status(200).field("persona", "citizen").field("personId", person).field("expiresAt")
    expires_at = served.json()["expiresAt"]
    ensure(
        _instant(expires_at) is not None and _instant(expires_at) == _instant(issued["expiresAt"]),
        "GET /me gives another expiry than the token's",
        expected=issued["expiresAt"],
        actual=expires_at,
        response=response,
    )


def _instant(text: object) -> datetime | None:
    """An RFC 3339 timestamp as an instant, so that equal times written differently compare equal."""
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


@check(
    "malformed-token-refused",
    "A malformed Bearer token gets 401, also where anonymous access is allowed",
    requirements=["CORE-010"],
)
def malformed_token_refused(ctx: CheckContext) -> None:
    _refused(ctx, "not-a-jwt", "a malformed token")
    _refused(ctx, _b64(b'{"alg":"EdDSA"}') + "." + _b64(b"{}") + ".", "a token without signature")


@check("tampered-token-refused", "A token with a changed payload or alg 'none' gets 401", requirements=["CORE-010"])
def tampered_token_refused(ctx: CheckContext) -> None:
    person = _citizen(ctx)
    client = ctx.as_persona("case-officer", municipalityCode="0180")
    assert client.credential is not None
    header, payload, signature = client.credential.token.split(".")
    claims = json.loads(_unb64(payload))
    claims.update({"persona": "citizen", "personId": person})
    forged = _b64(json.dumps(claims).encode())
    _refused(ctx, f"{header}.{forged}.{signature}", "a token whose claims were changed")
    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    _refused(ctx, f"{none_header}.{payload}.", "an unsigned token with alg 'none'")


@check("expired-token-refused", "A token past its expiry on the server clock gets 401", requirements=["CORE-010"])
def expired_token_refused(ctx: CheckContext) -> None:
    person = _citizen(ctx)
    start = ctx.test.clock().now
    ctx.test.set_clock(start, frozen=True)
    client = ctx.as_persona("citizen", personId=person, expiresIn=60)
    expect(client.get("/me")).status(200)
    ctx.test.set_clock(start + timedelta(seconds=61), frozen=True)
    response = client.get("/me")
    expect(response).problem(status=401, type_suffix="unauthorized").header("WWW-Authenticate", startswith="Bearer")
