"""Semantic versions of the standard, and the `/vN` they imply in the URL.

While the major version is 0 (semver's initial development) the URL already says `/v1`: 0.x is
the first major in the making, and 1.0.0 is its first stable release under the same URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Bump = Literal["major", "minor", "patch", "none"]
BUMP_ORDER: dict[str, int] = {"none": 0, "patch": 1, "minor": 2, "major": 3}

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
_URL_MAJOR = re.compile(r"/v(\d+)/?$")


@dataclass(frozen=True, order=False)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: str = ""

    @classmethod
    def parse(cls, text: str) -> Version | None:
        m = _SEMVER.match(text.strip()) if isinstance(text, str) else None
        if m is None:
            return None
        return cls(int(m[1]), int(m[2]), int(m[3]), m[4] or "")

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}" + (f"-{self.prerelease}" if self.prerelease else "")

    @property
    def url_major(self) -> int:
        """The N of `/vN`: the major version, and 1 during initial development (0.x)."""
        return max(self.major, 1)

    def key(self) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
        """Sort key with semver precedence: a pre-release sorts before its release."""
        pre = (
            tuple((0, int(p)) if p.isdigit() else (1, p) for p in self.prerelease.split(".")) if self.prerelease else ()
        )
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def bumped(self, bump: Bump) -> Version:
        """The lowest version that makes `bump` (1.1.0 with minor → 1.2.0; a pre-release becomes its release)."""
        if bump == "major":
            return Version(self.major + 1, 0, 0)
        if bump == "minor":
            return Version(self.major, self.minor + 1, 0)
        if bump == "patch":
            return Version(self.major, self.minor, self.patch + (0 if self.prerelease else 1))
        return self

    def bump_to(self, newer: Version) -> Bump | None:
        """Which part was raised going to `newer`; None when `newer` is not later."""
        if newer.key() <= self.key():
            return "none" if newer.key() == self.key() else None
        if newer.major != self.major:
            return "major"
        if newer.minor != self.minor:
            return "minor"
        return "patch"


def url_major(url: str) -> int | None:
    m = _URL_MAJOR.search(url)
    return int(m[1]) if m else None
