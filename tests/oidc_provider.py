"""A real OpenID Connect provider on loopback, for tests that need tokens nobody in the project signed.

The reference server claims to accept access tokens from any standard OIDC provider (`--oidc-issuer`,
`--audience`). Tokens minted by the tests themselves would only prove it agrees with the tests, so
`OidcProvider` runs panva's `oidc-provider` (Node, pinned in `tests/oidc/package.json`) and gets JWT
access tokens from it through the client credentials grant. The npm packages are installed into a
cache folder on first use; without Node the tests skip, or fail under BOKBID_REQUIRE_OIDC=1.

    with OidcProvider([{"client_id": "a", "client_secret": "s", "claims": {"persona": "x"}}]) as op:
        token = op.token("a")              # aud "bob", signed RS256
        op.token("a", audience="urn:x")    # aud "urn:x"
        kid = op.rotate("ES256")           # later tokens: new ES256 key; old keys stay in the JWKS
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn
from urllib.parse import quote

import httpx
import pytest

from reference_server.launcher import free_port

PACKAGE = Path(__file__).resolve().parent / "oidc"
SCRIPT = PACKAGE / "provider.mjs"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bob-oidc-provider"
ALGS = ("RS256", "ES256", "EdDSA")
READY_TIMEOUT = 30.0
HTTP_TIMEOUT = 10.0


def _missing(reason: str) -> NoReturn:
    """Without Node the provider cannot run: a skip locally, a failure where OIDC tests are required."""
    if os.environ.get("BOKBID_REQUIRE_OIDC") == "1":
        pytest.fail(f"{reason} (BOKBID_REQUIRE_OIDC=1)")
    pytest.skip(reason)


def _node() -> str | None:
    return shutil.which("node")


def provider_tools() -> Path:
    """The cache folder holding `node_modules` with oidc-provider, installing it on first use.

    The folder is named by a hash of package.json and package-lock.json, so a changed pin gets a
    fresh install instead of a stale one. The install goes to a staging folder renamed into place,
    so parallel test workers never see a half-installed folder."""
    if _node() is None:
        _missing("node is not installed, so the OpenID Connect provider for the tests cannot run")
    files = [PACKAGE / "package.json", PACKAGE / "package-lock.json"]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files if f.exists())).hexdigest()[:16]
    folder = CACHE / digest
    if (folder / "node_modules" / "oidc-provider" / "package.json").exists():
        return folder
    npm = shutil.which("npm")
    if npm is None:
        _missing("npm is not installed and oidc-provider is not cached, so the OpenID Connect provider cannot run")
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{digest}.staging-", dir=CACHE))
    try:
        for f in files:
            if f.exists():
                shutil.copyfile(f, staging / f.name)
        command = "ci" if (staging / "package-lock.json").exists() else "install"
        subprocess.run(
            [npm, command, "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=staging,
            check=True,
            timeout=600,
        )
        try:
            staging.rename(folder)
        except OSError:  # another worker finished first; its install is the same
            if not (folder / "node_modules").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _script_in(tools: Path) -> Path:
    """provider.mjs next to the cached node_modules: ES modules ignore NODE_PATH and find packages
    only in node_modules folders above the importing file. Named by content, so never rewritten."""
    source = SCRIPT.read_bytes()
    target = tools / f"provider-{hashlib.sha256(source).hexdigest()[:16]}.mjs"
    if not target.exists():
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        partial.write_bytes(source)
        partial.replace(target)
    return target


class OidcProvider:
    """oidc-provider in a Node process on 127.0.0.1, issuing JWT access tokens by client credentials.

    `clients` are `{"client_id", "client_secret", "claims": {...}}`; every token of a client carries
    its claims at the top level. Tokens requested without an audience get `default_audience`."""

    def __init__(
        self,
        clients: list[dict[str, Any]],
        alg: str = "RS256",
        default_audience: str = "bob",
        ttl_seconds: int = 300,
    ) -> None:
        if alg not in ALGS:
            raise ValueError(f"alg must be one of {ALGS}, not {alg!r}")
        self.clients = {c["client_id"]: c for c in clients}
        self.alg = alg
        self.default_audience = default_audience
        self.ttl_seconds = ttl_seconds
        self.issuer = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._http = httpx.Client(timeout=HTTP_TIMEOUT, trust_env=False)  # loopback only, never a proxy
        self._discovery: dict[str, Any] | None = None

    def start(self) -> OidcProvider:
        """Start the provider on a free port and wait (bounded) until it listens."""
        if self._process is not None:
            raise RuntimeError("the provider is already running")
        script = _script_in(provider_tools())
        node = _node() or "node"
        self._workdir = tempfile.TemporaryDirectory(prefix="bob-oidc-")
        work = Path(self._workdir.name)
        port = free_port()
        config = {
            "port": port,
            "clients": list(self.clients.values()),
            "alg": self.alg,
            "default_audience": self.default_audience,
            "ttl_seconds": self.ttl_seconds,
        }
        (work / "config.json").write_text(json.dumps(config), encoding="utf-8")
        # Output goes to files, not pipes: nobody has to drain them while the tests run.
        with (work / "stdout.log").open("wb") as out, (work / "stderr.log").open("wb") as err:
            self._process = subprocess.Popen(
                [node, str(script), str(work / "config.json")],
                cwd=script.parent,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        try:
            self.issuer = self._wait_ready(work)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, work: Path) -> str:
        """The issuer from the `ready <issuer>` line; oidc-provider's notices may come before it."""
        assert self._process is not None
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            for line in (work / "stdout.log").read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("ready "):
                    return line.removeprefix("ready ").strip()
            if self._process.poll() is not None:
                raise RuntimeError(f"the OIDC provider exited with {self._process.returncode}: {self._log(work)}")
            time.sleep(0.05)
        raise RuntimeError(f"the OIDC provider was not ready within {READY_TIMEOUT:.0f} s: {self._log(work)}")

    @staticmethod
    def _log(work: Path) -> str:
        return "\n".join(
            (work / name).read_text(encoding="utf-8", errors="replace") for name in ("stdout.log", "stderr.log")
        )

    def discovery(self) -> dict[str, Any]:
        """The provider's discovery document (`/.well-known/openid-configuration`)."""
        response = self._http.get(f"{self.issuer}/.well-known/openid-configuration")
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    def jwks(self) -> dict[str, Any]:
        """The key set published at `jwks_uri` now (it changes on rotation)."""
        response = self._http.get(self.discovery()["jwks_uri"])
        response.raise_for_status()
        keys: dict[str, Any] = response.json()
        return keys

    def token(self, client_id: str, audience: str | None = None, scope: str | None = None) -> str:
        """An access token (a JWT) for `client_id` by the client credentials grant.

        `audience` is sent as the RFC 8707 `resource` and becomes the token's `aud`; without it the
        provider uses `default_audience`. The client authenticates as it was configured
        (client_secret_basic unless its `token_endpoint_auth_method` says client_secret_post)."""
        if self._discovery is None:
            self._discovery = self.discovery()
        client = self.clients[client_id]
        form = {"grant_type": "client_credentials"}
        if audience is not None:
            form["resource"] = audience
        if scope is not None:
            form["scope"] = scope
        auth: httpx.BasicAuth | None = None
        if client.get("token_endpoint_auth_method") == "client_secret_post":
            form |= {"client_id": client_id, "client_secret": client["client_secret"]}
        else:  # RFC 6749 2.3.1: both halves form-urlencoded before Basic encoding
            auth = httpx.BasicAuth(quote(client_id, safe=""), quote(client["client_secret"], safe=""))
        response = self._http.post(self._discovery["token_endpoint"], data=form, auth=auth)
        if response.status_code != 200:
            raise RuntimeError(f"token request for {client_id} failed: {response.status_code} {response.text}")
        access_token: str = response.json()["access_token"]
        return access_token

    def rotate(self, alg: str) -> str:
        """Sign every later token with a new key of `alg`; earlier keys stay in the JWKS. Returns its kid."""
        response = self._http.post(f"{self.issuer}/-/rotate", json={"alg": alg})
        if response.status_code != 200:
            raise RuntimeError(f"key rotation to {alg} failed: {response.status_code} {response.text}")
        kid: str = response.json()["kid"]
        return kid

    def stop(self) -> None:
        """Stop our own Node process (by its pid): SIGTERM, then SIGKILL if it does not exit."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None
        self._discovery = None

    def close(self) -> None:
        """Stop the provider and release the HTTP client."""
        self.stop()
        self._http.close()

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
