"""Versions of the standard: a call-off names a release, and a product is served and certified as that
release says (`bokbid serve --spec-version`, `bokbid certify --spec-version`).

Minor releases are backward compatible, so a product of 1.1.0 passes certification against 1.0.0,
while a product of 1.0.0 certified against 1.1.0 fails on what 1.1.0 added and on nothing else.
Every run here skips the fuzz phase (budget 0): it is tested on its own, and these runs are about
which release the checks follow.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_server_support import BROWSER_ORIGIN, client_for, create, facility
from typer.testing import CliRunner

import spec
from cli import app
from conformance import certificates, supplier_register
from conformance.config import Budget, load_config
from conformance.policy import Policy
from conformance.registry import Check, all_checks
from conformance.runner import run_certification
from conformance.signing import generate_keys, load_private_key, load_public_key
from reference_server.launcher import background_server
from reference_server.settings import Settings

R100, R110 = spec.find_release("1.0.0"), spec.find_release("1.1.0")
assert R100 is not None and R110 is not None
ADDED_IN_110 = spec.requirement_ids(R110) - spec.requirement_ids(R100)
# The product is certified as it stands, without a profile and without fuzzing: the policy for that.
NO_FUZZ_POLICY = Policy(require_profile=False, min_fuzz_examples=0)


def _certify(
    url: str,
    report_dir: Path,
    spec_version: str | None,
    checks: list[Check] | None = None,
    cors_origin: str | None = None,
) -> tuple[int, dict[str, Any], str]:
    """A run of `checks` (default: all) against `spec_version`: exit code, report.json and stderr."""
    err = io.StringIO()
    code = run_certification(
        base_url=url,
        profile=None,
        report_dir=report_dir,
        seed=11,
        timeout=10.0,
        quiet=False,
        checks=all_checks() if checks is None else checks,
        out=io.StringIO(),
        err=err,
        budget=Budget(0, 0),
        spec_version=spec_version,
        cors_origin=cors_origin,
    )
    return code, json.loads((report_dir / "report.json").read_text(encoding="utf-8")), err.getvalue()


def _not_passed(report: dict[str, Any]) -> dict[str, tuple[str, list[str], str]]:
    return {
        r["id"]: (r["status"], r["requirements"], r["message"]) for r in report["results"] if r["status"] != "passed"
    }


@pytest.fixture(scope="module")
def served_100(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("served-100")
    with background_server(db=f"sqlite:///{tmp / 'db.sqlite'}", spec_version="1.0.0") as url:
        yield url


@pytest.fixture(scope="module")
def served_110(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("served-110")
    with background_server(db=f"sqlite:///{tmp / 'db.sqlite'}", spec_version="1.1.0") as url:
        yield url


@pytest.fixture(scope="module")
def run_100_as_100(served_100: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    bundle = tmp_path_factory.mktemp("run-100-as-100")
    code, report, _ = _certify(served_100, bundle, "1.0.0")
    return code, report, bundle


@pytest.fixture(scope="module")
def run_110_as_stated(served_110: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    bundle = tmp_path_factory.mktemp("run-110")
    code, report, err = _certify(served_110, bundle, None)
    assert "against BoB 1.1.0, seed 11" in err
    return code, report, bundle


# ----------------------------------------------------------------------------------------------
# The reader


def test_every_reader_reads_the_release_it_is_given() -> None:
    versions = [spec.version(r) for r in spec.known_releases()]
    assert versions[:3] == ["0.1.0", "1.0.0", "1.1.0"] and len(set(versions)) == len(versions)
    frozen = [spec.version(r) for r in spec.known_releases() if r != spec.WORKING]
    assert (spec.WORKING in spec.known_releases()) == (spec.version(spec.WORKING) not in frozen)
    assert [r.draft for r in spec.known_releases()] == [r == spec.WORKING for r in spec.known_releases()]
    assert spec.find_release("0.9.0") is None and spec.find_release("1.0") is None
    assert sorted(ADDED_IN_110) == ["DISC-015"]
    parameters = {
        r: {p.name for p in spec.operation("listFacilities", r).parameters} for r in (R100, R110, spec.WORKING)
    }
    assert "minCapacity" not in parameters[R100] and "minCapacity" in parameters[R110] & parameters[spec.WORKING]
    assert spec.operation("listFacilities", R100).release == R100
    assert spec.openapi(R100)["info"]["version"] == "1.0.0" and spec.spec_file(R100).parent == R100.folder
    assert len({spec.digest(R100), spec.digest(R110), spec.digest()}) == 3
    assert spec.label(R100) == "BoB 1.0.0"
    assert spec.label(spec.WORKING).endswith(", an unreleased working draft") is spec.WORKING.draft


# ----------------------------------------------------------------------------------------------
# The reference server as a release


def test_the_reference_server_implements_the_release_it_is_given(tmp_path: Path) -> None:
    halls = [{"ref": "small", "name": "Small", "capacity": 20}, {"ref": "big", "name": "Big", "capacity": 200}]
    for version, served in (("1.0.0", ["Big hall", "Small hall"]), ("1.1.0", ["Big hall"])):
        with client_for(f"sqlite:///{tmp_path / version}.db", spec_version=version) as client:
            assert client.get("/v1/api-info").json()["apiVersion"] == version
            assert client.get("/v1/conformance").json()["apiVersion"] == version
            assert yaml.safe_load(client.get("/v1/openapi.yaml").text)["info"]["version"] == version
            create(
                client,
                facilities=[
                    facility("b", "Big hall", units=[halls[1]]),
                    facility("s", "Small hall", units=[halls[0]]),
                ],
            )
            found = client.get("/v1/facilities", params={"minCapacity": 100}).json()["items"]
            assert sorted(f["name"] for f in found) == served, version  # DISC-015 came with 1.1.0
    with client_for(f"sqlite:///{tmp_path}/0.1.0.db", spec_version="0.1.0") as client:
        assert client.get("/v1/conformance").json()["conformsTo"] == ["core", "discovery", "test-interface"]
        assert client.get("/v1/bookings").status_code == 404  # booking came with 1.0.0


def test_serving_an_unknown_version_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown version '0\.9\.0' of the standard; known versions: 0\.1\.0"):
        Settings(spec_version="0.9.0")
    result = CliRunner().invoke(app, ["serve", "--spec-version", "0.9.0", "--db", f"sqlite:///{tmp_path}/b.db"])
    assert result.exit_code == 2 and "known versions: 0.1.0, 1.0.0, 1.1.0" in result.output


# ----------------------------------------------------------------------------------------------
# Certifying against a release


def test_a_product_of_1_0_0_passes_certification_against_1_0_0(
    run_100_as_100: tuple[int, dict[str, Any], Path],
) -> None:
    code, report, _ = run_100_as_100
    not_passed = _not_passed(report)
    assert code == 0, not_passed
    assert report["specVersion"] == "1.0.0" and report["specDigest"] == spec.digest(R100)
    assert report["specDraft"] is False and "--spec-version 1.0.0" in report["rerun"]
    # The checks of DISC-015 (1.1.0), CORE-027 (1.3.0) and CORE-030 (1.4.0) are not run: 1.0.0 does not have
    # those requirements.
    assert not_passed == {
        "discovery.filter-capacity": ("skipped", [], "not applicable: DISC-015 is not part of BoB 1.0.0"),
        "core.error-precedence": ("skipped", [], "not applicable: CORE-027 is not part of BoB 1.0.0"),
        "core.cors-preflight": ("skipped", [], "not applicable: CORE-030 is not part of BoB 1.0.0"),
        "core.cors-responses": ("skipped", [], "not applicable: CORE-030 is not part of BoB 1.0.0"),
    }
    assert {req for r in report["results"] for req in r["requirements"]} <= spec.requirement_ids(R100)
    assert {v["id"] for v in report["requirements"]} <= spec.requirement_ids(R100)


def test_a_product_of_1_1_0_passes_certification_against_1_0_0(served_110: str, tmp_path: Path) -> None:
    code, report, err = _certify(served_110, tmp_path, "1.0.0")
    assert code == 0, _not_passed(report)
    assert report["specVersion"] == "1.0.0" and "against BoB 1.0.0" in err
    assert "/api-info states apiVersion '1.1.0'; the run holds the server to the release asked" in err


def test_a_product_of_1_0_0_fails_against_1_1_0_on_exactly_what_1_1_0_added(served_100: str, tmp_path: Path) -> None:
    code, report, _ = _certify(served_100, tmp_path, "1.1.0")
    assert code == 1 and report["specVersion"] == "1.1.0"
    failed = [r for r in report["results"] if r["status"] in ("failed", "error")]
    assert failed and {req for r in failed for req in r["requirements"]} == ADDED_IN_110, _not_passed(report)
    verdicts = {v["id"]: v["verdict"] for v in report["requirements"]}
    assert {rid for rid, verdict in verdicts.items() if verdict == "failed"} == ADDED_IN_110


def test_by_default_the_run_follows_the_release_the_server_states(
    run_110_as_stated: tuple[int, dict[str, Any], Path],
) -> None:
    code, report, _ = run_110_as_stated
    assert code == 0, _not_passed(report)
    assert report["specVersion"] == "1.1.0" and report["specDigest"] == spec.digest(R110)
    assert "DISC-015" in {v["id"] for v in report["requirements"]}


def test_an_unknown_spec_version_is_a_usage_error(tmp_path: Path) -> None:
    # Refused before any request: nothing listens on the port.
    result = CliRunner().invoke(
        app, ["certify", "--base-url", "http://127.0.0.1:9/v1", "--spec-version", "1.9.0", "--quiet"]
    )
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith("error: unknown --spec-version '1.9.0'; the standard has: 0.1.0, 1.0.0, 1.1.0")


def test_the_config_file_names_the_release(tmp_path: Path) -> None:
    file = tmp_path / "bokbid.toml"
    file.write_text('[certify]\nbase_url = "http://file/v1"\nspec_version = "1.0.0"\n', encoding="utf-8")
    config = load_config(file, env={})
    assert config.spec_version == "1.0.0" and config.sources["spec_version"] == "file"
    assert load_config(file, env={"BOKBID_SPEC_VERSION": "1.1.0"}).spec_version == "1.1.0"
    assert config.record()["settings"]["spec_version"] == {"value": "1.0.0", "source": "file"}


def test_a_stated_version_the_standard_never_had_fails_core_001(sqlite_url: str, tmp_path: Path) -> None:
    api_info = [c for c in all_checks() if "CORE-001" in c.requirements]
    with background_server(db=sqlite_url, fault="api-version-unknown") as url:
        code, report, err = _certify(url, tmp_path, None, api_info)
    assert code == 1 and "/api-info states apiVersion '0.9.0', no version of the standard" in err
    assert _not_passed(report) == {
        "core.api-info": ("failed", ["CORE-001"], "apiVersion is no version of the standard")
    }
    # Nothing else to hold it to: the rest of the run follows the newest version the harness knows.
    assert report["specVersion"] == spec.version(spec.known_releases()[-1])


# ----------------------------------------------------------------------------------------------
# Reports, certificates and the register name the release


def test_reports_and_certificates_name_the_release_and_a_product_may_hold_several(
    run_100_as_100: tuple[int, dict[str, Any], Path],
    run_110_as_stated: tuple[int, dict[str, Any], Path],
    tmp_path: Path,
) -> None:
    generate_keys(tmp_path / "bob.pem", tmp_path / "bob.pub.pem")
    private, public = load_private_key(tmp_path / "bob.pem"), load_public_key(tmp_path / "bob.pub.pem")
    certs = tmp_path / "certs"
    for (_, _, bundle), version in ((run_100_as_100, "1.0.0"), (run_110_as_stated, "1.1.0")):
        manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
        assert (manifest["specVersion"], manifest["specDraft"]) == (version, False)
        assert f'name="specVersion" value="{version}"' in (bundle / "junit.xml").read_text(encoding="utf-8")
        assert f"BoB {version}, a release" in (bundle / "report.html").read_text(encoding="utf-8")
        document = certificates.issue(bundle, private, issuer="BoB", policy=NO_FUZZ_POLICY)
        assert document["certificate"]["specVersion"] == version
        assert f"standard BoB {version} (" in certificates.describe(document["certificate"])[0]
        certificates.write(document, certs / f"{version}.json")
    entries, rejected = supplier_register.build(certs, tmp_path / "site", public)
    assert rejected == [] and [e.status for e in entries] == ["valid", "valid"]
    assert len({(e.certificate["supplier"], e.certificate["product"]["name"]) for e in entries}) == 1
    assert [e.certificate["specVersion"] for e in entries] == ["1.0.0", "1.1.0"]
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<td class="standard">BoB 1.0.0</td>' in index and '<td class="standard">BoB 1.1.0</td>' in index


def test_a_run_against_the_working_draft_says_so_and_gets_no_certificate(sqlite_url: str, tmp_path: Path) -> None:
    """The reference server states the working spec's version: a draft until it is released."""
    stated = spec.find_release(spec.version())
    assert stated is not None
    core = [c for c in all_checks() if c.cls == "core"]
    with background_server(db=sqlite_url, cors_origins=(BROWSER_ORIGIN,)) as url:
        code, report, err = _certify(url, tmp_path, None, core, cors_origin=BROWSER_ORIGIN)
    assert code == 0 and report["specDraft"] is stated.draft
    generate_keys(tmp_path / "bob.pem", tmp_path / "bob.pub.pem")
    key = load_private_key(tmp_path / "bob.pem")
    if stated.draft:
        assert f"against BoB {spec.version()}, an unreleased working draft" in err
        assert "an unreleased working draft" in (tmp_path / "report.html").read_text(encoding="utf-8")
        with pytest.raises(certificates.CertificateError, match="is an unreleased working draft; certify against"):
            certificates.issue(tmp_path, key, issuer="BoB", policy=NO_FUZZ_POLICY)
    else:  # just released: the run followed the release, which is certified like any other
        assert certificates.issue(tmp_path, key, issuer="BoB", policy=NO_FUZZ_POLICY)["certificate"]
