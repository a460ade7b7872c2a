"""`bokbid spec lint`: every rule has a document that breaks it and one that passes, and our spec passes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from governance_docs import base, doc
from openapi_spec_validator import validate as osv_validate
from typer.testing import CliRunner

from cli import app
from spec.governance import lint, loader, releases
from spec.governance.semver import Version

Doc = dict[str, Any]


def _op(d: Doc, path: str = "/items", method: str = "get") -> Doc:
    return d["paths"][path][method]


def _schema(d: Doc, name: str) -> Doc:
    return d["components"]["schemas"][name]


def _set(d: Doc, change: Callable[[Doc], object]) -> Doc:
    change(d)
    return d


# rule id → how to break it, starting from a document that passes every rule
BREAKERS: dict[str, Callable[[Doc], object]] = {
    "oas3-schema": lambda d: d["info"].pop("title"),
    "oas3-json-schema": lambda d: _schema(d, "Item")["properties"]["name"].update(minLength=-1),
    "oas3-unresolved-ref": lambda d: _schema(d, "ItemPage")["properties"]["items"]["items"].update(
        {"$ref": "#/components/schemas/Nothing"}
    ),
    "path-params-declared": lambda d: d["paths"]["/items/{itemId}"].pop("parameters"),
    "parameter-unique": lambda d: _op(d)["parameters"].append(dict(_op(d)["parameters"][2])),
    "info-version-semver": lambda d: d["info"].update(version="1.0"),
    "version-header": lambda d: d["components"]["responses"]["Problem"].pop("headers"),
    "no-empty-keys": lambda d: _schema(d, "Item")["properties"]["name"].update({"at most 80 characters.": None}),
    "servers-major-version": lambda d: d["servers"][0].update(url="https://api.example.org/v2"),
    "servers-https": lambda d: d["servers"][0].update(url="http://api.example.org/v1"),
    "error-problem-json": lambda d: d["components"]["responses"].update(
        Problem={
            "description": "An error.",
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "example": {"type": "x", "title": "x", "status": 400},
                }
            },
        }
    ),
    "problem-schema-rfc9457": lambda d: _schema(d, "Problem")["properties"].pop("instance"),
    "bad-request-declared": lambda d: _op(d, "/items", "post")["responses"].pop("400"),
    "unauthorized-declared": lambda d: _op(d, "/items", "post")["responses"].pop("401"),
    "success-response-declared": lambda d: _op(d, "/items/{itemId}").update(
        responses={
            "404": {"$ref": "#/components/responses/Problem"},
            "400": {"$ref": "#/components/responses/Problem"},
            "401": {"$ref": "#/components/responses/Problem"},
        }
    ),
    "path-kebab-case": lambda d: d["paths"].update({"/itemGroups": d["paths"].pop("/items")}),
    "path-no-trailing-slash": lambda d: d["paths"].update({"/items/": d["paths"].pop("/items")}),
    "parameter-camel-case": lambda d: _op(d)["parameters"][2].update(name="item_colour"),
    "property-camel-case": lambda d: _schema(d, "Item")["properties"].update(created_by={"type": "string"}),
    "schema-name-pascal-case": lambda d: d["components"]["schemas"].update(
        itemNote={"type": "string", "description": "A note."}
    ),
    "operation-id-present": lambda d: _op(d).pop("operationId"),
    "operation-id-unique": lambda d: _op(d, "/items/{itemId}").update(operationId="listItems"),
    "date-format": lambda d: _schema(d, "Item")["properties"].update(updatedAt={"type": "string"}),
    "pagination-params": lambda d: _op(d)["parameters"].pop(0),
    "operation-security-defined": lambda d: (d.pop("security"), _op(d, "/items", "post").pop("security", None)),
    "security-no-basic-digest": lambda d: d["components"]["securitySchemes"].update(
        basicAuth={"type": "http", "scheme": "basic"}
    ),
    "api-key-in-header": lambda d: d["components"]["securitySchemes"].update(
        apiKey={"type": "apiKey", "in": "query", "name": "key"}
    ),
    "security-scheme-defined": lambda d: _op(d, "/items", "post").update(security=[{"oauth": []}]),
    "no-personnummer-in-url": lambda d: _op(d)["parameters"].append(
        {
            "name": "personalIdentityNumber",
            "in": "query",
            "description": "The person.",
            "schema": {"type": "string"},
            "example": "x",
        }
    ),
    "examples-present": lambda d: _op(d, "/items", "post")["requestBody"]["content"]["application/json"].pop("example"),
    "parameter-examples-present": lambda d: _op(d)["parameters"][2].pop("example"),
    "examples-valid": lambda d: _op(d, "/items", "post")["requestBody"]["content"]["application/json"].update(
        example={"colour": "red"}
    ),
    "schema-default-valid": lambda d: d["components"]["parameters"]["Limit"]["schema"].update(default=1000),
    "info-contact": lambda d: d["info"].pop("contact"),
    "info-license": lambda d: d["info"].pop("license"),
    "operation-summary": lambda d: _op(d).pop("summary"),
    "parameter-description": lambda d: _op(d)["parameters"][2].pop("description"),
    "schema-description": lambda d: _schema(d, "Item").pop("description"),
    "tag-defined": lambda d: _op(d)["tags"].append("things"),
    "deprecated-sunset": lambda d: _op(d, "/items/{itemId}").update(deprecated=True),
    "sunset-requires-deprecated": lambda d: _op(d, "/items/{itemId}").update({"x-sunset": "2027-01-01"}),
}


def _rules_found(root: Doc) -> set[str]:
    return {f.rule for f in lint.lint(doc(root))}


def test_the_base_document_passes_every_rule() -> None:
    assert lint.lint(doc(base())) == []


def test_there_are_at_least_twenty_rules_each_with_a_breaking_case() -> None:
    rules = lint.all_rules()
    assert len(rules) >= 20
    assert set(BREAKERS) == set(rules)
    assert {r.severity for r in rules.values()} == {"error", "warn", "info"}


@pytest.mark.parametrize("rule_id", sorted(BREAKERS))
def test_rule_reports_a_document_that_breaks_it(rule_id: str) -> None:
    broken = _set(base(), BREAKERS[rule_id])
    findings = [f for f in lint.lint(doc(broken)) if f.rule == rule_id]
    assert findings, f"{rule_id} did not notice"
    rule = lint.all_rules()[rule_id]
    for f in findings:
        assert f.severity == rule.severity
        assert f.pointer.startswith("#")
        assert len(f.message) > 20
    assert rule_id not in _rules_found(base())


def test_findings_point_at_the_offending_place() -> None:
    broken = _set(base(), BREAKERS["property-camel-case"])
    [finding] = lint.lint(doc(broken), only=["property-camel-case"])
    assert finding.pointer == "#/components/schemas/Item/properties/created_by"
    assert "createdBy" in finding.message
    broken = _set(base(), BREAKERS["examples-valid"])
    [finding] = lint.lint(doc(broken), only=["examples-valid"])
    assert finding.pointer == "#/paths/~1items/post/requestBody/content/application~1json/example"
    assert "name" in finding.message


def test_personnummer_is_recognised_by_pattern_and_example_not_only_by_name() -> None:
    by_pattern = _set(
        base(),
        lambda d: _op(d)["parameters"].append(
            {
                "name": "owner",
                "in": "query",
                "description": "Owner.",
                "schema": {"type": "string", "pattern": "^[0-9]{12}$"},
                "example": "x",
            }
        ),
    )
    by_example = _set(
        base(),
        lambda d: _op(d)["parameters"].append(
            {
                "name": "owner",
                "in": "query",
                "description": "Owner.",
                "schema": {"type": "string"},
                "example": "19800412-0007",
            }
        ),
    )
    organisation_number = _set(
        base(),
        lambda d: _op(d)["parameters"].append(
            {
                "name": "organisationNumber",
                "in": "query",
                "description": "Organisationsnummer.",
                "schema": {"type": "string", "pattern": "^[0-9]{10}$"},
                "example": "8020001234",
            }
        ),
    )
    assert "no-personnummer-in-url" in _rules_found(by_pattern)
    assert "no-personnummer-in-url" in _rules_found(by_example)
    assert "no-personnummer-in-url" not in _rules_found(organisation_number)


def test_anonymous_access_must_be_explicit() -> None:
    empty = _set(base(), lambda d: _op(d, "/items/{itemId}").update(security=[]))
    assert "operation-security-defined" in _rules_found(empty)


def test_major_zero_is_served_at_v1() -> None:
    initial = _set(base(), lambda d: d["info"].update(version="0.3.0"))
    assert "servers-major-version" not in _rules_found(initial)
    v2 = _set(base(), lambda d: (d["info"].update(version="2.0.0"), d["servers"][0].update(url="https://x.org/v2")))
    assert "servers-major-version" not in _rules_found(v2)


@pytest.mark.parametrize("rule_id", ["oas3-schema", "oas3-json-schema", "path-params-declared", "parameter-unique"])
def test_validity_rules_agree_with_openapi_spec_validator(rule_id: str) -> None:
    osv_validate(base())
    with pytest.raises(Exception):  # noqa: B017 - openapi-spec-validator raises several error types
        osv_validate(_set(base(), BREAKERS[rule_id]))


# Rules added with 1.2.0, which the releases before it break (they are frozen as published).
_LEARNT_IN_1_2 = {"version-header", "no-empty-keys"}


def test_our_spec_and_every_release_pass_with_zero_errors() -> None:
    for path in [releases.WORKING / "openapi.yaml", *(folder / "openapi.yaml" for _, folder in releases.releases())]:
        document = loader.load(path)
        errors = [f for f in lint.lint(document) if f.severity == "error"]
        if Version.parse(document.root["info"]["version"]).key() < Version.parse("1.2.0").key():  # type: ignore[union-attr]
            errors = [f for f in errors if f.rule not in _LEARNT_IN_1_2]
        assert errors == [], f"{path}: {errors}"


def test_the_releases_before_1_2_have_the_cut_descriptions_the_new_rule_finds() -> None:
    cut = {
        f.pointer.rsplit("/", 2)[-2]
        for f in lint.lint(loader.load(releases.RELEASES / "1.1.0" / "openapi.yaml"))
        if f.rule == "no-empty-keys"
    }
    assert cut == {"leaderMinAge", "content", "motivation", "code"}


def test_a_duplicated_key_is_refused_with_its_line(tmp_path: Path) -> None:
    text = (releases.WORKING / "openapi.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "openapi.yaml"
    broken.write_text(text.replace("  version: ", "  title: Again\n  version: ", 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["spec", "lint", str(broken)])
    assert result.exit_code == 2
    assert "duplicated key 'title'" in result.output and "line 4" in result.output


def test_lint_follows_split_files_and_names_the_file_to_edit(tmp_path: Path) -> None:
    root = base()
    item = root["components"]["schemas"].pop("Item")
    item["properties"]["owner_name"] = {"type": "string"}
    item["properties"]["colour"] = {"$ref": "openapi.yaml#/components/schemas/Colour"}  # back into the root file
    (tmp_path / "schemas.yaml").write_text(yaml.safe_dump({"components": {"schemas": {"Item": item}}}))
    text = yaml.safe_dump(root).replace("'#/components/schemas/Item'", "schemas.yaml#/components/schemas/Item")
    (tmp_path / "openapi.yaml").write_text(text)
    findings = lint.lint(loader.load(tmp_path / "openapi.yaml"))
    assert [f.pointer for f in findings if f.rule == "property-camel-case"] == [
        "schemas.yaml#/components/schemas/Item/properties/owner_name"
    ]
    assert not [f for f in findings if f.rule == "oas3-unresolved-ref"]


def test_cli_exit_codes_and_formats(tmp_path: Path) -> None:
    runner = CliRunner()
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(base()))
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_set(base(), BREAKERS["path-kebab-case"])))
    warn_only = tmp_path / "warn.yaml"
    warn_only.write_text(yaml.safe_dump(_set(base(), BREAKERS["operation-summary"])))

    assert runner.invoke(app, ["spec", "lint", str(good)]).exit_code == 0
    assert runner.invoke(app, ["spec", "lint", str(warn_only)]).exit_code == 0
    result = runner.invoke(app, ["spec", "lint", str(bad), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["summary"]["error"] >= 1
    assert {"rule", "severity", "pointer", "message"} <= set(report["findings"][0])
    text = runner.invoke(app, ["spec", "lint", str(bad)])
    assert "path-kebab-case" in text.stdout and "#/paths/~1itemGroups" in text.stdout
    assert runner.invoke(app, ["spec", "lint", str(tmp_path / "missing.yaml")]).exit_code == 2
    assert runner.invoke(app, ["spec", "lint", str(good), "--format", "xml"]).exit_code == 2
    listed = runner.invoke(app, ["spec", "lint", "--rules"]).stdout.splitlines()
    assert len(listed) == len(lint.all_rules())


def test_notes_are_shown_only_when_asked_for() -> None:
    """The working spec has notes but no warnings: by default only the summary line, which says so."""
    runner = CliRunner()
    quiet = runner.invoke(app, ["spec", "lint"])
    notes = lint.counts(lint.lint(loader.load(releases.WORKING / "openapi.yaml")))["info"]
    assert quiet.exit_code == 0 and notes > 0
    assert quiet.stdout.splitlines() == [quiet.stdout.strip()] and f"{notes} below warn not shown" in quiet.stdout
    every = runner.invoke(app, ["spec", "lint", "--min-severity", "info"])
    assert every.stdout.count("\ninfo ") + every.stdout.startswith("info ") == notes
    shown = json.loads(runner.invoke(app, ["spec", "lint", "--format", "json", "--min-severity", "error"]).stdout)
    assert shown["findings"] == [] and shown["summary"]["info"] == notes
    assert runner.invoke(app, ["spec", "lint", "--min-severity", "warning"]).exit_code == 2


def test_cli_lints_the_working_spec_by_default() -> None:
    result = CliRunner().invoke(app, ["spec", "lint"])
    assert result.exit_code == 0, result.stdout
    assert "spec/v1/openapi.yaml: 0 errors" in result.stdout


def test_the_architects_guide_lists_every_rule() -> None:
    guide = (Path(__file__).resolve().parent.parent / "docs" / "architects.md").read_text(encoding="utf-8")
    assert [r for r in lint.all_rules() if f"| `{r}` |" not in guide] == []
