"""Releases are frozen, and the working spec never breaks the latest release without the bump it needs.

This is the CI gate of the versioning policy: a pull request that changes `spec/v1/` in a way the
version number does not admit fails here, with the reasons `bokbid spec check-version` gives.
"""

from __future__ import annotations

import shutil
from datetime import date
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


def _set_version(version: str) -> object:
    def change(d: dict) -> None:
        d["info"]["version"] = version
        major = max(1, int(version.split(".")[0]))
        for server in d["servers"]:
            server["url"] = server["url"].rsplit("/v", 1)[0] + f"/v{major}"

    return change


def test_freeze_releases_only_what_the_policy_admits(tmp_path: Path) -> None:
    """The whole life of a stable operation: released, removal refused, deprecated with a sunset in a
    minor release, removed in the next major at a new URL once the sunset has passed."""
    source, root = _working_copy(tmp_path), tmp_path / "releases"
    _edit(source, _set_version("1.4.0"))
    first, verdict = releases.freeze(source, root)
    assert verdict is None and (first / "CHANGELOG.md").read_text().startswith("# ")
    assert releases.verify(first) == []
    with pytest.raises(ValueError, match="already released"):
        releases.freeze(source, root)

    doomed = next(iter(loader.load(source / "openapi.yaml").root["paths"]))

    def remove(d: dict) -> None:
        d["paths"].pop(doomed)

    _edit(source, lambda d: (_set_version("1.4.1")(d), remove(d)))  # type: ignore[operator]
    with pytest.raises(ValueError, match="need a"):
        releases.freeze(source, root)
    _edit(source, _set_version("2.0.0"))
    with pytest.raises(ValueError, match="deprecat"):  # a new major is not enough: it was never deprecated
        releases.freeze(source, root, today=date(2030, 1, 1))

    shutil.rmtree(source)
    source = _working_copy(tmp_path)

    def deprecate(d: dict) -> None:
        for operation in d["paths"][doomed].values():
            if isinstance(operation, dict) and "operationId" in operation:
                operation.update({"deprecated": True, "x-sunset": "2029-06-30"})

    _edit(source, lambda d: (_set_version("1.5.0")(d), deprecate(d)))  # type: ignore[operator]
    second, verdict = releases.freeze(source, root, today=date(2028, 1, 1))
    assert (
        verdict is not None and verdict.required == "minor" and "## Deprecated" in (second / "CHANGELOG.md").read_text()
    )

    _edit(source, lambda d: (_set_version("2.0.0")(d), remove(d)))  # type: ignore[operator]
    with pytest.raises(ValueError, match="keep it until its sunset has passed"):
        releases.freeze(source, root, today=date(2029, 6, 1))
    third, verdict = releases.freeze(source, root, today=date(2029, 7, 1))
    assert verdict is not None and verdict.ok and verdict.required == "major"
    assert "## Breaking" in (third / "CHANGELOG.md").read_text()
    assert [str(v) for v, _ in releases.releases(root)] == ["1.4.0", "1.5.0", "2.0.0"]


def test_verify_notices_an_edited_release(tmp_path: Path) -> None:
    folder, _ = releases.freeze(_working_copy(tmp_path), tmp_path / "releases")
    (folder / "openapi.yaml").write_text((folder / "openapi.yaml").read_text() + "\n# edited\n")
    (folder / "notes.txt").write_text("x")
    problems = releases.verify(folder)
    assert any("openapi.yaml: changed" in p for p in problems) and any("notes.txt: added" in p for p in problems)
