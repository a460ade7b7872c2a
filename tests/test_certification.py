"""The harness against the reference server: the clean server passes everything, on both databases.

This is the "no false failures" half of BRIEF §4; tests/test_faults.py is the "no false passes" half.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.runner import certify
from reference_server.launcher import background_server


def _certify(url: str, report_dir: Path, seed: int, profile: str | None = None) -> tuple[int, dict]:
    code = certify(base_url=url, profile=profile, report_dir=report_dir, seed=seed, quiet=True)
    return code, json.loads((report_dir / "report.json").read_text(encoding="utf-8"))


def _assert_all_passed(code: int, report: dict) -> None:
    failed = [(r["id"], r["message"]) for r in report["results"] if r["status"] != "passed"]
    assert failed == []
    assert code == 0
    assert report["summary"]["failed"] == report["summary"]["errors"] == report["summary"]["skipped"] == 0
    assert {"core", "discovery", "test-interface"} <= {r["class"] for r in report["results"]}


@pytest.mark.parametrize("seed", [11, 20261127])
def test_reference_server_on_sqlite_passes_every_check(sqlite_url: str, tmp_path: Path, seed: int) -> None:
    with background_server(db=sqlite_url) as url:
        code, report = _certify(url, tmp_path / "report", seed)
    _assert_all_passed(code, report)
    assert report["seed"] == seed
    assert (tmp_path / "report" / "junit.xml").is_file()
    assert (tmp_path / "report" / "report.html").is_file()


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [5, 4711])
def test_reference_server_on_postgresql_with_two_workers_passes_every_check(
    pg_url: str, tmp_path: Path, seed: int
) -> None:
    with background_server(db=pg_url, workers=2) as url:
        code, report = _certify(url, tmp_path / "report", seed)
    _assert_all_passed(code, report)


def test_a_profile_is_certified_when_its_classes_are_declared(sqlite_url: str, tmp_path: Path) -> None:
    with background_server(db=sqlite_url) as url:
        code, report = _certify(url, tmp_path / "report", 3, profile="kommunens-processtod-bas")
    _assert_all_passed(code, report)
    assert report["profile"] == "kommunens-processtod-bas"


def test_a_production_server_is_refused_for_lack_of_a_test_interface(sqlite_url: str, tmp_path: Path) -> None:
    with background_server(db=sqlite_url, production=True) as url:
        code = certify(base_url=url, profile=None, report_dir=tmp_path / "report", seed=1, quiet=True)
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert code == 1
    assert "test-interface" in json.dumps(report["refused"])
