"""Bearer tokens: the sandbox's test identity provider, the municipality's OpenID Connect provider,
and the verification every request goes through.

The test provider's signing key is an Ed25519 key created once and kept in the database (the first
worker to start creates it, the others read it), so a token issued by one worker is accepted by
all. Lifetimes are counted on the server clock, never on the host's clock, so moving the clock
expires tokens. A token whose `iss` is the configured OpenID provider is verified by `oidc.py`;
both kinds of token map to a caller the same way (`identity_from_claims`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.datastructures import Headers

import spec
from reference_server import problems
from reference_server.clock import EARLIEST, LATEST, ServerClock, real_now
from reference_server.oidc import OidcVerifier, Refused
from reference_server.settings import DEFAULT_AUDIENCE, Settings
from reference_server.storage import Storage, signing_keys

ISSUER = "bob-test-idp"
AUDIENCE = DEFAULT_AUDIENCE  # what test tokens are for: the audience a provider's tokens have by default
ALGORITHM = "EdDSA"
KEY_ID = "test-idp"
PERSONAS = tuple(spec.openapi()["components"]["schemas"]["Persona"]["enum"])
# Claims carried over from POST /test/tokens into the token and back out through GET /me.
IDENTITY_CLAIMS = ("personId", "organisationId", "role", "municipalityCode", "clientId", "scopes")
# The NumericDate claims (RFC 7519): seconds since the epoch, within the range the server clock can take.
TIME_CLAIMS = ("exp", "iat", "nbf")
_TOKEN_REQUEST = spec.openapi()["components"]["schemas"]["TestTokenRequest"]["properties"]


class InvalidToken(Exception):
    """The presented token cannot be trusted; the message is the problem's detail."""


@dataclass(frozen=True)
class Identity:
    persona: str
    subject: str
    expires_at: datetime
    claims: dict[str, Any] = field(default_factory=dict)

    def claim(self, name: str) -> object:
        return self.claims.get(name)


def _load_or_create_key(storage: Storage) -> Ed25519PrivateKey:
    def stored() -> str | None:
        with storage.read() as conn:
            return conn.execute(
                sa.select(signing_keys.c.private_key_pem).where(signing_keys.c.id == KEY_ID)
            ).scalar_one_or_none()

    pem = stored()
    if pem is None:
        candidate = Ed25519PrivateKey.generate()
        text = candidate.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        try:
            with storage.write() as conn:
                conn.execute(signing_keys.insert().values(id=KEY_ID, private_key_pem=text, created_at=real_now()))
        except sa.exc.IntegrityError:
            pass  # another worker won the race; use its key
        pem = stored()
        assert pem is not None
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("the stored signing key is not an Ed25519 key")
    return key


def sandbox_key_stored(storage: Storage) -> bool:
    """Whether the database holds the test identity provider's key (a sandbox used it)."""
    with storage.read() as conn:
        return conn.execute(sa.select(signing_keys.c.id).where(signing_keys.c.id == KEY_ID)).first() is not None


