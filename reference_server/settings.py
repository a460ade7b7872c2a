"""How one server instance is configured, and how that configuration reaches worker processes.

uvicorn starts each worker by importing an app factory, so with `--workers N` nothing can be
passed as arguments: the launcher writes the settings to environment variables and every worker
reads them back with `Settings.from_env`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import spec

from .faults import FAULTS

ENV_DB = "BOKBID_DB"
ENV_FAULT = "BOKBID_FAULT"
ENV_PRODUCTION = "BOKBID_PRODUCTION"
ENV_CLASSES = "BOKBID_CLASSES"
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

    def __post_init__(self) -> None:
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}")
        unknown = sorted(set(self.classes or ()) - set(spec.class_ids()))
        if unknown:
            raise ValueError(f"unknown conformance class(es) {', '.join(unknown)}; the standard has {spec.class_ids()}")

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
        }

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db=os.environ.get(ENV_DB) or DEFAULT_DB,
            fault=os.environ.get(ENV_FAULT) or None,
            production=os.environ.get(ENV_PRODUCTION, "") not in ("", "0", "false"),
            classes=parse_classes(os.environ.get(ENV_CLASSES, EVERY_CLASS)),
        )


def parse_classes(text: str | None) -> tuple[str, ...] | None:
    """`--classes booking,payments` as a tuple (empty: only core and test-interface); None or `*`: every class."""
    if text is None or text.strip() == EVERY_CLASS:
        return None
    return tuple(c.strip() for c in text.split(",") if c.strip())
