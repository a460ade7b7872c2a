"""Releases are frozen, and the working spec never breaks the latest release without the bump it needs.

This is the CI gate of the versioning policy: a pull request that changes `spec/v1/` in a way the
version number does not admit fails here, with the reasons `bokbid spec check-version` gives.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from spec.governance import loader, releases, versioning


def test_there_is_a_release_and_every_release_is_intact() -> None:
    found = releases.releases()
    assert found, "no release under spec/releases/"
    for version, folder in found:
        assert releases.verify(folder) == [], f"release {version} was edited after it was frozen"
        document = loader.load(folder / "openapi.yaml")
        assert document.root["info"]["version"] == str(version) == folder.name
        assert (folder / releases.CHANGELOG).is_file()
        assert {"openapi.yaml", "requirements.yaml", "conformance.yaml"} <= {p.name for p in folder.iterdir()}


def test_the_working_spec_follows_from_the_latest_release() -> None:
    latest = releases.latest()
    assert latest is not None
    _version, folder = latest
    verdict = versioning.check(loader.load(folder / "openapi.yaml"), loader.load(releases.WORKING / "openapi.yaml"))
    assert verdict.ok, "\n" + versioning.render_text(verdict)


def _working_copy(tmp_path: Path) -> Path:
    source = tmp_path / "v1"
    shutil.copytree(releases.WORKING, source)
    return source


def _edit(source: Path, change: object) -> None:
    path = source / "openapi.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_freeze_releases_only_what_the_policy_admits(tmp_path: Path) -> None:
    source, root = _working_copy(tmp_path), tmp_path / "releases"
    first, verdict = releases.freeze(source, root)
    assert verdict is None and (first / "CHANGELOG.md").read_text().startswith("# ")
    assert releases.verify(first) == []
    with pytest.raises(ValueError, match="already released"):
        releases.freeze(source, root)

    version = releases.latest(root)[0]  # type: ignore[index]
    _edit(
        source,
        lambda d: (
            d["info"].update(version=f"{version.major}.{version.minor}.{version.patch + 1}"),
            d["paths"].pop(next(iter(d["paths"]))),
        ),
    )
    with pytest.raises(ValueError, match="need a"):
        releases.freeze(source, root)

    bumped = f"{version.major}.{version.minor + 1}.0" if version.major == 0 else f"{version.major + 1}.0.0"
    _edit(source, lambda d: d["info"].update(version=bumped))
    if version.major >= 1:  # a new major is a new URL, and only what was deprecated with a passed sunset may go
        pytest.skip("the released major is ≥ 1: removal needs a deprecation first")
    second, verdict = releases.freeze(source, root)
    assert verdict is not None and verdict.ok
    assert "## Breaking" in (second / "CHANGELOG.md").read_text()
    assert [str(v) for v, _ in releases.releases(root)] == [str(version), bumped]


def test_verify_notices_an_edited_release(tmp_path: Path) -> None:
    folder, _ = releases.freeze(_working_copy(tmp_path), tmp_path / "releases")
    (folder / "openapi.yaml").write_text((folder / "openapi.yaml").read_text() + "\n# edited\n")
    (folder / "notes.txt").write_text("x")
    problems = releases.verify(folder)
    assert any("openapi.yaml: changed" in p for p in problems) and any("notes.txt: added" in p for p in problems)