def _time_claim_error(name: str, value: object) -> str | None:
    """Why a NumericDate claim cannot be used, if it cannot.

    A signature only proves who wrote the claims, not that they are sane: a string, 10**20 or
    1e300 as `exp` would otherwise reach the comparison with the clock or the conversion to a
    datetime and crash the request instead of refusing the token.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"the {name} claim is not a number"
    if not (math.isfinite(value) and EARLIEST.timestamp() <= value < LATEST.timestamp()):
        return f"the {name} claim is out of range"
    return None


def standard_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """A provider's access token (RFC 9068) names its client `client_id` and its scopes in one
    space-separated `scope`; the standard reads those where `clientId` and `scopes` are absent."""
    found = dict(claims)
    if "clientId" not in found and "client_id" in found:
        found["clientId"] = found["client_id"]
    if "scopes" not in found and isinstance(found.get("scope"), str):
        found["scopes"] = found["scope"].split()
    return found


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    """The caller the verified, sane claims describe (the mapping in the spec's `bearerAuth`)."""
    if claims.get("persona") not in PERSONAS:
        raise InvalidToken("The token names no known persona.")
    return Identity(
        persona=claims["persona"],
        subject=str(claims["sub"]),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        claims={name: claims[name] for name in IDENTITY_CLAIMS if name in claims},
    )


def claims_error(claims: dict[str, Any]) -> str | None:
    """What makes verified claims unusable: a time claim that is no time, a subject that is no
    string, or an identity claim that POST /test/tokens would not have accepted."""
    for name in TIME_CLAIMS:
        if name in claims:
            reason = _time_claim_error(name, claims[name])
            if reason:
                return reason
    if not isinstance(claims.get("sub"), str):
        return "the sub claim is not a string"
    for name in IDENTITY_CLAIMS:
        if name in claims and spec.schema_errors(_TOKEN_REQUEST[name], claims[name]):
            return f"the {name} claim is not valid"
    return None


class TokenService:
    """The sandbox's test identity provider: issues tokens (POST /test/tokens) and verifies them.

    In production it trusts none of its own tokens: the key it signs with is one anybody could have
    had a token signed by, anonymously, while the database served a sandbox. Tokens of the
    configured OpenID Connect provider are trusted in either mode.
    """

    def __init__(self, storage: Storage, clock: ServerClock, settings: Settings) -> None:
        self._clock = clock
        self._settings = settings
        self._private = None if settings.production else _load_or_create_key(storage)
        self._public = None if self._private is None else self._private.public_key()
        self._provider = None
        if settings.oidc_issuer is not None:
            self._provider = OidcVerifier(settings.oidc_issuer, settings.oidc_audience)

    def issue(self, persona: str, subject: str, claims: dict[str, Any], expires_in: int) -> tuple[str, datetime]:
        issued_at = int(self._clock.now().timestamp())
        expires = issued_at + expires_in
        payload = {
            **claims,
            "sub": subject,
            "persona": persona,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": issued_at,
            "exp": expires,
        }
        assert self._private is not None, "the test interface is not routed in production"
        token = jwt.encode(payload, self._private, algorithm=ALGORITHM, headers={"kid": KEY_ID})
        return token, datetime.fromtimestamp(expires, UTC)

    def _verification_key(self, token: str) -> tuple[Any, list[str], bool]:
        """The key and algorithms to verify `token` with, and whether to check the signature at all.

        Always our own public key and EdDSA; the faults are the shortcuts real servers have taken.
        """
        header = jwt.get_unverified_header(token)
        if self._settings.fault_active("alg-none-accepted") and str(header.get("alg")).lower() == "none":
            return None, ["none"], False
        if self._settings.fault_active("signature-not-verified"):
            return None, [ALGORITHM], False
        if self._settings.fault_active("embedded-jwk-trusted") and isinstance(header.get("jwk"), dict):
            return jwt.PyJWK(header["jwk"]).key, [ALGORITHM], True
        return self._public, [ALGORITHM], True

    def _from_provider(self, provider: OidcVerifier, token: str) -> Identity:
        try:
            claims = standard_claims(provider.claims(token))
            reason = claims_error(claims)
            if reason:
                raise Refused(f"the token is not valid: {reason}")
            provider.judge_times(claims, self._clock.now().timestamp())
        except Refused as exc:
            text = str(exc)
            raise InvalidToken(f"{text[0].upper()}{text[1:]}.") from exc
        return identity_from_claims(claims)

    def verify(self, token: str) -> Identity:
        if self._provider is not None and self._provider.issued(token):
            return self._from_provider(self._provider, token)
        if self._public is None:
            if self._provider is None:
                raise InvalidToken("This server trusts only its identity provider's tokens, and none is configured.")
            raise InvalidToken(f"This server trusts only tokens issued by {self._provider.issuer}.")
        try:
            key, algorithms, check_signature = self._verification_key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,  # never "none", never a key-confusion algorithm
                audience=AUDIENCE,
                issuer=ISSUER,
                # exp is checked below against the server clock, not the host's. iat is not checked:
                # it is informational (RFC 7519), and a token issued before the clock was moved back
                # must stay usable until it expires.
                options={
                    "verify_signature": check_signature,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "iat", "sub", "iss", "aud"],
                },
            )
        except (jwt.InvalidTokenError, jwt.PyJWKError) as exc:
            raise InvalidToken(f"The token is not valid: {str(exc).rstrip('.')}.") from exc
        reason = claims_error(claims)
        if reason:
            raise InvalidToken(f"The token is not valid: {reason}.")
        now = self._clock.now().timestamp()
        if not self._settings.fault_active("expired-token-accepted") and now >= claims["exp"]:
            raise InvalidToken("The token has expired.")
        return identity_from_claims(claims)


def authenticate(
    headers: Headers, *, anonymous_allowed: bool, tokens: TokenService, settings: Settings
) -> Identity | None:
    """The caller's identity, None for an anonymous caller where that is allowed, else 401.

    A presented token must be valid even where anonymous access is allowed: a client that believes
    it is logged in must learn that it is not, rather than silently see the public view.
    """
    header = headers.get("authorization")
    if header is None:
        if anonymous_allowed:
            return None
        refusal = problems.unauthorized("This operation needs a Bearer token.", token_presented=False)
        if settings.fault_active("missing-token-without-challenge"):
            # A hand-written "no user, 401" that forgets the challenge the token library adds to its own errors.
            refusal.headers.pop("WWW-Authenticate")
        raise refusal
    scheme, _, token = header.strip().partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("The Authorization header must be 'Bearer <token>'.")
        return tokens.verify(token.strip())
    except InvalidToken as exc:
        if anonymous_allowed and settings.fault_active("invalid-token-treated-as-anonymous"):
            return None
        raise problems.unauthorized(str(exc), token_presented=True) from exc
