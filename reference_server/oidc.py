"""Access tokens from the municipality's OpenID Connect provider (`--oidc-issuer`, `--audience`).

The provider is found through its discovery document, and its signing keys through the JWKS it
publishes there. Keys are cached; a token signed by a key the cache does not know triggers one
refetch (the provider rotated its keys), at most once every `REFETCH_INTERVAL`, so tokens with
made-up key ids cannot turn the server into a flood of requests to the provider. Only asymmetric
algorithms are accepted, and only the one the key itself is for: a token cannot choose HS256 and
have a public key used as a shared secret.

How the claims map to a caller is part of the standard (the `bearerAuth` security scheme), so
that every product reads a provider's tokens the same way; `auth.identity_from_claims` does it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt

ALGORITHMS = ("RS256", "ES256", "EdDSA")
CLOCK_SKEW = 60  # seconds of leeway on exp and nbf, for clocks that drift apart
JWKS_MAX_AGE = 3600.0  # seconds before the keys are fetched again even if every kid is known
REFETCH_INTERVAL = 1.0  # least seconds between two fetches of the keys
HTTP_TIMEOUT = 5.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ProviderError(Exception):
    """The identity provider cannot be used (unreachable, or its documents are wrong); one line."""


class Refused(Exception):
    """The token cannot be trusted; the message says why, for the 401's detail."""


def check_issuer(issuer: str) -> None:
    """OpenID Connect requires an https issuer; plain http is allowed on loopback only, for tests."""
    parts = urlsplit(issuer)
    local = parts.scheme == "http" and parts.hostname in LOOPBACK
    if not (parts.scheme == "https" or local) or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"{issuer!r} is not an OpenID Connect issuer: an https URL (http only on loopback)")


@dataclass
class _Keys:
    by_kid: dict[str, jwt.PyJWK]
    fetched_at: float


class OidcVerifier:
    """Verifies the provider's access tokens; one per worker process, shared by its threads."""

    def __init__(self, issuer: str, audience: str, http: httpx.Client | None = None) -> None:
        check_issuer(issuer)
        self.issuer = issuer
        self.audience = audience
        self._http = http or httpx.Client(timeout=HTTP_TIMEOUT, trust_env=False, follow_redirects=False)
        self._jwks_uri: str | None = None
        self._keys: _Keys | None = None
        self._lock = threading.Lock()

    def issued(self, token: str) -> bool:
        """Whether the token says it comes from this provider (not yet whether it does)."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            return False
        return claims.get("iss") == self.issuer

    def discover(self) -> None:
        """Read the discovery document and the keys now (at start, to fail early and clearly)."""
        with self._lock:
            self._fetch_keys()

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProviderError(f"cannot reach the identity provider's {what} at {url}: {exc}") from exc
        if response.status_code != 200:
            raise ProviderError(f"the identity provider's {what} at {url} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(f"the identity provider's {what} at {url} is not JSON") from exc
        if not isinstance(body, dict):
            raise ProviderError(f"the identity provider's {what} at {url} is not a JSON object")
        return body

    def _fetch_keys(self) -> None:
        if self._jwks_uri is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            document = self._get_json(url, "discovery document")
            if document.get("issuer") != self.issuer:
                # OpenID Connect Discovery §4.3: a document naming another issuer must not be used.
                raise ProviderError(f"the discovery document at {url} names issuer {document.get('issuer')!r}")
            if not isinstance(document.get("jwks_uri"), str):
                raise ProviderError(f"the discovery document at {url} has no jwks_uri")
            self._jwks_uri = document["jwks_uri"]
        keys = self._get_json(self._jwks_uri, "key set").get("keys")
        if not isinstance(keys, list):
            raise ProviderError(f"the key set at {self._jwks_uri} has no list of keys")
        usable = {}
        for entry in keys:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str) or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(entry)
            except jwt.PyJWKError:
                continue  # a kind of key we do not accept; the others still serve
            if key.algorithm_name in ALGORITHMS:
                usable[entry["kid"]] = key
        self._keys = _Keys(usable, time.monotonic())

    def _key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            now = time.monotonic()
            stale = self._keys is None or now - self._keys.fetched_at > JWKS_MAX_AGE
            unknown = self._keys is not None and kid not in self._keys.by_kid
            if stale or (unknown and now - self._keys.fetched_at >= REFETCH_INTERVAL):
                try:
                    self._fetch_keys()
                except ProviderError as exc:
                    raise Refused(f"the identity provider's keys cannot be read ({exc})") from exc
            assert self._keys is not None
            found = self._keys.by_kid.get(kid)
        if found is None:
            raise Refused(f"no key {kid!r} in the identity provider's key set")
        return found

    def claims(self, token: str) -> dict[str, Any]:
        """The claims of `token`, its signature, issuer and audience verified (times: `judge_times`)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Refused(f"the token is not valid: {str(exc).rstrip('.')}") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS:
            raise Refused(f"the token is signed with {alg!r}; accepted: {', '.join(ALGORITHMS)}")
        if not isinstance(kid, str):
            raise Refused("the token names no signing key (kid)")
        key = self._key(kid)
        if key.algorithm_name != alg:
            raise Refused(f"the token says {alg}, but key {kid!r} is for {key.algorithm_name}")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                # exp and nbf are judged by `judge_times` on the server clock, once they are known
                # to be numbers at all.
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise Refused(f"the token is not valid: {str(exc).rstrip('.')}") from exc
        return claims

    @staticmethod
    def judge_times(claims: dict[str, Any], now: float) -> None:
        """exp and nbf with `CLOCK_SKEW` of leeway (the claims are known to be sane numbers)."""
        if now >= claims["exp"] + CLOCK_SKEW:
            raise Refused("the token has expired")
        if "nbf" in claims and now < claims["nbf"] - CLOCK_SKEW:
            raise Refused("the token is not valid yet (nbf)")
