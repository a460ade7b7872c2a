"""Which conformance classes a run certifies, from what the server declares and the chosen profile.

A server is certified for what it claims (`/conformance`), never more: without a profile the
declared classes are tested; with one, the profile's required classes must all be declared or the
run is refused rather than certifying a partial implementation. `core` is always required, and so
is `test-interface`, because without a sandbox the harness cannot create its data or move the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import spec

ALWAYS_REQUIRED = ("core", "test-interface")


@dataclass(frozen=True)
class Selection:
    certified: list[str]  # declared classes the run tests, in the standard's order
    missing: list[str]  # required but not declared: the run is refused


def select_classes(declared: list[str], profile: dict[str, Any] | None, release: spec.Release) -> Selection:
    """A required class `release` does not define yet is missing too: no server can declare it."""
    known = spec.class_ids(release)
    required = set(ALWAYS_REQUIRED)
    if profile is None:
        wanted = required | set(declared)
    else:
        required |= set(profile["required"])
        wanted = required | set(profile.get("optional", []))
    undefined = [c for c in (profile or {}).get("required", []) if c not in known]
    return Selection(
        certified=[c for c in known if c in wanted and c in declared],
        missing=[c for c in known if c in required and c not in declared] + undefined,
    )


def optional_classes(declared: list[str], profile: dict[str, Any] | None) -> dict[str, list[str]]:
    """The profile's optional classes: which the run certifies (declared) and which it leaves out."""
    optional = (profile or {}).get("optional", [])
    return {
        "certified": [c for c in optional if c in declared],
        "notDeclared": [c for c in optional if c not in declared],
    }


def missing_message(cls: str, profile: str | None, api_root: str, release: spec.Release) -> str:
    """Why a run refuses to go on without `cls`, in words a supplier can act on."""
    where = f"{api_root}/conformance does not declare it"
    if cls == "test-interface":
        return (
            "certification needs a sandbox that exposes the test-interface class "
            f"(reset, fixtures, clock, tokens); {where}"
        )
    if cls == "core":
        return f"every server must implement the core class; {where}"
    if cls not in spec.class_ids(release):
        return f"profile {profile} requires the {cls} class, which this version of the standard does not define yet"
    return f"profile {profile} requires the {cls} class; {where}"
