"""The approval policy: what a run must show before the stewardship body turns it into a certificate.

A certificate decides whether a supplier may be called off, and a refused supplier can appeal, so
the bar a run has to clear is written down (a TOML file the stewardship body keeps, or the
defaults here), applied the same way to everyone, and recorded in every certificate together
with its digest. Some conditions are not the policy's to relax (every check passed, the run
complete and not refused, the product identified: see `certificates.py`); the policy sets the
rest.

Defaults, and why:
- `require_profile = true`: suppliers are called off under a profile, so a certificate must say
  which one its run was held to; a run that only certified whatever the server declared proves
  nothing a call-off can name.
- `min_fuzz_examples = 50` (per operation and mode): 25 times the CI default of 2, which is a
  smoke test. Against the reference server that is about 5,500 generated requests and a minute;
  a certification happens once per product version and may take that long.
- `fuzz_must_complete = true`: the time budget must not have cut the phase short, so "50
  examples" means 50 examples, whatever the server's speed. That makes a minimum time budget
  unnecessary, hence `min_fuzz_seconds = 0`; a body that prefers a time floor sets it instead.
- `require_cors_origin = true`: which origins a server lets browser apps call from is its
  operator's choice, so CORE-030 is tested only on an origin the supplier names; a run that named
  none left a MUST untested (for releases that have CORE-030).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import spec

from .config import ConfigError, read_toml
from .signing import canonical_json, sha256

TABLE = "approval"
_KINDS = {bool: "true or false", int: "a whole number", float: "a number"}


@dataclass(frozen=True)
class Policy:
    require_profile: bool = True
    min_fuzz_examples: int = 50
    min_fuzz_seconds: float = 0.0
    fuzz_must_complete: bool = True
    require_cors_origin: bool = True

    def record(self) -> dict[str, Any]:
        """The policy as a certificate records it: its values and their digest."""
        values = {_camel(name): value for name, value in asdict(self).items()}
        return {**values, "digest": sha256(canonical_json(values))}

    def refusals(self, report: dict[str, Any]) -> list[str]:
        """What the run in `report` lacks under this policy, each with the way to put it right."""
        reasons = []
        if self.require_profile and not report.get("profile"):
            profiles = ", ".join(p["id"] for p in spec.conformance()["profiles"])
            reasons.append(
                f"the run was held to no profile; the policy requires one — rerun with --profile (one of: {profiles})"
            )
        release = spec.find_release(str(report.get("specVersion")))
        has_cors = release is not None and "CORE-030" in spec.requirement_ids(release)
        if self.require_cors_origin and has_cors and not report.get("corsOrigin"):
            reasons.append(
                "the run tested CORS (CORE-030) on no origin; the policy requires one — rerun with --cors-origin "
                "and an origin the server allows browser apps on"
            )
        fuzz = report.get("fuzz")
        if not isinstance(fuzz, dict):
            if self.min_fuzz_examples > 0 or self.min_fuzz_seconds > 0:
                reasons.append(
                    f"the run had no fuzz phase; the policy requires at least {self.min_fuzz_examples} examples per "
                    f"operation — rerun with --fuzz-examples {max(self.min_fuzz_examples, 1)}"
                )
            return reasons
        examples, seconds = fuzz.get("examplesPerOperation", 0), fuzz.get("seconds", 0)
        if examples < self.min_fuzz_examples:
            reasons.append(
                f"the run used {examples} fuzz examples per operation; the policy requires at least "
                f"{self.min_fuzz_examples} — rerun with --fuzz-examples {self.min_fuzz_examples}"
            )
        if seconds < self.min_fuzz_seconds:
            reasons.append(
                f"the run's fuzz time budget was {seconds:g} s; the policy requires at least "
                f"{self.min_fuzz_seconds:g} s — rerun with --fuzz-seconds {self.min_fuzz_seconds:g}"
            )
        if self.fuzz_must_complete and not fuzz.get("completed"):
            reasons.append(
                f"the fuzz phase did not send all its examples ({fuzz.get('requests', 0)} requests within "
                f"{seconds:g} s); the policy requires a complete phase — rerun with a larger --fuzz-seconds"
            )
        return reasons


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def load_policy(path: Path | None) -> Policy:
    """The policy in `path` (a TOML file with an [approval] table), or the defaults when None.

    A file that cannot be used is a ConfigError (a usage error), like a bad bokbid.toml.
    """
    if path is None:
        return Policy()
    data = read_toml(path, "policy file")
    table = data.get(TABLE)
    if set(data) != {TABLE} or not isinstance(table, dict):
        raise ConfigError(f"{path}: a policy file holds one table, [{TABLE}]")
    defaults = asdict(Policy())
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in defaults:
            raise ConfigError(f"{path}: unknown setting {TABLE}.{key}; known: {', '.join(defaults)}")
        wanted = type(defaults[key])
        if wanted is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not wanted:
            raise ConfigError(f"{path}: {TABLE}.{key} must be {_KINDS[wanted]}, not {value!r}")
        if wanted in (int, float) and value < 0:
            raise ConfigError(f"{path}: {TABLE}.{key} must not be negative")
        values[key] = value
    return Policy(**values)
