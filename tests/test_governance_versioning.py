"""`bokbid spec check-version` and `bokbid spec changelog`: the versioning policy as a check."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from governance_docs import base, doc
from typer.testing import CliRunner

from cli import app
from spec.governance import changelog, versioning
from spec.governance.semver import Version

TODAY = date(2026, 6, 1)
Doc = dict[str, Any]


def versions(
    old_version: str, new_version: str, change: Any = None, old_change: Any = None, new_url: str | None = None
) -> versioning.Verdict:
    old, new = base(), base()
    old["info"]["version"], new["info"]["version"] = old_version, new_version
    old["servers"][0]["url"] = f"https://api.example.org/v{Version.parse(old_version).url_major}"  # type: ignore[union-attr]
    new["servers"][0]["url"] = new_url or f"https://api.example.org/v{Version.parse(new_version).url_major}"  # type: ignore[union-attr]
    if old_change:
        old_change(old)
        old_change(new)
    if change:
        change(new)
    return versioning.check(doc(old), doc(new), TODAY)


def add_endpoint(d: Doc) -> None:
    d["paths"]["/tags"] = {"get": {"operationId": "listTags", "responses": {"200": {"description": "ok"}}}}


def remove_endpoint(d: Doc) -> None:
    d["paths"].pop("/items/{itemId}")


def describe(d: Doc) -> None:
    d["components"]["schemas"]["Item"]["description"] = "Something for sale."


def deprecate_get(sunset: str) -> Any:
    def change(d: Doc) -> None:
        d["paths"]["/items/{itemId}"]["get"].update({"deprecated": True, "x-sunset": sunset})

    return change


@pytest.mark.parametrize(
    ("old", "new", "change", "ok", "required"),
    [
        ("1.2.0", "1.2.0", None, True, "none"),
        ("1.2.0", "1.2.1", None, True, "none"),
        ("1.2.0", "1.2.0", describe, False, "patch"),
        ("1.2.0", "1.2.1", describe, True, "patch"),
        ("1.2.0", "1.2.1", add_endpoint, False, "minor"),
        ("1.2.0", "1.3.0", add_endpoint, True, "minor"),
        ("1.2.0", "1.3.0", deprecate_get("2027-01-01"), True, "minor"),
        ("1.2.0", "1.3.0", remove_endpoint, False, "major"),
        ("1.2.0", "1.1.0", None, False, "none"),
        ("0.3.0", "0.3.1", remove_endpoint, False, "minor"),
        ("0.3.0", "0.4.0", remove_endpoint, True, "minor"),
        ("0.3.0", "0.4.0", add_endpoint, True, "minor"),
        ("0.9.0", "1.0.0", remove_endpoint, True, "minor"),
    ],
)
def test_bump_follows_from_the_changes(old: str, new: str, change: Any, ok: bool, required: str) -> None:
    verdict = versions(old, new, change)
    assert (verdict.ok, verdict.required) == (ok, required), verdict.problems


def test_a_breaking_change_from_1_0_needs_a_new_major_and_a_new_url() -> None:
    same_url = versions("1.2.0", "2.0.0", deprecate_get("2026-01-01"), new_url="https://api.example.org/v1")
    assert not same_url.ok
    assert any("must end in /v2" in p for p in same_url.problems)


def test_removal_from_1_0_only_after_deprecation_with_a_passed_sunset() -> None:
    not_deprecated = versions("1.2.0", "2.0.0", remove_endpoint)
    assert not not_deprecated.ok
    assert any("not deprecated with an x-sunset" in p for p in not_deprecated.problems)
    too_early = versions("1.2.0", "2.0.0", remove_endpoint, old_change=deprecate_get("2027-01-01"))
    assert not too_early.ok
    after_sunset = versions("1.2.0", "2.0.0", remove_endpoint, old_change=deprecate_get("2026-05-31"))
    assert after_sunset.ok, after_sunset.problems
    minor_after_sunset = versions("1.2.0", "1.3.0", remove_endpoint, old_change=deprecate_get("2026-05-31"))
    assert not minor_after_sunset.ok  # removal is still breaking: only a major version may do it


def test_during_0x_a_removal_is_noted_not_refused() -> None:
    verdict = versions("0.3.0", "0.4.0", remove_endpoint)
    assert verdict.ok
    assert any("allowed while the major version is 0" in n for n in verdict.notes)


def test_reasons_name_the_changes_that_need_the_bump() -> None:
    verdict = versions("1.2.0", "1.2.1", add_endpoint)
    text = versioning.render_text(verdict)
    assert text.startswith("1.2.0 → 1.2.1: FAILED (needs: minor, made: patch")
    assert "endpoint-added: GET /tags" in text


def test_invalid_versions_are_refused() -> None:
    old, new = base(), base()
    new["info"]["version"] = "2"
    verdict = versioning.check(doc(old), doc(new), TODAY)
    assert not verdict.ok and "not a semantic version" in verdict.problems[0]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("1.2.3", (1, 2, 3, "")), ("0.1.0-rc.1", (0, 1, 0, "rc.1")), ("1.2", None), ("01.2.3", None), ("v1.2.3", None)],
)
def test_semver_parsing(text: str, parsed: tuple[int, int, int, str] | None) -> None:
    version = Version.parse(text)
    assert (None if version is None else (version.major, version.minor, version.patch, version.prerelease)) == parsed


def test_semver_precedence() -> None:
    order = ["0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0", "1.0.1", "1.1.0", "2.0.0"]
    parsed = [Version.parse(v) for v in order]
    assert sorted(parsed, key=lambda v: v.key()) == parsed  # type: ignore[union-attr]
    assert Version.parse("1.0.0").bump_to(Version.parse("1.0.0")) == "none"  # type: ignore[union-attr,arg-type]
    assert Version.parse("1.1.0").bump_to(Version.parse("1.0.9")) is None  # type: ignore[union-attr,arg-type]


@pytest.mark.parametrize(
    ("version", "bump", "lowest"),
    [
        ("1.1.0", "minor", "1.2.0"),
        ("1.1.3", "major", "2.0.0"),
        ("1.1.3", "patch", "1.1.4"),
        ("1.1.3", "none", "1.1.3"),
        ("2.0.0-rc.1", "patch", "2.0.0"),
        ("0.3.2", "minor", "0.4.0"),
    ],
)
def test_the_lowest_version_that_makes_a_bump(version: str, bump: str, lowest: str) -> None:
    old = Version.parse(version)
    assert old is not None
    new = old.bumped(bump)  # type: ignore[arg-type]
    assert str(new) == lowest and old.bump_to(new) == bump


def test_changelog_groups_changes_and_says_what_to_do() -> None:
    def change(d: Doc) -> None:
        add_endpoint(d)
        remove_endpoint(d)
        describe(d)
        d["paths"]["/items"]["post"].update({"deprecated": True, "x-sunset": "2027-03-01"})
        d["components"]["schemas"]["ItemInput"]["properties"]["name"]["maxLength"] = 200

    text = changelog.render(versions("1.2.0", "2.0.0", change))
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections == ["## Breaking", "## Added", "## Changed", "## Deprecated"]
    assert "**/items/{itemId}**: path /items/{itemId} removed (GET). Clients: stop relying on it." in text
    assert "**GET /tags**: new operation listTags. Servers: implement it." in text
    assert "Servers: accept the wider input." in text
    assert "Clients: move away from it before its sunset (2027-03-01)." in text
    assert "Documentation only (no action):" in text
    assert "- schema Item › description: description changed" in text
    assert "does not pass `bokbid spec check-version`" in text  # removal without deprecation


def test_changelog_of_no_change() -> None:
    assert "No changes to the interface." in changelog.render(versions("1.2.0", "1.2.0"))


def test_cli_check_version_and_changelog(tmp_path: Path) -> None:
    old, new, bad = base(), base(), base()
    add_endpoint(new)
    new["info"]["version"] = "1.1.0"
    add_endpoint(bad)
    for name, d in (("old", old), ("new", new), ("bad", bad)):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(d))
    runner = CliRunner()
    ok = runner.invoke(app, ["spec", "check-version", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")])
    assert ok.exit_code == 0 and "OK" in ok.stdout
    failed = runner.invoke(app, ["spec", "check-version", str(tmp_path / "old.yaml"), str(tmp_path / "bad.yaml")])
    assert failed.exit_code == 1 and "need a minor bump" in failed.stdout
    out = tmp_path / "CHANGELOG.md"
    written = runner.invoke(
        app, ["spec", "changelog", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--out", str(out)]
    )
    assert written.exit_code == 0
    assert out.read_text().startswith("# Changes from 1.0.0 to 1.1.0")


def test_changelog_lists_one_change_in_many_places_once() -> None:
    def change(d: Doc) -> None:
        for i in range(4):
            d["paths"][f"/tags{i}"] = {
                "get": {"operationId": f"listTags{i}", "responses": {"200": {"description": "ok"}}}
            }
        d["components"]["schemas"]["Item"]["properties"]["weight"] = {"type": "integer"}

    text = changelog.render(versions("1.2.0", "1.3.0", change))
    entries = [line for line in text.splitlines() if "response-optional-property-added" in line]
    assert (
        len(entries) == 1
        and entries[0].startswith("- **")
        and " places**: new optional property `weight`" in entries[0]
    )
    places = int(entries[0].split("**")[1].split()[0])
    assert places >= 3 and text.count("\n  - ") == places
    assert text.count("new operation listTags") == 4  # different changes stay separate entries
