"""The requirements catalogue and the conformance classes are part of the contract a version stands for.

`bokbid spec diff`, `check-version`, `changelog` and `release` compare `requirements.yaml` and
`conformance.yaml` beside the two OpenAPI documents: a new obligation needs a minor version, a
removed or weakened one is breaking, and every message names the requirement and the bump.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from governance_docs import base
from typer.testing import CliRunner

from cli import app
from spec.governance import changelog, loader, releases, versioning
from spec.governance.changes import BUMP_NEEDED, catalogue
from spec.governance.diff import diff
from spec.governance.semver import Bump, Version

Doc = dict[str, Any]
B, N, I = "breaking", "non-breaking", "informational"  # noqa: E741
TODAY = date(2026, 6, 1)
RELEASES = releases.RELEASES


def req(rid: str, level: str = "MUST", cls: str = "discovery", en: str | None = None, **more: Any) -> Doc:
    text = {"sv": f"{rid} gäller.", "en": en or f"{rid} {level} hold."}
    return {"id": rid, "class": cls, "level": level, "text": text, **more}


REQUIREMENTS = [req("DISC-001"), req("DISC-002", "SHOULD"), req("DISC-003", "MAY"), req("BOOK-001", cls="booking")]
CONFORMANCE: Doc = {
    "classes": [
        {"id": c, "title": c.title(), "description": f"The {c} class."}
        for c in ("core", "discovery", "booking", "payments")
    ],
    "profiles": [
        {
            "id": "bas",
            "title": "Bas",
            "description": "Find and book.",
            "required": ["core", "discovery"],
            "optional": ["booking"],
            "clientOperations": {"required": ["listItems"], "optional": ["getItem"]},
        }
    ],
}


def _folder(path: Path, requirements: list[Doc], conformance: Doc) -> Path:
    path.mkdir()
    (path / "openapi.yaml").write_text(yaml.safe_dump(base()), encoding="utf-8")
    (path / "requirements.yaml").write_text(yaml.safe_dump({"requirements": requirements}), encoding="utf-8")
    (path / "conformance.yaml").write_text(yaml.safe_dump(conformance), encoding="utf-8")
    return path


def _requirement(data: list[Doc], rid: str) -> Doc:
    return next(r for r in data if r["id"] == rid)


def _profile(conformance: Doc) -> Doc:
    return conformance["profiles"][0]


Edit = Callable[[list[Doc], Doc], Any]
CASES: dict[str, tuple[Edit, set[tuple[str, str]]]] = {
    "new MUST": (lambda r, c: r.append(req("DISC-004")), {("requirement-added", N)}),
    "new SHOULD": (lambda r, c: r.append(req("DISC-004", "SHOULD")), {("requirement-added", N)}),
    "new MAY": (lambda r, c: r.append(req("DISC-004", "MAY")), {("requirement-added", N)}),
    "removed": (lambda r, c: r.remove(_requirement(r, "DISC-003")), {("requirement-removed", B)}),
    "renumbered": (
        lambda r, c: _requirement(r, "DISC-001").update(id="DISC-009"),
        {("requirement-removed", B), ("requirement-added", N)},
    ),
    "SHOULD raised to MUST": (
        lambda r, c: _requirement(r, "DISC-002").update(level="MUST"),
        {("requirement-level-raised", N)},
    ),
    "MAY raised to SHOULD": (
        lambda r, c: _requirement(r, "DISC-003").update(level="SHOULD"),
        {("requirement-level-raised", N)},
    ),
    "MUST lowered to SHOULD": (
        lambda r, c: _requirement(r, "DISC-001").update(level="SHOULD"),
        {("requirement-level-lowered", B)},
    ),
    "MUST text changed": (
        lambda r, c: _requirement(r, "DISC-001")["text"].update(en="DISC-001 MUST hold within 2 s."),
        {("requirement-must-text-changed", N)},
    ),
    "SHOULD raised to MUST and reworded": (
        lambda r, c: _requirement(r, "DISC-002").update(req("DISC-002", "MUST")),
        {("requirement-level-raised", N), ("requirement-must-text-changed", N)},
    ),
    "SHOULD text changed": (
        lambda r, c: _requirement(r, "DISC-002")["text"].update(sv="DISC-002 bör gälla."),
        {("requirement-text-changed", I)},
    ),
    "class changed": (
        lambda r, c: _requirement(r, "BOOK-001").update({"class": "payments"}),
        {("requirement-class-changed", B)},
    ),
    "appliesTo changed": (
        lambda r, c: _requirement(r, "BOOK-001").update(appliesTo="client"),
        {("requirement-applies-to-changed", B)},
    ),
    "onlyWith added": (
        lambda r, c: _requirement(r, "BOOK-001").update(onlyWith=["payments"]),
        {("requirement-only-with-added", B)},
    ),
    "onlyWith removed": (
        lambda r, c: _requirement(r, "BOOK-001").update(onlyWith=["payments"]),
        {("requirement-only-with-removed", N)},
    ),
    "class added": (
        lambda r, c: c["classes"].append({"id": "grants", "title": "Grants", "description": "Grants."}),
        {("conformance-class-added", N)},
    ),
    "class removed": (lambda r, c: c["classes"].pop(), {("conformance-class-removed", B)}),
    "class described anew": (
        lambda r, c: c["classes"][0].update(description="API information."),
        {("conformance-description-changed", I)},
    ),
    "profile added": (
        lambda r, c: c["profiles"].append({"id": "full", "required": ["core"], "optional": []}),
        {("profile-added", N)},
    ),
    "profile removed": (lambda r, c: c["profiles"].pop(), {("profile-removed", B)}),
    "profile requires a new class": (
        lambda r, c: _profile(c)["required"].append("payments"),
        {("profile-required-class-added", N)},
    ),
    "profile offers a new optional class": (
        lambda r, c: _profile(c)["optional"].append("payments"),
        {("profile-optional-class-added", N)},
    ),
    "optional class became required": (
        lambda r, c: _profile(c).update(required=["core", "discovery", "booking"], optional=[]),
        {("profile-class-became-required", N)},
    ),
    "required class became optional": (
        lambda r, c: _profile(c).update(required=["core"], optional=["discovery", "booking"]),
        {("profile-class-became-optional", B)},
    ),
    "required class removed from a profile": (
        lambda r, c: _profile(c)["required"].remove("discovery"),
        {("profile-required-class-removed", B)},
    ),
    "optional class removed from a profile": (
        lambda r, c: _profile(c).update(optional=[]),
        {("profile-optional-class-removed", B)},
    ),
    "client operation became required": (
        lambda r, c: _profile(c).update(clientOperations={"required": ["listItems", "getItem"], "optional": []}),
        {("profile-client-operation-became-required", N)},
    ),
    "required client operation removed": (
        lambda r, c: _profile(c).update(clientOperations={"required": [], "optional": ["getItem"]}),
        {("profile-required-client-operation-removed", B)},
    ),
}
# Cases whose old side is the edited one (the change is the edit undone).
REVERSED = {"onlyWith removed"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_catalogue_change_is_classified_and_says_what_bump_it_needs(tmp_path: Path, name: str) -> None:
    edit, expected = CASES[name]
    requirements, conformance = copy.deepcopy(REQUIREMENTS), copy.deepcopy(CONFORMANCE)
    edit(requirements, conformance)
    sides = [(REQUIREMENTS, CONFORMANCE), (requirements, conformance)]
    if name in REVERSED:
        sides.reverse()
    old, new = (_folder(tmp_path / side, *data) for side, data in zip(("old", "new"), sides, strict=True))
    found = diff(loader.load(old / "openapi.yaml"), loader.load(new / "openapi.yaml"), TODAY)
    assert {(c.id, c.level) for c in found} == expected, [(c.id, c.detail) for c in found]
    levels = dict(catalogue())
    for c in found:
        assert levels[c.id] == c.level
        assert c.detail.endswith(BUMP_NEEDED[c.level]), c.detail
        subject = c.location.split(" › ")[0].split()[-1]  # the requirement, class or profile id
        assert subject in c.detail, (subject, c.detail)
        assert c.pointer.startswith(f"{c.file}#/"), c.pointer


def test_a_document_without_catalogue_beside_it_compares_only_the_interface(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(base()), encoding="utf-8")
    folder = _folder(tmp_path / "new", REQUIREMENTS, CONFORMANCE)
    alone = loader.load(tmp_path / "old.yaml")
    assert diff(alone, alone, TODAY) == []
    found = diff(alone, loader.load(folder / "openapi.yaml"), TODAY)  # a catalogue that appears is all new
    assert {c.id for c in found} == {"requirement-added", "conformance-class-added", "profile-added"}
    assert len([c for c in found if c.id == "requirement-added"]) == len(REQUIREMENTS)


def test_a_malformed_catalogue_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    old = _folder(tmp_path / "old", REQUIREMENTS, CONFORMANCE)
    new = _folder(tmp_path / "new", REQUIREMENTS, CONFORMANCE)
    (new / "requirements.yaml").write_text("requirements: {DISC-001: MUST}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["spec", "diff", str(old), str(new)])
    assert result.exit_code == 2 and "must be a list of entries" in result.stderr


# --- the commands, on the real releases and on copies of the working spec ---------------------------


def test_diff_of_the_releases_shows_the_requirement_1_1_0_added() -> None:
    runner = CliRunner()
    args = ["spec", "diff", str(RELEASES / "1.0.0"), str(RELEASES / "1.1.0")]
    text = runner.invoke(app, args).stdout
    assert "requirement-added" in text and "new MUST requirement DISC-015 (class discovery)" in text
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    added = [c for c in data["changes"] if c["id"] == "requirement-added"]
    assert [(c["where"], c["file"], c["new"]["id"]) for c in added] == [
        ("requirement DISC-015", "requirements.yaml", "DISC-015")
    ]
    assert data["summary"]["non-breaking"] == 2  # the minCapacity parameter and DISC-015
    markdown = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert "| non-breaking | `requirement-added` | requirement DISC-015 |" in markdown


def test_changelog_of_the_releases_names_both_versions_and_the_requirement() -> None:
    result = CliRunner().invoke(app, ["spec", "changelog", str(RELEASES / "1.0.0"), str(RELEASES / "1.1.0")])
    text = result.stdout
    assert result.exit_code == 0 and text.startswith("# Changes from 1.0.0 to 1.1.0\n")
    assert "1 change to the requirements catalogue" in text
    section = text[text.index("## Requirements catalogue") :]
    assert "**requirement DISC-015**: new MUST requirement DISC-015" in section
    assert "It reads: The minCapacity filter MUST return" in section
    assert "## Added" in text and text.index("## Added") < text.index("## Requirements catalogue")


def test_changelog_tells_client_apps_what_a_requirement_on_them_asks() -> None:
    result = CliRunner().invoke(app, ["spec", "changelog", str(RELEASES / "1.3.0"), str(RELEASES / "1.4.0")])
    entries = {line.split("**")[1]: line for line in result.stdout.splitlines() if line.startswith("- **requirement")}
    assert "Client apps it applies to: meet it" in entries["requirement EVT-008"]  # appliesTo: client
    assert "Servers it applies to: meet it" in entries["requirement EVT-006"]  # a server's duty


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def _edit_yaml(path: Path, change: Callable[[Any], Any]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _set_version(folder: Path, version: Version) -> None:
    def change(d: Doc) -> None:
        d["info"]["version"] = str(version)
        for server in d["servers"]:
            server["url"] = server["url"].rsplit("/v", 1)[0] + f"/v{version.url_major}"

    _edit_yaml(folder / "openapi.yaml", change)


def _working_version() -> Version:
    version = Version.parse(str(loader.load(releases.WORKING / "openapi.yaml").root["info"]["version"]))
    assert version is not None
    return version


def _first_must(data: Doc) -> Doc:
    return next(r for r in data["requirements"] if r["level"] == "MUST")


@pytest.fixture
def working(tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of the working spec: the one compared with, and the one to change."""
    return _copy(releases.WORKING, tmp_path / "old"), _copy(releases.WORKING, tmp_path / "new")


