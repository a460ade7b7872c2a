"""How one server instance is configured, and how that configuration reaches worker processes.

uvicorn starts each worker by importing an app factory, so with `--workers N` nothing can be
passed as arguments: the launcher writes the settings to environment variables and every worker
reads them back with `Settings.from_env`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .faults import FAULTS

ENV_DB = "BOKBID_DB"
ENV_FAULT = "BOKBID_FAULT"
ENV_PRODUCTION = "BOKBID_PRODUCTION"
DEFAULT_DB = "sqlite:///bokbid.db"


@dataclass(frozen=True)
class Settings:
    db: str = DEFAULT_DB
    fault: str | None = None
    production: bool = False

    def __post_init__(self) -> None:
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}")

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
        }

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db=os.environ.get(ENV_DB) or DEFAULT_DB,
            fault=os.environ.get(ENV_FAULT) or None,
            production=os.environ.get(ENV_PRODUCTION, "") not in ("", "0", "false"),
        )
