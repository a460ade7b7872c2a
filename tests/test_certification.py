"""The harness against the reference server: the clean server passes everything, on both databases.

This is the "no false failures" half of BRIEF §4; tests/test_faults.py is the "no false passes" half.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from test_server_support import BROWSER_ORIGIN

import spec
from conformance.config import Budget
from conformance.registry import all_checks
from conformance.runner import certify, run_certification
from reference_server.launcher import background_server

# The classes of issue 3, which must hold under real concurrency (several workers, PostgreSQL).
BOOKING_SIDE = ("booking", "access", "payments", "activities", "season-allocation")


def _certify(url: str, report_dir: Path, seed: int, profile: str | None = None) -> tuple[int, dict]:
    code = certify(
        base_url=url, profile=profile, report_dir=report_dir, seed=seed, quiet=True, cors_origin=BROWSER_ORIGIN
    )
    return code, json.loads((report_dir / "report.json").read_text(encoding="utf-8"))


def _assert_all_passed(code: int, report: dict) -> None:
    failed = [(r["id"], r["message"]) for r in report["results"] if r["status"] != "passed"]
    assert failed == []
    assert code == 0
    assert report["summary"]["failed"] == report["summary"]["errors"] == report["summary"]["skipped"] == 0
    assert {"core", "discovery", "test-interface", *BOOKING_SIDE} <= {r["class"] for r in report["results"]}


@pytest.mark.parametrize("seed", [11, 20261127])
def test_reference_server_on_sqlite_passes_every_check(sqlite_url: str, tmp_path: Path, seed: int) -> None:
    with background_server(cors_origins=(BROWSER_ORIGIN,), db=sqlite_url) as url:
        code, report = _certify(url, tmp_path / "report", seed)
    _assert_all_passed(code, report)
    assert report["seed"] == seed
    assert (tmp_path / "report" / "junit.xml").is_file()
    assert (tmp_path / "report" / "report.html").is_file()


@pytest.mark.timeout(900)
def test_the_clean_server_passes_every_check_on_ten_seeds(sqlite_url: str, tmp_path: Path) -> None:
    """The same product gets the same verdict whatever the seed (the fuzz phase is tested above)."""
    with background_server(cors_origins=(BROWSER_ORIGIN,), db=sqlite_url) as url:
        for seed in range(1, 11):
            report_dir = tmp_path / f"seed-{seed}"
            code = run_certification(
                base_url=url,
                profile=None,
                report_dir=report_dir,
                seed=seed,
                timeout=10.0,
                quiet=True,
                checks=all_checks(),
                budget=Budget(0, 0),
                cors_origin=BROWSER_ORIGIN,
            )
            _assert_all_passed(code, json.loads((report_dir / "report.json").read_text(encoding="utf-8")))


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [42, 20261127])
def test_booking_side_classes_pass_on_postgresql_with_four_workers(pg_url: str, tmp_path: Path, seed: int) -> None:
    """No overlap, no overbooking, no lost hold, no event skipped across four processes sharing one database."""
    checks = [c for c in all_checks() if c.cls in (*BOOKING_SIDE, "events")]
    with background_server(cors_origins=(BROWSER_ORIGIN,), db=pg_url, workers=4) as url:
        code = run_certification(
            base_url=url,
            profile=None,
            report_dir=tmp_path / "report",
            seed=seed,
            timeout=10.0,
            quiet=True,
            checks=checks,
            cors_origin=BROWSER_ORIGIN,
        )
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert [(r["id"], r["message"]) for r in report["results"] if r["status"] != "passed"] == []
    assert code == 0
    assert {*BOOKING_SIDE, "events"} <= {r["class"] for r in report["results"]}


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [5, 4711])
def test_reference_server_on_postgresql_with_two_workers_passes_every_check(
    pg_url: str, tmp_path: Path, seed: int
) -> None:
    with background_server(cors_origins=(BROWSER_ORIGIN,), db=pg_url, workers=2) as url:
        code, report = _certify(url, tmp_path / "report", seed)
    _assert_all_passed(code, report)


@pytest.mark.parametrize("profile", [p["id"] for p in spec.conformance()["profiles"]])
def test_each_profile_is_certified_or_refused_for_exactly_its_missing_classes(
    sqlite_url: str, tmp_path: Path, profile: str
) -> None:
    """While classes are still being added to the reference server, a profile needing one it does
    not serve yet must be refused, naming it; once all are served, the profile must pass."""
    chosen = spec.profile(profile)
    assert chosen is not None
    with background_server(cors_origins=(BROWSER_ORIGIN,), db=sqlite_url) as url:
        declared = httpx.get(f"{url}/conformance").json()["conformsTo"]
        code, report = _certify(url, tmp_path / "report", 3, profile=profile)
    assert report["profile"] == profile
    missing = [c for c in chosen["required"] if c not in declared]
    if missing:
        assert code == 1
        for cls in missing:
            assert any(f"requires the {cls} class" in reason for reason in report["refused"]), report["refused"]
        return
    _assert_all_passed(code, report)
    assert report["optionalClasses"]["certified"] == [c for c in chosen["optional"] if c in declared]
    assert set(report["certifiedClasses"]) == {
        "test-interface",
        *chosen["required"],
        *report["optionalClasses"]["certified"],
    }


def test_a_profile_is_refused_on_a_production_server(sqlite_url: str, tmp_path: Path) -> None:
    with background_server(cors_origins=(BROWSER_ORIGIN,), db=sqlite_url, production=True) as url:
        code, report = _certify(url, tmp_path / "report", 4, profile="kommunens-processtod-bas")
    assert code == 1 and any("test-interface" in reason for reason in report["refused"])


def test_a_production_server_is_refused_for_lack_of_a_test_interface(sqlite_url: str, tmp_path: Path) -> None:
    with background_server(cors_origins=(BROWSER_ORIGIN,), db=sqlite_url, production=True) as url:
        code = certify(base_url=url, profile=None, report_dir=tmp_path / "report", seed=1, quiet=True)
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert code == 1
    assert "test-interface" in json.dumps(report["refused"])


def test_a_bas_product_without_optional_classes_is_certified(sqlite_url: str, tmp_path: Path) -> None:
    """A product of the bas profile that offers no payments: the test hooks of payments are not part of
    its test interface (TEST-010 `onlyWith: [payments]`), so their checks are skipped with the reason,
    and nothing of a class it does not declare is held against it."""
    with background_server(cors_origins=(BROWSER_ORIGIN,), db=sqlite_url, classes=("discovery", "booking")) as url:
        declared = httpx.get(f"{url}/conformance").json()["conformsTo"]
        code, report = _certify(url, tmp_path / "report", 5, profile="kommunens-processtod-bas")
    assert declared == ["core", "discovery", "test-interface", "booking"]
    assert code == 0
    assert {r["class"] for r in report["results"]} <= set(declared)
    skipped = {r["id"]: r["message"] for r in report["results"] if r["status"] == "skipped"}
    assert set(skipped) == {c.id for c in all_checks() if "TEST-010" in c.requirements}
    assert all("applies only with payments" in m for m in skipped.values())
    verdicts = {v["id"]: v["verdict"] for v in report["requirements"]}
    assert verdicts["TEST-010"] == "skipped" and verdicts["BOOK-004"] == "passed"


def test_cors_is_skipped_without_an_origin_and_says_how_to_test_it(sqlite_url: str, tmp_path: Path) -> None:
    checks = [c for c in all_checks() if "CORE-030" in c.requirements]
    with background_server(db=sqlite_url) as url:
        code = run_certification(
            base_url=url, profile=None, report_dir=tmp_path, seed=1, timeout=10.0, quiet=True, checks=checks
        )
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    skipped = {r["id"]: r["message"] for r in report["results"] if r["status"] == "skipped"}
    assert code == 0 and set(skipped) == {c.id for c in checks} and len(checks) == 2
    assert all("--cors-origin" in message for message in skipped.values())
    assert report["corsOrigin"] is None and "--cors-origin" not in report["rerun"]