CATALOGUE_EDITS: dict[str, tuple[Callable[[Doc], Any], Bump]] = {
    "a new MUST": (
        lambda d: d["requirements"].append(req("DISC-999", en="Search MUST be quick.")),
        "minor",
    ),
    "a MUST reworded": (lambda d: _first_must(d)["text"].update(en="Something else MUST hold."), "minor"),
    "a requirement removed": (lambda d: d["requirements"].remove(_first_must(d)), "major"),
    "a MUST lowered to SHOULD": (lambda d: _first_must(d).update(level="SHOULD"), "major"),
}


@pytest.mark.parametrize("name", sorted(CATALOGUE_EDITS))
def test_check_version_demands_the_bump_a_catalogue_change_needs(working: tuple[Path, Path], name: str) -> None:
    old, new = working
    edit, needed = CATALOGUE_EDITS[name]
    _edit_yaml(new / "requirements.yaml", edit)
    runner = CliRunner()
    kept = runner.invoke(app, ["spec", "check-version", str(old), str(new)])
    version = _working_version()
    assert kept.exit_code == 1, kept.stdout
    assert kept.stdout.startswith(f"{version} → {version}: FAILED (needs: {needed}, made: none")
    assert f"need a {needed} bump" in kept.stdout and f"{version.bumped(needed)} at least" in kept.stdout
    assert "requirement-" in kept.stdout and BUMP_NEEDED[B if needed == "major" else N] in kept.stdout
    _set_version(new, version.bumped(needed))
    bumped = runner.invoke(app, ["spec", "check-version", str(old), str(new)])
    assert bumped.exit_code == 0 and ": OK (needs: " + needed in bumped.stdout, bumped.stdout


