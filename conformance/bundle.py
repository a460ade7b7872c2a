"""The evidence bundle: the files a run leaves behind, pinned by a manifest and one digest.

A certificate must point at exactly the evidence it was issued on, and anyone holding that
evidence must be able to check it years later. So every run writes `manifest.json` listing each
bundle file with its sha256 together with what pins the run (spec version and digest, whether
that version was a release or an unreleased draft, suite version, seed); the bundle digest is the
sha256 of the canonical manifest. Changing any byte of any listed file, or of the manifest,
changes or breaks the digest.

Besides the five files every run writes, a run with failures has a replay script for each
(`replay/<check-id>.sh`): they are pinned like the rest, and a script the manifest does not list is
no part of the bundle, so it breaks the digest too (it could make a reader run anything).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .signing import canonical_json, sha256

MANIFEST = "manifest.json"
FORMAT = "bob-evidence-bundle/1"
FILES = ("report.json", "evidence.jsonl", "config.json", "junit.xml", "report.html")
REPLAY_DIR = "replay"
_REPLAY_SCRIPT = re.compile(rf"{REPLAY_DIR}/[a-z0-9][a-z0-9.-]*\.sh")


class BundleError(Exception):
    """The directory is not an intact evidence bundle."""


def write_manifest(directory: Path, report: dict[str, Any]) -> dict[str, Any]:
    manifest = {
        "format": FORMAT,
        "specVersion": report["specVersion"],
        "specDigest": report["specDigest"],
        "specDraft": report["specDraft"],
        "suiteVersion": report["suiteVersion"],
        "seed": report["seed"],
        "files": {name: sha256((directory / name).read_bytes()) for name in (*FILES, *replay_scripts(directory))},
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def bundle_digest(directory: Path) -> str:
    """The digest of an intact bundle; BundleError names the first file that does not match."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{directory / MANIFEST} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"{directory / MANIFEST} is not a {FORMAT} manifest")
    files = manifest.get("files")
    if not isinstance(files, dict) or not set(FILES) <= set(files):
        raise BundleError(f"{directory / MANIFEST} does not list the bundle files {', '.join(FILES)}")
    strange = [name for name in files if name not in FILES and not _REPLAY_SCRIPT.fullmatch(name)]
    if strange:
        raise BundleError(f"{directory / MANIFEST} lists {strange[0]}, which is no file of a bundle")
    unlisted = [name for name in replay_scripts(directory) if name not in files]
    if unlisted:
        raise BundleError(
            f"{directory / unlisted[0]} is not pinned by the manifest: it is no part of the run's evidence"
        )
    for name, digest in files.items():
        path = directory / name
        if not path.is_file():
            raise BundleError(f"{path} is missing")
        if sha256(path.read_bytes()) != digest:
            raise BundleError(f"{path} was changed after the run (its digest differs from the manifest)")
    return sha256(canonical_json(manifest))


def replay_script(check_id: str) -> str:
    """Where the bundle keeps the replay script of a failed check, relative to the report directory."""
    return f"{REPLAY_DIR}/{check_id}.sh"


def replay_scripts(directory: Path) -> list[str]:
    """The replay scripts in the bundle at `directory`, as the manifest names them."""
    folder = directory / REPLAY_DIR
    return sorted(f"{REPLAY_DIR}/{path.name}" for path in folder.glob("*.sh")) if folder.is_dir() else []


def load_report(directory: Path) -> dict[str, Any]:
    try:
        report: dict[str, Any] = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{directory / 'report.json'} cannot be read: {exc}") from exc
    return report
