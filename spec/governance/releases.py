"""Released versions of the standard: frozen copies under `spec/releases/<version>/`.

A release is the set of files suppliers certify against (OpenAPI document, requirements
catalogue, conformance classes, taxonomy), copied once and never edited again; `SHA256SUMS` in
each release lets a test prove that (and `sha256sum -c SHA256SUMS` lets anyone else). The working
spec in `spec/v<N>/` is compared with the latest release so no change slips in without the
version bump it needs.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

from spec.governance import changelog, loader, versioning
from spec.governance.semver import Version

SPEC_ROOT = Path(__file__).resolve().parent.parent
RELEASES = SPEC_ROOT / "releases"
WORKING = SPEC_ROOT / "v1"
RELEASED_FILES = ("openapi.yaml", "requirements.yaml", "conformance.yaml", "activity-types.yaml")
SUMS = "SHA256SUMS"
CHANGELOG = "CHANGELOG.md"


def releases(root: Path = RELEASES) -> list[tuple[Version, Path]]:
    """Every release folder named by a semantic version, oldest first."""
    found = []
    for folder in root.iterdir() if root.is_dir() else ():
        version = Version.parse(folder.name)
        if version is not None and (folder / "openapi.yaml").is_file():
            found.append((version, folder))
    return sorted(found, key=lambda r: r[0].key())


def latest(root: Path = RELEASES) -> tuple[Version, Path] | None:
    found = releases(root)
    return found[-1] if found else None


def _sums(folder: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != SUMS)
    }


def verify(folder: Path) -> list[str]:
    """What differs from the checksums recorded when the release was frozen (empty when intact)."""
    recorded: dict[str, str] = {}
    sums = folder / SUMS
    if not sums.is_file():
        return [f"{folder.name}: {SUMS} is missing"]
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        recorded[name] = digest
    actual = _sums(folder)
    problems = [
        f"{folder.name}/{n}: changed since the release" for n in recorded if actual.get(n) not in (None, recorded[n])
    ]
    problems += [f"{folder.name}/{n}: missing" for n in recorded if n not in actual]
    problems += [f"{folder.name}/{n}: added after the release" for n in actual if n not in recorded]
    return problems


def freeze(
    source: Path = WORKING, root: Path = RELEASES, today: date | None = None
) -> tuple[Path, versioning.Verdict | None]:
    """Copy the working spec to `root/<info.version>/` after the version check against the latest release passes.

    Raises ValueError with the reasons when the check fails or the version is already released.
    """
    document = loader.load(source / "openapi.yaml")
    version = Version.parse(str((document.root.get("info") or {}).get("version")))
    if version is None:
        raise ValueError("info.version of the working spec is not a semantic version")
    target = root / str(version)
    if target.exists():
        raise ValueError(f"{version} is already released ({target}); raise info.version first")
    previous = latest(root)
    verdict = None
    if previous is not None:
        verdict = versioning.check(loader.load(previous[1] / "openapi.yaml"), document, today)
        if not verdict.ok:
            raise ValueError(versioning.render_text(verdict))
        if verdict.required == "none":
            raise ValueError(f"nothing changed since {previous[0]}: there is nothing to release")
    target.mkdir(parents=True)
    for name in RELEASED_FILES:
        if (source / name).is_file():
            shutil.copyfile(source / name, target / name)
    text = f"# {version}\n\nThe first release of the standard.\n" if verdict is None else changelog.render(verdict)
    (target / CHANGELOG).write_text(text, encoding="utf-8")
    (target / SUMS).write_text("".join(f"{d}  {n}\n" for n, d in _sums(target).items()), encoding="utf-8")
    return target, verdict
