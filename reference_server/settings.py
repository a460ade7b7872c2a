"""How one server instance is configured, and how that configuration reaches worker processes.

uvicorn starts each worker by importing an app factory, so with `--workers N` nothing can be
passed as arguments: the launcher writes the settings to environment variables and every worker
reads them back with `Settings.from_env`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import spec
from reference_server.faults import FAULTS

ENV_DB = "BOKBID_DB"
ENV_FAULT = "BOKBID_FAULT"
ENV_PRODUCTION = "BOKBID_PRODUCTION"
ENV_CLASSES = "BOKBID_CLASSES"
ENV_SPEC_VERSION = "BOKBID_SERVED_SPEC_VERSION"
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

    def __post_init__(self) -> None:
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
        }

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db=os.environ.get(ENV_DB) or DEFAULT_DB,
            fault=os.environ.get(ENV_FAULT) or None,
            production=os.environ.get(ENV_PRODUCTION, "") not in ("", "0", "false"),
            classes=parse_classes(os.environ.get(ENV_CLASSES, EVERY_CLASS)),
            spec_version=os.environ.get(ENV_SPEC_VERSION) or None,
        )


def parse_classes(text: str | None) -> tuple[str, ...] | None:
    """`--classes booking,payments` as a tuple (empty: only core and test-interface); None or `*`: every class."""
    if text is None or text.strip() == EVERY_CLASS:
        return None
    return tuple(c.strip() for c in text.split(",") if c.strip())
