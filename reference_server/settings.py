"""How one server instance is configured, and how that configuration reaches worker processes.

uvicorn starts each worker by importing an app factory, so with `--workers N` nothing can be
passed as arguments: the launcher writes the settings to environment variables and every worker
reads them back with `Settings.from_env`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import spec
from reference_server.faults import FAULTS
from reference_server.oidc import check_issuer

ENV_DB = "BOKBID_DB"
ENV_FAULT = "BOKBID_FAULT"
ENV_PRODUCTION = "BOKBID_PRODUCTION"
ENV_CLASSES = "BOKBID_CLASSES"
ENV_SPEC_VERSION = "BOKBID_SERVED_SPEC_VERSION"
ENV_CORS_ORIGINS = "BOKBID_CORS_ORIGINS"
ENV_OIDC_ISSUER = "BOKBID_OIDC_ISSUER"
ENV_OIDC_AUDIENCE = "BOKBID_OIDC_AUDIENCE"
DEFAULT_AUDIENCE = "bob"
DEFAULT_DB = "sqlite:///bokbid.db"
EVERY_CLASS = "*"


@dataclass(frozen=True)
class Settings:
    db: str = DEFAULT_DB
    fault: str | None = None
    production: bool = False
    # The optional classes this instance implements (None: every class). core always, and
    # test-interface unless `production`: a supplier's product that offers only part of the
    # standard looks like this, so the harness can be tested against one.
    classes: tuple[str, ...] | None = None
    # The version of the standard this instance implements (None: the working spec), so a supplier
    # can develop against the release its customers' call-offs name.
    spec_version: str | None = None
    # The origins whose browser apps may call the API (CORE-030); "*" allows every origin.
    cors_origins: tuple[str, ...] = ()
    # The OpenID Connect provider whose access tokens are trusted, and the audience they must be for.
    oidc_issuer: str | None = None
    oidc_audience: str = DEFAULT_AUDIENCE

    def __post_init__(self) -> None:
        check_database(self.db)
        for origin in self.cors_origins:
            check_origin(origin)
        if self.oidc_issuer is not None:
            check_issuer(self.oidc_issuer)
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}")
        if self.spec_version is not None and spec.find_release(self.spec_version) is None:
            known = ", ".join(spec.version(r) for r in spec.known_releases())
            raise ValueError(f"unknown version {self.spec_version!r} of the standard; known versions: {known}")
        defined = spec.class_ids(self.release)
        unknown = sorted(set(self.classes or ()) - set(defined))
        if unknown:
            raise ValueError(f"unknown conformance class(es) {', '.join(unknown)}; the standard has {defined}")

    @property
    def release(self) -> spec.Release:
        found = spec.WORKING if self.spec_version is None else spec.find_release(self.spec_version)
        assert found is not None  # refused in __post_init__
        return found

    def states(self, requirement: str) -> bool:
        """Whether the release served has `requirement`: what a later release added is not offered
        under an earlier one, decided by its catalogue rather than by comparing version numbers."""
        return requirement in spec.requirement_ids(self.release)

    def implements(self, cls: str) -> bool:
        if cls == "test-interface":
            return not self.production
        return cls == "core" or self.classes is None or cls in self.classes

    def fault_active(self, name: str) -> bool:
        """Whether the injected fault `name` is on; an unknown name is a bug, so it raises."""
        if name not in FAULTS:
            raise KeyError(f"no fault named {name!r} in the catalogue")
        return self.fault == name

    def to_env(self) -> dict[str, str]:
        return {
            ENV_DB: self.db,
            ENV_FAULT: self.fault or "",
            ENV_PRODUCTION: "1" if self.production else "",
            ENV_CLASSES: EVERY_CLASS if self.classes is None else ",".join(self.classes),
            ENV_SPEC_VERSION: self.spec_version or "",
            ENV_CORS_ORIGINS: ",".join(self.cors_origins),
            ENV_OIDC_ISSUER: self.oidc_issuer or "",
            ENV_OIDC_AUDIENCE: self.oidc_audience,
        }

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db=os.environ.get(ENV_DB) or DEFAULT_DB,
            fault=os.environ.get(ENV_FAULT) or None,
            production=os.environ.get(ENV_PRODUCTION, "") not in ("", "0", "false"),
            classes=parse_classes(os.environ.get(ENV_CLASSES, EVERY_CLASS)),
            spec_version=os.environ.get(ENV_SPEC_VERSION) or None,
            cors_origins=parse_origins(os.environ.get(ENV_CORS_ORIGINS, "")),
            oidc_issuer=os.environ.get(ENV_OIDC_ISSUER) or None,
            oidc_audience=os.environ.get(ENV_OIDC_AUDIENCE) or DEFAULT_AUDIENCE,
        )


def parse_classes(text: str | None) -> tuple[str, ...] | None:
    """`--classes booking,payments` as a tuple (empty: only core and test-interface); None or `*`: every class."""
    if text is None or text.strip() == EVERY_CLASS:
        return None
    return tuple(c.strip() for c in text.split(",") if c.strip())


def parse_origins(text: str) -> tuple[str, ...]:
    """`--cors-origin https://a.example,https://b.example` as a tuple (empty: no browser origin)."""
    return tuple(o.strip() for o in text.split(",") if o.strip())


def check_origin(origin: str) -> None:
    """Refuse what a browser never sends as an Origin (RFC 6454: lower-case scheme and host, an
    optional port, nothing else), so that `https://app.example/` cannot silently never match."""
    if origin == "*":
        return
    parts = urlsplit(origin)
    bare = parts.hostname and not (parts.username or parts.password) and origin == f"{parts.scheme}://{parts.netloc}"
    if parts.scheme not in ("http", "https") or not bare or origin != origin.lower():
        raise ValueError(
            f"{origin!r} is not an origin; give scheme, host and optional port only, e.g. https://bokning.example.se"
        )


DATABASE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg", "postgres")


def check_database(db: str) -> None:
    """Refuse, in one line, a database the server cannot run on, before anything tries to open it:
    a driver SQLAlchemy would import for another scheme is not installed, and an in-memory SQLite
    database would not be shared by the workers and threads."""
    scheme, separator, rest = db.partition("://")
    if not separator or scheme not in DATABASE_SCHEMES:
        raise ValueError(f"--db {db!r}: use sqlite:///PATH (embedded) or postgresql://user@host/database")
    if scheme == "sqlite" and rest.lstrip("/") in ("", ":memory:"):
        raise ValueError(f"--db {db!r}: SQLite needs a file (sqlite:///PATH), shared by every worker")