def test_changelog_of_an_unversioned_change_says_it_is_not_versioned(working: tuple[Path, Path]) -> None:
    old, new = working
    version = _working_version()
    runner = CliRunner()
    same = runner.invoke(app, ["spec", "changelog", str(old), str(new)]).stdout
    assert same.startswith(f"# No changes since {version}\n") and "No changes to the interface." in same
    _edit_yaml(new / "requirements.yaml", CATALOGUE_EDITS["a new MUST"][0])
    text = runner.invoke(app, ["spec", "changelog", str(old), str(new)]).stdout
    assert text.startswith(f"# Changes since {version}, not yet versioned\n")
    assert f"`info.version` still says {version}; these changes need a minor bump: {version.bumped('minor')}" in text
    assert "does not pass `bokbid spec check-version`" in text
    assert (
        "**requirement DISC-999**: new MUST requirement DISC-999" in text and "It reads: Search MUST be quick." in text
    )
    _set_version(new, version.bumped("minor"))
    versioned = runner.invoke(app, ["spec", "changelog", str(old), str(new)]).stdout
    assert versioned.startswith(f"# Changes from {version} to {version.bumped('minor')}\n")


def test_release_freezes_a_catalogue_only_change_once_the_version_is_raised(tmp_path: Path) -> None:
    root = tmp_path / "releases"
    first, _ = releases.freeze(_copy(releases.WORKING, tmp_path / "first"), root)
    source = _copy(releases.WORKING, tmp_path / "v1")
    _edit_yaml(source / "requirements.yaml", CATALOGUE_EDITS["a new MUST"][0])
    _set_version(source, _working_version().bumped("patch"))
    with pytest.raises(ValueError, match="need a minor bump"):
        releases.freeze(source, root)
    version = _working_version().bumped("minor")
    _set_version(source, version)
    second, verdict = releases.freeze(source, root)
    assert verdict is not None and verdict.required == "minor" and second.name == str(version)
    text = (second / releases.CHANGELOG).read_text(encoding="utf-8")
    assert text.startswith(f"# Changes from {first.name} to {version}\n")
    assert "## Requirements catalogue" in text and "DISC-999" in text and "No changes to the interface." in text
    assert releases.verify(second) == []
    assert (
        changelog.render(versioning.check(loader.load(first / "openapi.yaml"), loader.load(second / "openapi.yaml")))
        == text
    )
